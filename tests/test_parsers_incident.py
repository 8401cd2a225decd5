"""The incident's own date and timeline, wherever a document writes them."""

from __future__ import annotations

import json

from analytics.parsers import parse_text

SETUP_FIRST = """# ALB 502 errors

## Summary

A team reports a small amount of randomly distributed HTTP 502 errors in their logs.

## Timeline

| Time             | Event |
| :--------------- | ----- |
| 2020-12-21 10:00 | Created bulk-apply-limitrange.sh to set limitranges on most namespaces |
| 2021-09-10 10:00 | Traefik v2 went live in its own namespace |
| 2022-05-25 09:00 | Engineers started investigating the 502 errors |
| 2022-06-02 11:00 | Traefik pods found OOM killed |
| 2022-06-02 12:00 | The limitrange in the traefik namespace was deleted |
| 2022-06-10 09:00 | Logs confirm the problem is solved |

## Root cause

A limitrange applied to the traefik namespace starved it of memory.
"""


def test_a_set_up_step_long_before_does_not_date_the_incident():
    coe = parse_text(SETUP_FIRST, "PM2022-006_-_ALB_502_errors.md")[0]
    assert coe.timeline[0].at.startswith("2020-12-21")  # kept in the timeline
    assert coe.date == "2022-05-25"


def test_the_file_names_year_picks_among_equal_episodes():
    text = SETUP_FIRST.replace(
        "| 2022-06-02 12:00 | The limitrange", "| 2021-09-11 12:00 | The limitrange"
    )
    text = text.replace("| 2022-06-10 09:00", "| 2021-09-12 09:00")
    # three entries around 2021-09-10, two in 2022: the year in the file name decides
    assert parse_text(text, "PM2022-006_-_x.md")[0].date == "2022-05-25"
    assert parse_text(text, "PM2021-xx.md")[0].date == "2021-09-10"


def test_metadata_title_and_summary_dates_come_before_the_timeline():
    meta = SETUP_FIRST.replace("## Summary\n", "Date: 2022-06-01\n\n## Summary\n")
    assert parse_text(meta, "a.md")[0].date == "2022-06-01"
    titled = SETUP_FIRST.replace("# ALB 502 errors", "# ALB 502 errors on 2022-06-03")
    assert parse_text(titled, "a.md")[0].date == "2022-06-03"
    assert parse_text(SETUP_FIRST, "alb-2022-06-04.md")[0].date == "2022-06-04"
    summary = SETUP_FIRST.replace("A team reports", "On 2022-05-30 a team reports")
    assert parse_text(summary, "a.md")[0].date == "2022-05-30"
    impact = SETUP_FIRST.replace(
        "## Timeline", "## Impact\n\nFrom 2022-05-20 about 0.1% of requests failed.\n\n## Timeline"
    )
    assert parse_text(impact, "a.md")[0].date == "2022-05-20"


def test_an_export_without_a_date_field_is_dated_by_its_timeline():
    doc = {
        "title": "Queue stalled",
        "summary": "Consumers stopped.",
        "timeline": [
            {"at": "2023-01-05T10:00:00Z", "event": "Wrote the consumer"},
            {"at": "2024-03-02T10:00:00Z", "event": "Alert: queue depth"},
            {"at": "2024-03-02T11:00:00Z", "event": "Restarted consumers"},
        ],
    }
    assert parse_text(json.dumps(doc), "x.json")[0].date == "2024-03-02"


PROSE_WITH_STAMPS = """# Registry outage

The registry lost its metadata on Friday 5 July 2024. The root cause was a failed volume.

- 02:10-11:45 UTC: registry completely down, every CI build failed
- 11:45 UTC: registry back with seven weeks of metadata missing

On the Monday we restored the rest.
2024-07-08 09:30 backfill finished

## Action items

- 2024-07-20 add a restore drill (owner: ana)
"""


def test_time_stamped_lines_anywhere_become_the_timeline():
    coe = parse_text(PROSE_WITH_STAMPS, "registry.md")[0]
    assert [(e.at, e.event) for e in coe.timeline] == [
        ("2024-07-05T02:10", "11:45 UTC: registry completely down, every CI build failed"),
        ("2024-07-05T11:45Z", "registry back with seven weeks of metadata missing"),
        ("2024-07-08T09:30", "backfill finished"),
    ]  # the action's due date is no event; a range's end is no UTC offset
    assert coe.provenance["timeline"] == "prose"
    assert coe.date == "2024-07-05"


def test_one_stamped_line_or_a_timeline_section_is_not_read_that_way():
    one = (
        "# Registry outage\n\nThe registry was down for nine hours and every CI build failed. "
        "The root cause was a failed volume under the metadata database.\n\n"
        "2024-07-08 09:30 backfill finished\n"
    )
    assert parse_text(one, "a.md")[0].timeline == ()
    sectioned = PROSE_WITH_STAMPS.replace(
        "## Action items", "## Timeline\n\n- 10:00 alert\n\n## Action items"
    )
    coe = parse_text(sectioned, "a.md")[0]
    assert [e.event for e in coe.timeline] == ["alert"]
    assert "timeline" not in coe.provenance


def test_a_page_with_one_key_value_line_and_nothing_else_is_refused():
    import pytest

    from analytics.parsers import ParseError

    for text in ("Severity: SEV2\n", "\n\nTeam: payments\n\n"):
        for name in ("a.md", "a.txt"):
            with pytest.raises(ParseError, match="only one 'Key: value' line"):
                parse_text(text, name)
    # a title, a second line or a section makes it a (thin) COE again
    assert parse_text("# Checkout outage\n\nTeam: payments\n", "a.md")[0].team == "payments"
    assert parse_text("Team: payments\nSeverity: SEV2\n", "a.txt")[0].team == "payments"
