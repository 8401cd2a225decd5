"""A generated corpus ingested and analysed in one call: the fixture store of tests, demos and
benchmarks."""

from __future__ import annotations

import os
from pathlib import Path


def build_sample_store(
    folder: str | os.PathLike,
    n: int = 300,
    seed: int = 7,
    embedder: str = "tfidf",
    *,
    quiet: bool = True,
) -> Path:
    """Generate ``n`` COEs into ``folder`` (``corpus/``, ``labels.json``), ingest and analyse them.

    Parameters
    ----------
    folder : path
        Created if missing; receives the corpus and ``sample.db``.
    n, seed : int
        Corpus size and generator seed (``coe sample --n N --seed S``).
    embedder : str
        ``"tfidf"`` (fast, no model) or ``"sentence-transformers"``.

    Returns
    -------
    Path
        The analysed store.
    """
    from analytics.analyze import Settings, analyze
    from analytics.ingest import ingest
    from analytics.sample.generate import CORPUS_DIR, generate_corpus
    from analytics.store import open_store

    folder = Path(folder)
    generate_corpus(n, seed, folder)
    store = folder / "sample.db"
    conn = open_store(store)
    try:
        ingest(conn, [folder / CORPUS_DIR])
        analyze(conn, Settings(embedder=embedder), log=(lambda _m: None) if quiet else None)
    finally:
        conn.close()
    return store
