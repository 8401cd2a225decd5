"""Precedent search: "has this happened before?" for a bar raiser reviewing a draft COE.

A draft (a stored COE, a file, or a few sentences) is compared with every analysed COE by these
signals (each can be weighed in :class:`Weights`):

* **passages** - each document is read whole (:mod:`analytics.search_text`: the document as
  written, markup removed, names masked) and cut into passages of at most 120 words, each
  embedded; per COE, the mean over the draft's passages of its best cosine with one of the
  COE's passages;
* **bm25** - Okapi BM25 of the masked draft against the masked whole document;
* **statements** - each draft why-step / root cause (or sentence, for a few plain sentences)
  matched to its most similar why-step or root cause of the precedent; the mean of those best
  matches, and the best single pair (``best_pair``);
* **root cause** - the best similarity between a draft statement and a precedent root cause;
* **theme** - a bonus for the theme nearest the draft's root cause;
* **mechanism** - the chance that the draft and the COE state the same failure mechanism of the
  taxonomy: the dot product of their mechanism profiles (:mod:`analytics.search_mechanism`; a
  COE in a mechanism's theme has all of its profile there).

Fusion ``norm`` (the default) scales each signal per draft to 0 at the store's median COE and 1
at its best match among those that may be returned, and takes the weighted mean: the 0-100
score. :data:`WEIGHTS` come from the rule stated in ``benchmarks/tune_search.py``, applied to the
devset drafts, the DFDS recurring incidents and the generator's drafts together
(``benchmarks/bench_search.py --part labelled`` prints each set beside BM25, TF-IDF and MiniLM
over whole documents). The draft itself (same id, same record content, or a stored document's
bytes) is never returned; each result says why it matched (statement or passage pairs side by
side, distinctive shared terms, a shared theme).

Per query the cost is embedding the draft (its statements and passages), then matrix-vector
products with the passage vectors, a sparse column product for BM25, and one matrix
product of the statement rows (float32, L2-normalised, grouped by COE) with the draft's statement
vectors with a ``maximum.reduceat`` per COE: no Python loop over COEs. Over a large corpus the
statement rows are only those of a shortlist, the best COEs by the cheap signals plus a fixed
sample that scales the statement signals. A stored COE's vectors are read from the store's
embedding cache without loading the model. Built indexes of model embeddings are saved beside
the store (:func:`index_cache_path`), so a large index loads from arrays.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import sqlite3
import struct
import threading
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from analytics.analysis import ACTION, ROOT_CAUSE, WHY, Analysis
from analytics.analyze import collect_statements
from analytics.bm25 import BM25
from analytics.embed import embed_texts, run_embedder
from analytics.masking import entity_pattern, mask
from analytics.mechanisms import (
    TaxonomyError,
    load_taxonomy,
    prototype_texts,
    prototypes,
    taxonomy_digest,
)
from analytics.packed_strings import pack, unpack, unpack_one
from analytics.record import COE, Action, Impact
from analytics.search_mechanism import profile, profiles, specific
from analytics.search_text import content_hash, passages, whole_text
from analytics.store import load_coe, load_coes

CACHE_FORMAT = 4


@dataclass(frozen=True)
class Weights:
    """How much each signal counts in the fused score (0 switches a signal off).

    ``theme`` is a bonus for precedents in the theme whose centroid is nearest the draft's
    root cause.
    """

    statements: float = 0.25
    best_pair: float = 0.0
    root_cause: float = 0.0
    bm25: float = 0.0
    theme: float = 0.0
    fusion: str = "z"
    passages: float = 1.0
    mechanism: float = 0.0


# Chosen by the rule in benchmarks/tune_search.py: the largest smallest margin over BM25 on the
# devset, the DFDS recurring incidents and the generator together (its one revision, after
# scoring, is stated there). BM25 over the whole document, its passages embedded one by one and
# the shared failure mechanism.
WEIGHTS = Weights(statements=0, fusion="norm", bm25=1, passages=0.5, mechanism=0.5)
BASELINES = {
    "bm25": Weights(0, 0, 0, 1, 0, fusion="norm", passages=0),
    "passages": Weights(0, 0, 0, 0, 0, fusion="norm", passages=1),
    "statements": Weights(1, 0.5, 0.5, 0, 0, fusion="norm", passages=0),
}
# Signals on the 0-100 score's scale (see _normalised, fusion "norm").
SIGNALS = (
    "statements",
    "best_pair",
    "root_cause",
    "bm25",
    "theme",
    "passages",
    "mechanism",
)


@dataclass(frozen=True)
class MatchedPair:
    """A draft statement and the precedent statement most similar to it."""

    draft: str
    draft_kind: str
    precedent: str
    precedent_kind: str
    similarity: float


@dataclass(frozen=True)
class ThemeMatch:
    """The precedent's theme; ``shared`` when the draft's root cause lies nearest its centroid."""

    id: str
    label: str
    shared: bool


@dataclass(frozen=True)
class Signals:
    """Each signal's raw value for one precedent: cosines (statements, root cause, passages)
    and the BM25 score divided by the best COE's."""

    statements: float
    root_cause: float
    bm25: float
    passages: float = 0.0
    mechanism: float = 0.0


@dataclass(frozen=True)
class Precedent:
    """One earlier COE that matches a draft, with why it matched and what was done."""

    coe_id: str
    title: str
    date: str | None
    services: tuple[str, ...]
    team: str | None
    score: float
    theme: ThemeMatch | None
    signals: Signals
    pairs: tuple[MatchedPair, ...]
    actions: tuple[Action, ...]
    terms: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["services"] = list(self.services)
        data["pairs"] = [asdict(p) for p in self.pairs]
        data["actions"] = [asdict(a) for a in self.actions]
        data["terms"] = list(self.terms)
        data["reasons"] = list(self.reasons)
        return data


