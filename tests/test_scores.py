"""Systemic scoring on literal records: breadth, the systemic flag and the ranking."""

from __future__ import annotations

from analytics.analysis import Analysis, Cluster
from analytics.record import COE
from analytics.scores import SystemicThresholds, theme_stats


def _analysis(themes: dict[str, list[str]]) -> Analysis:
    clusters = tuple(
        Cluster(tid, "root_cause", tid, (), "", tuple(f"{c}#rc0" for c in coes), tuple(coes))
        for tid, coes in themes.items()
    )
    return Analysis(0, "", {}, (), clusters, (), ())


def _coes(n: int, prefix: str, services=lambda i: (), team=lambda i: None) -> list[COE]:
    dates = ["2025-01-10", "2025-04-10", "2025-07-10", "2025-10-10"]
    return [
        COE(f"{prefix}{i}", "t", services=services(i), team=team(i), date=dates[i % 4])
        for i in range(n)
    ]


def test_a_corpus_without_services_or_teams_still_ranks_and_flags_recurring_themes():
    big, small = _coes(6, "A"), _coes(2, "B")
    rows = theme_stats(
        _analysis({"T1": [c.id for c in small], "T2": [c.id for c in big]}), big + small
    )
    assert [r["id"] for r in rows] == ["T2", "T1"]
    assert all(r["score"] > 0 for r in rows)
    assert [r["systemic"] for r in rows] == [True, False]  # T1 has fewer than min_coes COEs


def test_where_the_corpus_names_services_one_service_is_not_systemic():
    one = _coes(5, "A", services=lambda i: ("payments-api",), team=lambda i: "payments")
    many = _coes(5, "B", services=lambda i: (f"svc-{i}",), team=lambda i: f"team-{i % 2}")
    rows = theme_stats(
        _analysis({"T1": [c.id for c in one], "T2": [c.id for c in many]}), one + many
    )
    flags = {r["id"]: r["systemic"] for r in rows}
    assert flags == {"T1": False, "T2": True}
    assert [r["id"] for r in rows] == ["T2", "T1"]  # same count: breadth ranks T2 first


def test_thresholds_are_settings():
    coes = _coes(4, "A")
    analysis = _analysis({"T1": [c.id for c in coes]})
    assert theme_stats(analysis, coes)[0]["systemic"]
    assert not theme_stats(analysis, coes, SystemicThresholds(min_coes=5))[0]["systemic"]
