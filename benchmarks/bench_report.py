"""Benchmark: the quarterly report and the cluster exports over 10,000 COEs.

Target: for 10,000 COEs, building the report and writing it takes at most 10 s in each format
(html, md, xlsx, json). Loading the records and the analysis from the store is printed apart:
it is the same for every consumer and not the report's cost.

Measured per format: ``build_report`` (latest quarter) + rendering + writing the file; the
same with ``--redact-names``; and ``export clusters`` (themes and action families) in csv,
xlsx and json. Wall and CPU seconds, best of ``--repeat`` runs: on a shared machine wall time
measures the neighbours as well.

An analysed 10k store is reused when one exists under ``benchmarks/out/`` (any ``*.db`` with
enough COEs and an analysis, e.g. the graph or dashboard benchmarks'); otherwise one is built
with the TF-IDF embedder (generate, ingest, analyze: many minutes here) and cached there
(ignored by git).

    .venv/bin/python benchmarks/bench_report.py            # 10,000 COEs
    .venv/bin/python benchmarks/bench_report.py --n 1000 --repeat 1
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
TARGET_SECONDS = 10.0


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _analysed_coes(path: Path) -> int:
    """COEs in an analysed store, 0 when it is not one (read-only: it may be someone else's)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if not conn.execute("SELECT count(*) FROM analyses").fetchone()[0]:
                return 0
            return conn.execute("SELECT count(*) FROM coes").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def find_or_build_store(n: int, seed: int, out: Path) -> Path:
    """An analysed store with about ``n`` COEs: an existing one under ``out``, else a new one."""
    for path in sorted(out.rglob("*.db")):
        if n * 0.95 <= _analysed_coes(path) <= n * 1.05:
            log(f"reusing {path}")
            return path
    from analytics.sample import build_sample_store

    t = time.perf_counter()
    store = build_sample_store(out / f"report-{n}-s{seed}", n=n, seed=seed)
    log(f"built a {n}-COE store (tfidf) in {time.perf_counter() - t:.0f}s")
    return store


def run(store: Path, repeat: int, out: Path) -> tuple[dict, dict, dict]:
    from analytics.analysis import load_analysis
    from analytics.export import export_clusters
    from analytics.redact import _names_in, person_names
    from analytics.report import FORMATS, build_report, write_report
    from analytics.store import load_coes, open_store

    conn = open_store(store)
    t = time.perf_counter()
    coes, analysis = load_coes(conn), load_analysis(conn)
    loading = time.perf_counter() - t
    conn.close()
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def timed(name, fn):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        wall[name] = min(wall.get(name, float("inf")), time.perf_counter() - t)
        cpu[name] = min(cpu.get(name, float("inf")), time.process_time() - c)
        return result

    sizes: dict[str, int] = {}
    for _ in range(repeat):
        for fmt in FORMATS:
            path = out / f"report-{len(coes)}.{fmt}"
            timed(
                f"report {fmt}",
                lambda fmt=fmt, path=path: write_report(build_report(analysis, coes), path, fmt),
            )
            sizes[f"report {fmt}"] = path.stat().st_size
        # Finding the names of people reads every record once; later calls reuse the result
        # (a dashboard exporting again pays nothing). Timed cold, apart from the rendering.
        _names_in.cache_clear()
        timed("person_names (cold, all COEs)", lambda: person_names(coes))
        for fmt in FORMATS:
            path = out / f"report-{len(coes)}-redacted.{fmt}"
            timed(
                f"report {fmt} --redact-names",
                lambda fmt=fmt, path=path: write_report(
                    build_report(analysis, coes, redact_names=True), path, fmt
                ),
            )
        for kind in ("themes", "actions"):
            for fmt in ("csv", "xlsx", "json"):
                path = out / f"export-{kind}-{len(coes)}.{fmt}"
                timed(
                    f"export {kind} {fmt}",
                    lambda kind=kind, fmt=fmt, path=path: export_clusters(
                        analysis, coes, kind=kind, fmt=fmt, path=path
                    ),
                )
                sizes[f"export {kind} {fmt}"] = path.stat().st_size
    report = build_report(analysis, coes)
    facts = {
        "coes": len(coes),
        "loading": loading,
        "period": report["period"]["label"],
        "in_period": report["headline"][0]["value"],
        "systemic": len(report["systemic"]),
        "evidence": sum(len(t["evidence"]) for t in report["systemic"]),
        "overdue": len(report["follow_through"]["overdue"]),
        "sizes": sizes,
    }
    return wall, cpu, facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs")
    parser.add_argument("--store", type=Path, default=None, help="an analysed store to use")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    store = args.store or find_or_build_store(args.n, args.seed, args.out)
    wall, cpu, facts = run(store, args.repeat, args.out)
    print(
        f"corpus: {facts['coes']} COEs; report period {facts['period']}: {facts['in_period']} COEs,"
        f" {facts['systemic']} systemic themes, {facts['evidence']} evidence rows,"
        f" {facts['overdue']} overdue actions"
    )
    print(f"loading from the store: {facts['loading']:.2f} s (not part of the target)")
    print(f"  {'build + write (best of runs)':<34} {'wall':>8}   {'cpu':>8}   {'size':>9}")
    for name in wall:
        size = facts["sizes"].get(name)
        kb = f"{size / 1024:,.0f} KB" if size else ""
        print(f"  {name:<34} {wall[name]:8.2f} s {cpu[name]:8.2f} s   {kb:>9}")
    scale = 10_000 / max(facts["coes"], 1)
    worst = max(v for k, v in wall.items() if k.startswith("report") and "redact" not in k)
    worst_cpu = max(v for k, v in cpu.items() if k.startswith("report") and "redact" not in k)
    print(
        f"slowest report format: {worst:.2f} s wall, {worst_cpu:.2f} s cpu"
        f" (target <= {TARGET_SECONDS:.0f} s for 10,000 COEs)"
    )
    if scale != 1:
        print(f"linear extrapolation to 10,000 COEs: {worst * scale:.2f} s wall")
    print(f"ratio to target: {worst * scale / TARGET_SECONDS:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
