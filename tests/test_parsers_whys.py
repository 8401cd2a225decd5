from __future__ import annotations

import textwrap

from analytics.parsers import parse_text
from analytics.record import Why


def whys(body: str):
    coe = parse_text("# T\n\n## 5 Whys\n\n" + textwrap.dedent(body), "doc.md")[0]
    return coe


def test_numbered_list_is_linear_chain():
    coe = whys(
        "1. Why did checkout fail? Because the DB pool was exhausted.\n"
        "2. Why was the pool exhausted? Because retries multiplied.\n"
    )
    assert coe.whys == (
        Why("1", None, "Why did checkout fail?", "the DB pool was exhausted."),
        Why("2", "1", "Why was the pool exhausted?", "retries multiplied."),
    )


def test_answer_on_following_line():
    coe = whys("1. Why did checkout fail?\n   Because the pool was exhausted.\n")
    assert coe.whys[0].answer == "the pool was exhausted."


def test_q_a_pairs():
    coe = whys("Q: Why did it fail?\nA: The pool was exhausted.\nQ: Why?\nA: No backoff.\n")
    assert [(w.id, w.parent, w.answer) for w in coe.whys] == [
        ("1", None, "The pool was exhausted."),
        ("2", "1", "No backoff."),
    ]


def test_why_label_lines_with_answer_on_next_line():
    coe = whys("**Why 1?**\nThe deploy failed.\n\n**Why 2?**\nNo canary.\n")
    assert [(w.id, w.parent, w.answer) for w in coe.whys] == [
        ("1", None, "The deploy failed."),
        ("2", "1", "No canary."),
    ]


def test_why_label_with_question_and_answer_same_line():
    coe = whys("Why 1: Why did it fail? Disk full.\n")
    assert coe.whys == (Why("1", None, "Why did it fail?", "Disk full."),)


def test_arrow_chain():
    coe = whys("Checkout failed -> pool exhausted → retries multiplied\n")
    assert [(w.id, w.parent, w.answer) for w in coe.whys] == [
        ("1", None, "Checkout failed"),
        ("2", "1", "pool exhausted"),
        ("3", "2", "retries multiplied"),
    ]


def test_table_of_whys():
    coe = whys(
        "| # | Why | Because |\n|---|---|---|\n| 1 | Why down? | Disk full |\n"
        "| 2 | Why full? | No alert |\n"
    )
    assert [(w.id, w.parent, w.question, w.answer) for w in coe.whys] == [
        ("1", None, "Why down?", "Disk full"),
        ("2", "1", "Why full?", "No alert"),
    ]


def test_explicit_branch_ids_share_parent():
    coe = whys(
        "Why 1: Why down? Pool exhausted.\nWhy 2: Why exhausted? Retries.\n"
        "Why 3a: Why retries? No backoff.\nWhy 3b: Why not caught? No load test.\n"
        "Why 4: Why no load test? Checklist lacks it.\n"
    )
    assert [(w.id, w.parent) for w in coe.whys] == [
        ("1", None),
        ("2", "1"),
        ("3a", "2"),
        ("3b", "2"),
        ("4", "3b"),
    ]


def test_nested_bullets_become_branches():
    coe = whys(
        "- Site down because DB overloaded\n"
        "  - Slow query without index\n"
        "  - Connection storm after deploy\n"
    )
    assert [(w.id, w.parent) for w in coe.whys] == [("1", None), ("2a", "1"), ("2b", "1")]


def test_nested_because_child_is_answer_not_new_why():
    coe = whys("- Why did the site go down?\n  - Because the DB was overloaded.\n")
    assert coe.whys == (Why("1", None, "Why did the site go down?", "the DB was overloaded."),)


def test_stray_paragraph_is_warned():
    coe = whys("1. Why down? Disk full.\n\nWe talked about this for a while.\n")
    assert "line 7: text in Why section yields no why, kept in raw text only" in coe.warnings


def test_question_without_answer_is_warned():
    coe = whys("Q: Why did it fail?\n")
    assert coe.warnings == ("line 5: why has a question but no answer",)


def test_root_cause_analysis_5_whys_heading_is_why_section():
    coe = parse_text("# T\n## Root cause analysis (5 whys)\n1. Why? Disk full.\n", "d.md")[0]
    assert [w.answer for w in coe.whys] == ["Disk full."]


def test_root_cause_section_written_as_whys_is_read_as_whys():
    coe = parse_text("# T\n## Root Cause\nWhy 1: Why? Disk full.\nWhy 2: Why? No alert.\n", "d.md")[
        0
    ]
    assert (len(coe.whys), coe.root_causes) == (2, ("No alert.",))
