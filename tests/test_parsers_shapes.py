"""Shapes real teams write: tracker CSV rows, separated action fields, why chains with
question/answer bullets and branch numbering, prose write-ups without headings."""

from __future__ import annotations

import pytest

from analytics.parsers import parse_text
from analytics.record import why_depths

TRACKER = (
    "COE ID,Title,Why 1,Why 2,Why 3,Why 4,Root Cause,Action Items\n"
    'COE-2024-031,ETAs unavailable,"Why no ETA? The vendor answered 429.",'
    '"Why 429? We went over the contract ceiling.","Why over? Volume grew 45%.",,'
    "Call rate grew past the ceiling.,"
    '"1) Raise the ceiling (owner: Courier EM; due 2024-06-14; DONE)\n'
    '2) Cache ETAs for 30s; coalesce requests (owner: Courier backend; due 2024-06-28)"\n'
    "COE-2025-044,Surcharge in the wrong zone,Why 06:30? Local time was 05:30.,"
    "Why 05:30? The region's zone was used.,,,Region zone used.,"
    '"Use city.tz in fare rules - Pricing backend lead - due 2025-06-13 - Done; '
    'Lint: forbid region.tz - Pricing QA - due 2025-07-11"\n'
)


def test_tracker_csv_why_columns_are_the_chain_and_a_cell_holds_several_actions():
    first, second = parse_text(TRACKER, "tracker.csv")
    assert max(why_depths(first.whys).values()) == 3
    assert first.whys[1].question == "Why 429?"
    assert first.whys[1].answer == "We went over the contract ceiling."
    assert [(a.title, a.owner, a.due, a.status) for a in first.actions] == [
        ("Raise the ceiling", "Courier EM", "2024-06-14", "done"),
        ("Cache ETAs for 30s; coalesce requests", "Courier backend", "2024-06-28", None),
    ]
    assert max(why_depths(second.whys).values()) == 2
    assert [(a.title, a.owner, a.due, a.status) for a in second.actions] == [
        ("Use city.tz in fare rules", "Pricing backend lead", "2025-06-13", "done"),
        ("Lint: forbid region.tz", "Pricing QA", "2025-07-11", None),
    ]
    assert not any("not recognised" in w for w in first.warnings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "PAY-2201 · Publish pool metrics · P0 · Payments Core · due 2025-05-16 · Done",
            ("PAY-2201", "Publish pool metrics", "P0", "Payments Core", "2025-05-16", "done"),
        ),
        (
            "Rotate the key | Security | 2025-01-31",
            (None, "Rotate the key", None, "Security", "2025-01-31", None),
        ),
        # a dash inside a title, with no due date, status or priority after it, is a dash
        (
            "Fix the retry loop - it hammers the database",
            (None, "Fix the retry loop - it hammers the database", None, None, None, None),
        ),
    ],
)
def test_action_fields_between_separators(text, expected):
    from analytics.parsers.actions import action_from_text

    a = action_from_text(text)
    assert (a.id, a.title, a.priority, a.owner, a.due, a.status) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a long closing parenthesis, a note before the date
        (
            "Sweep credentials (IAM-2711, Identity & Access platform, shipped 2025-06-06)",
            ("IAM-2711", "Identity & Access platform", "2025-06-06", "done"),
        ),
        # a year-less date is the first such day after the incident; a status after a dash
        (
            "Respect Retry-After (invoice-service backend, 31 Oct) — done, ran fine",
            (None, "invoice-service backend", "2025-10-31", "done"),
        ),
        ("Rotate keys (security team, 15 Jan)", (None, "security team", "2026-01-15", None)),
        # an owner with no date yet, or a relative one; a role alone
        (
            "Keep the script (Developer Productivity, no date yet)",
            (None, "Developer Productivity", None, None),
        ),
        ("Remind the team (Data Platform EM, this week)", (None, "Data Platform EM", None, None)),
        (
            "Rewrite the runbook (artifact-registry owner)",
            (None, "artifact-registry owner", None, None),
        ),
    ],
)
def test_action_closing_parenthesis_forms(text, expected):
    from analytics.parsers.actions import action_from_text

    a = action_from_text(text, incident_date="2025-10-20")
    assert (a.id, a.owner, a.due, a.status) == expected
    assert "(" not in a.title


def test_bold_action_title_keeps_its_owner_line():
    text = (
        "# Throttling\n\n## Action Items\n\n"
        "1. **Move payments-vault into its own AWS account.**\n"
        "   Owner: Payments Platform · Due: 2026-06-30 · Priority: P2 · Status: Open\n"
        "2. **Design review template asks about limits.**\n"
        "   It should also ask by how much.\n"
    )
    (coe,) = parse_text(text, "x.md")
    first, second = coe.actions
    assert (first.title, first.owner, first.due, first.priority, first.status) == (
        "Move payments-vault into its own AWS account.",
        "Payments Platform",
        "2026-06-30",
        "P2",
        "open",
    )
    assert (second.title, second.owner) == ("Design review template asks about limits.", None)


