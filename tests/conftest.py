"""Shared pytest configuration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The devset and the real postmortem corpora live beside the project (../shared), never in it.
SHARED = Path(__file__).resolve().parents[2] / "shared"


def require_shared(*parts: str) -> Path:
    """``../shared/<parts>``, or skip the calling test where it is absent.

    Under CI (``$CI`` set; ``.ci/run`` sets it) the folder is always there, so its absence fails
    the test instead: a silent skip there would hide that the real-corpus bars went unmeasured.
    """
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI measures the real-corpus tests on it", False)
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture
def real_corpora() -> Path:
    """``../shared/corpora``: real postmortems (DFDS, PostHog, ...), one folder per source."""
    return require_shared("corpora")


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


@pytest.fixture(scope="session")
def analysed_tfidf_store():
    """A function ``(folder, n, seed, extra) -> store path``; see :func:`_analysed_tfidf_store`."""
    return _analysed_tfidf_store


def _analysed_tfidf_store(folder: Path, n: int, seed: int, extra: dict[str, str]) -> Path:
    """A store in ``folder``: a generated corpus of ``n`` COEs plus ``extra`` documents (file
    name -> text), ingested and analysed with the TF-IDF embedder. Returns the store's path."""
    from analytics.analyze import Settings, analyze
    from analytics.ingest import ingest
    from analytics.sample import generate_corpus
    from analytics.store import open_store

    corpus = folder / "corpus"
    generate_corpus(n, seed, corpus)
    for name, text in extra.items():
        (corpus / name).write_text(text, encoding="utf-8")
    store = folder / "store.db"
    conn = open_store(store)
    try:
        ingest(conn, [corpus])
        analyze(conn, Settings(embedder="tfidf"), log=lambda _m: None)
    finally:
        conn.close()
    return store
