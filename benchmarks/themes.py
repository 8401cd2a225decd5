"""Benchmark: theme and action-family quality against baselines that are told more.

Two corpora, each printed as a Markdown table of ARI / NMI / purity side by side:

``generated``  the generator's 1,000-COE corpus (seed 0), with its ground truth (labels.json).
               Themes are scored per COE, action families per action.
``dfds``       the real DFDS postmortems (../shared/corpora/dfds); their ``Category`` field
               (Stats section, ``- Category: Kubernetes``) is a weak label of the theme. Only the
               documents that carry one are scored (the 2019 ones do not).

Methods:

``coegraph``            :func:`analytics.analyze.analyze` with the default settings (the real
                        all-MiniLM-L6-v2 model, offline); the number of themes is found.
``tfidf+kmeans``        TfidfVectorizer on the raw text, KMeans told the true number of clusters.
``bertopic``            BERTopic's default pipeline (UMAP -> HDBSCAN(min_cluster_size=10), one
                        seed added to UMAP for repeatability) on the raw text and its embeddings
                        with the same model; topic -1 (outliers) counts as singletons, as
                        coegraph's one-off causes do.
``bertopic (masked)``   the same on the masked text coegraph embeds (entities replaced).
``bertopic (coegraph vectors)``  themes only: BERTopic given coegraph's own per-COE vectors (the
                        mean of the COE's root-cause causal profiles), so only the clustering
                        differs.

Per COE, a document is its root causes joined; per action, the action title.
Targets (issue 3): coegraph above both baselines on the generated corpus.

    .venv/bin/python -m benchmarks.themes
    .venv/bin/python benchmarks/themes.py --skip-dfds

Results: ``benchmarks/out/themes.json``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import common  # noqa: E402

DFDS = common.SHARED / "corpora" / "dfds"
CATEGORY = re.compile(r"^\s*[-*]\s*Category:\s*(.+?)\s*$", re.M)


def tfidf_kmeans(docs: Sequence[str], k: int, seed: int = 0) -> list[str]:
    """KMeans with the true ``k`` on TF-IDF vectors of ``docs``."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(docs)
    k = max(1, min(k, matrix.shape[0]))
    labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(matrix)
    return [f"k{c}" for c in labels]


def bertopic_topics(docs: Sequence[str], embeddings: np.ndarray, seed: int = 0) -> list[str | None]:
    """BERTopic's default pipeline on given embeddings; outliers (topic -1) are ``None``.

    BERTopic's own UMAP default has no seed; the one here is its default with ``random_state``
    set, so that two runs give the same table. Without the ``bertopic`` package the same
    documented default pipeline (UMAP then HDBSCAN) runs directly.
    """
    from umap import UMAP

    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    try:
        from bertopic import BERTopic
    except ImportError:
        from hdbscan import HDBSCAN

        reduced = umap.fit_transform(embeddings)
        topics = HDBSCAN(
            min_cluster_size=10, metric="euclidean", cluster_selection_method="eom"
        ).fit_predict(reduced)
    else:
        topics, _ = BERTopic(umap_model=umap).fit_transform(list(docs), embeddings=embeddings)
    return [None if t == -1 else f"t{t}" for t in topics]


def score(truth: Sequence[str], predicted: Sequence[str | None], seconds: float) -> dict:
    from analytics.evaluate import cluster_scores

    found = {p for p in predicted if p is not None}
    sizes = Counter(p for p in predicted if p is not None)
    return {
        **cluster_scores(list(truth), list(predicted)),
        "clusters": len(found),
        "largest_share": round(max(sizes.values(), default=0) / max(len(predicted), 1), 3),
        "unclustered": sum(p is None for p in predicted),
        "seconds": round(seconds, 2),
    }


def run_baselines(
    truth: Sequence[str],
    raw: Sequence[str],
    masked: Sequence[str],
    embed,
    extra_vectors: np.ndarray | None = None,
) -> dict[str, dict]:
    """Scores of the baselines on one level (themes or actions)."""
    k = len(set(truth))
    out: dict[str, dict] = {}
    with common.timed() as t:
        predicted = tfidf_kmeans(raw, k)
    out["tfidf+kmeans"] = score(truth, predicted, t.wall_s)
    for name, docs in (("bertopic", raw), ("bertopic (masked)", masked)):
        vectors = embed(docs)
        with common.timed() as t:
            try:
                predicted = bertopic_topics(docs, vectors)
            except Exception as exc:  # a tiny corpus can defeat UMAP/HDBSCAN; report, go on
                common.log(f"{name} failed: {exc!r}")
                out[name] = {"error": repr(exc)}
                continue
        out[name] = score(truth, predicted, t.wall_s)
    if extra_vectors is not None:
        with common.timed() as t:
            try:
                predicted = bertopic_topics(raw, extra_vectors)
                out["bertopic (coegraph vectors)"] = score(truth, predicted, t.wall_s)
            except Exception as exc:
                out["bertopic (coegraph vectors)"] = {"error": repr(exc)}
    return out


