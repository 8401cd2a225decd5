"""Shared pytest configuration."""

from __future__ import annotations

import pytest

CHROME_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1440,900",
)


def _chrome_options():
    from pathlib import Path

    from selenium.webdriver.chrome.options import Options

    options = Options()
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    if Path("/usr/bin/chromium").exists():
        options.binary_location = "/usr/bin/chromium"
    return options


@pytest.hookimpl(optionalhook=True)
def pytest_setup_options():
    """Chrome options for dash[testing]'s ``dash_duo`` (browser tests, Debian chromium)."""
    return _chrome_options()


@pytest.fixture(scope="session")
def chrome_options():
    """The same options, for tests that start Chromium with selenium themselves."""
    return _chrome_options()


@pytest.fixture
def generated_store(tmp_path):
    """A function ``(n, seed, first) -> (documents, connection)``: a generated corpus of ``n``
    COEs in ``tmp_path``, its first ``first`` documents ingested into a fresh store."""

    def make(n: int, seed: int, first: int):
        from analytics.ingest import ingest
        from analytics.sample import generate_corpus
        from analytics.store import open_store

        generate_corpus(n, seed, tmp_path / "c")
        docs = sorted((tmp_path / "c" / "corpus").iterdir())
        conn = open_store(tmp_path / "s.db")
        ingest(conn, docs[:first], progress=False)
        return docs, conn

    return make
