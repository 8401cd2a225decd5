"""Systemic scoring of themes: recurrence, breadth, severity, recency and trend.

**Systemic** is a rule that discriminates. A theme is systemic when the *same mechanism* recurs:

1. **Recurrent COEs.** In a theme of a known failure mechanism (:mod:`analytics.mechanisms`),
   every COE whose causes matched the mechanism on their own evidence (its cues and the
   embedding) recurs with the others. In a discovered theme, a COE is recurrent when its root
   cause, as clustered into the theme, matches another COE's root cause of the same theme: the
   cosine of their masked
   text (service names, hosts, numbers removed; :mod:`analytics.masking`) as TF-IDF vectors of
   character 3- to 5-grams is at least :attr:`SystemicThresholds.min_similarity`. The weights
   are learnt from every root cause of the run, so what all causes share counts little; character
   grams let "renewal" match "renewed" and "cert" match "certificate". On the bundled sample the
   closest two one-off causes clustered together reach 0.24, two causes of one planted
   mechanism almost always 0.5 or more. Root causes that stop at a person or
   "a bug in the code" (:func:`analytics.lint.rules.shallow_reason`) name no mechanism and are
   left out. A theme that a clusterer made of unrelated one-off incidents has no such pairs, so
   it has no recurrent COEs and is never systemic, however many COEs it holds.
2. **Enough of them**: at least ``min_coes`` recurrent COEs, in at least ``min_quarters``
   quarters, across at least ``min_services`` services or ``min_teams`` teams. Many real
   postmortems name no service or team in a form the parser can read; in a corpus where no COE
   does, breadth cannot be told and the flag rests on recurrence and quarters alone.

Each row says why in ``systemic_reason`` and lists its ``recurrent_coes``. Themes are ranked
systemic first, then by

    score = severity-weighted COE count x sqrt(1 + distinct services + distinct teams) x recency

where severity weights come from :mod:`analytics.severity` (``Sev0`` 5 .. ``Sev4`` 1, unrated
1), the 1 keeps a theme of a corpus without services or teams ranked by its recurrence rather
than at 0, and recency is 1 for a theme seen in the corpus's last quarter and decays by half every
four quarters without a recurrence. The trend is the least-squares slope of COEs per quarter
over the corpus's quarters: rising above +``trend_tolerance`` x the mean count, falling below
minus that, steady otherwise.

New, recurring and rising themes of a period (:func:`period_themes`) are judged on the history
up to the period's last day, so a review of a past quarter does not change when later COEs come.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from analytics import severity
from analytics.analysis import ROOT_CAUSE, Analysis, Cluster
from analytics.periods import Period, quarter, quarter_range
from analytics.record import COE

__all__ = [
    "SystemicThresholds",
    "period_themes",
    "quarter",
    "quarter_range",
    "recurrence_links",
    "theme_stats",
]

# Nearest matching COEs kept per COE: enough that a history cut at a past date still finds one.
_NEIGHBOURS = 10


@dataclass(frozen=True)
class SystemicThresholds:
    min_coes: int = 3
    min_services: int = 2
    min_teams: int = 2
    min_quarters: int = 2
    trend_tolerance: float = 0.1
    min_similarity: float = 0.3


_LINKS: list[tuple[Analysis, float, dict]] = []


def recurrence_links(analysis: Analysis, min_similarity: float) -> dict[str, dict[str, list[str]]]:
    """Theme id -> COE id -> the theme's other COEs whose root cause matches this COE's.

    See the module docstring, rule 1. Computed once per analysis run and threshold (the last few
    are kept), nearest first, at most ten per COE.
    """
    for a, sim, links in _LINKS:
        if a is analysis and sim == min_similarity:
            return links
    links = _recurrence_links(analysis, min_similarity)
    _LINKS.append((analysis, min_similarity, links))
    del _LINKS[:-4]
    return links


def _recurrence_links(analysis: Analysis, min_similarity: float) -> dict[str, dict[str, list[str]]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from analytics.lint.rules import shallow_reason

    texts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s in analysis.statements:
        if s.kind == ROOT_CAUSE and s.cluster and not shallow_reason(s.text):
            texts[s.cluster][s.coe].append(s.masked or s.text)
    # The vocabulary is every theme's (as it always was), though only discovered themes use it.
    corpus = [t for members in texts.values() for parts in members.values() for t in parts]
    out: dict[str, dict[str, list[str]]] = {}
    known = {t.id for t in analysis.themes if t.mechanism}
    for theme in known & texts.keys():  # each COE was matched to the mechanism on its own evidence
        ids = sorted(texts.pop(theme))
        if len(ids) >= 2:
            first = ids[: _NEIGHBOURS + 1]  # not every other member: themes hold thousands
            out[theme] = {i: [j for j in first if j != i][:_NEIGHBOURS] for i in ids}
    if not corpus:
        return out
    vec = TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(3, 5))
    try:
        vec.fit(corpus)
    except ValueError:  # no text long enough for a 3-gram
        return out
    for theme, members in texts.items():
        ids = sorted(members)
        if len(ids) < 2:
            continue
        X = vec.transform([" ".join(members[i]) for i in ids])
        found: dict[str, list[str]] = {}
        # Row blocks bound the dense similarity block at a few MB for themes of thousands.
        for lo in range(0, len(ids), 512):
            sims = (X[lo : lo + 512] @ X.T).toarray()
            for r, row in enumerate(sims):
                row[lo + r] = 0.0
                near = np.flatnonzero(row >= min_similarity)
                if len(near):
                    near = near[np.argsort(-row[near], kind="stable")][:_NEIGHBOURS]
                    found[ids[lo + r]] = [ids[j] for j in near]
        out[theme] = found
    return out


def theme_stats(
    analysis: Analysis,
    coes: Sequence[COE],
    thresholds: SystemicThresholds = SystemicThresholds(),
    clusters: Sequence[Cluster] | None = None,
) -> list[dict]:
    """One row per theme (or per cluster given), systemic first, then by score.

    Only the COEs given count: pass the history up to a date to see a theme as it was then.
    """
    by_id = {c.id: c for c in coes}
    quarters = sorted(q for q in (quarter(c.date) for c in coes) if q)
    span = quarter_range(quarters[0], quarters[-1]) if quarters else []
    breadth_known = any(c.services or c.team for c in coes)
    links = recurrence_links(analysis, thresholds.min_similarity)
    rows = []
    for cluster in analysis.themes if clusters is None else clusters:
        members = [by_id[i] for i in cluster.coes if i in by_id]
        near = links.get(cluster.id, {})
        recurrent = [c for c in members if any(n in by_id for n in near.get(c.id, ()))]
        rows.append(_row(cluster, members, recurrent, span, thresholds, breadth_known))
    rows.sort(key=lambda r: (not r["systemic"], -r["score"], r["id"]))
    return rows


def _row(
    cluster: Cluster,
    members: list[COE],
    recurrent: list[COE],
    span: list[str],
    t: SystemicThresholds,
    breadth_known: bool,
) -> dict:
    services = sorted({s for c in members for s in c.services})
    teams = sorted({c.team for c in members if c.team})
    dates = sorted(c.date for c in members if c.date)
    per_quarter = Counter(q for q in (quarter(c.date) for c in members) if q)
    counts = [per_quarter.get(q, 0) for q in span]
    slope = float(np.polyfit(np.arange(len(counts)), counts, 1)[0]) if len(counts) >= 2 else 0.0
    mean = float(np.mean(counts)) if counts else 0.0
    trend = "steady"
    if mean and slope > t.trend_tolerance * mean:
        trend = "rising"
    elif mean and slope < -t.trend_tolerance * mean:
        trend = "falling"
    weighted = sum(severity.weight(c.severity) for c in members)
    last_q = quarter(dates[-1]) if dates else None
    idle = len(span) - 1 - span.index(last_q) if last_q in span else 0
    recency = 0.5 ** (idle / 4)
    systemic, reason = _systemic(recurrent, len(members), t, breadth_known)
    return {
        "id": cluster.id,
        "label": cluster.label,
        "keywords": list(cluster.keywords),
        "representative": cluster.representative,
        "size": len(cluster.statements),
        "coe_count": len(members),
        "coes": [c.id for c in members],
        "services": services,
        "teams": teams,
        "severity_weighted": round(weighted, 2),
        "first_seen": dates[0] if dates else None,
        "last_seen": dates[-1] if dates else None,
        "quarters": dict(sorted(per_quarter.items())),
        "trend": trend,
        "slope": round(slope, 3),
        "recurrent_coes": [c.id for c in recurrent],
        "systemic": systemic,
        "systemic_reason": reason,
        "score": round(weighted * math.sqrt(1 + len(services) + len(teams)) * recency, 1),
    }


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _systemic(
    recurrent: list[COE], total: int, t: SystemicThresholds, breadth_known: bool
) -> tuple[bool, str]:
    """Rule 2 of the module docstring, and the reason in words."""
    n = len(recurrent)
    quarters = {q for q in (quarter(c.date) for c in recurrent) if q}
    services = {s for c in recurrent for s in c.services}
    teams = {c.team for c in recurrent if c.team}
    what = f"{n} of {total} COEs share the mechanism"
    if n < t.min_coes:
        if n == 0:
            return False, f"no two of its {total} COEs share the mechanism: one-off incidents"
        return False, f"only {what} ({t.min_coes} needed)"
    if len(quarters) < t.min_quarters:
        return (
            False,
            f"{what}, but in {_plural(len(quarters), 'quarter')} ({t.min_quarters} needed)",
        )
    if breadth_known and len(services) < t.min_services and len(teams) < t.min_teams:
        return False, (
            f"{what}, but in {_plural(len(services), 'service')} and {_plural(len(teams), 'team')}"
            f" ({t.min_services} services or {t.min_teams} teams needed)"
        )
    where = (
        f", {_plural(len(services), 'service')}, {_plural(len(teams), 'team')}"
        if breadth_known
        else " (the COEs name no services or teams)"
    )
    return True, f"{what}, across {_plural(len(quarters), 'quarter')}{where}"


def period_themes(
    analysis: Analysis,
    coes: Sequence[COE],
    period: Period,
    *,
    thresholds: SystemicThresholds = SystemicThresholds(),
    scope: Collection[str] | None = None,
) -> tuple[list[dict], dict[str, list[dict]]]:
    """The themes of a period: ``(stats, {"new", "recurring", "rising"})``.

    ``stats`` are :func:`theme_stats` rows over the history (every dated COE up to the period's
    last day), each with ``coes_in_period``. A theme seen in the period is **new** when first
    seen in it, else **recurring**; it is also **rising** when its trend over the history is
    rising. ``scope`` (COE ids) narrows what is counted in the period, as the dashboard's
    filters do; what a theme is (systemic, trend, first seen) stays the whole history's.
    Each list is ordered by COEs in the period, then score.
    """
    history = [c for c in coes if c.date and c.date[:10] <= period.until]
    stats = theme_stats(analysis, history, thresholds)
    dates = {c.id: c.date for c in history}
    changes: dict[str, list[dict]] = {"new": [], "recurring": [], "rising": []}
    for row in stats:
        row["coes_in_period"] = sum(
            period.holds(dates[i]) for i in row["coes"] if scope is None or i in scope
        )
        if not row["coes_in_period"]:
            continue
        kind = "new" if row["first_seen"] and row["first_seen"] >= period.since else "recurring"
        changes[kind].append(row)
        if row["trend"] == "rising":
            changes["rising"].append(row)
    for rows in changes.values():
        rows.sort(key=lambda r: (-r["coes_in_period"], -r["score"], r["id"]))
    return stats, changes