def coe_vectors(analysis, coes, conn, embedder) -> dict[str, np.ndarray]:
    """What coegraph clusters, per COE: the mean of its root-cause causal profiles."""
    from analytics.analysis import ROOT_CAUSE
    from analytics.analyze import causal_profiles
    from analytics.embed import embed_texts

    statements = list(analysis.statements)
    vectors, _ = embed_texts(embedder, [s.masked for s in statements], conn)
    profiles = causal_profiles(coes, statements, vectors)  # one row per root cause
    rows: dict[str, list[int]] = {}
    for i, s in enumerate(s for s in statements if s.kind == ROOT_CAUSE):
        rows.setdefault(s.coe, []).append(i)
    out = {}
    for coe, idx in rows.items():
        v = profiles[idx].mean(axis=0)
        out[coe] = v / (np.linalg.norm(v) or 1)
    return out


def evaluate_corpus(conn, labels: dict, *, actions: bool) -> dict:
    """Analyse the store with the defaults and score coegraph and the baselines."""
    from analytics.analysis import ACTION, ROOT_CAUSE
    from analytics.analyze import Settings, analyze
    from analytics.embed import embed_texts, make_embedder
    from analytics.evaluate import evaluate_clusters
    from analytics.store import load_coes

    with common.timed() as t:
        analysis = analyze(conn, Settings(), log=lambda m: common.log(f"  {m}"))
    ours = evaluate_clusters(analysis, labels)
    coes = load_coes(conn)
    embedder = make_embedder("sentence-transformers")

    def embed(texts):
        return embed_texts(embedder, list(texts), conn)[0]

    by_coe: dict[str, dict[str, list]] = {}
    for s in analysis.statements:
        if s.kind == ROOT_CAUSE:
            entry = by_coe.setdefault(s.coe, {"raw": [], "masked": []})
            entry["raw"].append(s.text)
            entry["masked"].append(s.masked)
    ids = [c for c, v in labels["coes"].items() if v.get("theme") and c in by_coe]
    truth = [labels["coes"][c]["theme"] for c in ids]
    ours_theme = [analysis.coe_theme.get(c) for c in ids]
    profiles = coe_vectors(analysis, coes, conn, embedder)
    result = {
        "coes": len(coes),
        "analyze_seconds": t.wall_s,
        "analyze_timings": analysis.settings.get("timings", {}),
        "themes": {
            "true_k": len(set(truth)),
            "coegraph": score(truth, ours_theme, t.wall_s),
            **run_baselines(
                truth,
                [" ".join(by_coe[c]["raw"]) for c in ids],
                [" ".join(by_coe[c]["masked"]) for c in ids],
                embed,
                np.stack([profiles[c] for c in ids]),
            ),
        },
    }
    assert result["themes"]["coegraph"]["ari"] == ours["themes"]["ari"]
    if not actions:
        return result
    statements = analysis.statement_by_id
    found = []
    for coe_id, truth_coe in labels["coes"].items():
        for i, action in enumerate(truth_coe.get("actions") or []):
            s = statements.get(f"{coe_id}#act{i}")
            if action.get("family") and s is not None and s.kind == ACTION:
                found.append((action["family"], s))
    truth_a = [f for f, _ in found]
    result["actions"] = {
        "true_k": len(set(truth_a)),
        "coegraph": score(truth_a, [s.cluster for _, s in found], t.wall_s),
        **run_baselines(truth_a, [s.text for _, s in found], [s.masked for _, s in found], embed),
    }
    return result


def run_generated(n: int, seed: int) -> dict:
    """The generated corpus with its ground truth; the store is kept to cache embeddings."""
    from analytics.evaluate import load_labels
    from analytics.ingest import ingest
    from analytics.store import coe_count, open_store

    root = common.corpus(n, seed)
    labels = load_labels(root / "labels.json")
    conn = open_store(common.OUT / f"{root.name}-themes.db")
    if coe_count(conn) < n:
        ingest(conn, [root / "corpus"])
    common.log(f"generated corpus: {coe_count(conn)} COEs")
    result = evaluate_corpus(conn, labels, actions=True)
    conn.close()
    return {"corpus": f"generated n={n} seed={seed}", **result}


DEVSET = common.SHARED / "devset"


