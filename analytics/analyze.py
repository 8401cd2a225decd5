"""``coe analyze``: the short orchestrator of the analysis pipeline, one line per stage."""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from analytics.analysis import (
    ACTION,
    ROOT_CAUSE,
    WHY,
    Analysis,
    Cluster,
    Statement,
    latest_run_key,
    load_analysis,
    save_analysis,
    statement_id,
)
from analytics.cluster import make_clusterer
from analytics.embed import embed_texts, make_embedder
from analytics.label import CTfidfLabeler
from analytics.lint_store import lint_changed
from analytics.masking import entity_pattern, mask, names_to_mask
from analytics.mechanisms import load_taxonomy, prototype_texts, prototypes, taxonomy_digest
from analytics.record import COE
from analytics.store import load_coes, transaction
from analytics.themes import find_themes, leaf_why_ids, match_mechanisms


@dataclass(frozen=True)
class Settings:
    """What an analysis run is made with; stored with the run."""

    embedder: str = "sentence-transformers"
    model: str | None = None
    device: str | None = None
    clusterer: str = "agglomerative"
    seed: int = 0
    full: bool = False
    taxonomy: str | None = None  # a taxonomy file; None: $COE_TAXONOMY, else the shipped one
    timings: dict = field(default_factory=dict, compare=False)


@dataclass
class Memo:
    """What a long-lived process (:mod:`analytics.worker`) keeps between runs on one store.

    Each entry is checked against the store before it is used, so a run made with a memo is
    the run made without one, only faster when little has changed.
    """

    coes: dict = field(default_factory=dict)  # (COE id, document sha256) -> COE
    names: frozenset = frozenset()  # the entity names ``statements`` were masked with
    statements: dict = field(default_factory=dict)  # COE id -> (that COE, its statements)
    analysis: Analysis | None = None  # the last run this process saved
    embedders: dict = field(default_factory=dict)  # (embedder, model, device) -> loaded model


