"""Benchmark: embedding overhead, incremental re-analysis, and clustering at scale.

Three parts (``--part``, repeatable; all by default):

``embed``        The texts ``coe analyze`` embeds for a 1,000-COE generated corpus (masked root
                 causes, why-steps and actions). coegraph's embed stage
                 (:func:`analytics.embed.embed_texts`, fresh store so a cold cache: hashing,
                 de-duplication, cache read and write included) against a bare
                 ``SentenceTransformer(...).encode(unique_texts, batch_size=64)`` over the same
                 de-duplicated texts, model loads excluded from both, alternated three times and the
                 median taken. Target: coegraph's throughput >= 0.9 x bare.
``incremental``  A cold ``coe analyze --keep-warm`` (default model, fresh store, no worker
                 running: it starts one) of 10,000 COEs, then, after ingesting 100 more (1%),
                 the incremental ``coe analyze --keep-warm``, served by that worker. Each is a
                 real CLI process, timed with its peak RSS. Target: incremental <= 10% of cold.
                 Also reported: the same incremental run in a fresh process with no worker.
                 ``--quick``: 2,000 COEs + 20. ``--distinct``: on the same corpus with every
                 statement made distinct (the generator repeats its phrasings, so its cold run
                 embeds only ~2,000 texts for 99,000 statements; real corpora repeat far less);
                 only there is the embed stage's share of the cold run reported (target >= 80%).
                 ``--distinct`` applies to ``embed`` too.
``cluster``      :class:`analytics.cluster.ThemeClusterer` on synthetic 384-d unit vectors (50
                 Gaussian directions plus noise) of 10,000 and 100,000 points, each in its own
                 process for its peak RSS. Target at 100,000: <= 60 s and <= 4 GiB.

    .venv/bin/python -m benchmarks.embed_and_cluster --quick
    .venv/bin/python -m benchmarks.embed_and_cluster --part cluster
    .venv/bin/python benchmarks/embed_and_cluster.py --part incremental   # 10k: slow

Results: ``benchmarks/out/embed_and_cluster.json`` (a part run alone updates its own entry).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import common  # noqa: E402

EMBED_RATIO_TARGET = 0.9
INCREMENTAL_TARGET = 0.10
CLUSTER_SECONDS_TARGET = 60.0
CLUSTER_RSS_TARGET_MIB = 4096.0
RESULTS = "embed_and_cluster"


def corpus_texts(n: int, seed: int, distinct: bool = False) -> list[str]:
    """What ``coe analyze`` embeds for a generated corpus of ``n`` COEs, in its order
    (``distinct``: of :func:`benchmarks.common.distinct_corpus`)."""
    from analytics.analyze import collect_statements
    from analytics.parsers import parse_path

    root = (common.distinct_corpus if distinct else common.corpus)(n, seed)
    coes = [c for p in common.corpus_documents(root) for c in parse_path(p)]
    coes.sort(key=lambda c: (c.date or "", c.id))  # load_coes order
    return [s.masked for s in collect_statements(coes)]


def bench_embed(n: int, seed: int, repeats: int = 3, distinct: bool = False) -> dict:
    """coegraph's embed stage against a bare ``encode`` of the same unique texts."""
    from sentence_transformers import SentenceTransformer

    from analytics.embed import SentenceTransformerEmbedder, embed_texts
    from analytics.model_registry import DEFAULT_MODEL, resolve_model
    from analytics.store import open_store

    texts = corpus_texts(n, seed, distinct)
    unique = list(dict.fromkeys(texts))
    common.log(f"embed: {len(texts)} texts, {len(unique)} unique")
    with common.timed() as load_ours:
        ours = SentenceTransformerEmbedder().fit()
    with common.timed() as load_bare:
        bare = SentenceTransformer(resolve_model(DEFAULT_MODEL))
    # The first forward pass pays one-off costs (allocator, kernels): pay them before timing.
    ours.transform(unique[:64])
    bare.encode(unique[:64], batch_size=64)

    ours_s, bare_s, ours_cpu, bare_cpu = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeats):
            conn = open_store(Path(tmp) / f"cold-{r}.db")
            with common.timed() as t:
                matrix, n_new = embed_texts(ours, texts, conn)
            conn.close()
            assert n_new == len(unique), (n_new, len(unique))
            ours_s.append(t.wall_s)
            ours_cpu.append(t.cpu_s)
            common.log(f"embed: coegraph run {r + 1}: {t.wall_s:.1f}s")
            with common.timed() as t:
                reference = bare.encode(unique, batch_size=64, convert_to_numpy=True)
            bare_s.append(t.wall_s)
            bare_cpu.append(t.cpu_s)
            common.log(f"embed: bare run {r + 1}: {t.wall_s:.1f}s")
    # Same vectors (up to normalisation) for the same text: the comparison is like for like.
    index = {t: i for i, t in enumerate(texts)}
    first = matrix[[index[t] for t in unique]]
    reference = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    ours_med, bare_med = common.median(ours_s), common.median(bare_s)
    ratio = (len(unique) / ours_med) / (len(unique) / bare_med)
    return {
        "corpus": "distinct" if distinct else "generated",
        "coes": n,
        "texts": len(texts),
        "unique_texts": len(unique),
        "removed_by_dedup": len(texts) - len(unique),
        "model_load_s": {"coegraph": load_ours.wall_s, "bare": load_bare.wall_s},
        "coegraph_s": ours_s,
        "bare_s": bare_s,
        "coegraph_texts_per_s": round(len(unique) / ours_med, 1),
        "bare_texts_per_s": round(len(unique) / bare_med, 1),
        "coegraph_input_texts_per_s": round(len(texts) / ours_med, 1),
        "ratio": round(ratio, 3),
        # On shared cores the wall clock also measures the neighbours; CPU seconds less so.
        "coegraph_cpu_s": ours_cpu,
        "bare_cpu_s": bare_cpu,
        "ratio_per_cpu_s": round(common.median(bare_cpu) / common.median(ours_cpu), 3),
        "max_abs_diff": float(np.abs(first - reference).max()),
        "target": f">= {EMBED_RATIO_TARGET}",
        "verdict": common.verdict(ratio, EMBED_RATIO_TARGET, at_most=False),
    }