def devset_labels(conn, gold: dict) -> dict:
    """The devset's gold mechanisms per stored COE id (a CSV row is ``file#rowN`` in gold).

    A one-off (``none``) gets a label of its own: one-offs belong outside every theme, so two
    of them in one theme count against coegraph, as they should.
    """
    from analytics.parsers import parse_path

    key_of: dict[str, str] = {}
    for coe_id, stored in conn.execute("SELECT id, path FROM coes"):
        name = Path(stored).name
        if name.endswith(".csv"):
            order = [c.id for c in parse_path(stored)]
            key_of[f"{name}#row{order.index(coe_id) + 1}"] = coe_id
        else:
            key_of[name] = coe_id
    labels: dict = {"coes": {}}
    for d in gold["docs"]:
        key = f"{d['file']}#row{d['row']}" if d.get("row") else d["file"]
        if key in key_of:
            theme = d["theme"] if d["theme"] != "none" else f"one-off:{key}"
            labels["coes"][key_of[key]] = {"theme": theme}
    return labels


def devset_detail(analysis, labels: dict) -> dict:
    """The issue's devset checks: mechanisms whose COEs all share one theme, one-offs kept out."""
    by_theme: dict[str, list] = {}
    for coe_id, truth in labels["coes"].items():
        by_theme.setdefault(truth["theme"], []).append(analysis.coe_theme.get(coe_id))
    whole = sorted(
        t
        for t, got in by_theme.items()
        if not t.startswith("one-off") and len(got) >= 4 and got[0] and len(set(got)) == 1
    )
    one_offs = [got[0] for t, got in by_theme.items() if t.startswith("one-off")]
    return {
        "mechanisms_whole": whole,
        "mechanisms": sum(not t.startswith("one-off") for t in by_theme),
        "one_offs_outside": sum(g is None for g in one_offs),
        "one_offs": len(one_offs),
        "theme_names": {c.id: c.label for c in analysis.themes},
    }


def run_devset(folder: Path) -> dict:
    """The devset (written independently of coegraph) in a temporary store, against its gold."""
    import json

    from analytics.analysis import load_analysis
    from analytics.ingest import ingest
    from analytics.store import open_store

    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        conn = open_store(Path(tmp) / "devset.db")
        results = ingest(conn, [folder / "docs"])
        failed = [r.path for r in results if r.status == "failed"]
        labels = devset_labels(conn, gold)
        common.log(f"devset: {len(failed)} failed, {len(labels['coes'])} of 48 labelled COEs read")
        result = evaluate_corpus(conn, labels, actions=False)
        result["detail"] = devset_detail(load_analysis(conn), labels)
        conn.close()
    return {"corpus": "devset", "labelled": len(labels["coes"]), **result}


def stability(name: str, documents: Sequence[Path]) -> dict:
    """Share of COEs that keep their theme (same id, same name) when 10% more COEs arrive.

    Every 11th document is held out; the other 10/11 are analysed, then the held-out ones
    (10% more) are added and the store analysed again: by default (the new statements join the
    last run) and with ``--full`` (everything re-clustered). A COE outside every theme both times
    keeps its (absent) theme.
    """
    from analytics.analyze import Settings, analyze
    from analytics.ingest import ingest
    from analytics.store import open_store

    held = [d for i, d in enumerate(documents) if i % 11 == 10]
    first = [d for d in documents if d not in set(held)]
    out = {"corpus": name, "coes_before": 0}
    with tempfile.TemporaryDirectory() as tmp:
        conn = open_store(Path(tmp) / "s.db")
        ingest(conn, first, progress=False)
        before = analyze(conn, Settings(), log=lambda m: None)
        ingest(conn, held, progress=False)
        for mode, settings in (("extended", Settings()), ("full", Settings(full=True))):
            after = analyze(conn, settings, log=lambda m: None)
            kept = [_theme_key(before, c) == _theme_key(after, c) for c in before.coe_theme]
            out["coes_before"] = len(kept)
            out[mode] = round(sum(kept) / max(len(kept), 1), 4)
        conn.close()
    return out


def _theme_key(analysis, coe_id: str):
    tid = analysis.coe_theme.get(coe_id)
    theme = analysis.cluster_by_id.get(tid) if tid else None
    return (tid, theme.label if theme else None)


def dfds_documents(folder: Path) -> list[Path]:
    """The postmortems (one has no ``.md`` suffix); not the template, README or LICENSE."""
    return sorted(
        p for p in folder.iterdir() if p.name.startswith("PM") and "template" not in p.name.lower()
    )


