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
