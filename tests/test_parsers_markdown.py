from __future__ import annotations

import textwrap

from analytics.parsers import parse_text


def md(text: str, path: str = "doc.md"):
    return parse_text(textwrap.dedent(text), path)[0]


def test_title_from_first_h1():
    assert md("# Cert expired\n\n## Root cause\n\nThe cert expired.\n").title == "Cert expired"


def test_title_from_front_matter_wins_over_h1():
    coe = md("---\ntitle: From front matter\n---\n# From heading\n\n## Summary\n\nx\n")
    assert coe.title == "From front matter"


def test_setext_headings_are_sections():
    coe = md("Title here\n==========\n\nRoot cause\n----------\n\nDisk filled up.\n")
    assert (coe.title, coe.root_causes) == ("Title here", ("Disk filled up.",))


def test_deep_heading_levels_are_sections():
    coe = md("# T\n\n###### Root Cause\n\nThe queue had no limit.\n")
    assert coe.root_causes == ("The queue had no limit.",)


def test_id_from_front_matter():
    assert md("---\nid: COE-2025-014\n---\n# T\n\n## Summary\n\nx\n").id == "COE-2025-014"


def test_id_from_title_pattern():
    assert md("# PM2021-005 All services down\n\n## Summary\n\nx\n").id == "PM2021-005"


def test_id_from_file_name_prefix():
    coe = md("# All services down\n\n## Summary\n\nx\n", path="PM2021-005_-_All_down.md")
    assert coe.id == "PM2021-005"


def test_id_falls_back_to_file_stem():
    assert md("# Outage\n\n## Summary\n\nx\n", path="dir/2025-09-29-flags-down.md").id == (
        "2025-09-29-flags-down"
    )


def test_metadata_lines_in_three_styles():
    coe = md(
        """\
        # T
        Service: Payments API
        **Team:** payments
        - Severity: SEV-2

        ## Summary
        x
        """
    )
    assert (coe.services, coe.team, coe.severity) == (("payments-api",), "payments", "Sev2")


def test_front_matter_services_list_normalised():
    coe = md("---\nservices: [Payments API, checkoutSvc]\n---\n# T\n## Summary\nx\n")
    assert coe.services == ("payments-api", "checkout-svc")


def test_date_from_metadata_written_form():
    assert md("# T\nDate: March 3, 2025\n\n## Summary\nx\n").date == "2025-03-03"


def test_date_from_timeline_when_not_written_elsewhere():
    coe = md("# T\n\n## Timeline\n\n| Time | Event |\n| --- | --- |\n| 2021-06-22 08:21 | x |\n")
    assert coe.date == "2021-06-22"


def test_impact_numbers_from_customer_impact_section():
    coe = md(
        """\
        # T
        ## Customer Impact
        For 95 minutes, 3.2% of requests failed and 12,400 customers could not pay.
        """
    )
    assert (
        coe.impact.duration_minutes,
        coe.impact.requests_failed_pct,
        coe.impact.customers_affected,
    ) == (95.0, 3.2, 12400)


def test_impact_summary_is_section_text():
    coe = md("# T\n## Impact\n- Checkout was down\n- Refunds delayed\n")
    assert coe.impact.summary == "Checkout was down\nRefunds delayed"


def test_metrics_from_stats_section():
    coe = md("# T\n## Stats\n- Time to detection: 8 minutes\n- Time to recovery: 1h 20m\n")
    assert (coe.metrics.time_to_detect_minutes, coe.metrics.time_to_resolve_minutes) == (8.0, 80.0)


def test_metrics_abbreviations():
    coe = md("# T\n## Metrics\nTTD: 8m\nTTM: 20m\nTTR: 2 hours\n")
    assert coe.metrics == type(coe.metrics)(8.0, 20.0, 120.0)


def test_metric_placeholder_is_none_without_warning():
    coe = md("# T\n## Stats\n- Time to detection: ?\n")
    assert (coe.metrics.time_to_detect_minutes, coe.warnings) == (None, ())


