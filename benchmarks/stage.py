"""One timed stage of the scaling suite, run in its own process so its peak memory is its own.

    python -m benchmarks.stage STAGE --corpus ROOT --store STORE.db

Prints one JSON object on stdout: the stage's own figures (counts, latencies). Wall time, CPU
time and peak RSS are measured from outside by ``benchmarks.common.run_measured``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from benchmarks.common import corpus_documents


def parse(corpus: Path, store: Path) -> dict:
    from analytics.parsers import parse_path

    n = sum(len(parse_path(p)) for p in corpus_documents(corpus))
    return {"coes": n}


def ingest(corpus: Path, store: Path) -> dict:
    from analytics.ingest import ingest as run
    from analytics.store import open_store

    results = run(open_store(store), corpus_documents(corpus), progress=False)
    return {s: sum(r.status == s for r in results) for s in ("ingested", "unchanged", "failed")}


def analyze(corpus: Path, store: Path) -> dict:
    from analytics.analyze import Settings
    from analytics.analyze import analyze as run
    from analytics.store import open_store

    analysis = run(open_store(store), Settings(embedder="tfidf"), log=lambda _: None)
    return {"themes": len(analysis.themes), "stages_s": analysis.settings["timings"]}


def graph(corpus: Path, store: Path) -> dict:
    from analytics.analysis import load_analysis
    from analytics.causal import causal_graph
    from analytics.followthrough import follow_through
    from analytics.graph import build_graph
    from analytics.scores import theme_stats
    from analytics.store import load_coes, open_store

    conn = open_store(store)
    analysis, coes = load_analysis(conn), load_coes(conn)
    start = time.perf_counter()
    g = build_graph(analysis, coes)
    causal_graph(analysis, coes)
    theme_stats(analysis, coes)
    follow_through(analysis, coes)
    return {
        "nodes": g.number_of_nodes(),
        "graph_and_scores_s": round(time.perf_counter() - start, 3),
    }


def search(corpus: Path, store: Path) -> dict:
    from analytics.analysis import load_analysis
    from analytics.embed import make_embedder
    from analytics.search import build_index
    from analytics.store import load_coes, open_store

    conn = open_store(store)
    analysis = load_analysis(conn)
    start = time.perf_counter()
    index = build_index(conn, analysis, make_embedder("tfidf"))
    load_s = time.perf_counter() - start
    latencies = []
    for coe in load_coes(conn)[:: max(1, len(analysis.coe_theme) // 50)][:50]:
        t = time.perf_counter()
        index.search(coe, k=5, exclude_id=coe.id)
        latencies.append(time.perf_counter() - t)
    q = statistics.quantiles(latencies, n=20)
    return {
        "index_load_s": round(load_s, 3),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(q[18] * 1000, 1),
    }


def report(corpus: Path, store: Path) -> dict:
    from analytics.analysis import load_analysis
    from analytics.report import build_report, report_bytes
    from analytics.store import load_coes, open_store

    conn = open_store(store)
    analysis, coes = load_analysis(conn), load_coes(conn)
    start = time.perf_counter()
    size = len(report_bytes(build_report(analysis, coes), "html"))
    return {"html_bytes": size, "report_s": round(time.perf_counter() - start, 3)}


def dashboard(corpus: Path, store: Path) -> dict:
    from benchmarks.bench_dashboard import measure

    figures = measure(store, repeat=15)
    return {k: figures[k] for k in ("first_load_s", "worst_p95_ms")} | {
        "worst_p50_ms": max(t["p50_ms"] for t in figures["callbacks"].values())
    }


STAGES = {f.__name__: f for f in (parse, ingest, analyze, graph, search, dashboard, report)}
# "reingest" is ingest run a second time on the same store.
STAGES["reingest"] = ingest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stage", choices=sorted(STAGES))
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args()
    print(json.dumps(STAGES[args.stage](args.corpus, args.store)))


if __name__ == "__main__":
    main()