def analyze(
    conn: sqlite3.Connection,
    settings: Settings = Settings(),
    *,
    log: Callable[[str], None] | None = None,
    progress: bool = False,
    memo: Memo | None = None,
) -> Analysis:
    """Embed, cluster and label every stored COE; store and return the run.

    ``memo`` carries a long-lived process's state from its previous runs (see :class:`Memo`).
    """
    log = log or (lambda msg: print(msg, file=sys.stderr))
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    coes = load_coes(conn, None if memo is None else memo.coes)
    statements = collect_statements(coes, memo)
    stage("load")
    n_linted = lint_changed(conn, coes)
    stage("lint")
    log(f"analyze: {len(coes)} COEs, {len(statements)} statements, {n_linted} linted")
    embedder = _embedder(settings, memo)
    # The vector space: the model actually used (its setting may have come from $COE_MODEL).
    # TF-IDF has none that lasts: it is refitted on every run's corpus.
    model_space = getattr(embedder, "cache_key", None)
    space = model_space or settings.embedder
    mechanisms = load_taxonomy(settings.taxonomy)
    previous = None if settings.full else reusable_run(conn, settings, space, statements, memo)
    if previous is not None and previous.settings.get("taxonomy_digest") != taxonomy_digest(
        mechanisms
    ):
        previous = None  # themes are matched to another taxonomy: re-cluster
    corpus = corpus_digest(coes)
    if previous is not None and unchanged(previous, statements, corpus):
        # Another copy of the same run would only grow the store (tens of MB at 10,000 COEs).
        log(f"analyze: nothing changed since run {previous.run}; kept it (--full re-clusters)")
        return previous
    texts = [s.masked for s in statements]
    # The taxonomy's prototype texts are embedded with the statements: one vector space, one
    # cache, and a TF-IDF space fitted on both.
    vectors, n_new = embed_texts(
        embedder, texts + prototype_texts(mechanisms), conn, progress=progress
    )
    vectors, protos = vectors[: len(texts)], prototypes(mechanisms, vectors[len(texts) :])
    stage("embed")
    log(f"analyze: embedded {n_new} new texts ({timings['embed']:.1f}s)")
    clusters: dict[str, tuple[Cluster, ...]] = {}
    assigned: dict[str, str] = {}
    cuts: dict[str, float | None] = {}
    root_profiles = causal_profiles(coes, statements, vectors)
    cue_memo: dict = {}  # cause statement -> the cues it holds, read once per run
    # An extended run keeps each earlier COE's match and matches only the new COEs: a refitted
    # TF-IDF space can tip the embedding's vote, a theme must not lose COEs because others
    # arrived, and reading every statement's cues again cost most of a small run.
    earlier = set() if previous is None else {s.coe for s in previous.statements}
    new_rows = [i for i, s in enumerate(statements) if s.coe not in earlier]
    matched = match_mechanisms(
        [c for c in coes if c.id not in earlier],
        [statements[i] for i in new_rows],
        vectors[new_rows],
        mechanisms,
        protos,
        cue_memo,
    )
    if previous is not None:
        kept = previous.settings.get("mechanism_of", {})
        matched |= {c: m for c, m in kept.items() if c in earlier}
    root_statements = [s for s in statements if s.kind == ROOT_CAUSE]

    def discover(free, block):
        clusterer = make_clusterer(settings.clusterer, settings.seed)
        labels = clusterer.fit_predict(block, groups=[s.coe for s in free]) if free else []
        cuts[ROOT_CAUSE] = clusterer.threshold_ if free else None
        return {s.id: int(n) for s, n in zip(free, labels, strict=True) if n >= 0}

    def extend(previous, kept, free, block):
        cuts[ROOT_CAUSE] = previous.settings["cuts"][ROOT_CAUSE]
        # A cause of a kept theme whose COE now matches a mechanism (a refitted TF-IDF space can
        # tip the embedding's vote) has left it; a theme with no causes left is gone.
        ids = {s.id for s in free}
        kept = [
            replace(t, statements=tuple(m for m in t.statements if m in ids))
            for t in kept
            if any(m in ids for m in t.statements)
        ]
        return extend_clusters(replace(previous, themes=tuple(kept)), ROOT_CAUSE, free, block)

    clusters[ROOT_CAUSE], assigned = find_themes(
        root_statements,
        root_profiles,
        matched,
        mechanisms,
        protos,
        discover,
        previous,
        extend,
        cue_memo,
    )
    for kind, prefix in ((ACTION, "A"), (WHY, "W")):
        rows = [i for i, s in enumerate(statements) if s.kind == kind]
        block = vectors[rows]
        kind_statements = [statements[i] for i in rows]
        if previous is not None:
            found, members = extend_clusters(previous, kind, kind_statements, block)
            cuts[kind] = previous.settings["cuts"][kind]
        else:
            found, members, cuts[kind] = cluster_statements(
                kind_statements, block, prefix, settings
            )
        clusters[kind] = found
        assigned.update(members)
    stage("cluster")
    if previous is not None:
        n_added = len(statements) - len(previous.statements)
        log(
            f"analyze: {n_added} new statements joined the clusters of run {previous.run} "
            "(--full re-clusters)"
        )
    statements = with_clusters(statements, assigned, previous)
    coords, axes = map_2d(  # a refitted TF-IDF space's axes do not carry over
        [s for s in statements if s.kind == ROOT_CAUSE],
        vectors,
        statements,
        previous if model_space else None,
    )
    stage("map")
    analysis = Analysis(
        run=0,
        created_at="",
        settings={
            **settings.__dict__,
            "space": space,
            "taxonomy_digest": taxonomy_digest(mechanisms),
            "mechanism_of": matched,
            "corpus": corpus,
            "timings": timings,
            "cuts": cuts,
            "map_axes": axes,
        },
        statements=statements,
        themes=clusters[ROOT_CAUSE],
        families=clusters[ACTION],
        why_clusters=clusters[WHY],
        coe_theme=coe_themes(statements),
        coords=coords,
    )
    with transaction(conn):
        run = save_analysis(conn, analysis)
    stage("save")
    log(
        f"analyze: run {run}: {len(analysis.themes)} themes, {len(analysis.families)} action "
        f"families, {len(analysis.why_clusters)} why-step clusters; timings {timings}"
    )
    created_at = conn.execute("SELECT created_at FROM analyses WHERE run = ?", (run,)).fetchone()[0]
    analysis = Analysis(**{**analysis.__dict__, "run": run, "created_at": created_at})
    if memo is not None:
        memo.analysis = analysis
    return analysis


def _embedder(settings: Settings, memo: Memo | None):
    """The embedder the settings name; a memo keeps a model loaded across runs."""
    embedder = make_embedder(settings.embedder, model=settings.model, device=settings.device)
    if memo is None or not getattr(embedder, "cache_key", None):
        return embedder  # TF-IDF is fitted on each run's corpus: nothing to keep
    key = (settings.embedder, settings.model, settings.device)
    return memo.embedders.setdefault(key, embedder)


