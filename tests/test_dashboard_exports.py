"""Dashboard downloads and the per-run indexes behind the review page, on a real analysed store.

The download callbacks are called directly, as Dash calls them; what they return is the
``dcc.Download`` payload, whose bytes must parse as the format they claim and match what the
command line's builders write for the same run.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import replace

import pytest

from analytics.export import export_bytes
from analytics.redact import person_names
from analytics.report import build_report
from dashboard import figures as fig
from dashboard.data import Filters

# One COE of the fixture names a person in its root cause and actions, so redaction has
# something to remove (generated corpora this small rarely do).
NAMED = """# COE-2026-0900: checkout errors after a certificate expired

Services: checkout-api
Team: payments-team
Severity: SEV2
Date: 12 May 2026

### Why analysis

**Q:** Why did checkout fail?
**A:** The TLS certificate on the checkout-api edge proxy had expired.

**Q:** Why had it expired?
**A:** Priya Raman renewed certificates by hand and was on leave that week.

### Root cause

Certificates were renewed by hand by Priya Raman, with no alarm before expiry.

### Follow-ups

- [P1] Move checkout-api certificates to automated renewal, as Priya Raman proposed \
  — owner: Priya Raman; due: 30 June 2026
"""
PERSON = "Priya Raman"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory, analysed_tfidf_store):
    from dashboard import create_app, data

    store = analysed_tfidf_store(
        tmp_path_factory.mktemp("exports"), 60, 3, {"COE-2026-0900.md": NAMED}
    )
    create_app(store)
    return data.current()


def _payload(out: dict) -> bytes:
    assert out["base64"] is True
    return base64.b64decode(out["content"])


def _xlsx_sheets(blob: bytes) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(blob), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


# --- themes page: cluster exports ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["themes", "actions"])
def test_cluster_export_json_is_the_cli_file(snapshot, kind):
    from dashboard.pages import themes

    callback = themes.export_themes if kind == "themes" else themes.export_actions
    out = callback(1, "json", [])
    got = json.loads(_payload(out))
    expected = json.loads(export_bytes(snapshot.analysis, snapshot.coes, kind, "json"))
    assert got == expected
    clusters = snapshot.analysis.themes if kind == "themes" else snapshot.analysis.families
    assert {c["id"] for c in got["clusters"]} == {c.id for c in clusters}
    assert out["filename"].endswith(".json") and out["type"] == "application/json"


def test_cluster_export_csv_has_one_row_per_member(snapshot):
    from dashboard.pages import themes

    out = themes.export_themes(1, "csv", [])
    rows = list(csv.DictReader(io.StringIO(_payload(out).decode("utf-8-sig"))))
    members = sum(len(c.statements) for c in snapshot.analysis.themes)
    assert len(rows) == members
    assert {r["cluster"] for r in rows} == {t.id for t in snapshot.analysis.themes}
    assert out["filename"] == f"coe-themes-run{snapshot.run}.csv"


def test_cluster_export_xlsx_opens_with_a_row_per_family(snapshot):
    from dashboard.pages import themes

    out = themes.export_actions(1, "xlsx", [])
    sheets = _xlsx_sheets(_payload(out))
    assert len(sheets) >= 2
    first = next(iter(sheets.values()))
    # A header row, then one row per action family.
    assert len(first) - 1 == len(snapshot.analysis.families)
    assert out["filename"] == f"coe-action-families-run{snapshot.run}.xlsx"


def test_redact_checkbox_removes_people_from_the_export(snapshot):
    from dashboard.pages import themes

    assert PERSON in person_names(snapshot.coes)
    named = [
        callback
        for callback in (themes.export_themes, themes.export_actions)
        if PERSON in _payload(callback(1, "json", [])).decode("utf-8")
    ]
    assert named, "the named COE's root cause or action should be in a cluster"
    for callback in named:
        out = callback(1, "json", ["redact"])
        redacted = _payload(out).decode("utf-8")
        assert PERSON not in redacted and json.loads(redacted)["redacted"] is True
        assert "-redacted" in out["filename"]


# --- review page: the quarterly report -------------------------------------------------------


def test_report_html_and_markdown_name_the_picked_quarter(snapshot):
    from dashboard.pages import review

    q = snapshot.quarters[-2]
    html_out = review.export_report(1, q, "html", [])
    text = _payload(html_out).decode("utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") and q in text
    assert html_out["filename"] == f"coe-review-{q}.html" and html_out["type"] == "text/html"
    md = _payload(review.export_report(1, q, "md", [])).decode("utf-8")
    assert q in md.splitlines()[0]


def test_report_json_and_xlsx_parse_and_match_the_cli_report(snapshot):
    from dashboard.pages import review

    q = snapshot.quarters[-1]
    got = json.loads(_payload(review.export_report(1, q, "json", [])))
    assert got["period"]["label"] == q
    assert got == json.loads(json.dumps(build_report(snapshot.analysis, snapshot.coes, quarter=q)))
    sheets = _xlsx_sheets(_payload(review.export_report(1, q, "xlsx", [])))
    assert sheets and any(rows for rows in sheets.values())


def test_report_honours_redaction_and_is_built_once_per_quarter(snapshot):
    from dashboard.pages import review

    q = snapshot.quarters[-1]
    out = review.export_report(1, q, "json", ["redact"])
    assert json.loads(_payload(out))["redacted"] is True
    assert out["filename"] == f"coe-review-{q}-redacted.json"
    assert snapshot.report(q, redact_names=True) is snapshot.report(q, redact_names=True)
    assert snapshot.report(q) is not snapshot.report(q, redact_names=True)


def test_report_without_a_quarter_does_nothing(snapshot):
    import dash

    from dashboard.pages import review

    assert review.export_report(1, None, "html", []) is dash.no_update


# --- the per-run indexes the review page reads -----------------------------------------------


def _scopes(snapshot) -> list[Filters]:
    return [
        Filters(),
        Filters(severities=(snapshot.severities[0],)),
        Filters(services=tuple(snapshot.services[:2])),
        Filters(teams=(snapshot.teams[-1],), severities=tuple(snapshot.severities[:2])),
    ]


def test_review_page_says_what_the_report_says_for_the_same_quarter(snapshot):
    """One definition of new / recurring / rising themes and of due / overdue actions: the
    review page and the downloaded report of a quarter list the same themes and actions."""
    from dashboard.pages import review

    for q in snapshot.quarters:
        page = review.review_data(snapshot, q, Filters())
        report = build_report(snapshot.analysis, snapshot.coes, quarter=q)
        for kind in ("new", "recurring", "rising"):
            assert [t["id"] for t in page["themes"][kind]] == [
                t["id"] for t in report["themes"][kind]
            ], (q, kind)
        systemic = {t["id"] for t in report["systemic"]}
        overdue_in_systemic = {
            a["id"]
            for a in page["actions"]["overdue"]
            if snapshot.analysis.coe_theme.get(a["coe"]) in systemic
        }
        assert overdue_in_systemic == {a["id"] for a in report["follow_through"]["overdue"]}, q
        high = next(h for h in report["headline"] if h["key"] == "high_severity")
        assert high["value"] == sum(
            n for k, n in page["summary"]["severity"].items() if k in ("Sev0", "Sev1", "Sev2")
        ), q
    assert any(
        review.review_data(snapshot, q, Filters())["themes"]["rising"] for q in snapshot.quarters
    )


def test_review_actions_are_the_shared_rule_on_the_filtered_coes(snapshot):
    from analytics.followthrough import action_state

    for scope in _scopes(snapshot):
        for q in snapshot.quarters[-3:]:
            got = snapshot.quarter_actions(q, scope)
            assert got == fig.quarter_actions(snapshot.filtered(scope), q), (q, scope)
            assert all(r["state"] == "overdue" for r in got["overdue"])
            assert all(r["status"] == "unknown" for r in got["unknown"])
    by_id = {c.id: c for c in snapshot.coes}
    for r in snapshot.quarter_actions(snapshot.quarters[-1])["unknown"]:
        coe_id, k = r["id"].rsplit("#act", 1)
        assert action_state(by_id[coe_id].actions[int(k)], "2100-01-01") == "unknown"


def test_a_filter_narrows_a_themes_counts_not_whether_it_is_systemic(snapshot):
    whole = {r["id"]: r for r in snapshot.theme_rows()}
    systemic = next(r for r in whole.values() if r["systemic"] and len(r["services"]) > 1)
    one_service = Filters(services=(systemic["services"][0],))
    rows = {r["id"]: r for r in snapshot.theme_rows(one_service)}
    mine = rows[systemic["id"]]
    assert mine["services"] == [systemic["services"][0]]
    assert mine["coe_count"] < systemic["coe_count"]
    assert (mine["systemic"], mine["score"], mine["trend"]) == (
        systemic["systemic"],
        systemic["score"],
        systemic["trend"],
    )
    keys = [(not r["systemic"], -r["score"]) for r in rows.values()]
    assert keys == sorted(keys)  # systemic first, then by score


def test_review_ignores_the_global_quarter_range_and_is_memoised(snapshot):
    from dashboard.pages import review

    q = snapshot.quarters[-1]
    sev = next(c.severity for c in snapshot.coes_by_quarter[q] if c.severity)
    scope = Filters(severities=(sev,))
    ranged = replace(scope, quarter_from=snapshot.quarters[0], quarter_to=snapshot.quarters[0])
    first = review.review_data(snapshot, q, ranged)
    assert first is review.review_data(snapshot, q, scope)
    assert first["summary"] == fig.quarter_summary(snapshot.filtered(scope), q)
    assert first["summary"]["coes"] > 0


def test_the_precedent_index_is_built_once_when_two_threads_ask(monkeypatch):
    import threading
    import time

    from dashboard import data

    calls = []

    def slow_build(analysis, coes, store):
        calls.append(store)
        time.sleep(0.2)
        return f"index of {store}"

    monkeypatch.setattr(data, "build_precedent_index", slow_build)
    snapshot = data.Snapshot(store_path="s.db", analysis=object(), coes=[])
    got = []
    threads = [threading.Thread(target=lambda: got.append(snapshot.precedents)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["s.db"] and got == ["index of s.db"] * 2