@dataclass(frozen=True)
class _DraftStatement:
    kind: str
    text: str
    masked: str


@dataclass
class _Query:
    statements: list[_DraftStatement]
    vectors: np.ndarray
    text: str
    theme: int = -1
    excluded: frozenset[str] = frozenset()
    passages: np.ndarray | None = None
    passage_texts: tuple[str, ...] = ()
    mechanism: np.ndarray | None = None  # the draft's mechanism profile (search_mechanism)


class PrecedentIndex:
    """Search structure over one analysis run; build with :func:`build_index`.

    Parameters
    ----------
    parts : dict of str to ndarray
        The index's arrays (see :meth:`save`); built by :func:`build_index`.
    embedder : object
        A fitted embedder in the vector space of ``parts`` (used to embed drafts).
    weights : Weights
        Default fusion weights.
    candidates : int
        Above this many COEs plus ``sample``, statement matching runs only on the best
        ``candidates`` by the other signals (two-stage ranking, for latency).
    sample : int
        Size of the fixed random sample of COEs whose statement scores give the mean and spread
        of the standard scores in two-stage ranking.
    store : str, optional
        The store file whose embedding cache holds the vectors of stored texts: a stored COE
        searched as a draft is then embedded without loading the model.
    """

    def __init__(
        self,
        parts: dict[str, np.ndarray],
        embedder,
        weights: Weights = WEIGHTS,
        *,
        candidates: int = 1000,
        sample: int = 500,
        store: str | None = None,
    ):
        self.parts = parts
        self.store = store
        self.candidates = candidates
        self.embedder = embedder
        self.weights = weights
        self.ids = unpack(parts["coe_ids"])
        self.position = {c: i for i, c in enumerate(self.ids)}
        self.names = unpack(parts["names"])
        self.pattern = entity_pattern(self.names)
        self.theme_ids = unpack(parts["theme_ids"])
        self.theme_labels = unpack(parts["theme_labels"])
        self.service_names = unpack(parts["service_names"])
        self.team_names = unpack(parts["team_names"])
        self.mechanism_ids = unpack(parts["mech_ids"])
        self.mechanism_names = unpack(parts["mech_names"])
        self.taxonomy = str(parts["mech_taxonomy"]) or None
        self.services = sparse.csc_matrix(
            (
                np.ones(len(parts["svc_indices"]), bool),
                parts["svc_indices"],
                parts["svc_indptr"],
            ),
            shape=(len(self.ids), len(self.service_names)),
        )
        self.bm25 = BM25.from_arrays(parts, prefix="bm25_")
        row_coe = parts["row_coe"]
        # reduceat needs non-empty segments: COEs without statements are left out and score 0.
        self.block_coes, self.block_starts = _blocks(row_coe)
        self.rc_rows = np.flatnonzero(parts["row_rc"])
        self.rc_coes, self.rc_starts = _blocks(row_coe[self.rc_rows])
        self.passage_coes, self.passage_starts = _blocks(parts["passage_coe"])
        self.hash_of = {h: i for i, h in enumerate(unpack(parts["content_hash"]))}
        # A stored document holding one COE is that COE: a draft with its bytes is it.
        self.sha_of = {h: i for i, h in enumerate(unpack(parts["single_sha"])) if h}
        self._queries: dict[COE, _Query] = {}
        self._queries_lock = threading.Lock()  # the dashboard searches from several threads
        self.block_ends = np.r_[self.block_starts[1:], len(row_coe)].astype(np.int64)
        self.block_of = np.full(len(self.ids), -1, np.int64)
        self.block_of[self.block_coes] = np.arange(len(self.block_coes))
        rng = np.random.default_rng(0)
        self.sample = np.sort(rng.choice(len(self.ids), min(len(self.ids), sample), replace=False))

    def __len__(self) -> int:
        return len(self.ids)

    # -- queries -----------------------------------------------------------------------------

    def search(
        self,
        draft: COE | str,
        k: int = 5,
        service: str | None = None,
        team: str | None = None,
        since: str | None = None,
        until: str | None = None,
        exclude_id: str | None = None,
        *,
        weights: Weights | None = None,
        raw: str | None = None,
    ) -> list[Precedent]:
        """The ``k`` best precedents of ``draft``, best first.

        Parameters
        ----------
        draft : COE or str
            A parsed record (stored or not) or document text (any format
            :func:`analytics.parsers.parse_text` reads, or a few plain sentences).
        k : int
            How many precedents to return.
        service, team : str, optional
            Only COEs that name this service / belong to this team.
        since, until : str, optional
            Only COEs dated in ``[since, until]`` (ISO dates; undated COEs are left out).
        exclude_id : str, optional
            A COE never to return; the draft's own id is always excluded.
        weights : Weights, optional
            Fusion weights for this query (default: the index's).
        raw : str, optional
            The draft's document as written, when ``draft`` is a record parsed from it (read
            whole, as stored documents are); a text ``draft`` is its own.

        Returns
        -------
        list of Precedent
            The draft itself (same id, same record content, or the same bytes as a stored
            document) never among them.
        """
        w = weights or self.weights
        top, scores, signals, query = self._rank(
            draft, k, service, team, since, until, exclude_id, w, raw
        )
        total = sum(getattr(w, name) for name in SIGNALS)
        # "norm" fusion is a weighted mean of signals on a 0-1 scale: shown as 0-100.
        scale = 100 / total if w.fusion == "norm" and total else 1
        return [self._precedent(int(i), float(scores[i]) * scale, signals, query) for i in top]

    def rank(
        self,
        draft: COE | str,
        k: int = 5,
        *,
        weights: Weights | None = None,
        raw: str | None = None,
    ) -> list[str]:
        """The ids :meth:`search` would return, without explaining them (for evaluations)."""
        top, _, _, _ = self._rank(
            draft, k, None, None, None, None, None, weights or self.weights, raw
        )
        return [self.ids[int(i)] for i in top]

    def _rank(self, draft, k, service, team, since, until, exclude_id, w, raw):
        if not isinstance(draft, COE):
            draft, raw = draft_from_text(draft), draft
        query = self._query(draft, raw)
        excluded = query.excluded | ({exclude_id} if exclude_id else set())
        allowed = self._allowed(service, team, since, until, excluded)
        scores, signals = self._score(query, w, allowed)
        scores = np.where(allowed, scores, -np.inf)
        n = int(min(max(k, 0), allowed.sum()))
        if n == 0:
            return np.zeros(0, np.int64), scores, signals, query
        top = np.argpartition(-scores, n - 1)[:n]
        return top[np.lexsort((top, -scores[top]))], scores, signals, query

    def nearest_theme(self, draft: COE | str) -> tuple[str, str] | None:
        """(id, label) of the theme whose centroid is nearest the draft's root cause."""
        query = self._query(
            *((draft, None) if isinstance(draft, COE) else (draft_from_text(draft), draft))
        )
        if query.theme < 0:
            return None
        return self.theme_ids[query.theme], self.theme_labels[query.theme]

    def _query(self, draft: COE, raw: str | None = None) -> _Query:
        # Re-searching one draft with other filters or weights (a dashboard does) re-uses its
        # embedding: records are frozen, so the draft (and its text) is the key.
        key = (draft, raw)
        with self._queries_lock:
            cached = self._queries.get(key)
        if cached is not None:
            return cached
        query = self._embed_query(draft, raw)
        with self._queries_lock:
            if len(self._queries) >= 256:
                self._queries.pop(next(iter(self._queries)))
            self._queries[key] = query
        return query

    def own_rows(self, draft: COE) -> list[int]:
        """Stored COEs that are ``draft`` itself: same id, same record, or same document bytes."""
        rows = {self.position.get(draft.id), self.hash_of.get(content_hash(draft))}
        if draft.source.sha256:
            rows.add(self.sha_of.get(draft.source.sha256))
        return sorted(r for r in rows if r is not None)

    def _embed_query(self, draft: COE, raw: str | None) -> _Query:
        pattern = entity_pattern([*self.names, *draft.services, draft.team or ""])
        statements = draft_statements(draft, pattern)
        own = self.own_rows(draft)
        with self._cache_reader() as conn:
            if raw is None and own and conn is not None:
                raw = _single_raw(conn, self.ids[own[0]])
            whole = whole_text(draft, raw)
            full = mask(whole, pattern)
            chunks = passages(whole) or [draft.title or draft.id]
            # Separate calls, not one batch: in one batch every short statement would be padded
            # to the longest text's length (some 6 times their own on the generated drafts).
            vectors = self._embed([s.masked for s in statements], conn)
            passage_vectors = self._embed([mask(c, pattern) or c for c in chunks], conn)
        if not len(statements):
            vectors = np.zeros((0, passage_vectors.shape[1]), np.float32)
        excluded = frozenset({draft.id, *(self.ids[r] for r in own)})
        query = _Query(
            statements,
            vectors,
            full,
            excluded=excluded,
            passages=passage_vectors,
            passage_texts=tuple(chunks),
        )
        query.mechanism = self._draft_mechanism(statements, vectors, own)
        stored_themes = [int(self.parts["theme_of"][r]) for r in own]
        if any(t >= 0 for t in stored_themes):
            # A stored COE searched as a draft is in its own theme, not the nearest centroid's.
            query.theme = next(t for t in stored_themes if t >= 0)
            return query
        centroids = self.parts["centroids"]
        if len(centroids) and len(statements):
            roots = [i for i, s in enumerate(statements) if s.kind == ROOT_CAUSE]
            sims = query.vectors[roots or slice(None)] @ centroids.T
            query.theme = int(np.argmax(sims.max(axis=0)))
        return query

    def _draft_mechanism(self, statements, vectors: np.ndarray, own: list[int]) -> np.ndarray:
        """The draft's mechanism profile: a stored COE's own (it is that COE), else the soft
        profile of its statements (:mod:`analytics.search_mechanism`)."""
        stored = self.parts["mech_profile"]
        if own:
            return np.asarray(stored[own[0]])
        if not self._mechanisms:
            return np.zeros(stored.shape[1], np.float32)
        texts = [s.text for s in statements]
        return profile(self._mechanisms, texts, vectors, self.parts["mech_protos"])

    @property
    def _mechanisms(self) -> tuple:
        """The specific mechanisms of the index's profiles, by id from the taxonomy file (their
        cues are compiled patterns, which the saved arrays do not hold)."""
        if not hasattr(self, "_mechanism_cache"):
            try:
                known = {m.id: m for m in load_taxonomy(self.taxonomy)}
            except TaxonomyError:
                known = {}
            found = tuple(known.get(i) for i in self.mechanism_ids)
            # A taxonomy edited since the build: stored profiles were read with other cues, so
            # drafts are not profiled (the signal is then 0 for every COE).
            same = all(found) and taxonomy_digest(found) == str(self.parts["mech_digest"])
            self._mechanism_cache = found if same else ()
        return self._mechanism_cache

    def _embed(self, texts: list[str], conn: sqlite3.Connection | None) -> np.ndarray:
        """Vectors of ``texts``, read from the store's cache when there (the model is then not
        loaded: a stored COE's texts were embedded by ``coe analyze``); new ones are not saved."""
        try:
            vectors, _ = embed_texts(self.embedder, texts, conn, save=False)
        except sqlite3.Error:  # an unreadable cache is no reason to fail a search
            vectors, _ = embed_texts(self.embedder, texts)
        return vectors.astype(np.float32, copy=False)

    @contextmanager
    def _cache_reader(self) -> Iterator[sqlite3.Connection | None]:
        """A read-only connection to the store for one query (None without a store file).

        One per query because sqlite connections belong to the thread that opened them, and the
        index is shared by the dashboard's threads.
        """
        conn = None
        if self.store:
            try:
                conn = sqlite3.connect(f"{Path(self.store).resolve().as_uri()}?mode=ro", uri=True)
            except sqlite3.Error:
                conn = None  # a moved or unreadable store: embed everything
        try:
            yield conn
        finally:
            if conn is not None:
                conn.close()

    def _allowed(self, service, team, since, until, excluded: Iterable[str]) -> np.ndarray:
        allowed = np.ones(len(self.ids), bool)
        if service:
            column = _lookup(self.service_names, _normal_name(service))
            allowed &= self.services[:, column].toarray().ravel() if column is not None else False
        if team:
            code = _lookup(self.team_names, _normal_name(team))
            allowed &= self.parts["team_code"] == (code if code is not None else -2)
        dates = self.parts["dates"]
        if since:
            allowed &= (dates >= since) & (dates != "")
        if until:
            allowed &= (dates <= until) & (dates != "")
        for coe_id in excluded:
            if coe_id in self.position:
                allowed[self.position[coe_id]] = False
        return allowed

    def _score(
        self, query: _Query, w: Weights, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        n = len(self.ids)
        lexical = self.bm25.score(query.text)
        if allowed is not None:  # the draft itself must not set the scale
            top = lexical[allowed].max() if allowed.any() else 0.0
        else:
            top = lexical.max() if len(lexical) else 0.0
        lexical = lexical / top if top > 0 else lexical
        passage = self._passage_signal(query)
        mechanism = self._mechanism_signal(query)
        chosen, reference = None, None
        if n > self.candidates + len(self.sample):
            # Two stages on a large corpus: statement matching, the costly signal (a product
            # with every statement row), runs on the best candidates by the cheap signals as
            # the fusion weighs them (equally when it ignores both) plus a fixed random sample
            # of COEs that gives the scale of its standard scores.
            cheap = (w.bm25, w.passages, w.mechanism)
            cheap = cheap if any(cheap) else (1.0, 1.0, 0.0)
            pre = sum(
                c * _normalised(v, "z")
                for c, v in zip(cheap, (lexical, passage, mechanism), strict=True)
            )
            if allowed is not None:
                pre = np.where(allowed, pre, -np.inf)
            best_pre = np.argpartition(-pre, self.candidates - 1)[: self.candidates]
            chosen = np.union1d(best_pre, self.sample)
            reference = np.searchsorted(chosen, self.sample)
        stmt, best, rc = self._statement_signals(query, chosen)
        same = ((self.parts["theme_of"] == query.theme) & (query.theme >= 0)).astype(np.float32)
        parts = [
            (w.statements, stmt, reference),
            (w.best_pair, best, reference),
            (w.root_cause, rc, reference),
            (w.bm25, lexical, None),
            (w.theme, same, None),
            (w.passages, passage, None),
            (w.mechanism, mechanism, None),
        ]
        fused = np.zeros(n, np.float32)
        for weight, values, ref in parts:
            if not weight:
                continue
            if chosen is None or len(values) == n:
                # The scale is that of the COEs that may be returned: the draft's own
                # document, a perfect match of itself, must not squeeze every other one.
                fused += weight * _normalised(values, w.fusion, allowed)
            else:
                # COEs outside the candidates count as average on statement signals (z = 0).
                fused[chosen] += weight * _normalised(values, w.fusion, ref)
        full = {}
        for name, values in (("statements", stmt), ("root_cause", rc)):
            if chosen is None:
                full[name] = values
            else:
                full[name] = np.zeros(n, np.float32)
                full[name][chosen] = values
        signals = {
            **full,
            "bm25": lexical,
            "passages": passage,
            "mechanism": mechanism,
        }
        return fused, signals

    def _mechanism_signal(self, query: _Query) -> np.ndarray:
        """Per COE, the chance that it and the draft state the same failure mechanism: the dot
        product of their mechanism profiles (:mod:`analytics.search_mechanism`)."""
        if query.mechanism is None or not query.mechanism.any():
            return np.zeros(len(self.ids), np.float32)
        return self.parts["mech_profile"] @ query.mechanism

    def _passage_signal(self, query: _Query) -> np.ndarray:
        """Per COE, the mean over the draft's passages of the best cosine with one of the COE's
        passages: how much of the draft some part of the document reads like."""
        out = np.zeros(len(self.ids), np.float32)
        if query.passages is None or not len(query.passages) or not len(self.passage_starts):
            return out
        sims = self.parts["passage_vectors"] @ query.passages.T
        out[self.passage_coes] = np.maximum.reduceat(sims, self.passage_starts, axis=0).mean(axis=1)
        return out

    def _statement_signals(self, query: _Query, chosen: np.ndarray | None):
        """Mean and max of each draft statement's best match, and best root-cause match.

        Over every COE when ``chosen`` is None, else over the ``chosen`` COEs (sorted indices);
        the arrays returned are aligned with all COEs or with ``chosen``.
        """
        size = len(self.ids) if chosen is None else len(chosen)
        stmt, best, rc = (np.zeros(size, np.float32) for _ in range(3))
        if not len(query.statements) or not len(self.block_starts):
            return stmt, best, rc
        if chosen is None:
            rows, starts, owners = None, self.block_starts, self.block_coes
            rc_rows, rc_starts, rc_owners = self.rc_rows, self.rc_starts, self.rc_coes
            vectors = self.parts["vectors"]
        else:
            block = self.block_of[chosen]
            have = block >= 0
            lo, hi = self.block_starts[block[have]], self.block_ends[block[have]]
            lengths = hi - lo
            starts = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int64)
            rows = np.arange(lengths.sum()) + np.repeat(lo - starts, lengths)
            owners = np.flatnonzero(have)
            rc_rows = np.flatnonzero(self.parts["row_rc"][rows])
            rc_owners, rc_starts = _blocks(
                np.searchsorted(chosen, self.parts["row_coe"][rows[rc_rows]])
            )
            vectors = self.parts["vectors"][rows]
        sims = vectors @ query.vectors.T
        per_coe = np.maximum.reduceat(sims, starts, axis=0)
        stmt[owners] = per_coe.mean(axis=1)
        best[owners] = per_coe.max(axis=1)
        if len(rc_starts):
            per_rc = np.maximum.reduceat(sims[rc_rows], rc_starts, axis=0)
            rc[rc_owners] = per_rc.max(axis=1)
        return stmt, best, rc

    def _precedent(self, i: int, score: float, signals, query: _Query) -> Precedent:
        coe = COE.from_dict(json.loads(unpack_one(self.parts["records"], i)))
        theme = None
        t = int(self.parts["theme_of"][i])
        if t >= 0:
            theme = ThemeMatch(self.theme_ids[t], self.theme_labels[t], t == query.theme)
        pairs = self._pairs(i, query) or self._passage_pair(i, query)
        terms = tuple(self.bm25.shared_terms(query.text, i))
        return Precedent(
            coe_id=coe.id,
            title=coe.title,
            date=coe.date,
            services=coe.services,
            team=coe.team,
            score=round(score, 1),
            theme=theme,
            signals=Signals(**{k: round(float(v[i]), 4) for k, v in signals.items()}),
            pairs=pairs,
            actions=coe.actions,
            terms=terms,
            reasons=_reasons(theme, pairs, terms, self._shared_mechanism(i, query)),
        )

    def _shared_mechanism(self, i: int, query: _Query) -> str | None:
        """The mechanism's name when it is the draft's likeliest and the precedent states it
        (its theme, or half its profile)."""
        if query.mechanism is None or not query.mechanism.any():
            return None
        stored = np.asarray(self.parts["mech_profile"][i])
        k = int(np.argmax(query.mechanism))
        return self.mechanism_names[k] if stored[k] >= 0.5 else None

    def _passage_pair(self, i: int, query: _Query) -> tuple[MatchedPair, ...]:
        """The precedent's passage closest to one of the draft's (a document without why-steps
        or root causes still shows what matched)."""
        lo, hi = np.searchsorted(self.parts["passage_coe"], [i, i + 1])
        if lo == hi or query.passages is None or not len(query.passages):
            return ()
        sims = self.parts["passage_vectors"][lo:hi] @ query.passages.T
        r, j = divmod(int(np.argmax(sims)), sims.shape[1])
        return (
            MatchedPair(
                draft=_clip(query.passage_texts[j]),
                draft_kind=PASSAGE,
                precedent=_clip(unpack_one(self.parts["passage_text"], lo + r)),
                precedent_kind=PASSAGE,
                similarity=round(float(sims[r, j]), 4),
            ),
        )

    def _pairs(self, i: int, query: _Query, limit: int = 3) -> tuple[MatchedPair, ...]:
        row_coe = self.parts["row_coe"]
        rows = np.arange(*np.searchsorted(row_coe, [i, i + 1]))
        if not len(rows) or not len(query.statements):
            return ()
        sims = self.parts["vectors"][rows] @ query.vectors.T
        texts = self.parts["row_text"]
        pairs, used = [], set()
        for flat in np.argsort(-sims, axis=None):
            r, j = divmod(int(flat), sims.shape[1])
            if r in used or any(p.draft == query.statements[j].text for p in pairs):
                continue
            used.add(r)
            row = int(rows[r])
            pairs.append(
                MatchedPair(
                    draft=query.statements[j].text,
                    draft_kind=query.statements[j].kind,
                    precedent=unpack_one(texts, row),
                    precedent_kind=ROOT_CAUSE if self.parts["row_rc"][row] else WHY,
                    similarity=round(float(sims[r, j]), 4),
                )
            )
            if len(pairs) == limit:
                break
        return tuple(pairs)

    # -- persistence ---------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the arrays to an uncompressed ``.npz`` file (no pickles).

        The file is written beside ``path`` and renamed over it: an index loaded from the old
        file maps its pages, and would crash if the file were rewritten in place.
        """
        path = Path(path)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        try:
            with open(partial, "wb") as f:
                np.savez(f, **self.parts)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    @classmethod
    def load(
        cls, path: str | Path, embedder, weights: Weights = WEIGHTS, *, store: str | None = None
    ) -> PrecedentIndex:
        return cls(_map_npz(path), embedder, weights, store=store)


def build_index(
    conn: sqlite3.Connection,
    analysis: Analysis,
    embedder=None,
    *,
    cache: str | Path | None = None,
    weights: Weights = WEIGHTS,
) -> PrecedentIndex:
    """Build the precedent index of one analysis run.

    Parameters
    ----------
    conn : sqlite3.Connection
        The store (COE records; cached embeddings of model embedders).
    analysis : Analysis
        The run whose statements and themes are searched.
    embedder : object, optional
        An embedder of the run's kind; default: the one the run's settings name. Statement vectors
        of a model embedder are read from the store's cache (anything missing is embedded and
        cached); a TF-IDF embedder is refitted on the run's statements, reproducing its vectors.
    cache : path, optional
        An ``.npz`` file to load the index from when it was saved for this same run and model,
        and to save it to otherwise. Only model embedders are cached (TF-IDF is refitted).
    weights : Weights
        Default fusion weights.

    Returns
    -------
    PrecedentIndex
    """
    if embedder is None:
        embedder = run_embedder(analysis.settings)
    key = getattr(embedder, "cache_key", None)
    stamp = f"{CACHE_FORMAT}|{analysis.run}|{analysis.created_at}|{key}"
    store = _store_file(conn)
    if cache is not None and key and Path(cache).exists():
        try:
            index = PrecedentIndex.load(cache, embedder, weights, store=store)
            if str(index.parts["stamp"]) == stamp:
                return index
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            pass  # an unreadable or older cache is rebuilt below
    coes = load_coes(conn)
    parts = _build_parts(conn, analysis, coes, embedder)
    parts["stamp"] = np.array(stamp)
    index = PrecedentIndex(parts, embedder, weights, store=store)
    if cache is not None and key:
        # Saving can fail (Windows will not replace a file another index still maps): the
        # index is then served unsaved and built again next time.
        with suppress(OSError):
            index.save(cache)
    return index


def _build_parts(conn, analysis: Analysis, coes: Sequence[COE], embedder) -> dict:
    position = {c.id: i for i, c in enumerate(coes)}
    names = sorted({n for c in coes for n in (*c.services, c.team or "") if n})
    pattern = entity_pattern(names)
    searched = [s for s in analysis.statements if s.kind != ACTION and s.coe in position]
    searched.sort(key=lambda s: position[s.coe])  # stable: keeps each COE's statement order
    taxonomy = analysis.settings.get("taxonomy")
    try:
        known = load_taxonomy(taxonomy)
    except TaxonomyError:  # the run's taxonomy file is gone: no mechanism signal
        known = ()
    if known and taxonomy_digest(known) != analysis.settings.get("taxonomy_digest"):
        known = ()  # not the taxonomy the run matched its themes to
    mechanisms = specific(known)
    if getattr(embedder, "cache_key", None) is None:
        # TF-IDF vectors depend on the texts fitted: refit on all of the run's statements and
        # the taxonomy's prototypes, as the analysis did, so vectors here are the ones it used.
        everything = [s.masked for s in analysis.statements] + prototype_texts(known)
        embedder.fit(list(dict.fromkeys(everything)) or [""])
    vectors, _ = embed_texts(embedder, [s.masked for s in searched], conn)
    raws = _single_raws(conn)
    wholes = [whole_text(c, raws.get(c.id)) for c in coes]
    chunks = [passages(w) or [c.title or c.id] for c, w in zip(coes, wholes, strict=True)]
    flat = [p for cs in chunks for p in cs]
    passage_vectors, _ = embed_texts(embedder, [mask(p, pattern) or p for p in flat], conn)
    dim = passage_vectors.shape[1]
    if not searched:
        vectors = np.zeros((0, dim), np.float32)
    passage_vectors = np.asarray(passage_vectors, np.float32).reshape(len(flat), dim)
    passage_coe = np.repeat(np.arange(len(coes)), [len(cs) for cs in chunks]).astype(np.int32)
    mech = _mechanism_parts(
        conn,
        embedder,
        mechanisms,
        analysis,
        coes,
        searched,
        vectors,
        flat,
        passage_vectors,
        passage_coe,
    )
    mech["mech_taxonomy"] = np.array(taxonomy or "")
    theme_ids = [t.id for t in analysis.themes]
    theme_pos = {t: i for i, t in enumerate(theme_ids)}
    by_id = {s.id: n for n, s in enumerate(searched)}
    centroids = np.zeros((len(theme_ids), dim), np.float32)
    for t, theme in enumerate(analysis.themes):
        rows = [by_id[s] for s in theme.statements if s in by_id]
        if rows:
            centroids[t] = vectors[rows].mean(axis=0)
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    service_names = sorted({_normal_name(s) for c in coes for s in c.services})
    team_names = sorted({_normal_name(c.team) for c in coes if c.team})
    svc_pos = {s: i for i, s in enumerate(service_names)}
    team_pos = {t: i for i, t in enumerate(team_names)}
    incidence = sparse.csc_matrix(
        (
            np.ones(sum(len(set(map(_normal_name, c.services))) for c in coes), bool),
            (
                [i for i, c in enumerate(coes) for _ in set(map(_normal_name, c.services))],
                [svc_pos[s] for c in coes for s in set(map(_normal_name, c.services))],
            ),
        ),
        shape=(len(coes), len(service_names)),
    )
    parts = {
        "coe_ids": pack([c.id for c in coes]),
        "records": pack([json.dumps(c.to_dict()) for c in coes]),
        "names": pack(names),
        "dates": np.array([c.date or "" for c in coes], dtype="U10"),
        "team_code": np.array(
            [team_pos[_normal_name(c.team)] if c.team else -1 for c in coes], np.int32
        ),
        "team_names": pack(team_names),
        "service_names": pack(service_names),
        "svc_indices": incidence.indices.astype(np.int32),
        "svc_indptr": incidence.indptr.astype(np.int64),
        "vectors": np.ascontiguousarray(vectors, np.float32),
        "row_coe": np.array([position[s.coe] for s in searched], np.int32),
        "row_rc": np.array([s.kind == ROOT_CAUSE for s in searched], bool),
        "row_text": pack([s.text for s in searched]),
        "theme_ids": pack(theme_ids),
        "theme_labels": pack([t.label for t in analysis.themes]),
        "theme_of": np.array(
            [theme_pos.get(analysis.coe_theme.get(c.id) or "", -1) for c in coes], np.int32
        ),
        "centroids": centroids,
        "passage_coe": passage_coe,
        "passage_text": pack(flat),
        "passage_vectors": np.ascontiguousarray(passage_vectors),
        "content_hash": pack([content_hash(c) for c in coes]),
        "single_sha": pack([c.source.sha256 if c.id in raws else "" for c in coes]),
        **mech,
    }
    # BM25 reads the whole document, names masked (a draft's service is no evidence).
    parts.update(BM25().fit([mask(w, pattern) for w in wholes]).to_arrays(prefix="bm25_"))
    return parts


def _mechanism_parts(
    conn,
    embedder,
    mechanisms,
    analysis,
    coes,
    searched,
    vectors,
    flat,
    passage_vectors,
    passage_coe,
) -> dict[str, np.ndarray]:
    """Each COE's mechanism profile (:mod:`analytics.search_mechanism`) from its statements (its
    passages when it has none), and what a draft's profile needs: the prototypes."""
    dim = passage_vectors.shape[1]
    if mechanisms:
        proto_vectors, _ = embed_texts(embedder, prototype_texts(mechanisms), conn)
        protos = prototypes(mechanisms, np.asarray(proto_vectors, np.float32))
    else:
        protos = np.zeros((0, dim), np.float32)
    groups: list[list[int]] = [[] for _ in coes]
    position = {c.id: i for i, c in enumerate(coes)}
    for row, s in enumerate(searched):
        groups[position[s.coe]].append(row)
    # Passage rows follow the statement rows; a COE without statements is read by its passages.
    for row, c in enumerate(passage_coe, len(searched)):
        if not groups[c] or groups[c][0] >= len(searched):
            groups[c].append(row)
    texts = [s.text for s in searched] + flat
    rows = np.vstack([np.asarray(vectors, np.float32).reshape(-1, dim), passage_vectors])
    return {
        "mech_ids": pack([m.id for m in mechanisms]),
        "mech_names": pack([m.name for m in mechanisms]),
        "mech_digest": np.array(taxonomy_digest(mechanisms)),
        "mech_protos": protos.astype(np.float32),
        "mech_profile": profiles(
            mechanisms,
            groups,
            texts,
            rows,
            protos,
            [analysis.coe_theme.get(c.id) for c in coes],
        ),
    }


