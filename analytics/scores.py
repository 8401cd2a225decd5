"""Systemic scoring of themes: recurrence, breadth, severity, recency and trend.

A theme is **systemic** when it recurs in at least ``min_coes`` COEs, across at least
``min_services`` services or ``min_teams`` teams, in at least ``min_quarters`` quarters (all
settings of :class:`SystemicThresholds`). Many real postmortems name no service or team in a
form the parser can read; in a corpus where no COE does, breadth cannot be told and the flag
rests on the COE count and quarters alone. Themes are ranked by

    score = severity-weighted COE count x sqrt(1 + distinct services + distinct teams) x recency

where the 1 keeps a theme of a corpus without services or teams ranked by its recurrence rather
than at 0, and recency is 1 for a theme seen in the corpus's last quarter and decays by half every
four quarters without a recurrence. The trend is the least-squares slope of COEs per quarter
over the corpus's quarters: rising above +``trend_tolerance`` x the mean count, falling below
minus that, steady otherwise.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analytics.analysis import Analysis, Cluster
from analytics.record import COE

SEVERITY_WEIGHTS = {"Sev1": 4.0, "Sev2": 3.0, "Sev3": 2.0, "Sev4": 1.0, "Sev5": 0.5}


@dataclass(frozen=True)
class SystemicThresholds:
    min_coes: int = 3
    min_services: int = 2
    min_teams: int = 2
    min_quarters: int = 2
    trend_tolerance: float = 0.1


def quarter(date: str | None) -> str | None:
    """``'2025-08-14'`` -> ``'2025Q3'``.

    >>> quarter("2025-08-14")
    '2025Q3'
    """
    if not date or len(date) < 7:
        return None
    return f"{date[:4]}Q{(int(date[5:7]) - 1) // 3 + 1}"


def quarter_range(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last`` inclusive.

    >>> quarter_range("2024Q4", "2025Q2")
    ['2024Q4', '2025Q1', '2025Q2']
    """
    y, q = int(first[:4]), int(first[-1])
    out = []
    while f"{y}Q{q}" <= last:
        out.append(f"{y}Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def theme_stats(
    analysis: Analysis,
    coes: Sequence[COE],
    thresholds: SystemicThresholds = SystemicThresholds(),
    clusters: Sequence[Cluster] | None = None,
) -> list[dict]:
    """One row per theme (or per cluster given), most systemic first."""
    by_id = {c.id: c for c in coes}
    quarters = sorted(q for q in (quarter(c.date) for c in coes) if q)
    span = quarter_range(quarters[0], quarters[-1]) if quarters else []
    breadth_known = any(c.services or c.team for c in coes)
    rows = []
    for cluster in analysis.themes if clusters is None else clusters:
        members = [by_id[i] for i in cluster.coes if i in by_id]
        rows.append(_row(cluster, members, span, thresholds, breadth_known))
    rows.sort(key=lambda r: (-r["score"], r["id"]))
    return rows


def _row(
    cluster: Cluster,
    members: list[COE],
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
    weighted = sum(SEVERITY_WEIGHTS.get(c.severity or "", 1.0) for c in members)
    last_q = quarter(dates[-1]) if dates else None
    idle = len(span) - 1 - span.index(last_q) if last_q in span else 0
    recency = 0.5 ** (idle / 4)
    systemic = (
        len(members) >= t.min_coes
        and (not breadth_known or len(services) >= t.min_services or len(teams) >= t.min_teams)
        and len(per_quarter) >= t.min_quarters
    )
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
        "systemic": systemic,
        "score": round(weighted * math.sqrt(1 + len(services) + len(teams)) * recency, 2),
    }
