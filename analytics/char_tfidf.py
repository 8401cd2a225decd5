"""TF-IDF of character n-grams within words: scikit-learn's vectors, fitted on distinct texts.

:class:`CharTfidf` gives what ``TfidfVectorizer(sublinear_tf=True, analyzer="char_wb",
ngram_range=(3, 5))`` gives, value for value, for two reasons:

- **Repeated texts.** The root causes of a corpus repeat (the masked cause of one mechanism is
  often the same words thousands of times: 14,439 causes but 912 distinct at 10,000 COEs).
  Each distinct text is read once and counted as often as it occurs, which is the same
  vocabulary and the same document frequencies as reading every copy.
- **Import time.** Importing ``sklearn.feature_extraction`` takes one to two seconds, more
  than the vectors themselves once repeats are read once; the report pays it on every run.

Same value for value: the n-grams are cut by the same loop, columns are the n-grams in sorted
order, and each float is made by the same operation in the same order (``numpy.log`` of the
counts, plus one, times the idf; each row divided by the square root of its squares summed
left to right, as scikit-learn's ``inplace_csr_row_normalize_l2`` does). ``tests/test_char_tfidf.py``
checks it against scikit-learn.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

_SPACES = re.compile(r"\s\s+")
MIN_N, MAX_N = 3, 5


def char_grams(text: str) -> list[str]:
    """The character 3- to 5-grams of ``text``'s words, each word padded with a space.

    scikit-learn's ``char_wb`` analyzer after lowercasing (its ``_char_wb_ngrams``, BSD-3):
    a word shorter than ``n`` gives itself once and no longer grams.

    >>> char_grams("TLS cert")
    [' tl', 'tls', 'ls ', ' tls', 'tls ', ' tls ', ' ce', 'cer', 'ert', 'rt ', ' cer', 'cert', 'ert ', ' cert', 'cert ']
    """
    grams: list[str] = []
    append = grams.append
    for w in _SPACES.sub(" ", text.lower()).split():
        w = " " + w + " "
        w_len = len(w)
        for n in range(MIN_N, MAX_N + 1):
            offset = 0
            append(w[offset : offset + n])
            while offset + n < w_len:
                offset += 1
                append(w[offset : offset + n])
            if offset == 0:  # a short word is counted once
                break
    return grams


class CharTfidf:
    """Character n-gram TF-IDF vectors: sublinear tf, smooth idf, rows of unit length.

    >>> vec = CharTfidf().fit(["cert expired", "cert expired", "disk full"])
    >>> X = vec.transform(["cert expired", "cert renewal", "disk full"])
    >>> sims = (X @ X.T).toarray()
    >>> round(float(sims[0, 1]), 2), float(sims[0, 2])  # "renewal" was never seen
    (0.58, 0.0)
    """

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0)

    def fit(self, corpus: Iterable[str]) -> CharTfidf:
        """Learn the vocabulary and idf of ``corpus`` (every text, repeats included).

        Raises
        ------
        ValueError
            When no text has a word (scikit-learn's "empty vocabulary").
        """
        copies = Counter(corpus)
        grams = {text: set(char_grams(text)) for text in copies}
        self.vocabulary = {g: j for j, g in enumerate(sorted(set().union(*grams.values())))}
        if not self.vocabulary:
            raise ValueError("empty vocabulary: no text has a word")
        df = np.zeros(len(self.vocabulary))
        for text, n in copies.items():
            df[[self.vocabulary[g] for g in grams[text]]] += n
        # ln((1 + n) / (1 + df)) + 1, in scikit-learn's order of operations
        df += 1.0
        self.idf = np.full_like(df, sum(copies.values()) + 1)
        self.idf /= df
        np.log(self.idf, out=self.idf)
        self.idf += 1.0
        return self

    def transform(self, docs: Sequence[str]) -> sparse.csr_array:
        """One unit-length row per document; n-grams not seen in :meth:`fit` are left out."""
        vocab = self.vocabulary
        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        for doc in docs:
            row = Counter(vocab[g] for g in char_grams(doc) if g in vocab)
            cols = sorted(row)
            indices.extend(cols)
            counts.extend(row[j] for j in cols)
            indptr.append(len(indices))
        data = np.asarray(counts, dtype=np.float64)
        np.log(data, out=data)
        data += 1.0
        cols_ = np.asarray(indices, dtype=np.int32)
        data *= self.idf[cols_]
        for a, b in zip(indptr[:-1], indptr[1:], strict=True):
            if a == b:
                continue
            # np.add.accumulate adds left to right, as scikit-learn's loop does (np.sum would
            # add pairwise and round differently)
            norm = float(np.add.accumulate(data[a:b] * data[a:b])[-1])
            if norm:
                data[a:b] /= np.sqrt(norm)
        return sparse.csr_array(
            (data, cols_, np.asarray(indptr, dtype=np.int32)), shape=(len(docs), len(vocab))
        )
