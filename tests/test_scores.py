"""Systemic scoring on literal records: breadth, the systemic flag and the ranking."""

from __future__ import annotations

from analytics.analysis import ROOT_CAUSE, Analysis, Cluster, Statement
from analytics.record import COE
from analytics.scores import SystemicThresholds, theme_stats

SAME = "the certificate expired because nothing alarms on certificate expiry dates"


def _analysis(themes: dict[str, list[str]], texts: dict[str, str] | None = None) -> Analysis:
    """Themes of COEs whose root cause is ``texts[coe]`` (default one shared mechanism)."""
    texts = texts or {}
    clusters = tuple(
        Cluster(tid, "root_cause", tid, (), "", tuple(f"{c}#rc0" for c in coes), tuple(coes))
        for tid, coes in themes.items()
    )
    statements = tuple(
        Statement(f"{c}#rc0", c, ROOT_CAUSE, "0", texts.get(c, SAME), texts.get(c, SAME), tid)
        for tid, coes in themes.items()
        for c in coes
    )
    return Analysis(0, "", {}, statements, clusters, (), ())


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


ONE_OFFS = [
    "a leap second made the scheduler compare wall-clock times backwards",
    "the export endpoint loaded every page of results into memory at once",
    "a drive firmware version mishandled a rare write pattern",
    "currency amounts were stored as floating point numbers",
    "the paging routing table still named a team that had been reorganised",
    "a malformed message was redelivered forever without a dead-letter queue",
]


def test_a_theme_of_unrelated_one_offs_is_never_systemic():
    coes = _coes(6, "A", services=lambda i: (f"svc-{i}",), team=lambda i: f"team-{i % 3}")
    texts = {c.id: ONE_OFFS[i] for i, c in enumerate(coes)}
    [row] = theme_stats(_analysis({"T1": [c.id for c in coes]}, texts), coes)
    assert row["coe_count"] == 6 and len(row["quarters"]) == 4
    assert not row["systemic"]
    assert row["recurrent_coes"] == []
    assert "one-off incidents" in row["systemic_reason"]


def test_the_same_mechanism_recurring_is_systemic_and_says_why():
    coes = _coes(6, "A", services=lambda i: (f"svc-{i}",), team=lambda i: f"team-{i % 3}")
    # Three one-offs clustered with three recurrences of one mechanism: the three count.
    texts = {c.id: ONE_OFFS[i] for i, c in enumerate(coes[:3])}
    [row] = theme_stats(_analysis({"T1": [c.id for c in coes]}, texts), coes)
    assert row["systemic"]
    assert row["recurrent_coes"] == ["A3", "A4", "A5"]
    assert row["systemic_reason"].startswith("3 of 6 COEs share the mechanism")


def test_shallow_root_causes_name_no_mechanism():
    coes = _coes(4, "A", services=lambda i: (f"svc-{i}",))
    texts = dict.fromkeys((c.id for c in coes), "Human error.")
    [row] = theme_stats(_analysis({"T1": [c.id for c in coes]}, texts), coes)
    assert not row["systemic"]


def test_systemic_themes_rank_before_bigger_non_systemic_ones():
    one_offs = _coes(6, "A", services=lambda i: (f"svc-{i}",))
    recurring = _coes(3, "B", services=lambda i: (f"svc-{i}",))
    texts = {c.id: ONE_OFFS[i] for i, c in enumerate(one_offs)}
    themes = {"T1": [c.id for c in one_offs], "T2": [c.id for c in recurring]}
    rows = theme_stats(_analysis(themes, texts), one_offs + recurring)
    assert [(r["id"], r["systemic"]) for r in rows] == [("T2", True), ("T1", False)]