def collect_statements(coes: Sequence[COE], memo: Memo | None = None) -> list[Statement]:
    """Every root cause, why-step and action of every COE, masked for embedding.

    Masking uses the services and teams the corpus names (see :mod:`analytics.masking`). With a
    memo, an unchanged COE's statements are reused while the corpus names the same entities.
    """
    names = names_to_mask(((*c.services, c.team or ""), _cause_text(c)) for c in coes)
    pattern = entity_pattern(names)
    masked: dict[str, str] = {}  # the same sentence recurs across COEs: mask it once
    known = {} if memo is None or memo.names != names else memo.statements
    out: list[Statement] = []
    reused: dict[str, tuple[COE, list[Statement]]] = {}
    for coe in coes:
        hit = known.get(coe.id)
        if hit is None or hit[0] is not coe:
            hit = (coe, coe_statements(coe, pattern, masked))
        reused[coe.id] = hit
        out.extend(hit[1])
    if memo is not None:
        memo.names, memo.statements = names, reused
    return out


def _cause_text(coe: COE) -> str:
    """The text a COE's statements are made of (what masking would change)."""
    return "\n".join(
        (
            *coe.root_causes,
            *(w.answer or w.question or "" for w in coe.whys),
            *(a.title for a in coe.actions),
        )
    )


def coe_statements(coe: COE, pattern, masked: dict[str, str]) -> list[Statement]:
    """One COE's root causes, why-steps and actions; ``masked`` memoises :func:`mask`."""

    def statement(sid: str, kind: str, ref: str, text: str) -> Statement:
        if text not in masked:
            masked[text] = mask(text, pattern)
        return Statement(sid, coe.id, kind, ref, text, masked[text])

    parts = [
        *((ROOT_CAUSE, str(i), t) for i, t in enumerate(coe.root_causes)),
        *((WHY, w.id, w.answer or w.question or "") for w in coe.whys),
        *((ACTION, str(i), a.title) for i, a in enumerate(coe.actions)),
    ]
    out = [statement(statement_id(coe.id, kind, ref), kind, ref, t) for kind, ref, t in parts]
    return [s for s in out if s.masked]


def causal_profiles(
    coes: Sequence[COE], statements: Sequence[Statement], vectors: np.ndarray
) -> np.ndarray:
    """Vectors for clustering root causes by mechanism: each root cause plus where its chain ends.

    A root-cause statement alone is often a few words ("migrations are not reviewed"), and the
    same mechanism is written with different words. The last answer of each why branch states
    the mechanism again in other words, so each root-cause vector is averaged with the mean of
    its COE's leaf whys. Only the leaves: the middle of a chain is often a generic process gap
    ("no test covered it", "the readiness review missed it") that many unrelated incidents
    share, and averaging it in pulled unrelated one-off causes into one theme. Both were masked
    before embedding, so service names, hosts and numbers add nothing to the profile. Returns
    one row per root-cause statement, in the order of ``statements``.
    """
    leaves = leaf_why_ids(coes)
    coe_index: dict[str, int] = {}
    leaf_rows, leaf_coe = [], []
    for i, s in enumerate(statements):
        if s.kind == WHY and s.id in leaves:
            leaf_rows.append(i)
            leaf_coe.append(coe_index.setdefault(s.coe, len(coe_index)))
    sums = np.zeros((len(coe_index), vectors.shape[1]), np.float32)
    np.add.at(sums, leaf_coe, vectors[leaf_rows])
    leaf_mean = sums / np.maximum(np.bincount(leaf_coe, minlength=len(coe_index)), 1)[:, None]
    # Only the root causes' rows: a copy of every vector was a gigabyte at 100,000 COEs.
    root_rows = [i for i, s in enumerate(statements) if s.kind == ROOT_CAUSE]
    out = vectors[root_rows]
    mixed = [
        (j, coe_index[statements[i].coe])
        for j, i in enumerate(root_rows)
        if statements[i].coe in coe_index
    ]
    if mixed:
        rows, owners = (list(x) for x in zip(*mixed, strict=True))
        block = out[rows] + leaf_mean[owners]
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        out[rows] = block / np.where(norms == 0, 1, norms)
    return out


# A COE's action items are distinct remedies: no family holds two of one COE's actions, in a
# full run and when a run is extended.
DISTINCT_WITHIN_COE = frozenset({ACTION})


