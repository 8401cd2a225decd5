from __future__ import annotations

import pytest

from analytics.normalize import (
    normalize_priority,
    normalize_service,
    normalize_services,
    normalize_severity,
    normalize_status,
    parse_count,
    parse_date,
    parse_duration_minutes,
)


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("2025-03-03", "2025-03-03"),
        ("2025/03/03", "2025-03-03"),
        ("March 3, 2025", "2025-03-03"),
        ("3 Mar 2025", "2025-03-03"),
        ("Tuesday 22nd June 2021", "2021-06-22"),
        ("2025-03-03T08:21:00Z", "2025-03-03"),
        ("31/12/2024", "2024-12-31"),
        ("January 14-19, 2026", "2026-01-14"),
    ],
)
def test_parse_date_written_forms(written, iso):
    assert parse_date(written) == iso


def test_parse_date_without_year_uses_default_year():
    assert parse_date("Oct 29", default_year=2025) == "2025-10-29"


def test_parse_date_rejects_impossible_date():
    assert parse_date("2025-02-30") is None


def test_parse_date_returns_none_for_words():
    assert parse_date("next sprint") is None


@pytest.mark.parametrize(
    ("written", "minutes"),
    [
        ("25 minutes", 25.0),
        ("1h 20m", 80.0),
        ("2 hours", 120.0),
        ("1 hour and 48 minutes", 108.0),
        ("54 hours 10 minutes", 3250.0),
        ("8m", 8.0),
        ("01:30", 90.0),
        ("45", 45.0),
        (30, 30.0),
    ],
)
def test_parse_duration_minutes(written, minutes):
    assert parse_duration_minutes(written) == minutes


def test_parse_duration_unreadable_is_none():
    assert parse_duration_minutes("a while") is None


@pytest.mark.parametrize(
    ("written", "priority"),
    [
        ("P0", "P0"),
        ("p2", "P2"),
        ("High", "P1"),
        ("medium", "P2"),
        ("Low", "P3"),
        ("Critical", "P0"),
    ],
)
def test_normalize_priority(written, priority):
    assert normalize_priority(written) == priority


def test_normalize_priority_unknown_is_none():
    assert normalize_priority("someday") is None


@pytest.mark.parametrize("written", ["SEV-2", "sev 2", "S2", "Sev2", "severity 2", "2"])
def test_normalize_severity_known_scale(written):
    assert normalize_severity(written) == "Sev2"


@pytest.mark.parametrize(
    ("written", "scale"),
    [
        ("SEV0", "Sev0"),
        ("P0", "Sev0"),
        ("P1", "Sev1"),
        ("Sev5", "Sev4"),
        ("Critical", "Sev1"),
        ("Major (High Impact, Service Degradation)", "Sev2"),
        ("High", "Sev2"),
        ("Medium", "Sev3"),
        ("Minor", "Sev4"),
        ("low", "Sev4"),
    ],
)
def test_normalize_severity_maps_common_vocabularies_onto_one_scale(written, scale):
    assert normalize_severity(written) == scale


def test_normalize_severity_keeps_unknown_scale_as_written():
    assert normalize_severity("customer-facing") == "customer-facing"


@pytest.mark.parametrize(
    ("written", "kebab"),
    [
        ("Payments API", "payments-api"),
        ("paymentsApi", "payments-api"),
        ("auth_svc", "auth-svc"),
        ("  Edge / Proxy ", "edge-proxy"),
    ],
)
def test_normalize_service_lower_kebab(written, kebab):
    assert normalize_service(written) == kebab


def test_normalize_services_splits_and_dedupes():
    assert normalize_services("api, Web; api") == ("api", "web")


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("Done", "done"),
        ("completed", "done"),
        ("In Progress", "in-progress"),
        ("todo", "open"),
        ("Won't fix", "wont-do"),
        ("cancelled", "wont-do"),
    ],
)
def test_normalize_status(written, status):
    assert normalize_status(written) == status


def test_normalize_status_keeps_unknown():
    assert normalize_status("blocked on vendor") == "blocked on vendor"


def test_parse_count_with_separators_and_suffix():
    assert (parse_count("12,400"), parse_count("1.5k"), parse_count("3 million")) == (
        12400,
        1500,
        3_000_000,
    )
