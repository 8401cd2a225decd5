"""The HTML report in a real headless Chromium: charts render, nothing errors, offline."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from analytics.analysis import load_analysis
from analytics.analyze import Settings, analyze
from analytics.ingest import ingest
from analytics.report import build_report, write_report
from analytics.report.charts import report_figures
from analytics.sample import generate_corpus
from analytics.store import load_coes, open_store

pytestmark = pytest.mark.browser

CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = Path("/tmp/coegraph-report.png")


@pytest.fixture(scope="module")
def driver(chrome_options):
    if not CHROMEDRIVER.exists():
        pytest.skip("chromium-driver is not installed (/usr/bin/chromedriver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = chrome_options
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield d
    d.quit()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    root = tmp_path_factory.mktemp("report-browser")
    generate_corpus(120, 2, root)
    conn = open_store(root / "store.db")
    ingest(conn, [root / "corpus"])
    analyze(conn, Settings(embedder="tfidf"), log=lambda _: None)
    report = build_report(load_analysis(conn), load_coes(conn), today="2026-07-15")
    conn.close()
    return report, write_report(report, root / "review.html")


def _wait_for(driver, script: str, expected: int, timeout: float = 30.0) -> int:
    # Polling, not a fixed sleep: the page is ready when every chart has drawn.
    deadline = time.monotonic() + timeout
    while True:
        found = driver.execute_script(script)
        if found >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_report_renders_every_chart_without_errors(driver, report_file) -> None:
    report, path = report_file
    expected = len(report_figures(report))
    assert expected == 4
    driver.get(path.resolve().as_uri())
    drawn = _wait_for(
        driver,
        "return [...document.querySelectorAll('.js-plotly-plot')]"
        ".filter(el => el.querySelector('svg.main-svg')).length",
        expected,
    )
    assert drawn == expected
    # Bars were drawn, not just empty axes.
    assert (
        driver.execute_script("return document.querySelectorAll('.js-plotly-plot .point').length")
        > 0
    )
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 1440  # nothing overflows the page sideways
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1440, min(height, 4000))
    driver.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def test_report_prints_without_overflow(driver, report_file) -> None:
    _, path = report_file
    driver.get(path.resolve().as_uri())
    # A4 portrait at 96 dpi less the page margins is about 720 CSS pixels of text width.
    driver.set_window_size(760, 1000)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        driver.execute_script("window.dispatchEvent(new Event('beforeprint'))")
        # Charts re-layout asynchronously after beforeprint: wait until every one fits.
        overflow = -_wait_for(
            driver,
            "const w = document.documentElement.clientWidth;"
            "return -[...document.querySelectorAll('table, .js-plotly-plot svg.main-svg')]"
            ".filter(el => el.getBoundingClientRect().right > w + 1).length",
            0,
            timeout=10,
        )
        assert overflow == 0
        hidden = driver.execute_script(
            "return getComputedStyle(document.querySelector('nav.toc')).display"
        )
        assert hidden == "none"
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
