"""Okapi BM25 over scikit-learn's CountVectorizer: lexical scoring for precedent search.

The per-document, per-term BM25 weight does not depend on the query, so :meth:`BM25.fit`
computes it once into a sparse column-major matrix. Scoring a query is then a product of the
few columns of the terms it contains with their query counts: the cost grows with the number of
documents holding those terms, not with the corpus size times the vocabulary.

    weight(d, t) = idf(t) * tf(d, t) * (k1 + 1) / (tf(d, t) + k1 * (1 - b + b * |d| / avgdl))
    idf(t)       = log(1 + (N - df(t) + 0.5) / (df(t) + 0.5))
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from analytics.label import STOP_WORDS

_PARAMETER_CONSTRAINTS = {
    "k1": lambda v: isinstance(v, (int, float)) and v >= 0,
    "b": lambda v: isinstance(v, (int, float)) and 0 <= v <= 1,
}


class BM25:
    """BM25 ranking of a fixed set of documents.

    Parameters
    ----------
    k1 : float
        Term-frequency saturation: how quickly repeating a term stops adding weight.
    b : float
        Length normalisation: 0 ignores document length, 1 normalises fully.

    Attributes
    ----------
    vectorizer_ : CountVectorizer
        The fitted tokeniser and vocabulary.
    weights_ : scipy.sparse.csc_matrix of shape (n_documents, n_terms)
        BM25 weight of each term in each document.

    Examples
    --------
    >>> bm25 = BM25().fit(["tls certificate expired", "disk filled with logs", "certificate renewal"])
    >>> [round(float(s), 2) > 0 for s in bm25.score("expired certificate")]
    [True, False, True]
    """

    def __init__(self, *, k1: float = 1.2, b: float = 0.75):
        self.k1 = k1
        self.b = b

    def fit(self, documents: Sequence[str]) -> BM25:
        for name, check in _PARAMETER_CONSTRAINTS.items():
            if not check(getattr(self, name)):
                raise ValueError(f"invalid {name}={getattr(self, name)!r}")
        # Placeholders left by masking ("the service") would otherwise match every document.
        self.vectorizer_ = CountVectorizer(stop_words=STOP_WORDS, dtype=np.float32)
        try:
            counts = self.vectorizer_.fit_transform(list(documents)).tocsr()
        except ValueError:  # an empty vocabulary: nothing can match
            self.vectorizer_ = CountVectorizer(stop_words=None, dtype=np.float32).fit(["empty"])
            counts = sparse.csr_matrix((len(documents), 1), dtype=np.float32)
        n_docs = counts.shape[0]
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        avgdl = lengths.mean() if n_docs and lengths.mean() > 0 else 1.0
        df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        # Per stored entry: its row's length normaliser and its column's idf.
        norm = self.k1 * (1 - self.b + self.b * lengths / avgdl)
        rows = np.repeat(np.arange(n_docs), np.diff(counts.indptr))
        tf = counts.data
        counts.data = (idf[counts.indices] * tf * (self.k1 + 1) / (tf + norm[rows])).astype(
            np.float32
        )
        self.weights_ = counts.tocsc()
        return self

    def score(self, query: str) -> np.ndarray:
        """BM25 score of every fitted document for ``query`` (float32, one per document)."""
        q = self.vectorizer_.transform([query])
        if q.nnz == 0:
            return np.zeros(self.weights_.shape[0], np.float32)
        columns = self.weights_[:, q.indices]
        return np.asarray(columns @ q.data.astype(np.float32)).ravel()

    def shared_terms(self, query: str, document: int, n: int = 6) -> list[str]:
        """The query's terms that weigh most in ``document``'s score, heaviest first: the
        distinctive words a match shares (a rare term counts more than a common one)."""
        q = self.vectorizer_.transform([query])
        if q.nnz == 0:
            return []
        weights = self.weights_[document, q.indices].toarray().ravel()
        order = np.argsort(-weights, kind="stable")[:n]
        if not hasattr(self, "_terms"):
            self._terms = self.vectorizer_.get_feature_names_out()
        return [str(self._terms[q.indices[i]]) for i in order if weights[i] > 0]

    def to_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """The fitted state as plain arrays (for ``numpy.savez``; no pickles)."""
        terms = sorted(self.vectorizer_.vocabulary_, key=self.vectorizer_.vocabulary_.get)
        w = self.weights_
        return {
            f"{prefix}data": w.data,
            f"{prefix}indices": w.indices,
            f"{prefix}indptr": w.indptr,
            f"{prefix}shape": np.array(w.shape, np.int64),
            f"{prefix}terms": np.array(terms, dtype=str),
            f"{prefix}params": np.array([self.k1, self.b], np.float64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str = "") -> BM25:
        """Rebuild a fitted :class:`BM25` from :meth:`to_arrays` output."""
        k1, b = (float(v) for v in arrays[f"{prefix}params"])
        self = cls(k1=k1, b=b)
        terms = arrays[f"{prefix}terms"].tolist()
        self.vectorizer_ = CountVectorizer(
            stop_words=STOP_WORDS, dtype=np.float32, vocabulary={t: i for i, t in enumerate(terms)}
        )
        self.weights_ = sparse.csc_matrix(
            (arrays[f"{prefix}data"], arrays[f"{prefix}indices"], arrays[f"{prefix}indptr"]),
            shape=tuple(int(v) for v in arrays[f"{prefix}shape"]),
        )
        return self
