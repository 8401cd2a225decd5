"""Benchmark: coegraph's embed stage against the best bare ``encode``, and a cold analyze by stage.

One prepared script for a device (a GPU box's time is short): every figure on the same texts,
the masked statements ``coe analyze`` embeds for :func:`benchmarks.common.distinct_corpus` (every
statement distinct, so the embedding cost grows with the corpus as a real one's does).

1. ``tokenizer``: the model's fast tokenizer alone over the unique texts, in one call.
2. ``bare``: ``SentenceTransformer(...).encode(unique, normalize_embeddings=True)`` for each batch
   size in ``--batches`` and each precision (fp32; fp16 too on CUDA), model load and a warm-up
   excluded; the best configuration's texts/s is the reference.
3. ``coegraph``: the embed stage (:func:`analytics.embed.embed_texts` into a fresh store: hashing,
   de-duplication, cache read and write included) with the embedder's own device settings (and,
   with ``--our-batches``, other batch sizes), its texts/s and the ratio to the best bare run;
   the rows' largest difference from the bare fp32 vectors.
4. ``analyze``: ``--analyze-n`` distinct COEs ingested into a fresh store, then a cold
   ``coe analyze --device D`` process, its wall time, peak RSS and stages (``--analyze-n 0``
   skips it).
5. ``index`` (with ``--index``): the precedent index of that store built twice in this process,
   cold (every passage of every document embedded on the device) and again from the vectors the
   first build cached (what a build after an incremental analyze pays): seconds per 1,000 COEs
   against the precedent-search issue's bar of 10.

The JSON is rewritten after each part, so a run stopped by a time limit keeps what it measured:
``$OUT/gpu-{device}.json`` when ``$OUT`` is set (a device machine's output folder), else
``benchmarks/out/gpu-{device}-{n}.json``.

    .venv/bin/python -m benchmarks.gpu --n 200 --device cpu --analyze-n 100    # proves it runs
    python -m benchmarks.gpu --n 20000 --device cuda --analyze-n 100000        # on a GPU box
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import common  # noqa: E402
from benchmarks.embed_and_cluster import EMBED_RATIO_TARGET, corpus_texts  # noqa: E402

DEFAULT_BATCHES = {"cpu": "32,64,128", "cuda": "64,256,1024,4096"}


def results_path(device: str, n: int) -> Path:
    out = os.environ.get("OUT")
    if out:
        return Path(out) / f"gpu-{device}.json"
    return common.OUT / f"gpu-{device}-{n}.json"


def save(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": _machine(), **data}, indent=2, default=str) + "\n")


def _machine() -> dict:
    info = common.machine()
    try:
        import torch

        info["torch"] = torch.__version__
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
            free, total = torch.cuda.mem_get_info()
            info["gpu_memory_gib"] = {"free": round(free / 2**30, 1), "total": round(total / 2**30)}
        import sentence_transformers

        info["sentence_transformers"] = sentence_transformers.__version__
    except ImportError:
        pass
    return info


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _rates(n: int, wall_s: float, cpu_s: list[float]) -> dict:
    # Texts per CPU second too: on shared cores the wall clock also measures the neighbours.
    return {
        "texts_per_s": round(n / wall_s, 1),
        "texts_per_cpu_s": round(n / common.median(cpu_s), 1),
    }


def bench_tokenizer(model, unique: list[str]) -> dict:
    with common.timed() as t:
        model.tokenizer(unique, truncation=True, max_length=model.max_seq_length)
    return {"texts_per_s": round(len(unique) / t.wall_s, 1), "wall_s": t.wall_s}


def bench_bare(
    unique: list[str], device: str, batches: Sequence[int], repeats: int
) -> tuple[list[dict], np.ndarray]:
    """Bare ``encode`` per precision and batch size; the rows and the fp32 vectors."""
    from sentence_transformers import SentenceTransformer

    from analytics.model_registry import DEFAULT_MODEL, resolve_model

    precisions = ["fp32", "fp16"] if device.startswith("cuda") else ["fp32"]
    rows, reference = [], None
    for precision in precisions:
        model = SentenceTransformer(resolve_model(DEFAULT_MODEL), device=device)
        if precision == "fp16":
            model.half()
        model.encode(unique[:256], batch_size=64)  # one-off costs (allocator, kernels)
        for batch in batches:
            seconds, cpu = [], []
            for _ in range(repeats):
                _sync(device)
                with common.timed() as t:
                    vectors = model.encode(
                        unique, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True
                    )
                    _sync(device)
                seconds.append(t.wall_s)
                cpu.append(t.cpu_s)
            if precision == "fp32" and reference is None:
                reference = vectors.astype(np.float32)
            s = common.median(seconds)
            row = {"precision": precision, "batch": batch, "runs_s": seconds, "cpu_s": cpu}
            row.update(_rates(len(unique), s, cpu))
            common.log(f"bare {precision} batch {batch}: {row['texts_per_s']} texts/s")
            rows.append(row)
        del model
    return rows, reference


def bench_ours(
    texts: list[str], unique: list[str], device: str, batches: Sequence[int | None], repeats: int
) -> tuple[list[dict], np.ndarray]:
    """coegraph's embed stage into a fresh store, per batch size (``None``: the device's)."""
    from analytics.embed import SentenceTransformerEmbedder, embed_texts
    from analytics.store import open_store

    rows, first = [], None
    for batch in batches:
        embedder = SentenceTransformerEmbedder(device=device, batch_size=batch).fit()
        embedder.transform(unique[:256])
        seconds, cpu = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(repeats):
                conn = open_store(Path(tmp) / f"cold-{batch}-{r}.db")
                _sync(device)
                with common.timed() as t:
                    matrix, n_new = embed_texts(embedder, texts, conn)
                    _sync(device)
                conn.close()
                assert n_new == len(unique), (n_new, len(unique))
                seconds.append(t.wall_s)
                cpu.append(t.cpu_s)
        if first is None:
            index = {t: i for i, t in enumerate(texts)}
            first = matrix[[index[t] for t in unique]]
        s = common.median(seconds)
        row = {
            "batch": embedder.batch_size_,
            "chosen_for_device": batch is None,
            "precision": "fp16" if embedder.model_.device.type == "cuda" else "fp32",
            "runs_s": seconds,
            "cpu_s": cpu,
            **_rates(len(unique), s, cpu),
        }
        common.log(f"coegraph batch {row['batch']}: {row['texts_per_s']} texts/s")
        rows.append(row)
    return rows, first


def bench_analyze(n: int, seed: int, device: str, index: bool = False) -> dict:
    """A cold ``coe analyze`` of ``n`` distinct COEs in its own process, stage by stage (and
    with ``index`` the precedent index built on its store, cold and from cached vectors)."""
    from analytics.analysis import load_analysis
    from analytics.ingest import ingest
    from analytics.store import coe_count, open_store

    root = common.distinct_corpus(n, seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "cold.db"
        conn = open_store(store)
        with common.timed() as t:
            ingest(conn, common.corpus_documents(root), progress=False)
        coes = coe_count(conn)
        conn.close()
        common.log(f"analyze: ingested {coes} COEs in {t.wall_s:.1f}s; cold analyze")
        argv = [sys.executable, "-m", "analytics.cli", "analyze", "--store", str(store)]
        run = common.run_measured([*argv, "--no-progress", "--device", device])
        run.pop("stdout")
        if run["returncode"] != 0:
            return {"coes": coes, "ingest_s": t.wall_s, **run, "error": "coe analyze failed"}
        conn = open_store(store)
        analysis = load_analysis(conn)
        stages = analysis.settings.get("timings", {})
        built = bench_index(conn, analysis) if index else {}
        conn.close()
    share = stages.get("embed", 0) / run["wall_s"]
    return {
        "coes": coes,
        "ingest_s": t.wall_s,
        **run,
        "stages_s": stages,
        "embed_share": round(share, 3),
        **built,
    }


def bench_index(conn, analysis) -> dict:
    from analytics.search import build_index

    out = {}
    for build in ("index_cold", "index_cached"):
        with common.timed() as t:
            index = build_index(conn, analysis)
        per_1k = t.wall_s / max(len(index), 1) * 1000
        out[build] = {"wall_s": round(t.wall_s, 1), "s_per_1000_coes": round(per_1k, 2)}
        common.log(f"{build}: {t.wall_s:.1f}s ({per_1k:.2f} s per 1,000 COEs; target <= 10)")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="distinct COEs whose texts to embed")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batches", default=None, help="bare encode batch sizes (comma list)")
    parser.add_argument(
        "--our-batches",
        default="",
        help="also time coegraph at these batch sizes (comma list; its own choice always runs)",
    )
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads (on shared CPU cores: 1 is steadier)",
    )
    parser.add_argument(
        "--analyze-n",
        type=int,
        default=None,
        help="COEs for the cold analyze (default --n; 0: skip)",
    )
    parser.add_argument(
        "--index", action="store_true", help="also build the precedent index on that store"
    )
    args = parser.parse_args(argv)

    device = args.device
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    kind = "cuda" if device.startswith("cuda") else "cpu"
    batches = [int(b) for b in (args.batches or DEFAULT_BATCHES[kind]).split(",") if b]
    our_batches = [None, *(int(b) for b in args.our_batches.split(",") if b)]
    path = results_path(kind, args.n)
    data: dict = {"device": device, "corpus": f"distinct_corpus({args.n}, seed={args.seed})"}

    texts = corpus_texts(args.n, args.seed, distinct=True)
    unique = list(dict.fromkeys(texts))
    data.update(texts=len(texts), unique_texts=len(unique))
    common.log(f"{len(texts)} texts, {len(unique)} unique")

    from analytics.embed import SentenceTransformerEmbedder

    probe = SentenceTransformerEmbedder(device=device).fit()
    lengths = [len(ids) for ids in probe.model_.tokenizer(unique)["input_ids"]]
    data["mean_tokens"] = round(float(np.mean(lengths)), 1)
    data["tokenizer"] = bench_tokenizer(probe.model_, unique)
    del probe
    save(path, data)

    data["bare"], reference = bench_bare(unique, device, batches, args.repeats)
    best = max(data["bare"], key=lambda r: r["texts_per_s"])
    data["bare_best"] = best
    save(path, data)

    data["coegraph"], ours = bench_ours(texts, unique, device, our_batches, args.repeats)
    own = data["coegraph"][0]
    ratio = own["texts_per_s"] / best["texts_per_s"]
    data["ratio_to_best_bare"] = round(ratio, 3)
    best_cpu = max(r["texts_per_cpu_s"] for r in data["bare"])
    data["ratio_per_cpu_s"] = round(own["texts_per_cpu_s"] / best_cpu, 3)
    data["target"] = f">= {EMBED_RATIO_TARGET}"
    data["verdict"] = common.verdict(ratio, EMBED_RATIO_TARGET, at_most=False)
    data["max_abs_diff_vs_bare_fp32"] = float(np.abs(ours - reference).max())
    common.log(
        f"coegraph {own['texts_per_s']} texts/s vs best bare {best['texts_per_s']} "
        f"({best['precision']}, batch {best['batch']}): {ratio:.3f}x"
    )
    save(path, data)

    analyze_n = args.n if args.analyze_n is None else args.analyze_n
    if analyze_n:
        data["analyze"] = bench_analyze(analyze_n, args.seed, device, args.index)
        common.log(f"analyze: {data['analyze']}")
        save(path, data)
    common.log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