def _single_raws(conn: sqlite3.Connection) -> dict[str, str]:
    """COE id -> the text of its document, for documents that hold one COE."""
    rows = conn.execute(
        "SELECT c.id, d.raw, d.coe_ids FROM coes c JOIN documents d ON d.path = c.path"
    )
    return {coe_id: _decode(raw) for coe_id, raw, ids in rows if len(json.loads(ids)) == 1 and raw}


def _single_raw(conn: sqlite3.Connection, coe_id: str) -> str | None:
    """The text of a stored COE's document when it holds that COE only."""
    try:
        row = conn.execute(
            "SELECT d.raw, d.coe_ids FROM coes c JOIN documents d ON d.path = c.path "
            "WHERE c.id = ?",
            (coe_id,),
        ).fetchone()
    except sqlite3.Error:
        return None
    return _decode(row[0]) if row and row[0] and len(json.loads(row[1])) == 1 else None


def _decode(raw: bytes | str) -> str:
    return raw if isinstance(raw, str) else raw.decode("utf-8", errors="replace")


def draft_statements(draft: COE, pattern: re.Pattern | None) -> list[_DraftStatement]:
    """A draft's root causes and why-steps, masked with the corpus's names; duplicates dropped.

    A draft with neither (a few sentences) is searched by the sentences of its title and summary.
    """
    found = [
        _DraftStatement(s.kind, s.text, mask(s.text, pattern))
        for s in collect_statements([draft])
        if s.kind != ACTION
    ]
    if not found:
        summary = draft.impact.summary
        # A pasted paragraph's title is its own first line: searching it too repeats a sentence.
        text = summary if summary.startswith(draft.title) else f"{draft.title}\n{summary}"
        sentences = re.split(r"(?<=[.!?])\s+|\n+", text)
        found = [_DraftStatement(WHY, t.strip(), mask(t.strip(), pattern)) for t in sentences]
    unique: dict[str, _DraftStatement] = {}
    for s in found:
        if s.masked and s.masked not in unique:
            unique[s.masked] = s
    return list(unique.values())


