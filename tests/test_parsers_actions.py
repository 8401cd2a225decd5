from __future__ import annotations

from analytics.parsers import parse_text
from analytics.parsers.actions import action_from_text
from analytics.record import Action


def actions(body: str):
    return parse_text("# T\n\n## Action Items\n\n" + body, "doc.md")[0]


def test_inline_fields_read_and_removed_from_title():
    a = action_from_text("AI-1: Add a canary stage (owner: @deploy-team, P1, due 2025-03-01)")
    assert a == Action("AI-1", "Add a canary stage", "P1", "@deploy-team", "2025-03-01", None)


def test_bracket_id_and_owner_in_parentheses():
    a = action_from_text("[A1] Rotate keys (Owner: storage-team)")
    assert (a.id, a.title, a.owner) == ("A1", "Rotate keys", "storage-team")


def test_priority_word_in_brackets():
    assert action_from_text("Add alarm [High]").priority == "P1"


def test_bare_priority_word_in_field_list():
    a = action_from_text("Add alarm (owner: sre, Medium, due 2025-01-02)")
    assert (a.title, a.priority, a.owner) == ("Add alarm", "P2", "sre")


def test_priority_key_value():
    assert action_from_text("Add alarm, priority: medium").priority == "P2"


def test_due_written_date():
    assert action_from_text("Add alarm by March 30, 2025").due == "2025-03-30"


def test_bare_handle_is_owner():
    assert action_from_text("Add alarm @sre-team").owner == "@sre-team"


def test_status_key_value():
    assert action_from_text("Add alarm (status: in progress)").status == "in-progress"


def test_leading_check_mark_is_done():
    assert action_from_text("✅ Reverted the change").status == "done"


def test_checkbox_states():
    coe = actions("- [x] Done thing\n- [ ] Open thing\n")
    assert [(a.title, a.status) for a in coe.actions] == [
        ("Done thing", "done"),
        ("Open thing", "open"),
    ]


def test_numbered_list_items():
    coe = actions("1. First\n2. Second\n")
    assert [a.title for a in coe.actions] == ["First", "Second"]


def test_nested_bullets_are_separate_actions():
    coe = actions("- Improve probes\n    - Create dashboard\n")
    assert [a.title for a in coe.actions] == ["Improve probes", "Create dashboard"]


def test_bold_title_line_with_explanation_uses_title():
    coe = actions(
        "1. **Deeper monitoring**\nWe plan to add metrics around:\n\n- TOAST size\n\n2. **Runbooks**\n"
    )
    assert [a.title for a in coe.actions] == ["Deeper monitoring", "Runbooks"]


def test_table_with_alternative_headers():
    coe = actions(
        "| Ticket | Task | Assignee | Pri | ETA | State |\n"
        "|---|---|---|---|---|---|\n"
        "| OPS-12 | Add alarm | @sre | High | 3 Mar 2025 | Done |\n"
    )
    assert coe.actions == (Action("OPS-12", "Add alarm", "P1", "@sre", "2025-03-03", "done"),)


def test_table_without_action_column_is_warned():
    coe = actions("| Owner | Due |\n|---|---|\n| sre | 2025-01-01 |\n")
    assert coe.warnings == (
        "line 5: action table has no Action/Item/Task column, kept in raw text only",
    )


def test_labelled_action_paragraph():
    coe = actions("We did things.\n\n**Action item:** Declare incidents earlier. Owner: @lucas\n")
    assert [(a.title, a.owner) for a in coe.actions] == [("Declare incidents earlier.", "@lucas")]


def test_prose_paragraph_in_actions_is_warned():
    coe = actions("We reverted the change and all was well.\n")
    assert coe.warnings == (
        "line 5: paragraph in Action items section is not an action item, kept in raw text only",
    )


def test_url_only_items_are_not_actions():
    coe = actions("- Add tests\n    - https://github.com/x/y/pull/1\n")
    assert [a.title for a in coe.actions] == ["Add tests"]


def test_priority_and_status_searches_find_what_the_whole_patterns_find():
    # the searches start past text that cannot begin a match; they must find the same match
    import random

    from analytics.parsers import actions as A

    def same(x, y):
        return (x is None and y is None) or (
            x and y and (x.span(), x.groups()) == (y.span(), y.groups())
        )

    rng = random.Random(7)
    words = [
        *"abdehilmoprstuw ()[],;:=.'-PSD",
        "pri",
        "high",
        "low",
        "p1",
        "P 2",
        "critical",
        "medium",
        "priority",
        "status: ",
        "done",
        "(done)",
        "[ in progress ]",
        "wip",
        "ſ",
        "İ",
    ]
    found = 0
    for _ in range(20000):
        body = "".join(rng.choice(words) for _ in range(rng.randint(0, 18)))
        assert same(A._priority_search(body), A._PRIORITY.search(body)), body
        gate = "(" in body or "[" in body or "status" in body.lower()
        assert same(A._status_search(body), A._STATUS.search(body) if gate else None), body
        found += A._PRIORITY.search(body) is not None
    assert found > 300


def test_owner_handle_due_and_edge_shortcuts_match_the_patterns():
    # started at a cue word, or written as substring tests, they must find what the patterns do
    import random

    from analytics.parsers import actions as A

    def spans(ms):
        return [(m.span(), m.groups()) for m in ms]

    rng = random.Random(11)
    words = [
        *"abdehiortuwy ()[],;:=.@-|·—/",
        "owner",
        "Owners",
        "assigned to",
        "who",
        "dri",
        "due",
        "By",
        "eta",
        "deadline",
        "target date",
        "before",
        " - ",
        " — ",
        "@team",
        "2025-01-02",
        "ſ",
        "K",
    ]
    for _ in range(20000):
        body = "".join(rng.choice(words) for _ in range(rng.randint(0, 16)))
        got = A._search_from(A._OWNER, body, A._OWNER_CUES)
        assert spans([got] if got else []) == spans([m for m in [A._OWNER.search(body)] if m])
        assert spans(A._finditer_from(A._DUE_KEY, body, A._DUE_CUES)) == spans(
            A._DUE_KEY.finditer(body)
        )
        assert A._may_separate(body) == (A._MAY_SEPARATE.search(body) is not None)
        title = " ".join(body.split())
        assert title.rstrip(A._EDGE_CHARS).lstrip(A._EDGE_CHARS) == A._LEAD.sub(
            "", A._TRAIL.sub("", title)
        )
