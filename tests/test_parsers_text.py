from __future__ import annotations

from analytics.parsers import parse_text

DOC = """\
ID: COE-2024-0009
TITLE: Session store drained by maintenance command
SERVICES: session-store
SEVERITY: SEV3
DATE: July 15, 2024

SUMMARY:
The session store was degraded for 60 minutes.

TIMELINE:
2024-07-15 20:10 UTC - errors begin
20:30 UTC - customer report

METRICS:
Time to detect: 20 minutes

5 WHYS:
Why 1: A failover step ran against production.
Why 2: The tool accepted a hand-typed cluster name.

Root cause: The procedure has no automated pre-checks.

FOLLOW-UPS:
- Add a dry-run mode (owner: identity-team, P2, due 2024-10-29)
"""


def coe():
    return parse_text(DOC, "doc.txt")[0]


def test_text_metadata_lines():
    c = coe()
    assert (c.id, c.title, c.services, c.severity, c.date) == (
        "COE-2024-0009",
        "Session store drained by maintenance command",
        ("session-store",),
        "Sev3",
        "2024-07-15",
    )


def test_text_label_opens_why_section_even_with_leading_digit():
    assert [(w.id, w.parent) for w in coe().whys] == [("1", None), ("2", "1")]


def test_text_label_with_inline_content_is_section_text():
    assert coe().root_causes == ("The procedure has no automated pre-checks.",)


def test_text_metric_label_with_value_stays_a_metric():
    assert coe().metrics.time_to_detect_minutes == 20.0


def test_text_timeline_time_only_line_uses_previous_date():
    assert [e.at for e in coe().timeline] == ["2024-07-15T20:10Z", "2024-07-15T20:30Z"]


def test_text_actions_with_inline_fields():
    a = coe().actions[0]
    assert (a.title, a.owner, a.priority, a.due) == (
        "Add a dry-run mode",
        "identity-team",
        "P2",
        "2024-10-29",
    )


def test_text_format_recorded():
    assert coe().source.format == "text"


def test_text_first_line_is_title_when_not_metadata():
    c = parse_text("Queue backlog in billing\n\nROOT CAUSE:\nNo size limit.\n", "b.txt")[0]
    assert c.title == "Queue backlog in billing"


def test_a_plain_text_draft_with_why_lines_and_no_whys_heading():
    # What a bar raiser pastes: a summary label and two "Why N:" lines, no section headings.
    from analytics.parsers import parse_text

    text = (
        "Summary: checkout errors after a config push.\n"
        "Why 1: the config had a typo.\n"
        "Why 2: config changes are not validated before rollout.\n"
    )
    [coe] = parse_text(text, path="draft.txt")
    # Pasted with no file name, its "Key: value" lines must not make it YAML.
    [pasted] = parse_text(text)
    assert pasted.source.format == "text" and pasted.whys == coe.whys
    # The same lines under a Markdown title.
    [markdown] = parse_text("# Checkout errors\n\n" + text)
    assert markdown.title == "Checkout errors" and markdown.whys == coe.whys
    assert [w.answer for w in coe.whys] == [
        "the config had a typo.",
        "config changes are not validated before rollout.",
    ]
    assert coe.title == "checkout errors after a config push."
    assert coe.impact.summary == "checkout errors after a config push."


def test_why_lines_inside_another_section_stay_its_text():
    from analytics.parsers import parse_text

    text = (
        "# Checkout errors\n\n## Timeline\n- 10:02 alerts fire\nWhy 1: pool exhausted\n"
        "- 10:20 rolled back\n\n## Impact\nWhy 2.0 broke checkout for 3% of users.\n"
    )
    [coe] = parse_text(text)
    assert coe.whys == ()
    assert [e.event for e in coe.timeline][-1].endswith("rolled back")


def test_a_summary_label_on_its_own_line_still_gives_the_title():
    from analytics.parsers import parse_text

    [coe] = parse_text("Summary:\n\nCheckout failed after a push. More text.\nWhy 1: a typo.\n")
    assert coe.title == "Checkout failed after a push."
