"""Lay a planned COE out as a document: Markdown, plain text, JSON or YAML.

The renderers write the label's why, root-cause and action text verbatim; they only choose
headings, list markers and metadata layout (from the plan's own random draws, so the bytes are a
function of the seed).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from typing import Any

from analytics.sample.plan import Plan, cap, written_date

HEADINGS: dict[str, tuple[str, ...]] = {
    "summary": ("Summary", "Executive summary", "Overview", "Incident summary"),
    "impact": ("Customer Impact", "Impact", "Customer impact", "Impact on customers"),
    "timeline": ("Timeline", "Incident timeline", "Timeline of events", "Sequence of events"),
    "metrics": ("Metrics", "Key metrics", "Incident metrics"),
    "questions": ("Incident Questions", "Incident questions", "Questions"),
    "whys": (
        "5 Whys",
        "Five Whys",
        "Why analysis",
        "Root cause analysis (5 whys)",
        "The five whys",
        "5 Whys analysis",
    ),
    "root": ("Root Cause", "Root cause", "Root Causes", "Root cause(s)", "Contributing Factors"),
    "actions": (
        "Action Items",
        "Action items",
        "Follow-ups",
        "Next steps",
        "Remediation",
        "Corrective actions",
    ),
    "related": ("Related Items", "Related", "Related COEs", "See also"),
}
TXT_HEADINGS: dict[str, tuple[str, ...]] = {
    "summary": ("SUMMARY",),
    "impact": ("CUSTOMER IMPACT", "IMPACT"),
    "timeline": ("TIMELINE",),
    "metrics": ("METRICS",),
    "whys": ("FIVE WHYS", "5 WHYS", "WHY ANALYSIS"),
    "root": ("ROOT CAUSE", "ROOT CAUSES"),
    "actions": ("ACTION ITEMS", "FOLLOW-UPS", "REMEDIATION"),
    "related": ("RELATED", "RELATED ITEMS"),
}
SEVERITY_FORMS = ("Sev{n}", "Sev{n}", "SEV{n}", "SEV-{n}")


def render(plan: Plan, rng: random.Random) -> str:
    """The document text for ``plan`` in its planned format."""
    if plan.fmt == "md":
        return _markdown(plan, rng)
    if plan.fmt == "txt":
        return _text(plan, rng)
    data = _structured(plan, rng)
    if plan.fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return "\n".join(_yaml_lines(data, "")) + "\n"


def _severity(plan: Plan, rng: random.Random) -> str:
    return rng.choice(SEVERITY_FORMS).format(n=plan.label["severity"][-1])


def _summary(plan: Plan, rng: random.Random) -> str:
    ctx, label = plan.ctx, plan.label
    if "impact-not-quantified" in label["defects"]:
        return (
            f"{ctx['svc']} returned errors to customers until the on-call engineers mitigated"
            " the problem."
        )
    day = written_date(plan.date, rng)
    duration = label["impact"]["duration_minutes"]
    return (
        f"On {day}, {ctx['svc']} in {ctx['region']} was degraded for {duration} minutes."
        f" {cap(label['whys'][0]['answer'])} The {label['team']} on-call"
        f" {plan.style['mitigation']}."
    )


def _timeline_lines(plan: Plan, rng: random.Random, fmt: str) -> list[str]:
    events: list[tuple[dt.datetime, str]] = plan.style["timeline"]
    style = rng.choice(("table", "bullets", "bullets-full")) if fmt == "md" else "plain"
    if style == "table":
        lines = ["| Time (UTC) | Event |", "| --- | --- |"]
        lines += [f"| {at:%Y-%m-%d %H:%M} | {ev} |" for at, ev in events]
        return lines
    if style == "bullets":
        lines = ["All times UTC.", ""]
        lines += [
            f"- {at:%Y-%m-%d %H:%M}: {ev}" if k == 0 else f"- {at:%H:%M}: {ev}"
            for k, (at, ev) in enumerate(events)
        ]
        return lines
    marker = "- " if style == "bullets-full" else ""
    return [f"{marker}{at:%Y-%m-%d %H:%M} UTC - {ev}" for at, ev in events]


def _metrics_lines(plan: Plan, rng: random.Random, fmt: str) -> list[str]:
    detect, mitigate, resolve = plan.style["metrics"]
    rows = (
        ("Time to detect", detect),
        ("Time to mitigate", mitigate),
        ("Time to resolve", resolve),
    )
    if fmt == "md" and rng.random() < 0.4:
        return ["| Metric | Value |", "| --- | --- |"] + [f"| {k} | {v} min |" for k, v in rows]
    marker = "- " if fmt == "md" else ""
    return [f"{marker}{k}: {v} minutes" for k, v in rows]


def _why_lines(plan: Plan, rng: random.Random, fmt: str) -> list[str]:
    whys = plan.label["whys"]
    style = plan.style["why_style"]
    lines: list[str] = []
    if style == "numbered":
        for w in whys:
            lines.append(f"{w['id']}. {w['question']} Because {w['answer']}")
    elif style == "qa":
        bold = fmt == "md" and rng.random() < 0.5
        q, a = ("**Q:**", "**A:**") if bold else ("Q:", "A:")
        for w in whys:
            lines += [f"{q} {w['question']}", f"{a} {w['answer']}", ""]
        lines.pop()
    elif style == "whyn":
        for w in whys:
            lines.append(f"Why {w['id']}: {w['answer']}")
            if fmt == "md":
                lines.append("")
        if fmt == "md":
            lines.pop()
    elif style == "table":
        lines = ["| # | Why | Because |", "| --- | --- | --- |"]
        lines += [f"| {w['id']} | {w['question']} | {w['answer']} |" for w in whys]
    elif style == "nested":
        for depth, w in enumerate(whys):
            lines.append(f"{'  ' * depth}- {w['question']} Because {w['answer']}")
    return lines


def _root_lines(plan: Plan, rng: random.Random, fmt: str) -> list[str]:
    statements = plan.label["root_causes"]
    if len(statements) > 1 and (fmt == "txt" or rng.random() < 0.6):
        return [f"- {s}" for s in statements]
    lines: list[str] = []
    for s in statements:
        lines += [s, ""]
    return lines[:-1]


def _action_lines(plan: Plan, fmt: str) -> list[str]:
    style = plan.style["action_style"]
    actions = plan.label["actions"]
    written = plan.style["actions_written"]
    if style == "table":
        lines = [
            "| ID | Action | Owner | Priority | Due | Status |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for a, w in zip(actions, written, strict=True):
            cells = (a["id"], a["title"], a["owner"] or "", w["prio"] or "", w["due"] or "")
            lines.append("| " + " | ".join(cells) + f" | {w['status'] or ''} |")
        return lines
    lines = []
    for k, (a, w) in enumerate(zip(actions, written, strict=True)):
        if style == "paren":
            parts = []
            if a["owner"]:
                parts.append(f"owner: {a['owner']}")
            if w["prio"]:
                parts.append(w["prio"])
            if w["due"]:
                parts.append(f"due {w['due']}")
            if w["status"]:
                parts.append(f"status: {w['status']}")
            lines.append(f"- {a['title']} ({', '.join(parts)})")
        elif style == "bracket":
            parts = []
            if a["owner"]:
                parts.append(f"owner: {a['owner']}")
            if w["due"]:
                parts.append(f"due: {w['due']}")
            if w["status"]:
                parts.append(f"status: {w['status']}")
            prefix = f"[{w['prio']}] " if w["prio"] else ""
            lines.append(f"- {prefix}{a['title']} — {'; '.join(parts)}")
        else:
            parts = []
            if a["owner"]:
                parts.append(f"Owner: {a['owner']}")
            if w["prio"]:
                parts.append(f"Priority: {w['prio']}")
            if w["due"]:
                parts.append(f"Due: {w['due']}")
            if w["status"]:
                parts.append(f"Status: {w['status']}")
            lines.append(f"{k + 1}. {a['title']} — {'; '.join(parts)}")
    return lines


def _question_lines(plan: Plan, rng: random.Random) -> list[str]:
    lines = []
    if plan.style["metrics"]:
        detect = plan.style["metrics"][0]
        lines.append(
            f"- How was the event detected? {cap(plan.style['pager'])}, after {detect} minutes."
        )
    else:
        lines.append(f"- How was the event detected? {cap(plan.style['pager'])}.")
    lines.append(
        rng.choice(
            (
                "- Was a runbook available? It existed but did not cover this case.",
                "- Could the blast radius have been smaller? See the action items.",
                "- Did the on-call have the access they needed? Yes.",
            )
        )
    )
    return lines


def _markdown(plan: Plan, rng: random.Random) -> str:
    label = plan.label
    level = rng.choices(("##", "###", "numbered"), (70, 15, 15))[0]
    out: list[str] = []
    meta = rng.choices(("front", "lines", "bold", "table"), (30, 35, 20, 15))[0]
    services = ", ".join(label["services"])
    severity = _severity(plan, rng)
    if meta == "front":
        out += [
            "---",
            f"id: {label['id']}",
            f"title: {json.dumps(label['title'])}",
            f"services: [{services}]",
            f"team: {label['team']}",
            f"severity: {severity}",
            f"date: {label['date']}",
            "---",
            "",
            f"# {label['title']}",
        ]
    else:
        day = written_date(plan.date, rng)
        fields = (
            ("ID", label["id"]),
            ("Services", services),
            ("Team", label["team"]),
            ("Severity", severity),
            ("Date", day),
        )
        if meta == "table":
            out += [f"# {label['title']}", "", "| Field | Value |", "| --- | --- |"]
            out += [f"| {k} | {v} |" for k, v in fields]
        else:
            out += [f"# {label['id']}: {label['title']}", ""]
            fmt_line = "**{k}:** {v}  " if meta == "bold" else "{k}: {v}"
            out += [fmt_line.format(k=k, v=v) for k, v in fields[1:]]
            if meta == "bold":
                out[-1] = out[-1].rstrip()

    sections: list[tuple[str, list[str]]] = [
        ("summary", [_summary(plan, rng)]),
        ("impact", [plan.style["impact_text"]]),
    ]
    if plan.style.get("missing") != "timeline":
        sections.append(("timeline", _timeline_lines(plan, rng, "md")))
    if plan.style["metrics"]:
        sections.append(("metrics", _metrics_lines(plan, rng, "md")))
    if rng.random() < 0.5:
        sections.append(("questions", _question_lines(plan, rng)))
    sections.append(("whys", _why_lines(plan, rng, "md")))
    sections.append(("root", _root_lines(plan, rng, "md")))
    if plan.style.get("missing") != "actions":
        sections.append(("actions", _action_lines(plan, "md")))
    if label["related"]:
        if rng.random() < 0.3:
            related = [f"- [{r}]({r}.md)" for r in label["related"]]
        else:
            related = [f"- {r}" for r in label["related"]]
        sections.append(("related", related))

    for number, (key, body) in enumerate(sections, start=1):
        name = rng.choice(HEADINGS[key])
        heading = f"## {number}. {name}" if level == "numbered" else f"{level} {name}"
        out += ["", heading, ""] + body
    return "\n".join(out) + "\n"


def _text(plan: Plan, rng: random.Random) -> str:
    label = plan.label
    out = [
        f"ID: {label['id']}",
        f"TITLE: {label['title']}",
        f"SERVICES: {', '.join(label['services'])}",
        f"TEAM: {label['team']}",
        f"SEVERITY: {_severity(plan, rng)}",
        f"DATE: {written_date(plan.date, rng)}",
    ]
    sections: list[tuple[str, list[str]]] = [
        ("summary", [_summary(plan, rng)]),
        ("impact", [plan.style["impact_text"]]),
    ]
    if plan.style.get("missing") != "timeline":
        sections.append(("timeline", _timeline_lines(plan, rng, "txt")))
    if plan.style["metrics"]:
        sections.append(("metrics", _metrics_lines(plan, rng, "txt")))
    sections.append(("whys", _why_lines(plan, rng, "txt")))
    sections.append(("root", _root_lines(plan, rng, "txt")))
    if plan.style.get("missing") != "actions":
        sections.append(("actions", _action_lines(plan, "txt")))
    if label["related"]:
        sections.append(("related", list(label["related"])))
    for key, body in sections:
        out += ["", f"{rng.choice(TXT_HEADINGS[key])}:"] + body
    return "\n".join(out) + "\n"


def _structured(plan: Plan, rng: random.Random) -> dict[str, Any]:
    label = plan.label
    data: dict[str, Any] = {
        "id": label["id"],
        "title": label["title"],
        "services": list(label["services"]),
        "team": label["team"],
        "severity": _severity(plan, rng),
        "date": label["date"],
        "impact": {"summary": plan.style["impact_text"], **label["impact"]},
    }
    if plan.style.get("missing") != "timeline":
        data["timeline"] = [
            {"at": f"{at:%Y-%m-%dT%H:%M:00Z}", "event": ev} for at, ev in plan.style["timeline"]
        ]
    if plan.style["metrics"]:
        detect, mitigate, resolve = plan.style["metrics"]
        data["metrics"] = {
            "time_to_detect_minutes": detect,
            "time_to_mitigate_minutes": mitigate,
            "time_to_resolve_minutes": resolve,
        }
    data["whys"] = [dict(w) for w in label["whys"]]
    data["root_causes"] = list(label["root_causes"])
    if plan.style.get("missing") != "actions":
        data["actions"] = [
            {
                "id": a["id"],
                "title": a["title"],
                "priority": w["prio"],
                "owner": a["owner"],
                "due": a["due"],
                "status": a["status"],
            }
            for a, w in zip(label["actions"], plan.style["actions_written"], strict=True)
        ]
    data["related"] = list(label["related"])
    return data


# Strings YAML reads back as the same plain string; anything else is written double-quoted
# (a JSON string literal is a valid YAML double-quoted scalar).
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ,.;?'()/_%@+-]*")
_KEYWORDS = ("yes", "no", "true", "false", "null", "on", "off", "y", "n")


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    plain = (
        _PLAIN.fullmatch(text)
        and ": " not in text
        and " #" not in text
        and not text.endswith((":", " "))
        and text.lower() not in _KEYWORDS
    )
    return text if plain else json.dumps(text, ensure_ascii=False)


def _yaml_lines(value: dict[str, Any], pad: str) -> list[str]:
    """Block-style YAML for the nested dicts, lists and scalars of a COE record.

    Hand-written rather than ``yaml.safe_dump``: the pure-Python emitter dominated generation
    time, and libyaml is not everywhere, which would make the bytes depend on the machine.
    """
    lines: list[str] = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{pad}{key}:" if item else f"{pad}{key}: {{}}")
            lines += _yaml_lines(item, pad + "  ")
        elif isinstance(item, list):
            if not item:
                lines.append(f"{pad}{key}: []")
                continue
            lines.append(f"{pad}{key}:")
            for element in item:
                if isinstance(element, dict):
                    sub = _yaml_lines(element, pad + "  ")
                    lines.append(f"{pad}- {sub[0].lstrip()}")
                    lines += sub[1:]
                else:
                    lines.append(f"{pad}- {_yaml_scalar(element)}")
        else:
            lines.append(f"{pad}{key}: {_yaml_scalar(item)}")
    return lines
