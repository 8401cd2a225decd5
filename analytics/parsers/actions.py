"""Action items from bullets, numbered lists, checkboxes and tables.

Inline fields are read from the item text and removed from its title: an id at the start
("AI-1:", "[A1]"), a priority ("P1", "(High)", "priority: medium"), an owner ("owner: @team-x",
"(Owner: storage-team)", a bare "@handle"), a due date ("due 2025-03-01", "by March 3, 2025")
and a status ("status: in progress", "[done]", a ticked checkbox or a leading ✅).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analytics.normalize import find_date, may_start_date, normalize_priority, normalize_status
from analytics.parsers.blocks import (
    Item,
    Line,
    Table,
    clean_inline,
    column,
    find_tables,
    parse_items,
)
from analytics.parsers.invalid import value_note
from analytics.record import Action

_ID = re.compile(
    r"^\s*(?:\[(?P<b>[A-Za-z]{0,6}[-_]?\d{1,5})\]|(?P<p>[A-Z]{1,6}[-_]?\d{1,5}))\s*[:.)\-–—]?\s+"
)
_PRIORITY = re.compile(
    r"(?:\b(?:priority|prio|pri)\s*[:=-]?\s*(?P<a>p\s?[0-4]|critical|urgent|high|medium|med|"
    r"normal|low)\b|[\[(]\s*(?P<b>P[0-4]|critical|high|medium|low)(?:\s+priority)?\s*[\])]"
    r"|(?<![\w-])(?P<c>P[0-4])(?![\w-])|\b(?P<d>critical|high|medium|low)[- ]priority\b"
    r"|(?<=[(,])\s*(?P<e>critical|high|medium|low)\s*(?=[,)]))",
    re.I,
)
_OWNER = re.compile(
    r"\b(?:owners?|assignee|assigned to|who|responsible|dri)\s*[:=]\s*"
    r"(?P<o>@?[\w][\w.\-/@ ]{0,60}?)\s*(?=[,;)\]|·•]|$|\s(?:due|priority|by|status|eta)\b|\.(?:\s|$))",
    re.I,
)
_HANDLE = re.compile(r"(?<![\w/])@(?P<o>[A-Za-z0-9][\w.\-/]*[A-Za-z0-9])")
_DUE_KEY = re.compile(
    r"\b(?:due(?:\s+date)?|by|eta|deadline|target(?:\s+date)?|before)\s*[:=]?\s*", re.I
)
_STATUS = re.compile(
    r"(?:\bstatus\s*[:=]\s*(?P<a>[\w' -]{2,20}?)(?=[,;)\]|]|$|\.\s)|[\[(][\s,;]*(?P<b>done|"
    r"completed|complete|in progress|in-progress|open|todo|wip|planned|blocked|won'?t do|wont-do|"
    r"cancelled|canceled)[\s,;]*[\])])",
    re.I,
)
_EMPTY_PARENS = re.compile(r"\(\s*[,;\s]*\)|\[\s*[,;\s]*\]")
_TRAIL = re.compile(r"[\s,;:\-–—|]+$")
_LEAD = re.compile(r"^[\s,;:\-–—|]+")
_ACTION_LABEL = re.compile(
    r"^\s*(?:\*\*|__)?\s*(?:action(?:\s+item)?|todo|to do|follow[- ]?up|ai)\s*(?P<id>[-#]?\d+)?"
    r"\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(?P<rest>.+)$",
    re.I,
)
_URL_ONLY = re.compile(r"^\s*(?:<?https?://\S+>?|\[[^\]]*\]\([^)]*\))\s*$")
_HAS_DIGIT = re.compile(r"\d")
_DONE_MARK = ("✅", "✔", "☑")
_BARE_PRIORITY = re.compile(r"P[0-4]", re.I)
# "[Courier backend] Order positions by ..." (mailing-list reports name the owner first)
_LEAD_OWNER = re.compile(r"^\[(?P<o>[^\[\]\d][^\[\]]{1,60})\]\s+(?=\S)")
# "... (2024-11-08)", "(2025-11-19, done)", "(DONE 2024-10-10)": a date closing the item
_TAIL_PAREN = re.compile(r"\((?P<in>[^()]{6,80})\)\s*[.;]?\s*$")
_STATUS_WORD = re.compile(
    r"\b(?:done|completed|complete|open|in[- ]progress|ongoing|planned|blocked|shipped|released|"
    r"merged)\b",
    re.I,
)
_NO_DATE = re.compile(
    r"^(?:no (?:due )?date(?: yet)?|tbd|date tbd|not scheduled|asap|ongoing|"
    r"(?:this|next) (?:week|sprint|month|quarter))$",
    re.I,
)
# "(artifact-registry owner)": a closing parenthesis naming only a role is the owner
_ROLE = re.compile(
    r"\b(?:owner|team|lead|backend|frontend|platform|engineering|sre|em|pm|manager|on-call|infra|"
    r"ops|squad|admin|admins|dbre|qa)$",
    re.I,
)


_YEAR = re.compile(r"\d{4}|'\d{2}\b")
# Every match of _PRIORITY holds one of these words, at most an opening bracket and spaces
# after the match's start.
_PRIORITY_CUES = ("pri", "critical", "high", "medium", "low", "p0", "p1", "p2", "p3", "p4")


# Words a match of _OWNER, _DUE_KEY starts with (case aside).
_OWNER_CUES = ("owner", "assignee", "assigned to", "who", "responsible", "dri")
_DUE_CUES = ("due", "by", "eta", "deadline", "target", "before")
_EDGE_CHARS = " ,;:-–—|"


def _first_cue(body: str, cues: tuple[str, ...]) -> int | None:
    """Where the first of ``cues`` starts in ``body`` lower-cased (-1: none), or None when
    ``body`` is not ASCII: under IGNORECASE a long s matches "s" and the Kelvin sign "k", and
    ``str.lower`` may change a non-ASCII text's length."""
    if not body.isascii():
        return None
    low = body.lower()
    return min((at for cue in cues if (at := low.find(cue)) >= 0), default=-1)


