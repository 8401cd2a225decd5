"""The quarterly ops review as plain data: what happened, what is new, what recurs, what is late.

:func:`build_report` is pure: the analysis and the records in, one JSON-ready dict out. Every
writer (HTML, Markdown, XLSX, JSON) renders that dict and nothing else, so the four formats say
the same thing and the dashboard's export buttons can reuse them.

Definitions, for a reporting period (a quarter, or ``since``..``until`` inclusive):

- The **history** is every dated COE up to the period's last day. Theme statistics
  (:func:`analytics.scores.theme_stats`: systemic or not, trend, first seen) are computed over the
  history, so a report on a past quarter does not change when later COEs are added.
- The **previous period** is the quarter before, or for a date range the range of the same
  length that ends the day before it starts.
- New, recurring and rising themes: :func:`analytics.scores.period_themes` (the dashboard's
  review page calls the same function).
- Actions: :mod:`analytics.followthrough` (overdue, status unknown, repeat despite action),
  judged at :func:`analytics.followthrough.as_of` of the period unless ``today`` is given.
- Severity: :mod:`analytics.severity`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence

from analytics import followthrough, severity
from analytics.analysis import ACTION, ROOT_CAUSE, Analysis, statement_id
from analytics.followthrough import follow_through
from analytics.periods import Period, parse_date, quarter_range
from analytics.periods import quarter as quarter_of
from analytics.record import COE
from analytics.redact import person_names, redact
from analytics.scores import SystemicThresholds, period_themes

# Quarters shown in the by-quarter table and charts: two years is what a review compares.
QUARTERS_SHOWN = 8
SEVERITIES = (*severity.SCALE, severity.UNRATED)


def resolve_period(
    coes: Sequence[COE],
    quarter_: str | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
) -> Period:
    """The period a report covers: the quarter given, the range given, else the latest quarter.

    An open end of a range is the corpus's first or last COE date.
    """
    if quarter_ and (since or until):
        raise ValueError("give either a quarter or since/until, not both")
    if quarter_:
        return Period.of_quarter(quarter_)
    dates = sorted(c.date[:10] for c in coes if c.date)
    if since or until:
        first = since or (dates[0] if dates else None)
        last = until or (dates[-1] if dates else None)
        if first is None or last is None:
            raise ValueError("the corpus has no dated COEs: give both since and until")
        return Period.of_range(first, last)
    latest = quarter_of(dates[-1] if dates else dt.date.today().isoformat())
    return Period.of_quarter(latest)


def build_report(
    analysis: Analysis,
    coes: Sequence[COE],
    *,
    quarter: str | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    today: str | dt.date | None = None,
    thresholds: SystemicThresholds | None = None,
    redact_names: bool = False,
) -> dict:
    """The quarterly ops review of ``coes`` under ``analysis``, as a JSON-ready dict.

    Parameters
    ----------
    analysis
        The run whose themes, action families and statements are reported.
    coes
        The COE records (all of them: the history before the period decides what is new).
    quarter
        ``"2026Q3"``; default the latest quarter with a dated COE. Not with ``since``/``until``.
    since, until
        An inclusive date range instead of a quarter; an open end is the corpus's first or last
        COE date.
    today
        Reference date for overdue actions; default the period's last day, or the current date
        when that is earlier.
    thresholds
        What makes a theme systemic (default :class:`SystemicThresholds`).
    redact_names
        Replace people's names everywhere in the report by a role placeholder
        (:mod:`analytics.redact`).

    Returns
    -------
    dict
        ``title, period {label, since, until}, previous {...}, as_of, redacted, corpus {...},
        headline [{key, label, value, previous, unit, better}], themes {new, recurring, rising},
        systemic [{..., evidence [{coe, title, date, severity, services, root_cause}]}],
        follow_through {themes, overdue, repeats}, by_quarter [...]``. See the module docstring.

    Raises
    ------
    ValueError
        For a malformed quarter or date, or both a quarter and a range.
    """
    period = resolve_period(coes, quarter, since, until)
    previous = period.previous()
    as_of = _as_of(period, today)
    history = [c for c in coes if c.date and c.date[:10] <= period.until]
    by_id = {c.id: c for c in history}
    in_period = [c for c in history if period.holds(c.date)]
    in_previous = [c for c in history if previous.holds(c.date)]
    stats, changes = period_themes(
        analysis, history, period, thresholds=thresholds or SystemicThresholds()
    )
    systemic_ids = {r["id"] for r in stats if r["systemic"]}
    for row in stats:
        row["coes_previous"] = sum(previous.holds(by_id[i].date) for i in row["coes"])

    report = {
        "title": f"Ops review {period.label}",
        "period": _period_dict(period),
        "previous": _period_dict(previous),
        "as_of": as_of,
        "redacted": redact_names,
        "corpus": {
            "coes": len(coes),
            "history": len(history),
            "undated": sum(not c.date for c in coes),
            "themes": len(analysis.themes),
            "systemic_themes": len(systemic_ids),
            "run": analysis.run,
            "analysed_at": analysis.created_at,
            "embedder": analysis.settings.get("embedder"),
        },
        "headline": _headline(in_period, in_previous, analysis.coe_theme, systemic_ids),
        "themes": {k: [_theme_item(r) for r in rows] for k, rows in changes.items()},
        "systemic": _systemic(analysis, stats, by_id, period),
        "follow_through": _follow_through(analysis, history, stats, period, as_of),
        "by_quarter": _by_quarter(history, period),
    }
    if redact_names:
        report = redact(report, person_names(coes))
    return report


def _period_dict(p: Period) -> dict:
    return {"label": p.label, "since": p.since, "until": p.until}


def _as_of(period: Period, today: str | dt.date | None) -> str:
    if today is not None:
        return parse_date(today, "today").isoformat()
    return followthrough.as_of(period)


def _median(values) -> float | None:
    vals = [v for v in values if v is not None]
    return round(float(statistics.median(vals)), 1) if vals else None


def _headline(now: list[COE], before: list[COE], coe_theme: dict, systemic: set[str]) -> list[dict]:
    def measures(coes: list[COE]) -> dict:
        themed = [c for c in coes if coe_theme.get(c.id)]
        in_systemic = sum(coe_theme.get(c.id) in systemic for c in coes)
        return {
            "coes": len(coes),
            "high_severity": sum(severity.is_high(c.severity) for c in coes),
            "ttd": _median(c.metrics.time_to_detect_minutes for c in coes),
            "ttm": _median(c.metrics.time_to_mitigate_minutes for c in coes),
            # Share of the COEs with a theme at all: one-off causes are not the denominator's
            # fault, and a run that left COEs unclustered should not look better for it.
            "systemic_share": round(100 * in_systemic / len(themed), 1) if themed else None,
        }

    a, b = measures(now), measures(before)
    spec = (
        ("coes", "COEs", "", "lower"),
        ("high_severity", f"{severity.HIGH_LABEL} COEs", "", "lower"),
        ("ttd", "Median time to detect", "min", "lower"),
        ("ttm", "Median time to mitigate", "min", "lower"),
        ("systemic_share", "COEs in systemic themes", "%", "lower"),
    )
    # Each figure names the COEs it counts, so a reader can check it.
    evidence = {
        "coes": [c.id for c in now],
        "high_severity": [c.id for c in now if severity.is_high(c.severity)],
        "systemic_share": [c.id for c in now if coe_theme.get(c.id) in systemic],
    }
    return [
        {
            "key": k,
            "label": label,
            "value": a[k],
            "previous": b[k],
            "unit": unit,
            "better": better,
            "coes": evidence.get(k, []),
        }
        for k, label, unit, better in spec
    ]


def _theme_item(row: dict) -> dict:
    return {
        "id": row["id"],
        "label": row["label"],
        "keywords": row["keywords"][:5],
        "coes_in_period": row["coes_in_period"],
        "coes_previous": row["coes_previous"],
        "coes_total": row["coe_count"],
        "services": row["services"],
        "teams": row["teams"],
        "first_seen": row["first_seen"],
        "trend": row["trend"],
        "systemic": row["systemic"],
        "systemic_reason": row["systemic_reason"],
        "score": row["score"],
    }


def _systemic(
    analysis: Analysis, stats: list[dict], by_id: dict[str, COE], period: Period
) -> list[dict]:
    """Systemic themes seen in the period, most systemic first, with the period's evidence."""
    quote: dict[tuple[str, str], str] = {}
    for s in analysis.statements:
        if s.kind == ROOT_CAUSE and s.cluster:
            quote.setdefault((s.coe, s.cluster), s.text)
    out = []
    for row in stats:
        if not (row["systemic"] and row["coes_in_period"]):
            continue
        evidence = []
        for coe_id in row["coes"]:
            coe = by_id.get(coe_id)
            if coe is None or not period.holds(coe.date):
                continue
            rc = quote.get((coe.id, row["id"])) or (coe.root_causes[0] if coe.root_causes else "")
            evidence.append(
                {
                    "coe": coe.id,
                    "title": coe.title,
                    "date": coe.date,
                    "severity": coe.severity,
                    "services": list(coe.services),
                    "team": coe.team,
                    "root_cause": rc,
                }
            )
        evidence.sort(key=lambda e: (e["date"], e["coe"]))
        out.append(
            {
                **_theme_item(row),
                "representative": row["representative"],
                "last_seen": row["last_seen"],
                "quarters": row["quarters"],
                "evidence": evidence,
            }
        )
    return out


