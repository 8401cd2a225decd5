"""Action follow-through per theme: what was promised, what was done, and whether it came back.

Definitions (dates are ISO ``YYYY-MM-DD`` strings, so they compare as text):

- An action is **done** when its status is ``done`` and **dropped** when it is ``wont-do``; every
  other action (``open``, ``in-progress``, no status, a status the parser could not normalise)
  is **open**. An open action is **overdue** when it has a due date strictly before the
  reference date (``today``, default the current date) and **undated** when it has none.
- A COE ``Y`` of theme ``T`` is a **repeat despite action** when an earlier COE ``X`` of the
  same theme (``X.date < Y.date``; COEs without a date are never compared) promised an action
  that was not dropped and that is done, or was due on or before ``Y.date``. The organisation
  had acted, or had said it would have acted, by the time the failure came back. A done action
  counts whatever its due date: records carry no completion date.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from analytics.analysis import Analysis
from analytics.record import COE, Action

DONE, DROPPED = "done", "wont-do"


def action_state(action: Action, today: str) -> str:
    """``done``, ``dropped``, ``overdue``, ``undated`` or ``open`` (open with a due date to come).

    >>> action_state(Action(None, "Add alarm", due="2025-01-10", status="open"), "2025-02-01")
    'overdue'
    >>> action_state(Action(None, "Add alarm", due="2025-01-10", status="done"), "2025-02-01")
    'done'
    """
    if action.status == DONE:
        return "done"
    if action.status == DROPPED:
        return "dropped"
    if not action.due:
        return "undated"
    return "overdue" if action.due < today else "open"


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
        "actions_before"}``: ``after`` is the most recent earlier COE of the theme with a
        qualifying action, ``actions`` the ids (``"<COE>#act<i>"``) of its qualifying actions,
        ``actions_before`` how many qualifying actions all earlier COEs of the theme had.
        In date order.

    Examples
    --------
    >>> a = COE("C1", "", date="2025-01-05", actions=(Action(None, "Add alarm", due="2025-02-01"),))
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
        done_before = 0
        dues_before: list[str] = []  # due dates of earlier open actions, sorted
        i = 0
        while i < len(members):
            # COEs of one day are not earlier than each other: judge the day, then add it.
            day = members[i].date
            j = i
            while j < len(members) and members[j].date == day:
                j += 1
            for coe in members[i:j]:
                count = done_before + bisect.bisect_right(dues_before, coe.date)
                if count:
                    found.append(_evidence(coe, theme, members[:i], count))
            for coe in members[i:j]:
                for action in coe.actions:
                    if action.status == DONE:
                        done_before += 1
                    elif action.status != DROPPED and action.due:
                        bisect.insort(dues_before, action.due)
            i = j
    found.sort(key=lambda r: (r["date"], r["coe"]))
    return {r["coe"]: r for r in found}


def _evidence(coe: COE, theme: str, earlier: list[COE], count: int) -> dict:
    # The most recent earlier COE with a qualifying action is the telling one: "fixed in X,
    # back again in Y". Walking back stops at the first, which is near in a recurring theme.
    for x in reversed(earlier):
        ids = [f"{x.id}#act{k}" for k, a in enumerate(x.actions) if _qualifies(a, coe.date)]
        if ids:
            return {
                "coe": coe.id,
                "theme": theme,
                "date": coe.date,
                "after": x.id,
                "after_date": x.date,
                "actions": ids,
                "actions_before": count,
            }
    raise AssertionError("a counted qualifying action must belong to an earlier COE")


def _qualifies(action: Action, by: str) -> bool:
    if action.status == DONE:
        return True
    return action.status != DROPPED and bool(action.due) and action.due <= by


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
        actions, done, open, overdue, undated, dropped`` (``open`` counts every open action,
        overdue and undated ones included), ``done_pct`` (done over actions not dropped),
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
    >>> row["actions"], row["done"], row["overdue"], row["repeats"]
    (2, 1, 1, ['C2'])
    """
    today = (today or dt.date.today()).__str__()[:10]
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
                s = statements.get(f"{coe.id}#act{k}")
                family = s.cluster if s is not None else None
                family_actions[family] += 1
                family_done[family] += state == "done"
        total = sum(states.values())
        open_ = states["open"] + states["overdue"] + states["undated"]
        kept = total - states["dropped"]
        details = repeats.get(theme, [])
        rows.append(
            {
                "id": theme,
                "label": clusters[theme].label if theme in clusters else theme,
                "coe_count": len(members[theme]),
                "actions": total,
                "done": states["done"],
                "open": open_,
                "overdue": states["overdue"],
                "undated": states["undated"],
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
