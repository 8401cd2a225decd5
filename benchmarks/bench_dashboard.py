"""Dashboard latency at scale: callback p95 and first page load on a 10,000-COE store.

    python benchmarks/bench_dashboard.py [--n 10000] [--repeat 15] [--browser]

The store (generated corpus, ingested, analysed with the TF-IDF embedder) is cached under
``benchmarks/out/`` (gitignored) and reused. Callbacks are called directly, as Dash would call
them, with a different filter on each call so the per-run memo does not hide the work. Targets:
callback p95 <= 300 ms, first page load <= 2 s (server side: shell + page layout + the initial
callbacks, after the snapshot was loaded at start-up; ``--browser`` also times a real Chromium).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_P95_MS = 300.0
TARGET_FIRST_LOAD_S = 2.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return (time.perf_counter() - start) * 1000, out


def store_for(n: int, seed: int = 11) -> Path:
    from analytics.sample import build_sample_store

    folder = ROOT / "benchmarks" / "out" / f"dash{n // 1000}k"
    store = folder / "sample.db"
    if store.exists():
        return store
    print(f"building a {n}-COE store in {folder} (once) ...", flush=True)
    return build_sample_store(folder, n=n, seed=seed, quiet=False)


def filter_variants(snapshot, k: int) -> list[dict]:
    """``k`` different filter settings: severities, services, teams and quarter windows."""
    qs, out = snapshot.quarters, []
    for i in range(k):
        f: dict = {}
        kind = i % 4
        if kind == 0:
            f["severities"] = [snapshot.severities[i % len(snapshot.severities)]]
        elif kind == 1:
            f["services"] = [snapshot.services[i % len(snapshot.services)]]
        elif kind == 2:
            f["teams"] = [snapshot.teams[i % len(snapshot.teams)]]
        if qs and kind in (2, 3):
            lo = i % max(1, len(qs) - 2)
            f["quarter_from"], f["quarter_to"] = qs[lo], qs[min(len(qs) - 1, lo + 2)]
        out.append(f)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--browser", action="store_true", help="also time a real Chromium load")
    args = parser.parse_args(argv)

    store = store_for(args.n)
    figures = measure(store, args.repeat, log=print)
    print(f"\ncallbacks, {args.repeat} calls each, a different filter per call (ms):")
    print(f"{'callback':28} {'median':>8} {'p95':>8} {'max':>8}")
    for name, t in figures["callbacks"].items():
        print(f"{name:28} {t['p50_ms']:8.1f} {t['p95_ms']:8.1f} {t['max_ms']:8.1f}")
    worst, first_load = figures["worst_p95_ms"], figures["first_load_s"]
    print(
        f"\nworst callback p95: {worst:.0f} ms (target <= {TARGET_P95_MS:.0f} ms, "
        f"ratio {worst / TARGET_P95_MS:.2f})"
    )
    print(
        f"first page load (server side): {first_load:.2f} s (target <= {TARGET_FIRST_LOAD_S} s, "
        f"ratio {first_load / TARGET_FIRST_LOAD_S:.2f})"
    )
    if args.browser:
        print(f"first page load (Chromium, cold cache): {browser_first_load(store):.2f} s")
    return 0


def measure(store: Path, repeat: int = 15, log=lambda _: None) -> dict:
    """First page load (server side) and p50/p95/max of every callback over ``repeat`` calls."""
    from dashboard import create_app, data

    app = create_app(store)
    # Page modules register themselves with Dash, so they are imported after the app exists.
    from dashboard.pages import causal, coe, overview, review, search, themes

    t, snapshot = timed(data.current)
    log(
        f"snapshot load (once per analysis run): {t / 1000:.2f} s, {len(snapshot.coes)} COEs, "
        f"{len(snapshot.analysis.statements)} statements, {len(snapshot.themes)} themes"
    )
    for name in ("repeats", "causal", "precedents"):
        t, _ = timed(getattr, snapshot, name)
        log(f"  warm {name}: {t / 1000:.2f} s")
    t, _ = timed(snapshot.theme_rows)
    log(f"  warm theme_rows: {t / 1000:.2f} s")

    # First page load, server side: everything between the browser asking for "/" and the
    # overview being filled, with the snapshot already loaded (serve() loads it at start-up).
    from dashboard import filters as filters_mod

    client = app.server.test_client()
    start = time.perf_counter()
    for url in ("/", "/_dash-layout", "/_dash-dependencies"):
        assert client.get(url).status_code == 200, url
    dash_page = overview.layout()
    last = len(snapshot.quarters) - 1
    _update_store(snapshot, {})  # what the filter bar's initial callback does
    store_value = filters_mod.filters_from_controls([0, last], [], [], [], snapshot.quarters)
    overview.update(store_value.to_store())
    first_load = time.perf_counter() - start
    assert dash_page is not None

    variants = filter_variants(snapshot, repeat)
    rows = snapshot.theme_rows()
    theme_ids = [r["id"] for r in rows]
    deep = sorted(snapshot.coes, key=lambda c: -len(c.whys))[:repeat]
    steps = [n for n, k in snapshot.causal.nodes(data="kind") if k == "why"][:repeat]
    draft = "\n".join(
        ["# draft", "## Five whys", *[f"{i + 1}. {w.answer}" for i, w in enumerate(deep[0].whys)]]
    )
    quarters = snapshot.quarters[::-1]

    cases = {
        "filters.update_store": lambda i: _update_store(snapshot, variants[i]),
        "overview.update": lambda i: overview.update(variants[i]),
        "themes.update_rows": lambda i: themes.update_rows(variants[i]),
        "themes.update_detail": lambda i: themes.update_detail(
            theme_ids[i % len(theme_ids)], variants[i]
        ),
        "causal.update_graph": lambda i: causal.update_graph(variants[i], 8 + i % 10, 1 + i % 3),
        "causal.open_node": lambda i: causal.open_node({"id": steps[i % len(steps)]}, None),
        "coe.layout": lambda i: coe.layout(deep[i % len(deep)].id),
        "coe.update_precedents": lambda i: coe.update_precedents(deep[i % len(deep)].id),
        "search.run_search": lambda i: search.run_search(1, draft + f"\n{i}", 5, variants[i]),
        "review.update": lambda i: review.update(quarters[i % len(quarters)], variants[i]),
        "review.export": lambda i: review.export(1, quarters[i % len(quarters)], variants[i]),
    }
    callbacks = {}
    for name, case in cases.items():
        times = [timed(case, i)[0] for i in range(repeat)]
        callbacks[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(p95(times), 1),
            "max_ms": round(max(times), 1),
        }
    return {
        "first_load_s": round(first_load, 3),
        "worst_p95_ms": max(t["p95_ms"] for t in callbacks.values()),
        "callbacks": callbacks,
    }


def _update_store(snapshot, f: dict):
    from dashboard.data import Filters
    from dashboard.filters import describe

    filters = Filters.from_store(f)
    return filters.to_store(), describe(
        filters, len(snapshot.filtered(filters)), len(snapshot.coes)
    )


def browser_first_load(store: Path) -> float:
    """Seconds from navigation to an idle, filled overview in headless Chromium."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from screenshots import make_driver, start_server, wait_idle

    base, server = start_server(store)
    driver = make_driver()
    try:
        start = time.perf_counter()
        driver.get(base + "/")
        wait_idle(driver, settle=0.0)
        return time.perf_counter() - start
    finally:
        driver.quit()
        server.shutdown()


if __name__ == "__main__":
    raise SystemExit(main())
