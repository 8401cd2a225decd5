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
from concurrent.futures import ThreadPoolExecutor
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

    The texts are tokenized once, in chunks (on a GPU the next chunk is tokenized in a thread
    while the model runs the current one), sorted by token count so a batch pads to the length of
    texts like its own, run through the model with the vectors kept on the device, and copied
    out once, in the caller's order. On CUDA the weights are cast to fp16. The vectors are
    ``SentenceTransformer.encode``'s (``normalize_embeddings=True``) to float tolerance in fp32.

    Parameters
    ----------
    model : str or None
        Registry name, local folder or cached name (:func:`analytics.model_registry.resolve_model`);
        ``None`` means ``$COE_MODEL`` or the default.
    device : str or None
        ``"cpu"``, ``"cuda"``, ...; ``None`` uses ``$COE_DEVICE``, else a GPU when torch sees one.
    batch_size : int or None
        Texts per forward pass; ``None`` chooses for the device (:func:`device_batch_size`).
    """

    def __init__(
        self, *, model: str | None = None, device: str | None = None, batch_size: int | None = None
    ):
        self.model = model
        self.device = device
        self.batch_size = batch_size

    @property
    def cache_key(self) -> str:
        # fp16 (CUDA) and fp32 vectors share the key: the same model, rows equal to ~1e-3, and a
        # store moved between a laptop and a GPU box should not re-embed everything.
        return f"st:{model_setting(self.model)}"

    def fit(self, texts: Sequence[str] | None = None) -> SentenceTransformerEmbedder:
        from sentence_transformers import SentenceTransformer

        device = self.device or os.environ.get("COE_DEVICE") or None
        path = resolve_model(model_setting(self.model))
        with _no_weight_loading_bar():
            self.model_ = SentenceTransformer(path, device=device)
        if self.model_.device.type == "cuda":
            self.model_.half()
        self.batch_size_ = self.batch_size or device_batch_size(self.model_)
        return self

    def transform(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not hasattr(self, "model_"):
            self.fit()
        if not texts:
            return np.zeros((0, _dimension(self.model_)), np.float32)
        with _one_thread_if(len(texts) <= FEW_TEXTS):
            if _can_batch_itself(self.model_):
                return _encode_sorted(self.model_, list(texts), self.batch_size_, progress)
            vectors = self.model_.encode(
                list(texts),
                batch_size=self.batch_size_,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return vectors.astype(np.float32, copy=False)


# Texts per forward pass on a CPU, measured on two shared cores with the length-sorted path. At
# torch's default two threads (the 1,349 texts of benchmarks.embed_and_cluster --part embed, three
# alternated runs, CPU seconds): batch 32: 20.9/28.8/27.9, 64: 12.3/21.1/20.0 (bare encode at 64:
# 15.5/23.0/22.2); every batch is a few thread synchronisations, and on busy cores each waits for
# the slower thread. With one thread 32, 64 and 128 ran within 10% (161/154/145 texts per CPU
# second). The rule: the fastest at the default thread count.
CPU_BATCH_SIZE = 64
# On a GPU a batch is as large as a quarter of the free memory allows for texts of the model's
# longest length (the first batch holds the longest texts), between these bounds. Past a few
# thousand short texts the chip is already full; the bare encode peaked at 4,096 on an H200.
GPU_BATCH_SIZE_MIN, GPU_BATCH_SIZE_MAX = 128, 4096
# Texts tokenized per chunk: large enough that the tokenizer's own threads pay off, small enough
# that the first chunk's model work starts early.
TOKENIZE_CHUNK = 16384


def device_batch_size(model) -> int:
    """The batch size for ``model``'s device: :data:`CPU_BATCH_SIZE` on a CPU; on CUDA the
    largest power of two whose activations at the longest sequence fit in a quarter of the free
    memory (``torch.cuda.mem_get_info``), within the GPU bounds."""
    if model.device.type != "cuda":
        return CPU_BATCH_SIZE
    import torch

    free, _ = torch.cuda.mem_get_info(model.device)
    length = model.max_seq_length or 512
    config = getattr(model[0], "auto_model", None)
    config = getattr(config, "config", None)
    hidden = getattr(config, "hidden_size", 1024)
    heads = getattr(config, "num_attention_heads", 16)
    # One layer's live activations per text: the feed-forward's 4x hidden (and its inputs) and
    # one attention score matrix per head, in fp16; inference keeps one layer's alive at a time.
    per_text = length * (hidden * 16 + heads * length) * 2
    fits = max(1, int(free * 0.25 // per_text))
    size = 1 << (fits.bit_length() - 1)
    return max(GPU_BATCH_SIZE_MIN, min(GPU_BATCH_SIZE_MAX, size))


_TOKEN_FEATURES = {"input_ids", "attention_mask", "token_type_ids"}


def _can_batch_itself(model) -> bool:
    """Whether :func:`_encode_sorted` can feed ``model``: a fast tokenizer padding on the right
    and a first module whose features are only token ids, mask and type ids (BERT-like text
    models). Anything else goes through ``encode``."""
    if hasattr(model, "_coegraph_features"):
        return model._coegraph_features is not None
    template = None
    tokenizer = getattr(model, "tokenizer", None)
    prepare = getattr(model, "preprocess", None) or getattr(model, "tokenize", None)
    fast = getattr(tokenizer, "is_fast", False) and prepare is not None
    if fast and getattr(tokenizer, "padding_side", "right") == "right":
        features = prepare(["a b", "c"])
        tensors = {k for k, v in features.items() if hasattr(v, "shape")}
        if "input_ids" in tensors and tensors <= _TOKEN_FEATURES:
            template = {k: v for k, v in features.items() if k not in tensors}
            template["_tensors"] = sorted(tensors)
    model._coegraph_features = template
    return template is not None


def _encode_sorted(model, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
    """Unit vectors of ``texts`` (rows in their order), batched by token count.

    Characters order the texts into chunks (free, and close to token order); each chunk is
    tokenized in one call, sorted by its exact token counts and cut into batches. The vectors
    stay on the device, scattered to their rows, until one copy at the end.
    """
    import torch

    device = model.device
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    chunks = [order[i : i + TOKENIZE_CHUNK] for i in range(0, len(order), TOKENIZE_CHUNK)]
    out = torch.empty((len(texts), _dimension(model)), dtype=torch.float32, device=device)
    bar = _progress_bar(len(texts), progress)

    def tokenize(chunk: list[int]) -> list[list[int]]:
        return model.tokenizer(
            [texts[i] for i in chunk],
            truncation=True,
            max_length=model.max_seq_length,
            padding=False,
            return_attention_mask=False,
            return_token_type_ids=False,
        )["input_ids"]

    # Overlap only pays when the model runs elsewhere: on a CPU the tokenizer's thread would take
    # cores from the model.
    ahead = ThreadPoolExecutor(1) if device.type != "cpu" else None
    try:
        pending = ahead.submit(tokenize, chunks[0]) if ahead else None
        with torch.inference_mode():
            for k, chunk in enumerate(chunks):
                ids = pending.result() if ahead else tokenize(chunk)
                if ahead and k + 1 < len(chunks):
                    pending = ahead.submit(tokenize, chunks[k + 1])
                by_tokens = sorted(range(len(chunk)), key=lambda j: len(ids[j]), reverse=True)
                for start in range(0, len(chunk), batch_size):
                    rows = by_tokens[start : start + batch_size]
                    features = _padded(model, [ids[j] for j in rows], device)
                    vectors = model(features)["sentence_embedding"].float()
                    target = torch.as_tensor([chunk[j] for j in rows], device=device)
                    out[target] = torch.nn.functional.normalize(vectors, p=2, dim=1)
                    if bar is not None:
                        bar.update(len(rows))
    finally:
        if ahead:
            ahead.shutdown(cancel_futures=True)
        if bar is not None:
            bar.close()
    return out.cpu().numpy()


def _dimension(model) -> int:
    # sentence-transformers 6 renamed the method; older releases (a GPU box's) have the old name
    dimension = getattr(model, "get_embedding_dimension", None)
    return (dimension or model.get_sentence_embedding_dimension)()


def _padded(model, ids: list[list[int]], device) -> dict:
    """The model's features for one batch of token ids, padded on the right to the longest."""
    import torch

    width = max(len(row) for row in ids)
    pad = model.tokenizer.pad_token_id or 0
    input_ids = np.full((len(ids), width), pad, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for i, row in enumerate(ids):
        input_ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    template = model._coegraph_features
    tensors = {
        "input_ids": input_ids,
        "attention_mask": mask,
        "token_type_ids": np.zeros_like(input_ids),
    }
    features = {k: v for k, v in template.items() if k != "_tensors"}
    for name in template["_tensors"]:
        features[name] = torch.from_numpy(tensors[name]).to(device, non_blocking=True)
    return features


def _progress_bar(total: int, shown: bool):
    if not shown:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="Embedding", unit="text")


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


def run_embedder(settings: dict):
    """The embedder an analysis run's stored ``settings`` name (a run stores the model and
    device its command resolved)."""
    return make_embedder(
        settings.get("embedder", "sentence-transformers"),
        model=settings.get("model"),
        device=settings.get("device"),
    )


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
