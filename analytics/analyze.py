"""``coe analyze``: the short orchestrator of the analysis pipeline, one line per stage."""

from __future__ import annotations

import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from analytics.analysis import (
    ACTION,
    ROOT_CAUSE,
    WHY,
    Analysis,
    Cluster,
    Statement,
    load_analysis,
    save_analysis,
)
from analytics.cluster import make_clusterer
from analytics.embed import embed_texts, make_embedder
from analytics.label import CTfidfLabeler
from analytics.lint_store import lint_changed
from analytics.masking import entity_pattern, mask
from analytics.record import COE, leaf_whys
from analytics.store import load_coes, transaction


@dataclass(frozen=True)
class Settings:
    """What an analysis run is made with; stored with the run."""

    embedder: str = "sentence-transformers"
    model: str | None = None
    device: str | None = None
    clusterer: str = "agglomerative"
    seed: int = 0
    full: bool = False
    timings: dict = field(default_factory=dict, compare=False)


def analyze(
    conn: sqlite3.Connection,
    settings: Settings = Settings(),
    *,
    log: Callable[[str], None] | None = None,
    progress: bool = False,
) -> Analysis:
    """Embed, cluster and label every stored COE; store and return the run."""
    log = log or (lambda msg: print(msg, file=sys.stderr))
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    coes = load_coes(conn)
    statements = collect_statements(coes)
    stage("load")
    n_linted = lint_changed(conn, coes)
    stage("lint")
    log(f"analyze: {len(coes)} COEs, {len(statements)} statements, {n_linted} linted")
    embedder = make_embedder(settings.embedder, model=settings.model, device=settings.device)
    vectors, n_new = embed_texts(embedder, [s.masked for s in statements], conn, progress=progress)
    stage("embed")
    log(f"analyze: embedded {n_new} new texts ({timings['embed']:.1f}s)")
    clusters: dict[str, tuple[Cluster, ...]] = {}
    assigned: dict[str, str] = {}
    cuts: dict[str, float | None] = {}
    root_profiles = causal_profiles(coes, statements, vectors)
    previous = None if settings.full else reusable_run(conn, settings, statements)
    for kind, prefix in ((ROOT_CAUSE, "T"), (ACTION, "A"), (WHY, "W")):
        rows = [i for i, s in enumerate(statements) if s.kind == kind]
        block = root_profiles if kind == ROOT_CAUSE else vectors[rows]
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
        log(
            f"analyze: new statements joined the clusters of run {previous.run} (--full re-clusters)"
        )
    statements = tuple(
        Statement(**{**s.__dict__, "cluster": assigned.get(s.id)}) for s in statements
    )
    coords = map_2d([s for s in statements if s.kind == ROOT_CAUSE], vectors, statements)
    stage("map")
    analysis = Analysis(
        run=0,
        created_at="",
        settings={**settings.__dict__, "timings": timings, "cuts": cuts},
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
    return Analysis(**{**analysis.__dict__, "run": run})


def collect_statements(coes: Sequence[COE]) -> list[Statement]:
    """Every root cause, why-step and action of every COE, masked for embedding.

    Masking uses the services and teams the corpus names (see :mod:`analytics.masking`).
    """
    pattern = entity_pattern({n for c in coes for n in (*c.services, c.team or "")})
    masked: dict[str, str] = {}  # the same sentence recurs across COEs: mask it once

    def statement(sid: str, coe: COE, kind: str, ref: str, text: str) -> Statement:
        if text not in masked:
            masked[text] = mask(text, pattern)
        return Statement(sid, coe.id, kind, ref, text, masked[text])

    out: list[Statement] = []
    for coe in coes:
        for i, text in enumerate(coe.root_causes):
            out.append(statement(f"{coe.id}#rc{i}", coe, ROOT_CAUSE, str(i), text))
        for why in coe.whys:
            out.append(
                statement(
                    f"{coe.id}#why{why.id}", coe, WHY, why.id, why.answer or why.question or ""
                )
            )
        for i, action in enumerate(coe.actions):
            out.append(statement(f"{coe.id}#act{i}", coe, ACTION, str(i), action.title))
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
    leaves = {coe.id: {f"{coe.id}#why{w.id}" for w in leaf_whys(coe.whys)} for coe in coes}
    rows_of: dict[str, list[int]] = {}
    for i, s in enumerate(statements):
        if s.kind == WHY and s.id in leaves.get(s.coe, ()):
            rows_of.setdefault(s.coe, []).append(i)
    # Only the root causes' rows: a copy of every vector was a gigabyte at 100,000 COEs.
    root_rows = [i for i, s in enumerate(statements) if s.kind == ROOT_CAUSE]
    out = vectors[root_rows]
    for j, i in enumerate(root_rows):
        if rows_of.get(statements[i].coe):
            mixed = vectors[i] + vectors[rows_of[statements[i].coe]].mean(axis=0)
            out[j] = mixed / (np.linalg.norm(mixed) or 1)
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
    labeler = CTfidfLabeler().fit([s.masked for s in statements], labels, vectors)
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
    return tuple(found), members, getattr(clusterer, "threshold_", None)


# Above this share of new statements, a run re-clusters everything instead of extending.
MAX_NEW_SHARE = 0.1


def reusable_run(conn: sqlite3.Connection, settings: Settings, statements: Sequence[Statement]):
    """The latest run, when this one may extend its clusters instead of re-clustering.

    That is when it was made with the same embedder, model, clusterer and seed, recorded its
    cuts, every statement it clustered is still here with the same masked text (no COE was
    changed or removed), and the new statements are at most ``MAX_NEW_SHARE`` of the total.
    """
    previous = load_analysis(conn)
    if previous is None or not all(
        previous.settings.get("cuts", {}).get(k) for k in (ROOT_CAUSE, ACTION, WHY)
    ):
        return None
    keys = ("embedder", "model", "clusterer", "seed")
    if any(previous.settings.get(k) != getattr(settings, k) for k in keys):
        return None
    current = {s.id: s.masked for s in statements}
    if any(current.get(s.id) != s.masked for s in previous.statements):
        return None
    new = len(current) - len(previous.statements)
    return previous if new <= MAX_NEW_SHARE * max(len(current), 1) else None


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


def coe_themes(statements: Sequence[Statement]) -> dict[str, str | None]:
    """Each COE's theme: the one most of its root causes fall in (first one on a tie)."""
    votes: dict[str, Counter] = {}
    for s in statements:
        if s.kind == ROOT_CAUSE:
            votes.setdefault(s.coe, Counter())
            if s.cluster:
                votes[s.coe][s.cluster] += 1
    return {coe: (c.most_common(1)[0][0] if c else None) for coe, c in votes.items()}


def map_2d(points: Sequence[Statement], vectors: np.ndarray, statements: Sequence[Statement]):
    """A 2-D map of root-cause embeddings (PCA: deterministic and linear-time)."""
    from sklearn.decomposition import PCA

    if len(points) < 3:
        return {}
    index = {s.id: i for i, s in enumerate(statements)}
    block = vectors[[index[s.id] for s in points]]
    # Randomised SVD: the exact solvers took seconds at 10,000 root causes for two components.
    xy = PCA(n_components=2, svd_solver="randomized", random_state=0).fit_transform(block)
    return {
        s.id: (round(float(x), 4), round(float(y), 4)) for s, (x, y) in zip(points, xy, strict=True)
    }
