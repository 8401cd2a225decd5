"""Text embedders (scikit-learn shaped) and the store's embedding cache.

Two embedders share one interface: ``fit(texts)`` then ``transform(texts)`` returning
L2-normalised float32 rows, and a ``cache_key`` naming the vector space. The sentence-transformers
embedder is the default; the TF-IDF embedder (LSA) is the fast one for machines without torch.
Only model embeddings are cached: TF-IDF vectors depend on the corpus they were fitted on.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from analytics.model_registry import model_setting, resolve_model
from analytics.store import rows_in, transaction

# The hub is never contacted: a model is a local folder or already cached.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def text_hash(text: str) -> str:
    # surrogatepass: a record stored before parsing replaced lone surrogates must still hash
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class SentenceTransformerEmbedder:
    """Sentence embeddings from a local sentence-transformers model.

    Parameters
    ----------
    model : str or None
        Registry name, local folder or cached name (:func:`analytics.model_registry.resolve_model`);
        ``None`` means ``$COE_MODEL`` or the default.
    device : str or None
        ``"cpu"``, ``"cuda"``, ...; ``None`` uses ``$COE_DEVICE``, else a GPU when torch sees one.
    batch_size : int
        Texts per forward pass.
    """

    def __init__(
        self, *, model: str | None = None, device: str | None = None, batch_size: int = 64
    ):
        self.model = model
        self.device = device
        self.batch_size = batch_size

    @property
    def cache_key(self) -> str:
        return f"st:{model_setting(self.model)}"

    def fit(self, texts: Sequence[str] | None = None) -> SentenceTransformerEmbedder:
        from sentence_transformers import SentenceTransformer

        device = self.device or os.environ.get("COE_DEVICE") or None
        path = resolve_model(model_setting(self.model))
        with _no_weight_loading_bar():
            self.model_ = SentenceTransformer(path, device=device)
        return self

    def transform(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not hasattr(self, "model_"):
            self.fit()
        if not texts:
            return np.zeros((0, self.model_.get_sentence_embedding_dimension()), np.float32)
        with _one_thread_if(len(texts) <= FEW_TEXTS):
            vectors = self.model_.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return vectors.astype(np.float32, copy=False)


# A search query embeds a handful of short texts. Spread over torch's threads, each small
# operation waits for the slowest thread, and when the cores are shared (other processes, the
# usual case on a server) that wait dominates: embedding a draft took 0.5-3 s on two busy cores
# with two threads and 0.07-0.15 s with one (the drafts of benchmarks/bench_search.py). Large
# batches (``coe analyze``) keep torch's default.
FEW_TEXTS = 32


@contextmanager
def _no_weight_loading_bar() -> Iterator[None]:
    """transformers draws a bar while it loads weights, even for a --no-progress run; from a
    local folder they load in well under a second, so the bar is only noise in logs."""
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            hf_logging.enable_progress_bar()


_threads_lock = threading.Lock()


@contextmanager
def _one_thread_if(few: bool) -> Iterator[None]:
    """Run torch on one intra-op thread inside the block when ``few`` (a process-wide setting,
    so it is changed under a lock and restored after)."""
    if not few:
        yield
        return
    import torch

    with _threads_lock:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


class TfidfEmbedder:
    """TF-IDF over word uni/bigrams reduced by truncated SVD (LSA): fast, no torch.

    Parameters
    ----------
    n_components : int
        Dimensions kept by the SVD (fewer when the vocabulary is smaller).
    random_state : int
        Seed of the randomised SVD.
    """

    cache_key = None

    def __init__(self, *, n_components: int = 256, random_state: int = 0):
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, texts: Sequence[str]) -> TfidfEmbedder:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer_ = TfidfVectorizer(
            ngram_range=(1, 2), min_df=1, sublinear_tf=True, stop_words="english"
        )
        matrix = self.vectorizer_.fit_transform(list(texts) or [""])
        k = max(1, min(self.n_components, matrix.shape[1] - 1, matrix.shape[0] - 1))
        self.svd_ = TruncatedSVD(n_components=k, random_state=self.random_state).fit(matrix)
        return self

    def transform(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        texts = list(texts)
        reduced = self.svd_.transform(self.vectorizer_.transform(texts)).astype(np.float32)
        # A text with no usable token ("the", "x", "12345") is a zero row, whose cosine distance
        # to anything is NaN and stops clustering; it gets a direction of its own instead, from
        # its hash, so it stays apart from every other text (and equal texts stay equal).
        for i in np.flatnonzero(~np.linalg.norm(reduced, axis=1).astype(bool)):
            seed = int(text_hash(texts[i])[:8], 16)
            reduced[i] = np.random.default_rng(seed).standard_normal(reduced.shape[1])
        return _normalise(reduced)


EMBEDDERS = {"sentence-transformers": SentenceTransformerEmbedder, "tfidf": TfidfEmbedder}


def make_embedder(name: str, *, model: str | None = None, device: str | None = None):
    """The embedder a setting names: ``sentence-transformers`` (default) or ``tfidf``."""
    if name == "tfidf":
        return TfidfEmbedder()
    if name in ("sentence-transformers", "st", "default"):
        return SentenceTransformerEmbedder(model=model, device=device)
    raise ValueError(f"unknown embedder {name!r}; choose one of {sorted(EMBEDDERS)}")


def embed_texts(
    embedder,
    texts: Sequence[str],
    conn: sqlite3.Connection | None = None,
    *,
    progress: bool = False,
    save: bool = True,
) -> tuple[np.ndarray, int]:
    """Vectors for ``texts`` (rows in the same order) and how many texts were newly embedded.

    Each distinct text is embedded once. With a connection and an embedder that has a
    ``cache_key``, vectors are read from and written to the store's cache, keyed by
    ``(cache_key, text hash)``, so a model change never mixes two vector spaces. With
    ``save=False`` the cache is only read (a query's one-off texts need not be kept, and the
    connection may be read-only). The model is loaded only when some text is missing.
    """
    unique = list(dict.fromkeys(texts))
    hashes = [text_hash(t) for t in unique]
    key = getattr(embedder, "cache_key", None)
    cached: dict[str, np.ndarray] = {}
    if conn is not None and key:
        cached = _read_cache(conn, key, hashes)
    missing = [t for t, h in zip(unique, hashes, strict=True) if h not in cached]
    if missing:
        if key is None and not hasattr(embedder, "vectorizer_"):
            embedder.fit(unique)
        fresh = embedder.transform(missing, progress=progress)
        new = {text_hash(t): v for t, v in zip(missing, fresh, strict=True)}
        if conn is not None and key and save:
            _write_cache(conn, key, new)
        cached.update(new)
    if not unique:
        return np.zeros((0, 1), np.float32), 0
    matrix = np.stack([cached[h] for h in hashes])
    index = {t: i for i, t in enumerate(unique)}
    return matrix[[index[t] for t in texts]], len(missing)


def _read_cache(conn: sqlite3.Connection, key: str, hashes: list[str]) -> dict[str, np.ndarray]:
    sql = "SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN ({})"
    return {h: np.frombuffer(blob, np.float32) for h, blob in rows_in(conn, sql, hashes, key)}


def _write_cache(conn: sqlite3.Connection, key: str, vectors: dict[str, np.ndarray]) -> None:
    rows = [(key, h, int(v.shape[0]), v.astype(np.float32).tobytes()) for h, v in vectors.items()]
    with transaction(conn):
        conn.executemany(
            "INSERT OR REPLACE INTO embeddings(model, text_hash, dim, vector) VALUES (?,?,?,?)",
            rows,
        )


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
