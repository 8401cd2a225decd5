"""The dashboard in a real headless Chromium (dash[testing]'s ``dash_duo``).

Skipped when Debian's chromedriver is not installed. Chrome options come from the
``pytest_setup_options`` hook in ``tests/conftest.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromedriver").exists() or shutil.which("chromedriver") is None,
        reason="needs chromium and chromedriver (/usr/bin/chromedriver)",
    ),
]

pytest.importorskip("dash.testing")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from analytics.sample import build_sample_store

    return build_sample_store(tmp_path_factory.mktemp("browser"), n=80, seed=7)


@pytest.fixture
def app(store):
    from dashboard import create_app, data

    app = create_app(store)
    data.current().warm()
    return app


def _severe(logs):
    return [entry for entry in logs or [] if entry.get("level") == "SEVERE"]


def test_every_page_loads_without_console_errors(dash_duo, app):
    from dashboard import data

    snapshot = data.current()
    pages = {
        "/": "#overview-kpis .kpi-value",
        "/themes": "#themes-detail .detail-title",
        "/causal": "#causal-graph canvas",
        f"/coe/{snapshot.coes[0].id}": "#coe-why-graph canvas",
        "/search": "#search-text",
        "/review": "#review-body .kpi-value",
    }
    dash_duo.start_server(app)
    for path, ready in pages.items():
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element(ready, timeout=60)
        assert _severe(dash_duo.get_logs()) == [], path


def test_filter_change_updates_overview(dash_duo, app):
    from dashboard import data

    snapshot = data.current()
    dash_duo.start_server(app)
    dash_duo.wait_for_text_to_equal(
        "#overview-kpis .kpi-value", str(len(snapshot.coes)), timeout=60
    )
    severity = snapshot.severities[0]
    expected = sum((c.severity or "unknown") == severity for c in snapshot.coes)
    assert expected != len(snapshot.coes)
    dash_duo.select_dcc_dropdown("#filters-severities", value=severity)
    dash_duo.wait_for_text_to_equal("#overview-kpis .kpi-value", str(expected), timeout=60)
    assert _severe(dash_duo.get_logs()) == []


def test_theme_selection_fills_detail_panel(dash_duo, app):
    from dashboard import data

    rows = data.current().theme_rows()
    pick = rows[min(3, len(rows) - 1)]
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + "/themes")
    dash_duo.wait_for_element(f'.ag-row[row-id="{pick["id"]}"] .ag-cell', timeout=60).click()
    dash_duo.wait_for_text_to_equal("#themes-detail .pill", pick["id"], timeout=60)
    assert pick["label"] in dash_duo.find_element("#themes-detail .detail-title").text
    assert dash_duo.find_elements("#themes-detail .table td a")  # root causes link to COEs
    # The panel is below the table: the click brings it into view.
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(dash_duo.driver, 10).until(
        lambda driver: driver.execute_script(
            "const r = document.getElementById('themes-detail').getBoundingClientRect();"
            "return r.top < window.innerHeight / 2;"
        )
    )
    assert _severe(dash_duo.get_logs()) == []


def test_precedent_search_returns_results(dash_duo, app):
    from dashboard import data

    target = max(data.current().coes, key=lambda c: len(c.whys))
    draft = "\n".join(
        ["Five whys", *[f"{i + 1}. {w.answer}" for i, w in enumerate(target.whys[:4])]]
    )
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + "/search")
    dash_duo.wait_for_element("#search-text", timeout=60).send_keys(draft)
    dash_duo.find_element("#search-button").click()
    dash_duo.wait_for_element(".precedent-card", timeout=60)
    ids = [e.text for e in dash_duo.find_elements(".precedent-card .coe-link")]
    assert target.id in ids
    assert "quality score" in dash_duo.find_element("#search-lint").text
    assert _severe(dash_duo.get_logs()) == []


def test_coe_page_draws_why_graph_and_escapes_text(dash_duo, app):
    from dashboard import data

    coe = max(data.current().coes, key=lambda c: len(c.whys))
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + f"/coe/{coe.id}")
    dash_duo.wait_for_element("#coe-why-graph canvas", timeout=60)
    nodes = dash_duo.driver.execute_script(
        "const el = document.getElementById('coe-why-graph');"
        "const cy = el && el._cyreg && el._cyreg.cy;"
        "return cy ? cy.nodes().length : null;"
    )
    if nodes is not None:  # the cytoscape instance is reachable: check it drew every why
        assert nodes == 1 + len(coe.whys) + len(coe.root_causes)
        # A node's label is cut short; clicking it shows the whole text.
        dash_duo.driver.execute_script(
            "document.getElementById('coe-why-graph')._cyreg.cy.getElementById('rc-0').emit('tap');"
        )
        dash_duo.wait_for_text_to_equal(
            "#coe-why-detail", f"Root cause: {coe.root_causes[0]}", timeout=20
        )
    assert _severe(dash_duo.get_logs()) == []


def test_script_in_a_document_is_shown_not_run(dash_duo, tmp_path):
    from analytics.record import COE, Action, Source, Why
    from analytics.store import open_store, put_document, transaction
    from dashboard import create_app

    # Stored directly (not parsed) so the markup surely reaches the page as written.
    evil = COE(
        id="COE-EVIL-1",
        title="<script>window.__pwned = 1</script> outage",
        date="2025-01-02",
        whys=(Why("1", None, None, '<img src=x onerror="window.__pwned = 2">'),),
        root_causes=("<script>window.__pwned = 3</script>",),
        actions=(Action(None, '<b onmouseover="window.__pwned = 4">fix</b>', status="open"),),
        source=Source("evil.md", "markdown", "0"),
    )
    conn = open_store(tmp_path / "s.db")
    with transaction(conn):
        put_document(conn, "evil.md", "0", "markdown", b"<script>", [evil])
    dash_duo.start_server(create_app(tmp_path / "s.db"))
    dash_duo.driver.get(dash_duo.server_url + "/coe/COE-EVIL-1")
    dash_duo.wait_for_element(".page-coe h1", timeout=60)
    assert dash_duo.find_element(".page-coe h1").text == evil.title
    assert "<b onmouseover" in dash_duo.find_element(".page-coe .table").text
    assert dash_duo.driver.execute_script("return window.__pwned === undefined")
