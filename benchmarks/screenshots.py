"""Screenshot every dashboard page (1440x900 PNG) from a demo store, for a designer's eye.

    python benchmarks/screenshots.py OUT_DIR [--store S.db] [--full]

Without ``--store`` a demo store is built in a temporary folder (``coe sample --n 300 --seed 7``,
ingest, ``analyze --embedder tfidf``). ``--full`` also writes ``*-full.png`` of each whole page.
Needs Chromium and chromedriver (Debian: /usr/bin/chromium, /usr/bin/chromedriver).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHROME_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)

DRAFT = """# Checkout errors after certificate expiry

## Five whys
1. Why did checkout fail? Calls to the payments gateway failed the TLS handshake.
2. Why did the handshake fail? The certificate on the edge proxy had expired.
3. Why had it expired? Renewal is a manual calendar task and the owner was on leave.
4. Why is renewal manual? Certificates were never moved to automated issuance.
5. Why were they not moved? Nobody tracks certificate expiry as an operational risk.

## Root cause
Certificates are renewed by hand, with no alarm before expiry.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(store: Path):
    """Serve the app on a free localhost port in a thread; returns (base url, server)."""
    from werkzeug.serving import make_server

    from dashboard import create_app, data

    app = create_app(store)
    data.current().warm()
    port = free_port()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}", server


def make_driver(width: int = 1440, height: int = 900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--window-size={width},{height}")
    if Path("/usr/bin/chromium").exists():
        options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_window_size(width, height)
    return driver


def wait_idle(driver, timeout: float = 30.0, settle: float = 0.8) -> None:
    """Wait until Dash has no callback in flight, then let plots and graphs finish drawing."""
    end = time.monotonic() + timeout
    time.sleep(0.3)
    while time.monotonic() < end:
        busy = driver.execute_script(
            "return document.querySelector('[data-dash-is-loading=\"true\"]') !== null"
            " || document.getElementById('react-entry-point') === null"
            " || document.querySelector('._dash-loading') !== null"
            # the filter bar's dropdowns load as async chunks; wait for all three
            " || document.querySelectorAll('.filter-bar .dash-dropdown').length < 3;"
        )
        if not busy:
            break
        time.sleep(0.2)
    time.sleep(settle)


def set_textarea(driver, element_id: str, text: str) -> None:
    """Set a React-controlled textarea's value the way typing would (fires React's input event)."""
    driver.execute_script(
        "const el = document.getElementById(arguments[0]);"
        "const set = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set;"
        "set.call(el, arguments[1]);"
        "el.dispatchEvent(new Event('input', {bubbles: true}));",
        element_id,
        text,
    )


def shoot(driver, path: Path, full: bool) -> None:
    driver.save_screenshot(str(path))
    if full:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1440, max(900, int(height)))
        time.sleep(0.8)
        driver.save_screenshot(str(path.with_name(path.stem + "-full.png")))
        driver.set_window_size(1440, 900)


def pages(store: Path) -> list[tuple[str, str]]:
    """(name, path) of each page to capture, with a busy theme and a deep COE picked."""
    from dashboard import data

    snapshot = data.current()
    top = snapshot.theme_rows()[0]["id"] if snapshot.theme_rows() else ""
    deep = max(snapshot.coes, key=lambda c: (len(c.whys), len(c.actions)))
    return [
        ("overview", "/"),
        ("themes", f"/themes?theme={top}"),
        ("causal", "/causal"),
        ("coe", f"/coe/{deep.id}"),
        ("search", "/search"),
        ("review", "/review"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNGs")
    parser.add_argument("--store", type=Path, help="an analysed store (default: build a demo)")
    parser.add_argument("--full", action="store_true", help="also capture whole pages")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = None
    store = args.store
    if store is None:
        tmp = Path(tempfile.mkdtemp(prefix="coegraph-shots-"))
        from analytics.sample import build_sample_store

        store = build_sample_store(tmp)
    base, server = start_server(store)
    driver = make_driver()
    try:
        for name, path in pages(store):
            driver.get(base + path)
            wait_idle(driver)
            if name == "search":
                set_textarea(driver, "search-text", DRAFT)
                driver.find_element("id", "search-button").click()
                wait_idle(driver, settle=1.0)
            out = args.out / f"{name}.png"
            shoot(driver, out, args.full)
            print(out)
    finally:
        driver.quit()
        server.shutdown()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