def draft_from_text(text: str, path: str = "<draft>") -> COE:
    """Parse a draft from text; plain sentences no parser recognises become its summary."""
    from analytics.parsers import ParseError, parse_text

    try:
        parsed = parse_text(text, path=path)
    except ParseError:
        parsed = []
    if parsed:
        return parsed[0]
    first = text.strip().split("\n", 1)[0][:120]
    return COE(id="draft", title=first, impact=Impact(summary=text.strip()))


def index_cache_path(conn: sqlite3.Connection) -> Path | None:
    """Where the index of a file store is saved: ``<store>.precedents.npz`` (None in memory)."""
    store = _store_file(conn)
    return Path(store + ".precedents.npz") if store else None


def _store_file(conn: sqlite3.Connection) -> str | None:
    """The file of a store's main database (None in memory)."""
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main" and file:
            return file
    return None


def similar(
    conn: sqlite3.Connection,
    *,
    file: str | Path | None = None,
    text: str | None = None,
    coe_id: str | None = None,
    k: int = 5,
    service: str | None = None,
    team: str | None = None,
    since: str | None = None,
    until: str | None = None,
    analysis: Analysis | None = None,
    embedder=None,
    index: PrecedentIndex | None = None,
) -> list[Precedent]:
    """Precedents of a draft given as exactly one of a file, text, or a stored COE's id.

    ``index``: the store's index, already built (a warm worker keeps it); else it is loaded
    from beside the store, or built, for ``analysis`` (default: the latest run).

    Raises
    ------
    ValueError
        Not exactly one of ``file``, ``text``, ``coe_id``; an unknown ``coe_id``; a store never
        analysed. :class:`analytics.parsers.ParseError` for an unreadable file.
    """
    if sum(x is not None for x in (file, text, coe_id)) != 1:
        raise ValueError("give exactly one of file, text, coe_id")
    from analytics.analysis import load_analysis

    if index is None:
        analysis = analysis or load_analysis(conn)
        if analysis is None:
            raise ValueError("the store has no analysis yet: run `coe analyze` first")
    raw = None
    if coe_id is not None:
        draft = load_coe(conn, coe_id)
        if draft is None:
            raise ValueError(f"no COE {coe_id!r} in the store")
    elif file is not None:
        from analytics.parsers import parse_path

        parsed = parse_path(file)
        draft = parsed[0]
        if len(parsed) == 1 and draft.source.format != "docx":  # read whole, as stored ones are
            raw = Path(file).read_text(encoding="utf-8", errors="replace")
    else:
        draft, raw = draft_from_text(text or ""), text or ""
    if index is None:
        index = build_index(conn, analysis, embedder, cache=index_cache_path(conn))
    return index.search(
        draft, k, service=service, team=team, since=since, until=until, exclude_id=coe_id, raw=raw
    )


