"""The Dash app: :func:`create_app` builds it for a store, :func:`serve` runs it on 127.0.0.1.

Pages are the modules in :mod:`dashboard.pages`; each calls ``dash.register_page`` and
``dash.callback`` at import, which Dash keeps in process-wide registries. :func:`create_app`
therefore clears those registries and re-imports the pages, so building a second app (tests do)
gets exactly one copy of every page and callback.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
from pathlib import Path

import dash
from dash import Dash, Input, Output, dcc, html

from dashboard import data, filters
from dashboard.server import allowed_hosts, harden, serve_production

log = logging.getLogger(__name__)

PAGES = ("overview", "themes", "causal", "coe", "search", "review")
NAV = (
    ("Overview", "/"),
    ("Themes", "/themes"),
    ("Causal graph", "/causal"),
    ("Precedent search", "/search"),
    ("Quarterly review", "/review"),
)
NAV_PREFIX = "nav-"
URL = "app-url"
RUN_BADGE = "app-run"
CALLBACK_ERROR = "app-callback-error"
ASSETS = Path(__file__).parent / "assets"


def _reset_dash_registries() -> None:
    # Dash keeps pages and ``dash.callback`` registrations in module globals; a second app in
    # one process would otherwise inherit the first one's (or register every callback twice).
    from dash import _callback, _pages

    _pages.PAGE_REGISTRY.clear()
    _callback.GLOBAL_CALLBACK_LIST.clear()
    _callback.GLOBAL_CALLBACK_MAP.clear()


def create_app(store_path: str | os.PathLike, *, title: str = "coegraph") -> Dash:
    """Build the dashboard for one store.

    Parameters
    ----------
    store_path : path
        The coegraph store (``coe ingest`` + ``coe analyze`` output). Read only.
    title : str
        Browser tab title prefix.

    Returns
    -------
    dash.Dash
        The app; ``app.server`` is the Flask server. Nothing is loaded until the first request
        (or :func:`dashboard.data.current`).
    """
    data.configure(store_path)
    _reset_dash_registries()
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        serve_locally=True,
        suppress_callback_exceptions=True,
        title=title,
        update_title=None,
        on_error=_callback_error,
    )
    for name in PAGES:
        module = f"dashboard.pages.{name}"
        if module in sys.modules:
            page = importlib.reload(sys.modules[module])
        else:
            page = importlib.import_module(module)
        # Dash fills in ``layout`` only for pages it imports from a pages folder itself.
        dash.page_registry[module]["layout"] = page.layout
    app.layout = shell
    filters.register(app)
    _register_nav(app)
    return app


def _callback_error(err: Exception) -> None:
    """A callback that failed (a crafted or stale value, a bug) answers with a message in the
    page instead of HTTP 500; its outputs stay as they were."""
    log.warning("callback %s failed: %r", dash.ctx.triggered_id, err, exc_info=err)
    dash.set_props(
        CALLBACK_ERROR,
        {
            "children": "That request could not be answered (a value the page cannot use); "
            "nothing changed. Reload the page if this persists.",
            "hidden": False,
        },
    )
    return None


def shell() -> html.Div:
    """The app frame: top nav, filter bar, and the page container."""
    snapshot = data.current()
    analysis = snapshot.analysis
    badge = (
        f"run {analysis.run} · {analysis.created_at[:16]} · {analysis.settings.get('embedder', '')}"
        if analysis
        else "not analysed"
    )
    notice = (
        []
        if analysis
        else [
            html.Div(
                "This store has no analysis yet: run `coe analyze --store …` and reload.",
                className="notice",
            )
        ]
    )
    return html.Div(
        className="app",
        children=[
            dcc.Location(id=URL),
            dcc.Store(id=filters.STORE, data=data.Filters().to_store()),
            html.Header(
                className="topbar",
                children=[
                    dcc.Link(
                        [html.Span("coe", className="brand-a"), html.Span("graph")],
                        href="/",
                        className="brand",
                    ),
                    html.Nav(
                        className="nav",
                        children=[
                            dcc.Link(
                                label, href=href, id=NAV_PREFIX + _slug(href), className="nav-link"
                            )
                            for label, href in NAV
                        ],
                    ),
                    html.Span(badge, id=RUN_BADGE, className="run-badge"),
                ],
            ),
            html.Div(
                className="filter-wrap",
                children=[
                    filters.filter_bar(snapshot),
                    html.Div(id=filters.SUMMARY, className="filter-summary"),
                ],
            ),
            *notice,
            html.Div(id=CALLBACK_ERROR, className="notice", hidden=True),
            html.Main(dash.page_container, className="page"),
        ],
    )


def _slug(href: str) -> str:
    return href.strip("/") or "overview"


def nav_classes(pathname: str | None) -> list[str]:
    """Class of each nav link for the current path: the matching one is ``active``.

    >>> nav_classes("/themes")[:2]
    ['nav-link', 'nav-link active']
    """
    path = pathname or "/"
    out = []
    for _label, href in NAV:
        hit = path == "/" if href == "/" else path.startswith(href)
        out.append("nav-link active" if hit else "nav-link")
    return out


def _register_nav(app: Dash) -> None:
    app.callback(
        [Output(NAV_PREFIX + _slug(href), "className") for _label, href in NAV],
        Input(URL, "pathname"),
    )(nav_classes)


def serve(
    store_path: str | os.PathLike,
    host: str = "127.0.0.1",
    port: int = 8050,
    debug: bool = False,
    production: bool = False,
) -> None:
    """Serve the dashboard (blocking). Binds to localhost unless ``host`` says otherwise.

    ``production`` serves it with waitress (``coe dashboard``), else with Dash's simple server
    (``coe demo``); either way requests must name this server in their Host header and every
    response carries security headers (:mod:`dashboard.server`). The store's latest analysis is
    loaded before the server starts, so the first page load does not pay for it.
    """
    app = create_app(store_path)
    harden(app.server, allowed_hosts(host))
    snapshot = data.current()
    # The heavy pieces (the precedent index loads the model and embeds every document: ~25 s
    # for the 300-COE sample) build while the server starts, not on the first COE page opened.
    threading.Thread(target=snapshot.warm, name="coegraph-warm", daemon=True).start()
    if production and not debug:
        serve_production(app.server, host, port)
    else:
        app.run(host=host, port=port, debug=debug, dev_tools_disable_version_check=True)
