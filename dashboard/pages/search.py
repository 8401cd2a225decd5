"""Precedent search: paste or upload a draft COE; ranked precedents and the draft's lint findings."""

from __future__ import annotations

import base64

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import data
from dashboard.components import card, coe_href, note, status_badge, unavailable
from dashboard.filters import STORE
from dashboard.pages.coe import lint_block

dash.register_page(
    __name__, path="/search", name="Precedent search", title="coegraph · Precedent search", order=3
)

TEXT = "search-text"
UPLOAD = "search-upload"
BUTTON = "search-button"
COUNT = "search-count"
RESULTS = "search-results"
LINT = "search-lint"
STATUS = "search-status"

MAX_UPLOAD = 2_000_000  # bytes; a COE is a few kB, this only stops a mistaken binary upload

PLACEHOLDER = """Paste a draft COE (Markdown, plain text, JSON or YAML), or a few sentences:

# Checkout latency spike
## Five whys
1. Why did checkout time out? The payments client retried without backoff.
2. Why? The retry policy was copied from a batch job ...
"""


def layout(**_query) -> html.Div:
    return html.Div(
        className="page-search",
        children=[
            html.Div(
                className="page-head",
                children=[
                    html.H1("Precedent search"),
                    html.P(
                        "Has this happened before? Paste a draft to find earlier COEs with the "
                        "same why-steps and root causes, what those teams did, and how deep the "
                        "draft goes.",
                        className="lede",
                    ),
                ],
            ),
            html.Div(
                className="grid-main-side",
                children=[
                    card(
                        "Draft",
                        dcc.Textarea(id=TEXT, placeholder=PLACEHOLDER, className="draft-input"),
                        html.Div(
                            className="search-actions",
                            children=[
                                dcc.Upload(
                                    id=UPLOAD,
                                    children=html.Span(["Drop a file or ", html.A("choose one")]),
                                    className="upload",
                                    max_size=MAX_UPLOAD,
                                ),
                                html.Label("Results", htmlFor=COUNT, className="inline-label"),
                                dcc.Dropdown(
                                    id=COUNT,
                                    options=[5, 10, 20],
                                    value=5,
                                    clearable=False,
                                    className="count-dropdown",
                                ),
                                html.Button(
                                    "Find precedents", id=BUTTON, n_clicks=0, className="button"
                                ),
                            ],
                        ),
                        html.Div(id=STATUS, className="muted"),
                    ),
                    card(
                        "Draft quality",
                        html.Div(id=LINT, children=note("Lint findings appear here.")),
                    ),
                ],
            ),
            dcc.Loading(html.Div(id=RESULTS, className="results"), type="dot"),
        ],
    )


def decode_upload(contents: str | None) -> str | None:
    """Text of a ``dcc.Upload`` data URL; ``None`` when it is not UTF-8 text.

    >>> decode_upload("data:text/plain;base64," + base64.b64encode(b"why?").decode())
    'why?'
    """
    if not contents or "," not in contents:
        return None
    raw = base64.b64decode(contents.split(",", 1)[1])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


@callback(
    Output(TEXT, "value"),
    Output(STATUS, "children"),
    Input(UPLOAD, "contents"),
    State(UPLOAD, "filename"),
    prevent_initial_call=True,
)
def load_upload(contents: str | None, filename: str | None):
    text = decode_upload(contents)
    if text is None:
        return dash.no_update, f"{filename or 'The file'} is not a text document."
    return text, f"Loaded {filename}."


@callback(
    Output(RESULTS, "children"),
    Output(LINT, "children"),
    Input(BUTTON, "n_clicks"),
    State(TEXT, "value"),
    State(COUNT, "value"),
    State(STORE, "data"),
    prevent_initial_call=True,
)
def run_search(_clicks: int, text: str | None, k: int | None, filters_data: dict | None):
    return search_results(data.current(), text or "", k or 5, data.Filters.from_store(filters_data))


def search_scope(filters: data.Filters) -> dict:
    """The global filters the precedent index can apply: one service, one team, a date span."""
    from dashboard.figures import quarter_end

    scope: dict = {}
    if len(filters.services) == 1:
        scope["service"] = filters.services[0]
    if len(filters.teams) == 1 and filters.teams[0] != data.UNKNOWN:
        scope["team"] = filters.teams[0]
    if filters.quarter_from:
        y, q = filters.quarter_from[:4], int(filters.quarter_from[-1])
        scope["since"] = f"{y}-{3 * q - 2:02d}-01"
    if filters.quarter_to:
        scope["until"] = quarter_end(filters.quarter_to)
    return scope


