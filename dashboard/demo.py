"""A demo store for the dashboard: generated corpus -> ingest -> analyze, in one call.

Used by ``coe demo``, the browser tests, the screenshot script and the benchmarks.
"""

from __future__ import annotations

import os
from pathlib import Path


def build_demo_store(
    folder: str | os.PathLike,
    n: int = 300,
    seed: int = 7,
    embedder: str = "tfidf",
    *,
    quiet: bool = True,
) -> Path:
    """Write ``n`` synthetic COEs under ``folder/corpus``, ingest and analyse them.

    Parameters
    ----------
    folder : path
        Created if missing; receives ``corpus/`` and ``demo.db``.
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
    from analytics.sample import generate_corpus
    from analytics.store import open_store

    folder = Path(folder)
    corpus = folder / "corpus"
    generate_corpus(n, seed, corpus)
    store = folder / "demo.db"
    conn = open_store(store)
    try:
        ingest(conn, [corpus])
        analyze(conn, Settings(embedder=embedder), log=(lambda _m: None) if quiet else None)
    finally:
        conn.close()
    return store
