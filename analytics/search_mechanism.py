"""The shared-mechanism signal of precedent search: do the draft and a COE state the same failure
mechanism of the taxonomy (:mod:`analytics.mechanisms`)?

A draft (often a few sentences of symptoms) rarely states its mechanism outright, so it gets a
soft profile: per specific mechanism the evidence ``analytics.mechanisms.evidence`` finds in its
statements (distinct cues + ``EMBEDDING_WEIGHT`` x best cosine similarity to the mechanism's
prototype, the score themes match by), turned into shares that sum to 1 (a softmax: one more
cue, or 0.2 more similarity, makes a mechanism e times as likely). Nothing here is fitted to a
labelled set: the scale is the one the mechanisms module already states.

A stored COE that the analysis placed in a mechanism's theme (``T-<mechanism id>``) has all of
its share there: that match was made on stronger evidence (its cause statements, two cues or a
cue the embedding confirms). Any other COE gets the soft profile of its own statements, so COEs
outside every theme still count. The signal is the dot product of the two profiles: the chance
that both state the same mechanism, if each profile were a belief about its document.

Generic mechanisms (a missing alarm, a missing test) are left out: nearly every incident has
them, so sharing one says nothing about a precedent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analytics.mechanisms import EMBEDDING_WEIGHT, evidence
from analytics.themes import theme_mechanism


def specific(mechanisms) -> tuple:
    """The mechanisms a profile spreads over: every one not marked generic."""
    return tuple(m for m in mechanisms if not m.generic)


def profile(
    mechanisms: Sequence,
    texts: Sequence[str],
    vectors: np.ndarray,
    protos: np.ndarray,
    memo: dict | None = None,
) -> np.ndarray:
    """The soft mechanism profile of one document from its statements (``texts``, rows of
    ``vectors``); ``mechanisms`` and ``protos`` the specific ones (:func:`specific`).

    >>> from analytics.mechanisms import load_taxonomy
    >>> ms = specific(load_taxonomy())
    >>> p = profile(ms, ["The TLS certificate expired; nobody renewed it."],
    ...             np.zeros((1, 4)), np.zeros((len(ms), 4)))
    >>> ms[int(p.argmax())].id, round(float(p.sum()), 3)
    ('cert-expiry', 1.0)
    """
    if not len(mechanisms) or not len(texts):
        return np.zeros(len(mechanisms), np.float32)
    cues, sims = evidence(mechanisms, texts, vectors, protos, memo)
    named = cues >= 1  # as mechanisms.match: the embedding alone is no evidence
    if not named.any():
        return np.zeros(len(mechanisms), np.float32)
    score = np.where(named, cues + EMBEDDING_WEIGHT * sims, -np.inf)
    share = np.exp(score - score[named].max())
    return (share / share.sum()).astype(np.float32)


def themed(mechanisms: Sequence, theme_id: str | None) -> np.ndarray | None:
    """All of the share on the mechanism of a ``T-<id>`` theme; None for any other theme."""
    mid = theme_mechanism(theme_id)
    if mid is None:
        return None
    out = np.zeros(len(mechanisms), np.float32)
    for k, m in enumerate(mechanisms):
        if m.id == mid:
            out[k] = 1.0
            return out
    return None


def profiles(
    mechanisms: Sequence,
    groups: Sequence[Sequence[int]],
    texts: Sequence[str],
    vectors: np.ndarray,
    protos: np.ndarray,
    themes: Sequence[str | None],
) -> np.ndarray:
    """One profile per document: its theme's mechanism when it has one, else the soft profile
    of its rows ``groups[i]`` of ``texts`` / ``vectors``."""
    out = np.zeros((len(groups), len(mechanisms)), np.float32)
    memo: dict = {}  # statements recur across COEs; reading cues is most of the cost
    for i, rows in enumerate(groups):
        fixed = themed(mechanisms, themes[i])
        if fixed is not None:
            out[i] = fixed
        elif len(rows):
            out[i] = profile(mechanisms, [texts[r] for r in rows], vectors[rows], protos, memo)
    return out


def top(mechanisms: Sequence, p: np.ndarray, least: float = 0.5) -> str | None:
    """The name of the mechanism holding at least ``least`` of profile ``p`` (None if none)."""
    if not len(p) or float(p.max()) < least:
        return None
    return mechanisms[int(p.argmax())].name