def _chain(text: str) -> list[tuple[str, str | None, str]]:
    (coe,) = parse_text(text, "w.md")
    return [(w.id, w.parent, w.answer) for w in coe.whys]


def test_why_question_bullet_answered_on_the_next_bullet_counts_once():
    text = (
        "# T\n\n## Five Whys\n\n- Why did checkout fail?\n- The pool was exhausted.\n"
        "- Why was it exhausted?\n- Retries held connections.\n"
    )
    assert _chain(text) == [
        ("1", None, "The pool was exhausted."),
        ("2", "1", "Retries held connections."),
    ]


def test_branch_numbering_inside_bullets_and_branch_labels():
    text = (
        "# T\n\n## Five Whys\n\n1. Why? Pods died.\n2. Why? The heap grew.\n"
        "   - 3a. Why not caught? Short load test.\n   - 4a. Why short? Soak stage removed.\n"
        "   - 3b. Why unseen? Warnings on stderr.\n"
    )
    assert [(i, p) for i, p, _ in _chain(text)] == [
        ("1", None),
        ("2", "1"),
        ("3a", "2"),
        ("4a", "3a"),
        ("3b", "2"),
    ]
    labelled = (
        "# T\n\n## Five Whys\n\n- **Why 1: Why?** A.\n  - **Branch A**\n"
        "    - **Why 2: Why?** B.\n      - **Why 3: Why?** C.\n  - **Branch B**\n"
        "    - **Why 2: Why?** D.\n"
    )
    chain = _chain(labelled)
    assert [a for _, _, a in chain] == ["A.", "B.", "C.", "D."]
    assert [p for _, p, _ in chain] == [None, "1", "2", "1"]


def test_whys_asked_in_running_prose():
    text = (
        "# T\n\n## Why did this happen?\n\n"
        "We asked why the loader dropped events: it could not read them. We asked why it "
        "could not: the collector shipped first. And we asked why the collector went first: "
        "the release order was wrong.\n\n"
        "Separately, we asked why the bad value was accepted. The schema has no bounds.\n"
    )
    (coe,) = parse_text(text, "w.md")
    assert [(w.question, w.parent) for w in coe.whys] == [
        ("Why the loader dropped events?", None),
        ("Why it could not?", "1"),
        ("Why the collector went first?", "2"),
        ("Why the bad value was accepted?", None),
    ]
    assert max(why_depths(coe.whys).values()) == 3
    # a cause section written as prose keeps its paragraphs as the stated cause
    assert any("release order was wrong" in r for r in coe.root_causes)


def test_cause_heading_naming_contributing_factors_too_is_the_root_cause():
    from analytics.parsers.sections import ROOT_CAUSE, classify_heading

    assert classify_heading("Root Causes and Contributing Factors") == ROOT_CAUSE


def test_follow_up_written_as_a_paragraph_is_an_action():
    text = (
        "# T\n\n## Follow-ups not yet scheduled\n\n"
        "Platform Config want to look at showing units for every key. No owner yet.\n\n"
        "A note on the marketplaces: relisting took three hours.\n"
    )
    (coe,) = parse_text(text, "f.md")
    assert [a.title for a in coe.actions] == [
        "Platform Config want to look at showing units for every key."
    ]


PROSE = (
    "# Flags down on 28 Feb\n\n"
    "Our database stalled at 14:02 and every client retried at once. They piled up because "
    "the retry had no backoff.\n\n"
    "We found that the failover health check only tested the TCP port, so traffic was never "
    "moved. The dashboards were green because of this.\n\n"
    "## Timeline\n\n- 14:02 database stalls because of a vacuum\n"
)


def test_cause_stated_in_prose_is_the_root_cause_and_says_so(tmp_path):
    from analytics.record import COE
    from analytics.store import load_coe, open_store, put_document

    (coe,) = parse_text(PROSE, "flags.md")
    # the strongest statement only: "we found that" beats every "because"; a timeline
    # line is an event, not a statement
    assert coe.root_causes == (
        "We found that the failover health check only tested the TCP port, so traffic was "
        "never moved.",
    )
    assert coe.provenance == {"root_causes": "prose"}
    assert COE.from_dict(coe.to_dict()) == coe
    conn = open_store(tmp_path / "s.db")
    put_document(conn, "flags.md", coe.source.sha256, "md", PROSE.encode(), [coe])
    conn.commit()
    assert load_coe(conn, coe.id).provenance == {"root_causes": "prose"}


def test_cause_section_wins_over_prose():
    (coe,) = parse_text(PROSE + "\n## Root cause\n\nNo backoff in the flag client.\n", "f.md")
    assert coe.root_causes == ("No backoff in the flag client.",)
    assert coe.provenance == {}