# -- small helpers ---------------------------------------------------------------------------


def _normalised(values: np.ndarray, fusion: str, reference: np.ndarray | None = None) -> np.ndarray:
    """One signal on the fusion's common scale.

    ``z``: standard scores over the corpus, so a signal counts by how far a COE stands out from
    the rest, not by the signal's raw range (cosines of whole documents sit in a narrower band
    than those of single statements); the mean and spread are those of ``reference`` rows when
    given (a sample standing for the corpus). ``norm``: 0 at the median COE (of ``reference``
    when given), 1 at the best, clipped to [0, 1] (the 0-100 score's scale). ``rrf``:
    1 / (60 + rank). ``raw``: as computed.
    """
    if fusion == "raw" or not len(values):
        return values
    if fusion == "z":
        ref = values if reference is None else values[reference]
        if not len(ref):
            return np.zeros_like(values)
        std = ref.std()
        return (values - ref.mean()) / std if std > 0 else values * 0
    if fusion == "norm":
        ref = values if reference is None else values[reference]
        if not len(ref):
            return np.zeros_like(values)
        # A sample of the shortlist (index rows) sets the median only; the best is the best.
        peak = ref if reference is None or reference.dtype == bool else values
        middle, top = float(np.median(ref)), float(peak.max())
        if top <= middle:
            return np.zeros_like(values)
        return np.clip((values - middle) / (top - middle), 0, 1)
    if fusion == "rrf":
        ranks = np.empty(len(values), np.float32)
        ranks[np.argsort(-values, kind="stable")] = np.arange(len(values))
        return 1.0 / (60.0 + ranks)
    raise ValueError(f"unknown fusion {fusion!r}; choose z, rrf or raw")


