from __future__ import annotations

from analytics.parsers import parse_text
from analytics.record import TimelineEvent


def timeline(body: str, head: str = "# T\n\n"):
    return parse_text(head + "## Timeline\n\n" + body, "doc.md")[0]


def test_table_with_dates_and_utc_note():
    coe = timeline(
        "All times in UTC.\n\n| Time | Event |\n| :--- | --- |\n| 2021-06-22 08:21 | CNI replaced |\n"
    )
    assert coe.timeline == (TimelineEvent("2021-06-22T08:21Z", "CNI replaced"),)


def test_zone_from_table_header():
    coe = timeline("| Date and Time in CET | Event |\n|---|---|\n| 2019-11-29 12:00 | scale up |\n")
    assert coe.timeline[0].at == "2019-11-29T12:00+01:00"


def test_separate_date_and_time_columns():
    coe = timeline("| Date | Time | What |\n|---|---|---|\n| 2025-03-03 | 08:21 | x |\n")
    assert coe.timeline[0] == TimelineEvent("2025-03-03T08:21", "x")


def test_time_only_bullets_resolved_against_incident_date():
    coe = timeline(
        "- 08:21 UTC — deploy\n- **08:29 UTC** - alarm\n", head="# T\nDate: 2025-03-03\n\n"
    )
    assert [e.at for e in coe.timeline] == ["2025-03-03T08:21Z", "2025-03-03T08:29Z"]


def test_time_only_without_any_date_keeps_text():
    coe = timeline("- 08:21 UTC — deploy\n")
    assert coe.timeline == (TimelineEvent(None, "08:21 UTC — deploy"),)


def test_bullet_with_date_and_colon():
    coe = timeline("- 2021-06-22 08:21: VPC CNI replaced\n")
    assert coe.timeline == (TimelineEvent("2021-06-22T08:21", "VPC CNI replaced"),)


def test_written_date_with_am_pm():
    coe = timeline(
        "| Time (UTC) | Event |\n|---|---|\n| Jan 14, 10:18 PM | customer report |\n",
        head="# T\nDate: 2026-01-14\n\n",
    )
    assert coe.timeline[0].at == "2026-01-14T22:18Z"


def test_parenthesised_date_after_time():
    coe = timeline("- **00:03 UTC (Oct 30)** - rolled back\n", head="# T\nDate: 2025-10-29\n\n")
    assert coe.timeline[0] == TimelineEvent("2025-10-30T00:03Z", "rolled back")


def test_later_time_only_rows_use_last_dated_row():
    coe = timeline("- 2025-03-04 23:50 late\n- 00:10 next\n", head="# T\nDate: 2025-03-03\n\n")
    assert coe.timeline[1].at == "2025-03-04T00:10"


def test_unreadable_time_cell_is_warned_and_event_kept():
    coe = timeline("| Time | Event |\n|---|---|\n| 20xx-MM-DD HH:mm | x |\n")
    assert (coe.timeline, coe.warnings) == (
        (TimelineEvent(None, "20xx-MM-DD HH:mm x"),),
        ("line 7: timeline time '20xx-MM-DD HH:mm' not understood, event kept",),
    )


def test_prose_in_timeline_is_warned():
    coe = timeline("A full timeline is on the status page.\n")
    assert coe.warnings == (
        "line 5: text in Timeline section is not an event, kept in raw text only",
    )
