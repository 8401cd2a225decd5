"""CharTfidf gives scikit-learn's char_wb TF-IDF vectors bit for bit, repeats read once."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from analytics.char_tfidf import CharTfidf, char_grams

# Repeats (the reason for the class), short words, case, accents, runs of odd whitespace.
CORPUS = [
    "The certificate expired because nothing alarms on <SVC> certificate expiry dates",
    "The certificate expired because nothing alarms on <SVC> certificate expiry dates",
    "The certificate expired because nothing alarms on <SVC> certificate expiry dates",
    "a connection pool of <NUM> was exhausted by retries",
    "A  connection\tpool\u00a0of <NUM> was EXHAUSTED by retries",
    "café DNS TTL of <NUM> s; a cache kept the old record",
    "x",
    "disk full on <HOST>: log rotation was off",
    "disk full on <HOST>: log rotation was off",
]
DOCS = [
    CORPUS[0] + " " + CORPUS[3],
    CORPUS[5],
    "renewal of the cert failed silently",  # grams never seen in the fit are left out
    "",
    CORPUS[7],
]


def _sklearn():
    return TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(3, 5))


def test_same_grams_as_sklearn():
    analyze = _sklearn().build_analyzer()
    for text in CORPUS + DOCS:
        assert char_grams(text) == analyze(text)


def test_same_vectors_as_sklearn_bit_for_bit():
    ref = _sklearn().fit(CORPUS)
    mine = CharTfidf().fit(CORPUS)
    assert mine.vocabulary == ref.vocabulary_
    assert np.array_equal(mine.idf, ref.idf_)
    want, got = ref.transform(DOCS), mine.transform(DOCS)
    want.sort_indices()
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data)  # equal floats, not close ones
    assert np.array_equal((got @ got.T).toarray(), (want @ want.T).toarray())


def test_repeats_count_as_often_as_they_occur():
    once = CharTfidf().fit(CORPUS[2:])
    thrice = CharTfidf().fit(CORPUS)
    assert once.vocabulary == thrice.vocabulary
    assert not np.array_equal(once.idf, thrice.idf)


def test_no_word_at_all_is_an_error_as_in_sklearn():
    with pytest.raises(ValueError):
        _sklearn().fit(["", "   "])
    with pytest.raises(ValueError):
        CharTfidf().fit(["", "   "])