def _coe_command() -> list[str]:
    script = Path(sys.executable).with_name("coe")
    return [str(script)] if script.exists() else [sys.executable, "-m", "analytics.cli"]


def _analyze(store: Path, *, warm: bool) -> dict:
    """One ``coe analyze`` process; its wall time, peak RSS and stage timings.

    ``warm``: with ``--keep-warm``, so the run is served by (and, the first time, starts) the
    store's worker; the peak RSS is then the command's, not the worker's.
    """
    from analytics.analysis import load_analysis
    from analytics.store import open_store

    flags = ["--keep-warm"] if warm else []
    run = common.run_measured(
        [*_coe_command(), "analyze", "--store", str(store), "--no-progress", *flags]
    )
    if run["returncode"] != 0:
        raise RuntimeError(f"coe analyze failed: {run}")
    conn = open_store(store)
    analysis = load_analysis(conn)
    conn.close()
    run.pop("stdout")
    return {**run, "stages": analysis.settings.get("timings", {}), "themes": len(analysis.themes)}


def bench_incremental(n_base: int, n_new: int, seed: int, distinct: bool = False) -> dict:
    """Cold analyze of ``n_base`` COEs, then incremental after ``n_new`` more arrive.

    ``distinct``: on :func:`benchmarks.common.distinct_corpus`, where no two COEs share a text.
    """
    from analytics.ingest import ingest
    from analytics.store import coe_count, open_store

    make = common.distinct_corpus if distinct else common.corpus
    root = make(n_base + n_new, seed)
    docs = common.corpus_documents(root)
    kind = "distinct-" if distinct else ""
    store = common.OUT / f"incremental-{kind}{n_base}-{n_new}-s{seed}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)

    conn = open_store(store)
    ingest(conn, docs[:n_base], progress=False)
    base = coe_count(conn)
    conn.close()
    common.log(f"incremental: cold analyze of {base} COEs (starts the worker)")
    cold = _analyze(store, warm=True)
    common.log(f"incremental: cold {cold['wall_s']:.1f}s {cold['stages']}")

    conn = open_store(store)
    ingest(conn, docs[n_base:], progress=False)
    total = coe_count(conn)
    conn.close()
    # The same run without a worker, on a copy (another path: no worker serves it).
    alone = store.with_name(f"{store.stem}-no-worker.db")
    for suffix in ("-wal", "-shm"):
        Path(f"{alone}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(store, alone)
    common.log(f"incremental: analyze after {total - base} new COEs, in the warm worker")
    incremental = _analyze(store, warm=True)
    common.log(f"incremental: {incremental['wall_s']:.1f}s {incremental['stages']}")
    subprocess.run([*_coe_command(), "worker", "--stop", "--store", str(store)], check=False)
    common.log("incremental: the same, in a fresh process with no worker")
    no_worker = _analyze(alone, warm=False)
    common.log(f"incremental, no worker: {no_worker['wall_s']:.1f}s {no_worker['stages']}")
    ratio = incremental["wall_s"] / cold["wall_s"]
    # The embed stage's share is reported only where embedding grows with the corpus: the
    # generator's corpus repeats its phrasings (~2,000 texts for 99,000 statements), so there
    # the share measures the corpus, not the code.
    share = {"embed_share_of_cold": round(cold["stages"]["embed"] / cold["wall_s"], 3)}
    return {
        "corpus": "distinct" if distinct else "generated",
        **(share if distinct else {}),
        "base_coes": base,
        "new_coes": total - base,
        "cold": cold,
        "incremental": incremental,
        "incremental_no_worker": no_worker,
        "ratio_no_worker": round(no_worker["wall_s"] / cold["wall_s"], 3),
        "ratio": round(ratio, 3),
        "target": f"<= {INCREMENTAL_TARGET}",
        "verdict": common.verdict(ratio, INCREMENTAL_TARGET, at_most=True),
    }


def synthetic_vectors(n: int, seed: int = 0, k: int = 50, dim: int = 384, noise: float = 0.6):
    """``n`` unit vectors around ``k`` random directions; noise is the noise vector's norm."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = rng.integers(0, k, n)
    X = centres[truth] + rng.standard_normal((n, dim), dtype=np.float32) * (noise / np.sqrt(dim))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, truth


def cluster_worker(n: int, seed: int = 0) -> dict:
    """Runs in its own process: ThemeClusterer on ``n`` synthetic vectors."""
    from sklearn.metrics import adjusted_rand_score

    from analytics.cluster import ThemeClusterer

    X, truth = synthetic_vectors(n, seed)
    groups = np.arange(n) // 3  # three statements per COE, as a corpus has
    rss_before = common.max_rss_mib()
    with common.timed() as t:
        labels = ThemeClusterer(random_state=seed).fit_predict(X, groups=groups)
    return {
        "points": n,
        "seconds": t.wall_s,
        "cpu_s": t.cpu_s,
        "rss_before_fit_mib": rss_before,
        "clusters": int(labels.max() + 1),
        "one_offs": int((labels == -1).sum()),
        "ari_vs_directions": round(float(adjusted_rand_score(truth, labels)), 4),
    }


def bench_cluster(sizes: Sequence[int], seed: int) -> list[dict]:
    out = []
    for n in sizes:
        common.log(f"cluster: {n} points")
        run = common.run_measured(
            [sys.executable, "-m", "benchmarks.embed_and_cluster", "--cluster-worker", str(n)]
        )
        if run["returncode"] != 0:
            raise RuntimeError(f"cluster worker failed: {run}")
        result = {**json.loads(run["stdout"].strip().splitlines()[-1])}
        result.update(process_wall_s=run["wall_s"], peak_rss_mib=run["max_rss_mib"])
        if n >= 100_000:
            ok = (
                result["seconds"] <= CLUSTER_SECONDS_TARGET
                and result["peak_rss_mib"] <= CLUSTER_RSS_TARGET_MIB
            )
            result["target"] = f"<= {CLUSTER_SECONDS_TARGET:.0f} s, <= 4 GiB"
            result["verdict"] = "pass" if ok else "FAIL"
        common.log(f"cluster: {result}")
        out.append(result)
    return out


def report(parts: dict) -> str:
    lines = []
    if "embed" in parts:
        e = parts["embed"]
        lines += [
            f"## embedding overhead ({e['coes']} COEs: {e['texts']} texts, {e['unique_texts']} "
            f"unique, {e['removed_by_dedup']} removed by dedup)",
            "",
            common.markdown_table(
                ["embedder", "runs (s)", "unique texts/s", "ratio", "target", "verdict"],
                [
                    ["bare SentenceTransformer.encode", e["bare_s"], e["bare_texts_per_s"], 1.0,
                     "", ""],
                    ["coegraph embed_texts (cold cache)", e["coegraph_s"],
                     e["coegraph_texts_per_s"], e["ratio"], e["target"], e["verdict"]],
                ],
            ),
            f"\ncoegraph per input text (dedup counted): {e['coegraph_input_texts_per_s']} texts/s",
            "",
        ]  # fmt: skip
    if "incremental" in parts:
        i = parts["incremental"]
        lines += [
            f"## incremental analyze ({i['base_coes']} COEs + {i['new_coes']})",
            "",
            common.markdown_table(
                ["run", "wall s", "cpu s", "peak RSS MiB", "stages (s)"],
                [
                    [k, i[k]["wall_s"], i[k]["cpu_s"], i[k]["max_rss_mib"], i[k]["stages"]]
                    for k in ("cold", "incremental")
                ],
            ),
            f"\nincremental / cold = {i['ratio']:.3f} (target {i['target']}): {i['verdict']}",
            "",
        ]
    if "cluster" in parts:
        lines += [
            "## ThemeClusterer on synthetic 384-d vectors (50 directions)",
            "",
            common.markdown_table(
                ["points", "fit s", "cpu s", "peak RSS MiB", "clusters", "ARI", "verdict"],
                [
                    [
                        c["points"],
                        c["seconds"],
                        c["cpu_s"],
                        c["peak_rss_mib"],
                        c["clusters"],
                        c["ari_vs_directions"],
                        c.get("verdict", ""),
                    ]
                    for c in parts["cluster"]
                ],
            ),
            "",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part", action="append", choices=["embed", "incremental", "cluster"], default=None
    )
    parser.add_argument("--quick", action="store_true", help="incremental on 2,000 + 20 COEs")
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="embed and incremental on the corpus with every statement made distinct "
        "(common.distinct_corpus)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embed-coes", type=int, default=1000)
    parser.add_argument("--cluster-sizes", default="10000,100000")
    parser.add_argument("--cluster-worker", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.cluster_worker is not None:
        print(json.dumps(cluster_worker(args.cluster_worker, args.seed)))
        return 0
    parts_wanted = args.part or ["embed", "incremental", "cluster"]
    parts: dict = {}
    if "embed" in parts_wanted:
        parts["embed"] = bench_embed(args.embed_coes, args.seed, distinct=args.distinct)
    if "incremental" in parts_wanted:
        base, new = (2000, 20) if args.quick else (10_000, 100)
        parts["incremental"] = bench_incremental(base, new, args.seed, args.distinct)
    if "cluster" in parts_wanted:
        sizes = [int(s) for s in args.cluster_sizes.split(",") if s]
        parts["cluster"] = bench_cluster(sizes, args.seed)
    print(report(parts))

    path = common.OUT / f"{RESULTS}.json"
    previous = (
        json.loads(path.read_text(encoding="utf-8")).get("parts", {}) if path.exists() else {}
    )
    if "incremental" in parts:  # quick and full runs are kept side by side
        kind = "distinct-" if args.distinct else ""
        key = f"incremental-{kind}{parts['incremental']['base_coes']}"
        parts[key] = parts.pop("incremental")
    common.write_results(RESULTS, {"parts": {**previous, **parts}})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