def _search_from(
    pattern: re.Pattern[str], body: str, cues: tuple[str, ...], *, opened: bool = False
) -> re.Match | None:
    """``pattern.search(body)`` for a pattern whose matches start with one of ``cues`` (with
    ``opened``: or with a bracket and spaces before it), started there: an unanchored
    case-insensitive search costs a try at every character of a long item."""
    first = _first_cue(body, cues)
    if first is None:
        return pattern.search(body)
    if first < 0:
        return None
    # search(body, pos) still sees the text before pos for \b and lookbehinds
    return pattern.search(body, max(len(body[:first].rstrip()) - 1, 0) if opened else first)


def _finditer_from(
    pattern: re.Pattern[str], body: str, cues: tuple[str, ...]
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(body)`` for a pattern whose matches start with one of ``cues``."""
    first = _first_cue(body, cues)
    if first is None:
        return pattern.finditer(body)
    return pattern.finditer(body, first) if first >= 0 else iter(())


def _may_separate(body: str) -> bool:
    """``_MAY_SEPARATE.search(body)`` as plain substring tests."""
    return (
        "·" in body or "•" in body or "|" in body or " - " in body or " – " in body or " — " in body
    )


def _priority_search(body: str) -> re.Match[str] | None:
    """``_PRIORITY.search(body)``: its five branches start at a cue word, or a bracket before
    one."""
    return _search_from(_PRIORITY, body, _PRIORITY_CUES, opened=True)


def _date_in(text: str, after: str | None) -> tuple[str | None, re.Match[str] | None]:
    """``find_date`` where a date written without a year ("31 Oct") is the first such day on
    or after ``after`` (the incident date): follow-ups are due after the incident."""
    found, dm = find_date(text, int(after[:4]) if after else None)
    if (
        found
        and dm is not None
        and after
        and found < after
        and not _YEAR.search(text[dm.start() : dm.end()])
    ):
        bumped = f"{int(found[:4]) + 1}{found[4:]}"
        found = bumped if bumped[5:] != "02-29" else found
    return found, dm


def _cut(text: str, span: tuple[int, int]) -> str:
    return text[: span[0]] + " " + text[span[1] :]


def _status_search(body: str) -> re.Match[str] | None:
    """``_STATUS.search(body)`` where ``body`` holds a bracket or "status", started at the first
    of them: a match starts at one (in ASCII text: under IGNORECASE a long s matches "s", and
    ``str.lower`` may change a non-ASCII text's length)."""
    low = body.lower()
    if not body.isascii():
        return _STATUS.search(body) if "(" in body or "[" in body or "status" in low else None
    starts = [at for at in (body.find("("), body.find("["), low.find("status")) if at >= 0]
    return _STATUS.search(body, min(starts)) if starts else None


_TICKET = re.compile(r"^[A-Z][A-Z0-9]{1,9}(?:-[A-Z0-9]+)*-\d{1,7}$")


def _tail_fields(
    inner: str, after: str | None = None
) -> tuple[str | None, str | None, str | None, str | None] | None:
    """``(owner, due, status, ticket)`` from a closing parenthesis such as "(Pricing backend,
    PRICE-4561, 2026-07-17)", "(2025-11-19, done)" or "(DONE 2024-10-10)"; None when it
    holds anything else (an explanation in brackets stays in the title).

    >>> _tail_fields("Pricing backend, PRICE-4561, 2026-07-17")
    ('Pricing backend', '2026-07-17', None, 'PRICE-4561')
    >>> _tail_fields("30-day lifetime, renew at day 20") is None
    True
    """
    owner = due = status = ticket = None
    no_date = False
    for part in (p.strip() for p in re.split(r"[,;]", inner)):
        if not part:
            continue
        found, dm = _date_in(part, after) if _HAS_DIGIT.search(part) else (None, None)
        if found and dm is not None:
            rest = (part[: dm.start()] + part[dm.end() :]).strip()
            word = _STATUS_WORD.fullmatch(rest) if rest else None
            # "first run 2026-08-30", "shipped 2025-06-06": a short note before the date
            if rest and word is None and (len(rest.split()) > 3 or _HAS_DIGIT.search(rest)):
                return None
            due = found
            status = normalize_status(word.group(0)) if word else status
        elif _TICKET.match(part):
            ticket = part
        elif _STATUS_WORD.fullmatch(part):
            status = normalize_status(part)
        elif _NO_DATE.match(part):
            no_date = True
        elif (
            owner is None
            and len(part.split()) <= 6
            and part[0].isalpha()
            and not _HAS_DIGIT.search(part)
        ):
            owner = part
        else:
            return None
    if due is None and ticket is None and not no_date and not (owner and _ROLE.search(owner)):
        return None  # "(Pricing backend)" alone may be a note; keep it in the title
    return owner, due, status, ticket


# "Title · P0 · Payments Core · due 2025-05-16 · Done", "Title - Owner - due 2025-06-13 - Done"
_SEP = re.compile(r"\s+(?:·|•|\|)\s+|\s+[-–—]\s+")
_PRIORITY_PART = re.compile(
    r"^(?:(?:priority|prio|pri)\s*[:=]?\s*)?(?:p\s?[0-4]|critical|urgent|high|medium|low)"
    r"(?:\s+priority)?$",
    re.I,
)
_AFTER_PAREN = re.compile(r"\)\s*(?:[—–]|\s-)\s+(?P<note>[^()]{1,100})$")
_STATUS_KEY = re.compile(r"^status\s*[:=]\s*", re.I)
_MAY_SEPARATE = re.compile(r"[·•|]| [-–—] ")
_OWNER_PART = re.compile(r"^(?:owners?|assignee|assigned to|dri)\s*[:=]\s*(?P<o>.+)$", re.I)


def _separated_fields(body: str, after: str | None = None) -> tuple[str, dict[str, str]] | None:
    """``(title, fields)`` of an item whose fields follow its title between separators, read
    from the end; None unless a due date, status or priority is among them (a dash inside a
    title is mostly just a dash).

    >>> _separated_fields("Lint fare code - Pricing backend lead - due 2025-07-11 - Done")
    ('Lint fare code', {'status': 'done', 'due': '2025-07-11', 'owner': 'Pricing backend lead'})
    >>> _separated_fields("Fix the retry loop - it hammers the database") is None
    True
    """
    seps = list(_SEP.finditer(body))
    if not seps:
        return None
    bounds = [0] + [x for m in seps for x in m.span()] + [len(body)]
    parts = [body[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2)]
    fields: dict[str, str] = {}
    keep = len(parts)
    while keep > 1:
        part = clean_inline(parts[keep - 1]).strip(" .;,")
        low = part.lower()
        found, dm = _date_in(part, after) if _HAS_DIGIT.search(part) else (None, None)
        if found and dm is not None and "due" not in fields:
            rest = (part[: dm.start()] + part[dm.end() :]).strip(" :").lower()
            if rest not in ("", "due", "by", "due by", "due date", "eta", "target", "deadline"):
                break
            fields["due"] = found
        elif "status" not in fields and _STATUS_WORD.fullmatch(_STATUS_KEY.sub("", part)):
            fields["status"] = normalize_status(_STATUS_KEY.sub("", part)) or part
        elif "priority" not in fields and _PRIORITY_PART.match(part):
            fields["priority"] = normalize_priority(re.sub(r"(?i)priority|prio|pri|[:=]", "", part))
        elif "id" not in fields and _TICKET.match(part):
            fields["id"] = part
        elif "owner" not in fields and (m := _OWNER_PART.match(part)):
            fields["owner"] = m.group("o").strip()
        elif (
            "owner" not in fields
            and part[:1].isalpha()
            and len(part.split()) <= 5
            and not _HAS_DIGIT.search(part)
            and low not in ("open", "todo")
        ):
            fields["owner"] = part
        else:
            break
        keep -= 1
    if not fields.keys() & {"due", "status", "priority"}:
        return None
    title = body[: bounds[2 * keep - 1]] if keep < len(parts) else body
    return title, {k: v for k, v in fields.items() if v}


def action_from_text(
    text: str,
    checked: bool | None = None,
    default_status: str | None = None,
    incident_date: str | None = None,
) -> Action:
    """An :class:`Action` from one item's text, with inline fields read and removed.

    ``incident_date`` gives the year of a due date written without one.

    Examples
    --------
    >>> a = action_from_text("AI-1: Add a canary stage (owner: @deploy-team, P1, due 2025-03-01)")
    >>> a.id, a.title, a.owner, a.priority, a.due
    ('AI-1', 'Add a canary stage', '@deploy-team', 'P1', '2025-03-01')
    """
    raw = text.strip()
    status = None
    if raw.startswith(_DONE_MARK):
        status = "done"
    body = clean_inline(raw)
    ident = None
    m = _ID.match(body)
    if m and not _BARE_PRIORITY.fullmatch(m.group("b") or m.group("p") or ""):
        ident = m.group("b") or m.group("p")
        body = body[m.end() :]

    owner = None
    body = _LEAD.sub("", body.lstrip(" ·•")) if ident else body  # "PAY-2201 · Publish ..."
    sep_fields: dict[str, str] = {}
    split = _separated_fields(body, incident_date) if _may_separate(body) else None
    if split is not None:
        body, sep_fields = split
        owner = sep_fields.get("owner")
        ident = ident or sep_fields.get("id")
    m = _LEAD_OWNER.match(body) if body.startswith("[") and owner is None else None
    if (
        m
        and normalize_status(m.group("o")) == m.group("o")
        and not normalize_priority(m.group("o"))
    ):
        owner = m.group("o").strip()
        body = body[m.end() :]
    # each pattern needs a character the cheap ``in`` tests look for; most items have none
    m = (
        _search_from(_OWNER, body, _OWNER_CUES)
        if owner is None and (":" in body or "=" in body)
        else None
    )
    if m:
        owner = m.group("o").strip() or None
        body = _cut(body, m.span())
    else:
        at = body.find("@")
        m = _HANDLE.search(body, at) if at >= 0 else None  # a match starts at its "@"
        if m:
            owner = "@" + m.group("o")
            body = _cut(body, m.span())

    priority = None
    m = _priority_search(body)
    if m:
        priority = normalize_priority(
            m.group("a") or m.group("b") or m.group("c") or m.group("d") or m.group("e")
        )
        if priority:
            body = _cut(body, m.span())

    due = None
    for km in _finditer_from(_DUE_KEY, body, _DUE_CUES) if _HAS_DIGIT.search(body) else ():
        after = body[km.end() : km.end() + 40]
        if not may_start_date(after):  # "by" is mostly just a word
            continue
        found, dm = _date_in(after, incident_date)
        if dm is not None and dm.start() == 0:
            due = found
            body = _cut(body, (km.start(), km.end() + dm.end()))
            break

    # "(invoice-service backend, 31 Oct) — done, ran fine on the 27 Oct batch"
    dash = _AFTER_PAREN.search(body) if ")" in body else None
    after_note = None
    if dash is not None:
        after_note = dash.group("note").strip(" .")
        body = body[: dash.start() + 1]
    if body.endswith((")", ").", ");")):
        m = _TAIL_PAREN.search(body)
        fields = _tail_fields(m.group("in"), incident_date) if m else None
        if fields is not None:
            t_owner, t_due, t_status, t_id = fields
            owner = owner or t_owner
            due = due or t_due
            status = status or t_status
            ident = ident or t_id
            body = body[: m.start()]
            if after_note:
                word = _STATUS_WORD.match(after_note)
                status = status or (normalize_status(word.group(0)) if word else after_note)
            after_note = None
    if after_note:  # not a field parenthesis: the note stays in the title
        body = f"{body} — {after_note}"
    m = _status_search(body)
    if m:
        status = normalize_status(m.group("a") or m.group("b"))
        body = _cut(body, m.span())
    priority = priority or sep_fields.get("priority")
    due = due or sep_fields.get("due")
    status = status or sep_fields.get("status")
    if status is None and checked is not None:
        status = "done" if checked else "open"
    if status is None:
        status = default_status

    title = _EMPTY_PARENS.sub(" ", body) if "(" in body or "[" in body else body
    # str.split() splits on the same whitespace as \s+ and is much cheaper than re.sub
    title = " ".join(title.split())
    # after the join the only whitespace left is " ", so stripping these is _TRAIL and _LEAD
    title = title.rstrip(_EDGE_CHARS).lstrip(_EDGE_CHARS).strip()
    return Action(id=ident, title=title, priority=priority, owner=owner, due=due, status=status)


_TITLE_COLS = (
    "action",
    "action item",
    "action items",
    "item",
    "task",
    "description",
    "title",
    "what",
    "follow up",
    "follow-up",
    "remediation",
    "summary",
    "name",
    "todo",
)
_OWNER_COLS = ("owner", "owners", "assignee", "assigned to", "who", "responsible", "team", "dri")
_PRIORITY_COLS = ("priority", "pri", "prio", "p", "severity")
_DUE_COLS = ("due", "due date", "eta", "deadline", "target", "target date", "by", "when", "date")
_STATUS_COLS = ("status", "state", "done", "progress")
_ID_COLS = ("id", "ticket", "#", "key", "ref", "issue", "jira", "no")


def _table_actions(table: Table, default_status: str | None, warnings: list[str]) -> list[Action]:
    h = table.headers
    title_col = column(h, _TITLE_COLS)
    if title_col is None:
        warnings.append(
            f"line {table.no}: action table has no Action/Item/Task column, kept in raw text only"
        )
        return []
    cols = {
        "owner": column(h, _OWNER_COLS),
        "priority": column(h, _PRIORITY_COLS),
        "due": column(h, _DUE_COLS),
        "status": column(h, _STATUS_COLS),
        "id": column(h, _ID_COLS),
    }
    out = []
    for no, cells in table.rows:

        def cell(key: str, cells: tuple[str, ...] = cells) -> str:
            i = cols[key]
            return clean_inline(cells[i]) if i is not None and i < len(cells) else ""

        text = cells[title_col] if title_col < len(cells) else ""
        if not clean_inline(text):
            continue
        base = action_from_text(text, default_status=default_status)
        due = None
        if cell("due"):
            due = find_date(cell("due"))[0]
            if due is None:
                warnings.append(value_note(f"line {no}: ", "due date", cell("due")))
        status = cell("status")
        out.append(
            Action(
                id=cell("id").lstrip("#") or base.id,
                title=base.title,
                priority=normalize_priority(cell("priority")) or base.priority,
                owner=cell("owner") or base.owner,
                due=due or base.due,
                status=(normalize_status(status) if status else None) or base.status,
            )
        )
    return out


_INTENT = re.compile(
    r"\b(?:will|wants? to|plans? to|planning to|(?:is|are) going to|intends? to|needs? to|"
    r"agreed to|(?:is|are) (?:looking|going) (?:at|to))\b",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!])\s+(?=[A-Z])")


def _follow_up_sentence(paragraph: str) -> str | None:
    """The first sentence of a paragraph when it says someone will do something."""
    first = _SENTENCE_END.split(" ".join(paragraph.split()), maxsplit=1)[0]
    if first.endswith(":") or first.endswith("?") or len(first) > 300:
        return None
    return first if _INTENT.search(first) else None


_FIELD_LINE = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\*\*|__)?(?:owners?|assignee|due(?: date)?|status|priority|eta)\b"
    r"(?:\*\*|__)?\s*:",
    re.I,
)