PASSAGE = "passage"


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


def _reasons(
    theme: ThemeMatch | None,
    pairs: Sequence[MatchedPair],
    terms: Sequence[str],
    mechanism: str | None = None,
) -> tuple[str, ...]:
    """Why a precedent matched, in a bar raiser's words."""
    out = []
    if mechanism:
        out.append(f"same failure mechanism as the draft most likely describes: {mechanism}")
    if theme is not None and theme.shared and theme.label != mechanism:
        out.append(f"same theme as the draft: {theme.label}")
    for pair in pairs[:1]:
        what = {ROOT_CAUSE: "root cause", WHY: "why-step", PASSAGE: "passage"}
        out.append(
            f"its {what.get(pair.precedent_kind, pair.precedent_kind)} "
            f'"{_clip(pair.precedent, 160)}" says what the draft\'s '
            f'{what.get(pair.draft_kind, pair.draft_kind)} "{_clip(pair.draft, 160)}" says '
            f"(similarity {pair.similarity:.2f})"
        )
    if terms:
        out.append("distinctive terms in both: " + ", ".join(terms))
    return tuple(out)


def _normal_name(name: str) -> str:
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def _lookup(names: list[str], name: str) -> int | None:
    try:
        return names.index(name)
    except ValueError:
        return None


def _map_npz(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of an uncompressed ``.npz`` file as read-only views of the memory-mapped file.

    ``numpy.load`` copies every array through zipfile's checksum: 1-6 s for a 100,000-COE
    index (1.7 GB), most of which no query reads. Mapped, loading takes a fraction of a second;
    a query then reads the shortlist's statement rows and the records it shows from the file.

    Raises
    ------
    ValueError
        A compressed member or an object array (never written by :meth:`PrecedentIndex.save`).
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive, open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"{info.filename} is compressed")
            # The local header's own name and extra-field lengths place the array's .npy bytes.
            f.seek(info.header_offset)
            name_length, extra_length = struct.unpack("<26xHH", f.read(30))
            f.seek(info.header_offset + 30 + name_length + extra_length)
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            if dtype.hasobject:
                raise ValueError(f"{info.filename} holds objects")
            count = int(np.prod(shape))
            flat = np.frombuffer(mapped, dtype, count=count, offset=f.tell())
            name = info.filename.removesuffix(".npy")
            arrays[name] = flat.reshape(shape, order="F" if fortran else "C")
    return arrays


def _blocks(row_coe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The COEs that own rows and where each one's run of rows starts (rows grouped by COE)."""
    if not len(row_coe):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, row_coe[1:] != row_coe[:-1]])
    return row_coe[starts].astype(np.int64), starts


__all__ = [
    "BASELINES",
    "WEIGHTS",
    "MatchedPair",
    "Precedent",
    "PrecedentIndex",
    "Signals",
    "ThemeMatch",
    "Weights",
    "build_index",
    "draft_from_text",
    "similar",
]
