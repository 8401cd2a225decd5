"""Action follow-through: what was promised, what was done, and whether the failure came back.

The one definition of these rules; the dashboard, the report, the CLI and the exports all call
this module. Dates are ISO ``YYYY-MM-DD`` strings, so they compare as text.

**State of an action** at a reference date ``as_of`` (:func:`action_state`):

- ``done`` (status done) and ``dropped`` (won't do) are settled.
- ``overdue``: the status says it is still to do (``open`` or ``in-progress``) and its due date
  is strictly before ``as_of``. Due on ``as_of`` itself is not late yet, so an action due on a
  quarter's last day is ``open`` at that quarter's end.
- ``open``: still to do, due on or after ``as_of``; ``undated``: still to do, no due date.
- ``unknown``: no status, or one the parser could not read. Such an action is *not* evidence of
  anything being late: the document simply does not say. It is counted and shown apart
  ("status unknown"), never as overdue.

**Reference date** of a period (:func:`as_of`): its last day, or the current date while the
period is still running.

**Repeat despite action** (:func:`repeats_despite_action`): a COE ``Y`` of theme ``T`` is one
when an earlier COE ``X`` of the same theme (``X.date < Y.date``; undated COEs are never
compared) has an action that is **done** and was **due on or before** ``Y.date``: the fix was
recorded as done and due before the failure came back, so it did not prevent it. Every repeat
names those actions (id, title, due, status) and the COE that promised them. A done action
without a due date is not counted (nothing says it was in place in time), nor is an action still
open (that is a late fix, shown as overdue, not an action that failed).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from analytics.analysis import ACTION, Analysis, statement_id
from analytics.periods import Period
from analytics.record import COE, Action

DONE, DROPPED = "done", "wont-do"
TO_DO = frozenset({"open", "in-progress"})
STATES = ("done", "dropped", "overdue", "open", "undated", "unknown")


def action_state(action: Action, as_of: str) -> str:
    """``done``, ``dropped``, ``overdue``, ``open``, ``undated`` or ``unknown`` (module docstring).

    >>> action_state(Action(None, "Add alarm", due="2025-01-10", status="open"), "2025-02-01")
    'overdue'
    >>> action_state(Action(None, "Add alarm", due="2025-01-10", status="done"), "2025-02-01")
    'done'
    >>> action_state(Action(None, "Add alarm", due="2025-01-10"), "2025-02-01")
    'unknown'
    >>> action_state(Action(None, "Add alarm", due="2025-02-01", status="open"), "2025-02-01")
    'open'
    """
    if action.status == DONE:
        return "done"
    if action.status == DROPPED:
        return "dropped"
    if action.status not in TO_DO:
        return "unknown"
    if not action.due:
        return "undated"
    return "overdue" if action.due < as_of else "open"


def as_of(period: Period, today: str | dt.date | None = None) -> str:
    """The reference date for judging a period's actions: its last day, or ``today`` if earlier.

    >>> as_of(Period.of_quarter("2025Q3"), "2026-01-05"), as_of(Period.of_quarter("2025Q3"), "2025-08-01")
    ('2025-09-30', '2025-08-01')
    """
    now = str(today or dt.date.today())[:10]
    return min(period.until, now)


def action_row(coe: COE, index: int, action: Action, as_of_: str) -> dict:
    """One action as a table row, with its id, state and the COE that promised it."""
    return {
        "id": statement_id(coe.id, ACTION, index),
        "coe": coe.id,
        "action": action.title,
        "owner": action.owner or "",
        "priority": action.priority or "",
        "due": action.due,
        "status": action.status or "unknown",
        "state": action_state(action, as_of_),
    }


def period_actions(coes: Sequence[COE], period: Period, as_of_: str) -> dict[str, list[dict]]:
    """The actions a review walks through for a period, as :func:`action_row` rows.

    ``due``: due within the period, whatever their state. ``overdue``: :func:`action_state` is
    ``overdue`` at ``as_of_`` (due before it, any period). ``unknown``: past due at ``as_of_``
    with no readable status (shown apart, never counted as overdue). Each in ``(due, coe, id)``
    order.
    """
    out: dict[str, list[dict]] = {"due": [], "overdue": [], "unknown": []}
    for c in coes:
        for k, a in enumerate(c.actions):
            if not a.due:
                continue
            row = action_row(c, k, a, as_of_)
            if period.holds(a.due):
                out["due"].append(row)
            if row["state"] == "overdue":
                out["overdue"].append(row)
            elif row["state"] == "unknown" and a.due < as_of_:
                out["unknown"].append(row)
    for rows in out.values():
        rows.sort(key=_row_order)
    return out


def _row_order(row: dict) -> tuple:
    return (row["due"], row["coe"], row["id"])


def repeats_despite_action(
    coes: Sequence[COE], coe_theme: Mapping[str, str | None]
) -> dict[str, dict]:
    """Every COE that is a repeat despite action (module docstring), with the evidence.

    Parameters
    ----------
    coes
        The COE records.
    coe_theme
        COE id -> theme id; ``Analysis.coe_theme``, or ground-truth themes in an evaluation.

    Returns
    -------
    dict
        COE id -> ``{"coe", "theme", "date", "after", "after_date", "actions",
        "action_details", "actions_before"}``: ``after`` is the most recent earlier COE of the
        theme with a qualifying action, ``actions`` the statement ids (``"<COE>#act<i>"``) of its
        qualifying actions and ``action_details`` their ``{id, title, due, status, owner}``,
        ``actions_before`` how many qualifying actions all earlier COEs of the theme had.
        In date order.

    Examples
    --------
    >>> done = Action(None, "Add alarm", due="2025-02-01", status="done")
    >>> a = COE("C1", "", date="2025-01-05", actions=(done, Action(None, "Runbook", due="2025-02-01")))
    >>> b = COE("C2", "", date="2025-01-20")
    >>> c = COE("C3", "", date="2025-03-01")
    >>> found = repeats_despite_action([a, b, c], {"C1": "T01", "C2": "T01", "C3": "T01"})
    >>> list(found), found["C3"]["after"], found["C3"]["actions"]
    (['C3'], 'C1', ['C1#act0'])
    """
    by_theme: dict[str, list[COE]] = defaultdict(list)
    for coe in coes:
        theme = coe_theme.get(coe.id)
        if theme and coe.date:
            by_theme[theme].append(coe)
    found: list[dict] = []
    for theme, members in by_theme.items():
        members.sort(key=lambda c: (c.date, c.id))
        # Done actions of earlier days not yet due by the day judged, as (due, member index).
        # Days only move forward, so an action due by one day is due by every later one: each
        # is counted once, and the latest COE with a counted action is the telling one.
        pending: list[tuple[str, int]] = []
        count = 0
        latest = -1
        i = 0
        while i < len(members):
            # COEs of one day are not earlier than each other: judge the day, then add it.
            day = members[i].date
            j = i
            while j < len(members) and members[j].date == day:
                j += 1
            while pending and pending[0][0] <= day:
                latest = max(latest, heapq.heappop(pending)[1])
                count += 1
            if count:
                for coe in members[i:j]:
                    found.append(_evidence(coe, theme, members[latest], count))
            for k in range(i, j):
                for action in members[k].actions:
                    if action.status == DONE and action.due:
                        heapq.heappush(pending, (action.due, k))
            i = j
    found.sort(key=lambda r: (r["date"], r["coe"]))
    return {r["coe"]: r for r in found}


def _evidence(coe: COE, theme: str, x: COE, count: int) -> dict:
    # ``x`` is the most recent earlier COE with a qualifying action, the telling one: "fixed in
    # X, back again in Y".
    hits = [(k, a) for k, a in enumerate(x.actions) if _qualifies(a, coe.date)]
    if not hits:
        raise AssertionError("the telling COE must have a qualifying action")
    return {
        "coe": coe.id,
        "theme": theme,
        "date": coe.date,
        "after": x.id,
        "after_date": x.date,
        "actions": [statement_id(x.id, ACTION, k) for k, _a in hits],
        "action_details": [
            {
                "id": statement_id(x.id, ACTION, k),
                "title": a.title,
                "due": a.due,
                "status": a.status,
                "owner": a.owner,
            }
            for k, a in hits
        ],
        "actions_before": count,
    }


def _qualifies(action: Action, by: str) -> bool:
    return action.status == DONE and bool(action.due) and action.due <= by


def follow_through(
    analysis: Analysis,
    coes: Sequence[COE],
    *,
    today: str | dt.date | None = None,
    coe_theme: Mapping[str, str | None] | None = None,
) -> list[dict]:
    """Per theme: the actions its COEs promised, their state, and repeats despite action.

    Parameters
    ----------
    analysis
        The run: themes, action families, and (unless ``coe_theme`` is given) each COE's theme.
    coes
        The COE records.
    today
        Reference date for *overdue* (``YYYY-MM-DD`` or a date); default the current date.
    coe_theme
        COE id -> theme id, overriding ``analysis.coe_theme`` (e.g. ground-truth themes).

    Returns
    -------
    list of dict
        One row per theme with at least one COE, in theme id order: ``id, label, coe_count,
        actions, done, open, overdue, undated, unknown, dropped`` (``open`` counts every action
        still to do, overdue and undated ones included; ``unknown`` those without a readable
        status: ``done + open + unknown + dropped == actions``), ``done_pct`` (done over actions not dropped),
        ``families`` (``[{"id", "label", "actions", "done"}]``, most actions first; ``None``
        id for actions without family), ``repeats`` (COE ids, date order) and
        ``repeat_details`` (the dicts of :func:`repeats_despite_action`).

    Examples
    --------
    >>> from analytics.analysis import Analysis
    >>> c1 = COE("C1", "", date="2025-01-05",
    ...          actions=(Action(None, "Add alarm", due="2025-02-01", status="done"),
    ...                   Action(None, "Runbook", due="2025-02-01")))
    >>> c2 = COE("C2", "", date="2025-03-01")
    >>> a = Analysis(0, "", {}, (), (), (), (), coe_theme={"C1": "T01", "C2": "T01"})
    >>> [row] = follow_through(a, [c1, c2], today="2025-03-01")
    >>> row["actions"], row["done"], row["overdue"], row["unknown"], row["repeats"]
    (2, 1, 0, 1, ['C2'])
    """
    today = str(today or dt.date.today())[:10]
    themes = analysis.coe_theme if coe_theme is None else coe_theme
    statements = analysis.statement_by_id
    clusters = analysis.cluster_by_id
    repeats: dict[str, list[dict]] = defaultdict(list)
    for r in repeats_despite_action(coes, themes).values():
        repeats[r["theme"]].append(r)
    members: dict[str, list[COE]] = defaultdict(list)
    for coe in coes:
        if themes.get(coe.id):
            members[themes[coe.id]].append(coe)
    order = {c.id: i for i, c in enumerate(analysis.themes)}
    rows = []
    for theme in sorted(members, key=lambda t: (order.get(t, len(order)), t)):
        states: Counter = Counter()
        family_actions: Counter = Counter()
        family_done: Counter = Counter()
        for coe in members[theme]:
            for k, action in enumerate(coe.actions):
                state = action_state(action, today)
                states[state] += 1
                s = statements.get(statement_id(coe.id, ACTION, k))
                family = s.cluster if s is not None else None
                family_actions[family] += 1
                family_done[family] += state == "done"
        total = sum(states.values())
        to_do = states["open"] + states["overdue"] + states["undated"]
        kept = total - states["dropped"]
        details = repeats.get(theme, [])
        rows.append(
            {
                "id": theme,
                "label": clusters[theme].label if theme in clusters else theme,
                "coe_count": len(members[theme]),
                "actions": total,
                "done": states["done"],
                "open": to_do,
                "overdue": states["overdue"],
                "undated": states["undated"],
                "unknown": states["unknown"],
                "dropped": states["dropped"],
                "done_pct": round(100 * states["done"] / kept, 1) if kept else None,
                "families": [
                    {
                        "id": f,
                        "label": clusters[f].label if f in clusters else f,
                        "actions": n,
                        "done": family_done[f],
                    }
                    for f, n in sorted(
                        family_actions.items(), key=lambda kv: (-kv[1], kv[0] or "~")
                    )
                ],
                "repeats": [r["coe"] for r in details],
                "repeat_details": details,
            }
        )
    return rows