def _follow_through(
    analysis: Analysis, history: list[COE], stats: list[dict], period: Period, as_of: str
) -> dict:
    rows = follow_through(analysis, history, today=as_of)
    meta = {r["id"]: r for r in stats}
    by_id = {c.id: c for c in history}
    themes = []
    repeats = []
    for r in rows:
        in_period = [d for d in r["repeat_details"] if period.holds(d["date"])]
        for d in in_period:
            coe = by_id[d["coe"]]
            titles = [
                f"{a['title']} (done, due {a['due']}; {a['id']})" for a in d["action_details"]
            ]
            repeats.append(
                {
                    "coe": d["coe"],
                    "title": coe.title,
                    "date": d["date"],
                    "theme": r["id"],
                    "label": r["label"],
                    "after": d["after"],
                    "after_date": d["after_date"],
                    "actions": titles,
                    "action_ids": list(d["actions"]),
                }
            )
        if not (r["overdue"] or in_period):
            continue
        themes.append(
            {
                "id": r["id"],
                "label": r["label"],
                "systemic": meta.get(r["id"], {}).get("systemic", False),
                "coes": r["coe_count"],
                "actions": r["actions"],
                "done": r["done"],
                "open": r["open"],
                "overdue": r["overdue"],
                "status_unknown": r["unknown"],
                "done_pct": r["done_pct"],
                "repeats": len(r["repeats"]),
                "repeats_in_period": len(in_period),
            }
        )
    themes.sort(key=lambda t: (-t["overdue"], -t["repeats_in_period"], t["id"]))
    repeats.sort(key=lambda d: (d["date"], d["coe"]))
    return {
        "as_of": as_of,
        "themes": themes,
        "overdue": _overdue_actions(analysis, history, stats, period, as_of),
        "repeats": repeats,
    }