def run_dfds(folder: Path) -> dict:
    """The DFDS postmortems in a temporary store, scored against their ``Category``."""
    from analytics.ingest import ingest
    from analytics.parsers import parse_path
    from analytics.store import open_store

    files = dfds_documents(folder)
    labels: dict = {"coes": {}}
    for path in files:
        found = CATEGORY.search(path.read_text(encoding="utf-8", errors="replace"))
        if found:
            for coe in parse_path(path):
                labels["coes"][coe.id] = {"theme": found.group(1)}
    with tempfile.TemporaryDirectory() as tmp:
        conn = open_store(Path(tmp) / "dfds.db")
        results = ingest(conn, files)
        failed = [r.path for r in results if r.status == "failed"]
        common.log(
            f"dfds: {len(files)} files, {len(failed)} failed, {len(labels['coes'])} labelled"
        )
        result = evaluate_corpus(conn, labels, actions=False)
        conn.close()
    return {"corpus": f"dfds ({folder})", "labelled": len(labels["coes"]), **result}


METHODS = (
    "coegraph",
    "tfidf+kmeans",
    "bertopic",
    "bertopic (masked)",
    "bertopic (coegraph vectors)",
)


def table(results: Sequence[dict]) -> str:
    rows = []
    for res in results:
        for level in ("themes", "actions"):
            if level not in res:
                continue
            block = res[level]
            for method in METHODS:
                r = block.get(method)
                if r is None:
                    continue
                if "error" in r:
                    rows.append(
                        [res["corpus"], level, block["true_k"], method, "error", "", "", "", ""]
                    )
                    continue
                rows.append(
                    [
                        res["corpus"],
                        level,
                        block["true_k"],
                        method,
                        r["clusters"],
                        r["largest_share"],
                        r["ari"],
                        r["nmi"],
                        r["purity"],
                    ]
                )
    headers = ["corpus", "level", "true k", "method", "clusters", "largest", "ARI", "NMI", "purity"]
    return common.markdown_table(headers, rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="COEs in the generated corpus")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dfds", type=Path, default=DFDS, help="folder of DFDS postmortems")
    parser.add_argument("--skip-dfds", action="store_true")
    parser.add_argument("--skip-generated", action="store_true")
    parser.add_argument("--skip-devset", action="store_true")
    parser.add_argument(
        "--stability", action="store_true", help="only the stability check (devset, generator)"
    )
    parser.add_argument("--devset", type=Path, default=DEVSET, help="the labelled devset folder")
    args = parser.parse_args(argv)

    if args.stability:
        rows = []
        if args.devset.is_dir():
            rows.append(stability("devset", sorted((args.devset / "docs").iterdir())))
        gen = common.corpus(args.n, args.seed) / "corpus"
        rows.append(stability(f"generated n={args.n}", sorted(gen.iterdir())))
        print(
            common.markdown_table(
                ["corpus", "COEs before", "kept (extended run)", "kept (--full)", "target"],
                [
                    [r["corpus"], r["coes_before"], r["extended"], r["full"], ">= 0.90"]
                    for r in rows
                ],
            )
        )
        common.write_results("stability", {"results": rows})
        return 0
    results = []
    if not args.skip_devset:
        if args.devset.is_dir():
            results.append(run_devset(args.devset))
        else:
            common.log(f"{args.devset} not found: devset part skipped")
    if not args.skip_generated:
        results.append(run_generated(args.n, args.seed))
    if not args.skip_dfds:
        if args.dfds.is_dir():
            results.append(run_dfds(args.dfds))
        else:
            common.log(f"{args.dfds} not found: DFDS part skipped")
    print(table(results))
    for res in results:
        print(f"\n{res['corpus']}: analyze {res['analyze_seconds']:.1f}s {res['analyze_timings']}")
    for res in results:
        if "detail" in res:
            d = res["detail"]
            print(
                f"\n{res['corpus']}: mechanisms with all their COEs in one theme: "
                f"{len(d['mechanisms_whole'])} of {d['mechanisms']} {d['mechanisms_whole']}; "
                f"one-offs outside themes: {d['one_offs_outside']} of {d['one_offs']}"
            )
            for tid, name in d["theme_names"].items():
                print(f"  {tid}: {name}")
    gen = next((r for r in results if r["corpus"].startswith("generated")), None)
    if gen:
        for level in ("themes", "actions"):
            ours = gen[level]["coegraph"]["ari"]
            best = max(
                (
                    v["ari"]
                    for k, v in gen[level].items()
                    if k not in ("coegraph", "true_k") and isinstance(v, dict) and "ari" in v
                ),
                default=0.0,
            )
            print(
                f"{level}: coegraph ARI {ours:.3f} vs best baseline {best:.3f}: "
                f"{'pass' if ours > best else 'FAIL'}"
            )
    common.write_results("themes", {"results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
