"""Themes: root causes grouped by failure mechanism, known ones first, then discovered ones.

In: the root-cause statements with their clustering vectors (causal profiles), each COE's cause
statements (root causes and why-branch ends, as written, with their vectors), the taxonomy and
its prototype vectors, and the previous run when this one extends it.
Out: the themes (:class:`~analytics.analysis.Cluster`, ``kind`` root cause) and statement id ->
theme id.

1. Each COE whose causes match a known mechanism (:func:`analytics.mechanisms.match`) joins that
   mechanism's theme, ``T-<mechanism id>``, named by the mechanism. The match depends only on
   the COE itself, so adding COEs never moves a matched COE: its theme keeps its id and name.
   A mechanism that only one COE states is not a recurring theme; that COE is a one-off.
2. The root causes of the other COEs are clustered (:class:`analytics.cluster.ThemeClusterer`)
   to discover emerging themes, ``T01``, ``T02``..., named by their most central sentence. A run
   that extends the previous one adds new causes to its discovered themes instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from analytics.analysis import ROOT_CAUSE, WHY, Analysis, Cluster, Statement, statement_id
from analytics.label import CTfidfLabeler
from analytics.mechanisms import match, read_cues
from analytics.record import COE, leaf_whys

MECHANISM_PREFIX = "T-"
# A discovered theme's name: its most central sentence, cut at a word boundary to one line.
NAME_CHARS = 90


def match_mechanisms(
    coes: Sequence[COE],
    statements: Sequence[Statement],
    vectors: np.ndarray,
    mechanisms,
    protos: np.ndarray,
    cue_memo: dict | None = None,
) -> dict[str, str]:
    """COE id -> the id of the known mechanism its cause statements state (matched COEs only).

    A COE's cause statements are its root causes and the last answer of each why branch, the
    rows of ``statements`` and ``vectors``; the rest of its why chain is read for the cues of
    specific mechanisms (:func:`analytics.mechanisms.match`).
    """
    leaves = leaf_why_ids(coes)
    rows_of: dict[str, list[int]] = {}
    chain_of: dict[str, list[str]] = {}
    for i, s in enumerate(statements):
        if s.kind == ROOT_CAUSE or (s.kind == WHY and s.id in leaves):
            rows_of.setdefault(s.coe, []).append(i)
        elif s.kind == WHY:
            chain_of.setdefault(s.coe, []).append(s.text)
    out, memo = {}, ({} if cue_memo is None else cue_memo)
    read_cues(mechanisms, [s.text for s in statements if s.kind in (ROOT_CAUSE, WHY)], memo)
    for coe, rows in rows_of.items():
        texts = [statements[i].text for i in rows]
        found = match(mechanisms, texts, vectors[rows], protos, memo, chain_of.get(coe, ()))
        if found is not None:
            out[coe] = mechanisms[found].id
    return out


def theme_mechanism(theme_id: str | None) -> str | None:
    """The mechanism id a theme id names (``T-cert-expiry`` -> ``cert-expiry``); None for an
    emerging theme (``T04``) or no theme.

    >>> theme_mechanism("T-cert-expiry"), theme_mechanism("T04"), theme_mechanism(None)
    ('cert-expiry', None, None)
    """
    if theme_id and theme_id.startswith(MECHANISM_PREFIX):
        return theme_id.removeprefix(MECHANISM_PREFIX)
    return None


def leaf_why_ids(coes: Sequence[COE]) -> set[str]:
    """The statement ids of the last answer of each why branch of ``coes``."""
    return {statement_id(coe.id, WHY, w.id) for coe in coes for w in leaf_whys(coe.whys)}


def find_themes(
    statements: Sequence[Statement],
    profiles: np.ndarray,
    matched: dict[str, str],
    mechanisms,
    protos: np.ndarray,
    discover,
    previous: Analysis | None = None,
    extend=None,
    cue_memo: dict | None = None,
) -> tuple[tuple[Cluster, ...], dict[str, str]]:
    """The themes of the root-cause ``statements`` (rows of ``profiles``) and their members.

    ``discover(statements, vectors)`` clusters the unmatched causes into ``{statement id:
    cluster number}``; ``extend(previous, kept, statements, vectors)`` adds them to the
    ``kept`` discovered themes of ``previous`` instead (``(themes, {statement id: theme id})``).
    A discovered cluster whose causes, read together, state a known mechanism joins it: one COE
    may say too little to match, while the words of several show the mechanism they share.
    """
    by_id = {m.id: m for m in mechanisms}
    cue_memo = {} if cue_memo is None else cue_memo  # each text's cues, read once (see match)
    free_rows = [i for i, s in enumerate(statements) if s.coe not in matched]
    free = [statements[i] for i in free_rows]
    if previous is not None and extend is not None:
        kept = [c for c in previous.themes if c.mechanism is None]
        old, found = extend(previous, kept, free, profiles[free_rows])
        old = {c.id: c for c in old}
    else:
        old = {}
        found = {sid: f"T{n + 1:02d}" for sid, n in discover(free, profiles[free_rows]).items()}
    matched = dict(matched)
    row_of = {s.id: i for i, s in enumerate(statements)}
    for tid, ids in _members_by_theme(found).items():
        if theme_mechanism(tid):  # an extended run keeps an earlier merge
            mid = theme_mechanism(tid)
        elif old:
            mid = None  # an emerging theme keeps its id while runs extend it
        else:
            rows = [row_of[sid] for sid in ids]
            texts = [statements[i].text for i in rows]
            hit = match(mechanisms, texts, profiles[rows], protos, cue_memo)
            mid = None if hit is None else mechanisms[hit].id
        if mid is not None:
            for sid in ids:
                matched[statements[row_of[sid]].coe] = mid
    recurring = {m for m, n in Counter(matched.values()).items() if n >= 2}
    members: dict[str, str] = {}
    for s in statements:
        if matched.get(s.coe) in recurring:
            members[s.id] = MECHANISM_PREFIX + matched[s.coe]
        elif s.coe not in matched and s.id in found:
            members[s.id] = found[s.id]
    return _clusters(statements, profiles, members, by_id, old), members


def _members_by_theme(members: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for sid, tid in members.items():
        out.setdefault(tid, []).append(sid)
    return out


def _clusters(statements, profiles, members, by_id, old) -> tuple[Cluster, ...]:
    """One Cluster per theme id in ``members``: name, keywords, representative, members."""
    ids = sorted(set(members.values()), key=lambda t: (not t.startswith(MECHANISM_PREFIX), t))
    number = {t: k for k, t in enumerate(ids)}
    labels = np.array([number.get(members.get(s.id), -1) for s in statements])
    labeler = CTfidfLabeler().fit(
        [s.masked for s in statements], labels, profiles, groups=[s.coe for s in statements]
    )
    out = []
    for tid in ids:
        k = number[tid]
        idx = np.flatnonzero(labels == k)
        mechanism = by_id.get(theme_mechanism(tid))
        representative = statements[labeler.representatives_[k]].text
        if mechanism is not None:
            name = mechanism.name
        elif tid in old:
            name = old[tid].label  # an emerging theme keeps its name while it lives
        else:
            name = one_line(representative)
        out.append(
            Cluster(
                id=tid,
                kind=ROOT_CAUSE,
                label=name,
                keywords=tuple(labeler.keywords_[k]),
                representative=representative,
                statements=tuple(statements[i].id for i in idx),
                coes=tuple(dict.fromkeys(statements[i].coe for i in idx)),
                mechanism=mechanism.id if mechanism is not None else None,
            )
        )
    return tuple(out)


def one_line(text: str, limit: int = NAME_CHARS) -> str:
    """``text`` on one line, cut at a word boundary.

    >>> one_line("Every quote entry was written in one bulk warm-up with the same TTL", 40)
    'Every quote entry was written in one…'
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