def cluster_statements(
    statements: Sequence[Statement], vectors: np.ndarray, prefix: str, settings: Settings
) -> tuple[tuple[Cluster, ...], dict[str, str], float | None]:
    """Cluster one kind of statement: the clusters, statement id -> cluster id, and the cut used."""
    if not statements:
        return (), {}, None
    kind = statements[0].kind
    clusterer = make_clusterer(
        settings.clusterer, settings.seed, distinct_within_group=kind in DISTINCT_WITHIN_COE
    )
    labels = clusterer.fit_predict(vectors, groups=[s.coe for s in statements])
    labeler = CTfidfLabeler().fit(
        [s.masked for s in statements], labels, vectors, groups=[s.coe for s in statements]
    )
    found, members = [], {}
    for c in sorted(labeler.keywords_):
        idx = np.flatnonzero(labels == c)
        cid = f"{prefix}{c + 1:02d}"
        for i in idx:
            members[statements[i].id] = cid
        found.append(
            Cluster(
                id=cid,
                kind=kind,
                label=labeler.labels_[c],
                keywords=tuple(labeler.keywords_[c]),
                representative=statements[labeler.representatives_[c]].text,
                statements=tuple(statements[i].id for i in idx),
                coes=tuple(dict.fromkeys(statements[i].coe for i in idx)),
            )
        )
    return tuple(found), members, clusterer.threshold_


# Above this share of new statements, a run re-clusters everything instead of extending.
MAX_NEW_SHARE = 0.1


def reusable_run(
    conn: sqlite3.Connection,
    settings: Settings,
    space: str,
    statements: Sequence[Statement],
    memo: Memo | None = None,
):
    """The latest run, when this one may extend its clusters instead of re-clustering.

    That is when it was made in the same vector space with the same clusterer and seed, recorded
    its cuts, every statement it clustered is still here with the same masked text (no COE was
    changed or removed), and the new statements are at most ``MAX_NEW_SHARE`` of the total.
    """
    kept = memo.analysis if memo is not None else None
    fresh = kept is not None and (kept.run, kept.created_at) == latest_run_key(conn)
    previous = kept if fresh else load_analysis(conn)
    if previous is None or previous.settings.get("space") != space:
        return None
    # New statements join a cluster within its kind's distance cut. k-means and HDBSCAN record
    # none; a kind with no clusters needs none (real write-ups often have no why chain).
    cuts = previous.settings.get("cuts", {})
    # Known-mechanism themes need no cut: new COEs are matched to the taxonomy, not joined.
    discovered = tuple(t for t in previous.themes if t.mechanism is None)
    found = {ROOT_CAUSE: discovered, ACTION: previous.families, WHY: previous.why_clusters}
    if any(k not in cuts or (found[k] and cuts[k] is None) for k in found):
        return None
    keys = ("embedder", "clusterer", "seed")
    if any(previous.settings.get(k) != getattr(settings, k) for k in keys):
        return None
    current = {s.id: s.masked for s in statements}
    if any(current.get(s.id) != s.masked for s in previous.statements):
        return None
    new = len(current) - len(previous.statements)
    return previous if new <= MAX_NEW_SHARE * max(len(current), 1) else None


def corpus_digest(coes: Sequence[COE]) -> str:
    """A digest of which COEs the store holds and which document version each came from."""
    digest = hashlib.sha256()
    for c in coes:
        digest.update(f"{c.id}\0{c.source.sha256}\n".encode())
    return digest.hexdigest()[:32]


def unchanged(previous: Analysis, statements: Sequence[Statement], corpus: str) -> bool:
    """Whether ``previous`` (a reusable run) was made from these very COEs and statements.

    The COEs too: a changed title or date, or a COE with no statements, changes no statement,
    but the dashboard and the precedent index reload only for a new run.
    """
    if previous.settings.get("corpus") != corpus or len(previous.statements) != len(statements):
        return False
    text = {s.id: s.text for s in statements}
    return all(text.get(s.id) == s.text for s in previous.statements)


