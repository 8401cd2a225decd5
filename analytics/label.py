"""Cluster labels: distinctive keywords by class-based TF-IDF and the most central statement.

c-TF-IDF treats all statements of one cluster as one document: a term weighs
``tf(term, cluster) * log(1 + mean words per cluster / frequency of the term over all clusters)``,
so the words that set a cluster apart rise and words every cluster uses sink. Among the
distinctive terms, those at least two member statements use come first: a rare name one
statement repeats ("Alcide", "Alcide distributed") says less about what the members share.
"""

from __future__ import annotations

import re
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.utils._param_validation import Interval  # see analytics.cluster

# Placeholders left by masking and words every COE uses say nothing about a mechanism.
_EXTRA_STOP = {
    "service",
    "host",
    "region",
    "url",
    "address",
    "date",
    "time",
    "version",
    "ticket",
    "incident",
    "because",
    "did",
    "didn",
    "wasn",
    "weren",
    "wa",
    "caused",
    "cause",
    "root",
    "issue",
    "problem",
    "team",
    "customer",
    "customers",
    "request",
    "requests",
    "error",
    "errors",
    "failed",
    "failure",
    "the",
    "n",
    # Discourse adverbs real write-ups lean on ("Additionally, ..."): they label no mechanism.
    "additionally",
    "actually",
    "apparently",
    "basically",
    "currently",
    "eventually",
    "initially",
    "likely",
    "previously",
    "probably",
    "really",
    "unfortunately",
}
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | _EXTRA_STOP)


class CTfidfLabeler(BaseEstimator):
    """Keywords and a representative statement per cluster.

    Parameters
    ----------
    n_keywords : int
        Keywords kept per cluster.
    n_label_words : int
        Keywords joined into the short label.

    Attributes
    ----------
    keywords_ : dict[int, list[str]]
    labels_ : dict[int, str]
    representatives_ : dict[int, int]
        Index (into the fitted texts) of the statement closest to its cluster's centroid.

    Examples
    --------
    >>> texts = ["certificate expired", "cert renewal missed, certificate expired",
    ...          "retry storm overloaded db", "retries without backoff overloaded db"]
    >>> lab = CTfidfLabeler(n_keywords=2).fit(texts, [0, 0, 1, 1])
    >>> lab.keywords_[0][0]
    'certificate'
    """

    _parameter_constraints: dict = {
        "n_keywords": [Interval(Integral, 1, None, closed="left")],
        "n_label_words": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, n_keywords: int = 6, n_label_words: int = 3):
        self.n_keywords = n_keywords
        self.n_label_words = n_label_words

    def fit(self, texts, labels, vectors=None, groups=None) -> CTfidfLabeler:
        """``groups`` (the COE of each text, optional): a term is shared when texts of two
        groups use it, not two statements of one COE."""
        self._validate_params()
        labels = np.asarray(labels)
        clusters = [c for c in np.unique(labels) if c >= 0]
        self.keywords_, self.labels_, self.representatives_ = {}, {}, {}
        if not clusters:
            return self
        docs = [" ".join(texts[i] for i in np.flatnonzero(labels == c)) for c in clusters]
        vectorizer = CountVectorizer(
            ngram_range=(1, 2), stop_words=STOP_WORDS, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b"
        )
        try:
            counts = vectorizer.fit_transform(docs).astype(np.float64)
        except ValueError:  # only stop words
            counts = None
        if counts is not None:
            terms = vectorizer.get_feature_names_out()
            tf = counts.multiply(1 / np.maximum(counts.sum(axis=1), 1)).tocsr()
            mean_words = counts.sum() / len(clusters)
            idf = np.log(1 + mean_words / np.maximum(np.asarray(counts.sum(axis=0)).ravel(), 1))
            weights = tf.multiply(idf).tocsr()
        for row, c in enumerate(clusters):
            members = np.flatnonzero(labels == c)
            keywords = []
            if counts is not None:
                line = weights.getrow(row).toarray().ravel()
                ranked = [terms[i] for i in np.argsort(-line, kind="stable") if line[i] > 0]
                owners = members if groups is None else [groups[i] for i in members]
                keywords = _distinct(
                    _shared_first(ranked, [texts[i] for i in members], list(owners))
                )
            self.keywords_[int(c)] = keywords[: self.n_keywords]
            self.labels_[int(c)] = " / ".join(keywords[: self.n_label_words]) or f"cluster {c}"
            self.representatives_[int(c)] = int(_central(members, vectors))
        return self


_TOKEN = re.compile(r"[a-zA-Z][a-zA-Z]+")


def _shared_first(
    terms: list[str], texts: list[str], owners: list, candidates: int = 30
) -> list[str]:
    """``terms`` (best first) with those the texts of at least two owners use moved to the front.

    A term is used by a text when all its words are (a bigram's words may have had stop words
    between them).
    """
    words_of: dict[frozenset, set] = {}
    for text, owner in zip(texts, owners, strict=True):
        words_of.setdefault(frozenset(_TOKEN.findall(text.lower())), set()).add(owner)
    if len(set(owners)) < 2:
        return terms
    shared = []
    for term in terms[:candidates]:
        needed = set(term.split())
        users = set().union(*(o for words, o in words_of.items() if needed <= words))
        if len(users) >= 2:
            shared.append(term)
    return shared + [t for t in terms if t not in set(shared)]


def _distinct(terms: list[str]) -> list[str]:
    """Drop a term whose words are all in terms already kept (``cert`` after ``cert expiry``)."""
    kept: list[str] = []
    seen: set[str] = set()
    for term in terms:
        words = set(re.split(r"\s+", term))
        if words <= seen:
            continue
        kept.append(term)
        seen |= words
    return kept


def _central(members: np.ndarray, vectors) -> int:
    if vectors is None or len(members) == 1:
        return int(members[0])
    block = np.asarray(vectors)[members]
    centroid = block.mean(axis=0)
    return int(members[int(np.argmax(block @ centroid))])
