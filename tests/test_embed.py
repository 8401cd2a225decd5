from __future__ import annotations

import numpy as np
import pytest

from analytics.embed import SentenceTransformerEmbedder, TfidfEmbedder, embed_texts, make_embedder
from analytics.model_registry import ModelNotFoundError, resolve_model
from analytics.store import open_store


class CountingEmbedder:
    """Isolates the cache: records which texts reach the model."""

    cache_key = "counting-v1"

    def __init__(self):
        self.seen: list[str] = []

    def transform(self, texts, progress=False):
        self.seen += list(texts)
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


def test_duplicates_are_embedded_once(tmp_path):
    emb = CountingEmbedder()
    vectors, n_new = embed_texts(emb, ["a", "bb", "a"], open_store(tmp_path / "s.db"))
    assert emb.seen == ["a", "bb"]
    assert n_new == 2
    assert (vectors[0] == vectors[2]).all()


def test_cached_texts_are_not_embedded_again(tmp_path):
    conn = open_store(tmp_path / "s.db")
    embed_texts(CountingEmbedder(), ["a", "bb"], conn)
    emb = CountingEmbedder()
    _, n_new = embed_texts(emb, ["a", "bb", "ccc"], conn)
    assert emb.seen == ["ccc"]
    assert n_new == 1


def test_a_different_model_does_not_reuse_vectors(tmp_path):
    conn = open_store(tmp_path / "s.db")
    embed_texts(CountingEmbedder(), ["a"], conn)
    other = CountingEmbedder()
    other.cache_key = "other-model"
    _, n_new = embed_texts(other, ["a"], conn)
    assert n_new == 1


def test_tfidf_rows_are_unit_length():
    texts = ["cert expired", "certificate lapsed", "retry storm", "disk full on the db host"]
    vectors, _ = embed_texts(TfidfEmbedder(), texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_unknown_embedder_name():
    with pytest.raises(ValueError, match="unknown embedder"):
        make_embedder("word2vec")


def test_missing_model_folder_says_so():
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        resolve_model("./no/such/model")


def test_default_model_resolves_to_the_packaged_files():
    folder = resolve_model("all-MiniLM-L6-v2")
    assert folder.endswith("model")


@pytest.mark.slow
def test_real_model_puts_paraphrases_closer_than_other_mechanisms():
    emb = SentenceTransformerEmbedder()
    v = emb.transform(
        [
            "the TLS certificate for the api host expired",
            "certificate on the edge proxy lapsed because renewal was manual",
            "a retry storm overloaded the database",
        ]
    )
    assert v.shape == (3, 384)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


@pytest.mark.slow
def test_sorted_batches_give_encodes_vectors(monkeypatch):
    """The length-sorted path (several chunks, several batches, texts past the model's 256
    tokens, an empty text, duplicates) gives ``SentenceTransformer.encode``'s rows, in order."""
    from analytics import embed

    monkeypatch.setattr(embed, "TOKENIZE_CHUNK", 4)
    texts = [
        "the TLS certificate for the api host expired",
        "",
        "retry " * 400,
        "disk full",
        "a retry storm overloaded the database because clients retried without backoff",
        "disk full",
        "the deploy pipeline skipped the canary stage and shipped a bad config to every region",
        "dns",
        "why? because the alert threshold was never reviewed after the migration to the new cluster",
    ]
    emb = SentenceTransformerEmbedder(batch_size=3).fit()
    assert embed._can_batch_itself(emb.model_)  # else this would compare encode with itself
    ours = emb.transform(texts)
    plain = emb.model_.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert ours.dtype == np.float32 and ours.shape == plain.shape
    np.testing.assert_allclose(ours, plain, atol=1e-5)