def search_results(snapshot: data.Snapshot, text: str, k: int, filters: data.Filters):
    """(results panel, lint panel) for a draft's text."""
    if not text.strip():
        return note("Paste a draft or upload a file first."), dash.no_update
    try:
        from analytics.search import draft_from_text
    except ImportError:
        return unavailable("Precedent search"), unavailable("The COE linter")
    draft = draft_from_text(text)
    lint_panel = draft_lint(draft, text)
    index = snapshot.precedents
    if index is None:
        return unavailable("Precedent search"), lint_panel
    scope = search_scope(filters)
    found = index.search(draft, k, **scope)
    if not found:
        return note("No precedents under the current filters."), lint_panel
    theme = index.nearest_theme(draft)
    head = html.P(
        [
            f"{len(found)} precedents",
            *(
                [
                    " · nearest theme ",
                    dcc.Link(f"{theme[0]} {theme[1]}", href=f"/themes?theme={theme[0]}"),
                ]
                if theme
                else []
            ),
            *(
                [f" · filtered by {', '.join(f'{k}={v}' for k, v in scope.items())}"]
                if scope
                else []
            ),
        ],
        className="muted",
    )
    return html.Div([head, *[precedent_card(i + 1, p) for i, p in enumerate(found)]]), lint_panel


def draft_lint(draft, text: str):
    try:
        from analytics.lint import lint_coe, quality
    except ImportError:
        return unavailable("The COE linter")
    findings = lint_coe(draft, text)
    scored = quality(draft, findings)
    parts = [p.to_dict() for p in scored.parts]
    return lint_block((scored.score, [f.to_dict() for f in findings], parts))


def precedent_card(rank: int, p) -> html.Section:
    """One precedent: who, how well it matches, the matching steps side by side, what they did."""
    pairs = (
        html.Table(
            [
                html.Thead(
                    html.Tr([html.Th("Your draft"), html.Th("This precedent"), html.Th("Match")])
                ),
                html.Tbody(
                    [
                        html.Tr(
                            [
                                html.Td(
                                    [
                                        html.Span(
                                            pr.draft_kind.replace("_", " "), className="kind"
                                        ),
                                        pr.draft,
                                    ]
                                ),
                                html.Td(
                                    [
                                        html.Span(
                                            pr.precedent_kind.replace("_", " "), className="kind"
                                        ),
                                        pr.precedent,
                                    ]
                                ),
                                html.Td(f"{pr.similarity:.0%}", className="col-match"),
                            ]
                        )
                        for pr in p.pairs
                    ]
                ),
            ],
            className="table pairs",
        )
        if p.pairs
        else note("No single step matches closely; the documents match as a whole.")
    )
    return html.Section(
        className="card precedent-card",
        children=[
            html.Div(
                className="precedent-head",
                children=[
                    html.Span(f"#{rank}", className="rank"),
                    dcc.Link(p.coe_id, href=coe_href(p.coe_id), className="coe-link"),
                    html.Span(p.title, className="precedent-title"),
                    html.Span(
                        f"score {p.score:.0f}/100",
                        className="score-chip",
                        title="0 = the store's median COE for this draft, 100 = its best match, "
                        "on each search signal",
                    ),
                ],
            ),
            html.Div(
                " · ".join(
                    x
                    for x in (
                        p.date or "undated",
                        ", ".join(p.services),
                        p.team or "",
                        f"theme {p.theme.id} {p.theme.label}"
                        + (" (shared)" if p.theme.shared else "")
                        if p.theme
                        else "",
                    )
                    if x
                ),
                className="muted",
            ),
            html.P("Distinctive terms in both: " + ", ".join(p.terms), className="muted")
            if p.terms
            else None,
            pairs,
            html.Details(
                [
                    html.Summary(f"What they did ({len(p.actions)} actions)"),
                    html.Ul([html.Li([status_badge(a.status), " ", a.title]) for a in p.actions]),
                ]
            )
            if p.actions
            else html.P("No actions recorded.", className="muted"),
        ],
    )