def _title_text(item: Item) -> str:
    first, _, more = item.text.partition("\n")
    stripped = first.strip()
    # a bold title line followed by explanation: the title is the bold line
    if more and (
        (stripped.startswith(("**", "__")) and stripped.endswith(("**", "__", "**:", "__:")))
        or stripped.endswith(":")
    ):
        # the explanation is dropped, not an "Owner: X · Due: D" line under the title
        fields = [ln.strip() for ln in more.split("\n") if _FIELD_LINE.match(ln)]
        return " ".join([stripped, *fields])
    return item.text.replace("\n", " ")


def parse_actions(
    lines: list[Line],
    warnings: list[str],
    default_status: str | None = None,
    incident_date: str | None = None,
) -> list[Action]:
    """Actions from an action section's lines (lists, checkboxes, tables, labelled lines)."""
    tables, rest = find_tables(lines)
    actions: list[Action] = []
    line_nos: list[int] = []
    roots, paragraphs = parse_items(rest)

    def visit(items: list[Item], owner_item: Item | None) -> None:
        detail_of: Item | None = None
        for item in items:
            # a list introduced by a line ending in ":" inside an action is its detail
            if detail_of is not None and item.ordered == detail_of.ordered:
                detail_of = None
            if detail_of is not None:
                continue
            text = _title_text(item)
            if not clean_inline(text) or _URL_ONLY.match(text):
                continue
            action = action_from_text(text, item.checked, default_status, incident_date)
            if action.title:
                actions.append(action)
                line_nos.append(item.no)
            if item.text.rstrip().endswith(":") and "\n" in item.text:
                detail_of = item
            if item.children:
                visit(item.children, item)

    visit(roots, None)
    # tables go where they stand in the section, before the first list item below them
    for table in reversed(tables):
        at = next((k for k, no in enumerate(line_nos) if no > table.no), len(actions))
        actions[at:at] = _table_actions(table, default_status, warnings)
    for para in paragraphs:
        for offset, raw in enumerate(para.text.split("\n")):
            m = _ACTION_LABEL.match(raw)
            if m:
                action = action_from_text(m.group("rest"), None, default_status, incident_date)
                if m.group("id") and action.id is None:
                    action = Action(
                        id=m.group("id").lstrip("-#"),
                        title=action.title,
                        priority=action.priority,
                        owner=action.owner,
                        due=action.due,
                        status=action.status,
                    )
                actions.append(action)
            elif offset == 0 and (sentence := _follow_up_sentence(para.text)):
                # "Platform Config want to look at showing units for every key.": a follow-up
                # written as prose
                actions.append(action_from_text(sentence, None, default_status, incident_date))
            elif offset == 0 and not raw.rstrip().rstrip("*_").endswith(":"):
                warnings.append(
                    f"line {para.no}: paragraph in Action items section is not an action item, "
                    "kept in raw text only"
                )
    return actions