def _overdue_actions(
    analysis: Analysis, history: list[COE], stats: list[dict], period: Period, as_of: str
) -> list[dict]:
    """Overdue actions of the systemic themes that recurred in the period, oldest first.

    These are the promises a review walks through: the failure came back this period and
    what was meant to prevent it is late.
    """
    systemic = {r["id"]: r["label"] for r in stats if r["systemic"] and r["coes_in_period"]}
    out = []
    for coe in history:
        theme = analysis.coe_theme.get(coe.id)
        if theme not in systemic:
            continue
        for k, action in enumerate(coe.actions):
            if followthrough.action_state(action, as_of) != "overdue":
                continue
            out.append(
                {
                    "id": statement_id(coe.id, ACTION, k),
                    "theme": theme,
                    "label": systemic[theme],
                    "coe": coe.id,
                    "action": action.title,
                    "owner": action.owner,
                    "priority": action.priority,
                    "due": action.due,
                    "status": action.status,
                    "days_overdue": (parse_date(as_of) - parse_date(action.due, "due")).days,
                }
            )
    out.sort(key=lambda r: (r["due"], r["coe"], r["action"]))  # most overdue first
    return out


def _by_quarter(history: list[COE], period: Period) -> list[dict]:
    """COEs, severity mix and median detect / mitigate times for the quarters up to the period."""
    last = quarter_of(period.until)
    quarters = sorted({quarter_of(c.date) for c in history})
    if not quarters:
        return []
    span = quarter_range(quarters[0], last)[-QUARTERS_SHOWN:]
    groups: dict[str, list[COE]] = defaultdict(list)
    for c in history:
        groups[quarter_of(c.date)].append(c)
    rows = []
    for q in span:
        members = groups.get(q, [])
        mix = Counter(severity.bucket(c.severity) for c in members)
        rows.append(
            {
                "quarter": q,
                "in_period": Period.of_quarter(q).until >= period.since,
                "coes": len(members),
                **{s: mix.get(s, 0) for s in SEVERITIES},
                "median_ttd": _median(c.metrics.time_to_detect_minutes for c in members),
                "median_ttm": _median(c.metrics.time_to_mitigate_minutes for c in members),
            }
        )
    return rows