def extend_clusters(
    previous: Analysis, kind: str, statements: Sequence[Statement], vectors: np.ndarray
):
    """Keep ``previous``'s clusters of one kind and add each new statement to the nearest one.

    A new statement joins the nearest cluster whose centroid is within the run's cut (cosine
    distance) and, for an action, that holds none of its COE's other actions; otherwise it
    stays outside every cluster, as a one-off, until a full re-clustering.
    """
    old = previous.statement_by_id
    found = {
        c.id: c
        for c in (*previous.themes, *previous.families, *previous.why_clusters)
        if c.kind == kind
    }
    members = {s.id: old[s.id].cluster for s in statements if s.id in old and old[s.id].cluster}
    new_rows = [i for i, s in enumerate(statements) if s.id not in old]
    if new_rows and found:
        ids = sorted(found)
        row_of = {s.id: i for i, s in enumerate(statements)}
        centroids = np.stack(
            [vectors[[row_of[m] for m in found[c].statements]].mean(axis=0) for c in ids]
        )
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        sims = vectors[new_rows] @ centroids.T
        cut = previous.settings["cuts"][kind]
        taken: dict[str, set[str]] = {}  # the clusters each COE's statements are in
        for s in statements:
            if s.id in members:
                taken.setdefault(s.coe, set()).add(members[s.id])
        for j, row in enumerate(new_rows):
            used = taken.setdefault(statements[row].coe, set())
            for c in np.argsort(-sims[j]):
                if 1 - sims[j, c] > cut:
                    break
                if kind not in DISTINCT_WITHIN_COE or ids[c] not in used:
                    members[statements[row].id] = ids[c]
                    used.add(ids[c])
                    break
    joined_by_cluster: dict[str, list[Statement]] = {}
    for row in new_rows:
        if statements[row].id in members:
            joined_by_cluster.setdefault(members[statements[row].id], []).append(statements[row])
    grown = []
    for cid, cluster in found.items():
        joined = joined_by_cluster.get(cid, [])
        grown.append(
            Cluster(
                **{
                    **cluster.__dict__,
                    "statements": cluster.statements + tuple(s.id for s in joined),
                    "coes": tuple(dict.fromkeys((*cluster.coes, *(s.coe for s in joined)))),
                }
            )
        )
    return tuple(grown), members


def with_clusters(
    statements: Sequence[Statement], assigned: dict[str, str], previous: Analysis | None
) -> tuple[Statement, ...]:
    """The statements with their clusters; an extended run reuses the unchanged ones' objects."""
    old = previous.statement_by_id if previous is not None else {}
    out = []
    for s in statements:
        cluster = assigned.get(s.id)
        kept = old.get(s.id)
        if (
            kept is None
            or kept.cluster != cluster
            or kept.masked != s.masked
            or kept.text != s.text
        ):
            kept = Statement(s.id, s.coe, s.kind, s.ref, s.text, s.masked, cluster)
        out.append(kept)
    return tuple(out)


def coe_themes(statements: Sequence[Statement]) -> dict[str, str | None]:
    """Each COE's theme: the one most of its root causes fall in (first one on a tie)."""
    votes: dict[str, Counter] = {}
    for s in statements:
        if s.kind == ROOT_CAUSE:
            votes.setdefault(s.coe, Counter())
            if s.cluster:
                votes[s.coe][s.cluster] += 1
    return {coe: (c.most_common(1)[0][0] if c else None) for coe, c in votes.items()}


def map_2d(
    points: Sequence[Statement],
    vectors: np.ndarray,
    statements: Sequence[Statement],
    previous: Analysis | None = None,
):
    """A 2-D map of root-cause embeddings (PCA: deterministic and linear-time), and its axes.

    When ``previous`` is the run being extended and recorded its axes, its points stay where
    they were and only the new ones are placed on the same axes: the map does not move when a
    few COEs arrive, and an extended run skips the fit.
    """
    from sklearn.decomposition import PCA

    if len(points) < 3:
        return {}, None
    index = {s.id: i for i, s in enumerate(statements)}
    axes = previous.settings.get("map_axes") if previous is not None else None
    if axes and len(axes["mean"]) != vectors.shape[1]:
        axes = None
    kept = previous.coords if axes else {}
    todo = [s for s in points if s.id not in kept]
    block = vectors[[index[s.id] for s in todo]]
    if axes:
        xy = (block - np.asarray(axes["mean"])) @ np.asarray(axes["components"]).T
    else:
        # Randomised SVD: the exact solvers took seconds at 10,000 root causes for two components.
        pca = PCA(n_components=2, svd_solver="randomized", random_state=0).fit(block)
        xy = pca.transform(block)
        axes = {
            "mean": pca.mean_.round(6).tolist(),
            "components": pca.components_.round(6).tolist(),
        }
    placed = {
        s.id: (round(float(x), 4), round(float(y), 4)) for s, (x, y) in zip(todo, xy, strict=True)
    }
    return {s.id: kept.get(s.id) or placed[s.id] for s in points}, axes