def test_unreadable_metric_is_warned_with_line():
    coe = md("# T\n## Stats\n- Time to detection: a while\n")
    assert coe.warnings == ("line 3: time to detect 'a while' not understood",)


def test_root_cause_section_each_bullet_a_statement():
    coe = md("# T\n## Root Cause\n- No canary stage\n- Alarm threshold too high\n")
    assert coe.root_causes == ("No canary stage", "Alarm threshold too high")


def test_contributing_factors_used_when_no_root_cause_section():
    coe = md("# T\n## Contributing Factors\n- Manual change\n- No review\n")
    assert coe.root_causes == ("Manual change", "No review")


def test_root_cause_preferred_over_contributing_factors():
    coe = md("# T\n## Contributing Factors\n- Manual change\n## Root cause\nNo guard rail.\n")
    assert coe.root_causes == ("No guard rail.",)


def test_root_causes_fall_back_to_why_leaves():
    coe = md("# T\n## Five Whys\n1. Why down? Because disk full.\n2. Why full? No alert.\n")
    assert coe.root_causes == ("No alert.",)


def test_lessons_learned_is_not_actions():
    coe = md("# T\n## Lessons learned\n- Be careful\n## Summary\nx\n")
    assert coe.actions == ()


def test_remediation_heading_is_actions():
    assert md("# T\n## Remediation\n- Add alarm\n").actions[0].title == "Add alarm"


def test_completed_subheading_sets_action_status():
    coe = md("# T\n## Remediation\n### Immediate Actions (Completed)\n- Rolled back config\n")
    assert coe.actions[0].status == "done"


def test_bold_label_opens_sub_section():
    coe = md("# T\n## Details\nSome prose.\n\n**Root causes:**\n\n- Retry storm\n")
    assert coe.root_causes == ("Retry storm",)


def test_unrecognised_top_level_section_is_warned():
    coe = md("# T\n## Summary\nx\n## Cake recipes\nflour\n")
    assert coe.warnings == ("line 4: section 'Cake recipes' not recognised, kept in raw text only",)


def test_unrecognised_subsection_inherits_parent_kind():
    coe = md("# T\n## Root Cause Analysis\n### Why it failed\nPool exhausted.\n")
    assert (coe.root_causes, coe.warnings) == (("Pool exhausted.",), ())


def test_related_items_section_ids():
    coe = md("# T\n## Related Items\n- COE-2024-0012 (same pool)\n- [PM2021-005](x.md)\n")
    assert coe.related == ("COE-2024-0012", "PM2021-005")


def test_related_ids_cited_in_prose():
    coe = md("# COE-2025-1 T\n## Summary\nSame as COE-2024-0012 last year.\n")
    assert coe.related == ("COE-2024-0012",)


def test_own_id_not_in_related():
    coe = md("---\nid: COE-2025-001\n---\n# T\n## Summary\nThis is COE-2025-001.\n")
    assert coe.related == ()


def test_code_fences_are_not_parsed():
    coe = md("# T\n## Action Items\n```\n- not an action\n```\n- real action\n")
    assert [a.title for a in coe.actions] == ["real action"]


def test_unknown_front_matter_key_is_warned():
    coe = md("---\nflavour: vanilla\n---\n# T\n## Summary\nx\n")
    assert coe.warnings == ("line 1: front matter key 'flavour' not recognised, ignored",)


def test_prose_only_incident_parses_with_warning():
    text = (
        "On 28th February our flags service went down for about 3 hours. The database stalled "
        "and clients retried, which made the outage worse for customers.\n"
    )
    coe = md(text)
    assert (coe.impact.duration_minutes, coe.warnings[0][:32]) == (
        180.0,
        "line 1: no recognised COE sectio",
    )


def test_source_records_format_and_sha256():
    import hashlib

    text = "# T\n## Summary\nx\n"
    coe = md(text)
    assert (coe.source.format, coe.source.sha256) == (
        "markdown",
        hashlib.sha256(text.encode()).hexdigest(),
    )
