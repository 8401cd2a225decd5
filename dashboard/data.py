"""What the dashboard reads: one :class:`Snapshot` per analysis run, built once and shared.

Every page reads the store through :func:`current`, which asks the store for its latest run
(one indexed SQL query) and rebuilds the snapshot only when ``coe analyze`` has written a new
run. So a new analysis shows up on the next request without a restart, and nothing is re-read
or re-computed per request. Heavy derived objects (causal graph, precedent index, follow-through)
are built lazily, at most once per run, and only when a page needs them.

The analytics the pages show beside the themes (causal graph, follow-through, precedent search,
lint) are plain imports: a broken module fails loudly instead of turning into a "not available"
note. Precedent search is imported where the index is built, because importing it loads the
embedding stack (seconds) that only the COE and search pages need.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx

from analytics import causal, followthrough, lint, severity
from analytics.analysis import ROOT_CAUSE, WHY, Analysis, Cluster, Statement, latest_run
from analytics.analysis import load_analysis as _load_analysis
from analytics.periods import quarter
from analytics.record import COE, why_paths
from analytics.scores import theme_stats
from analytics.store import load_coes, open_store, raw_document

if TYPE_CHECKING:
    from analytics.search import PrecedentIndex

UNKNOWN = "unknown"
REPORTS_KEPT = 3


@dataclass(frozen=True)
class Filters:
    """The global filters every page applies: a quarter range, services, teams, severities.

    Empty tuples mean "all"; ``None`` bounds mean "open-ended".
    """

    quarter_from: str | None = None
    quarter_to: str | None = None
    services: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()

    @classmethod
    def from_store(cls, data: dict | None) -> Filters:
        """Rebuild from the app-level ``dcc.Store`` value (JSON-ready dict)."""
        data = data or {}
        return cls(
            quarter_from=data.get("quarter_from"),
            quarter_to=data.get("quarter_to"),
            services=tuple(sorted(data.get("services") or ())),
            teams=tuple(sorted(data.get("teams") or ())),
            severities=tuple(sorted(data.get("severities") or ())),
        )

    def to_store(self) -> dict:
        return {
            "quarter_from": self.quarter_from,
            "quarter_to": self.quarter_to,
            "services": list(self.services),
            "teams": list(self.teams),
            "severities": list(self.severities),
        }

    def keeps(self, coe: COE) -> bool:
        """Whether one COE passes every filter (undated COEs pass an open date range only)."""
        if self.quarter_from or self.quarter_to:
            q = quarter(coe.date)
            if self.quarter_from and (q is None or q < self.quarter_from):
                return False
            if self.quarter_to and (q is None or q > self.quarter_to):
                return False
        if self.services and not set(coe.services) & set(self.services):
            return False
        if self.teams and (coe.team or UNKNOWN) not in self.teams:
            return False
        return not (self.severities and severity.bucket(coe.severity) not in self.severities)


@dataclass
class Snapshot:
    """Everything the pages read for one analysis run. Built once per run; treat as read-only."""

    store_path: str
    analysis: Analysis | None
    coes: list[COE]
    lint_rows: dict[str, tuple[int, list[dict]]] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)
    _reports: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _index: list = field(default_factory=list, repr=False)  # the built index, once built

    @property
    def run(self) -> int | None:
        return self.analysis.run if self.analysis else None

    @cached_property
    def coe_by_id(self) -> dict[str, COE]:
        return {c.id: c for c in self.coes}

    @cached_property
    def quarters(self) -> list[str]:
        return sorted({q for q in (quarter(c.date) for c in self.coes) if q})

    @cached_property
    def services(self) -> list[str]:
        return sorted({s for c in self.coes for s in c.services})

    @cached_property
    def teams(self) -> list[str]:
        return sorted({c.team or UNKNOWN for c in self.coes})

    @cached_property
    def severities(self) -> list[str]:
        return severity.order({severity.bucket(c.severity) for c in self.coes})

    @cached_property
    def themes(self) -> dict[str, Cluster]:
        return {t.id: t for t in self.analysis.themes} if self.analysis else {}

    @cached_property
    def statements_by_coe(self) -> dict[str, list[Statement]]:
        out: dict[str, list[Statement]] = {}
        for s in self.analysis.statements if self.analysis else ():
            out.setdefault(s.coe, []).append(s)
        return out

    @cached_property
    def coes_by_quarter(self) -> dict[str, list[COE]]:
        out: dict[str, list[COE]] = {}
        for c in self.coes:
            q = quarter(c.date)
            if q:
                out.setdefault(q, []).append(c)
        return out

    @cached_property
    def map_points(self) -> dict:
        """:func:`dashboard.figures.map_points` of this run, built once."""
        from dashboard.figures import map_points

        return map_points(self.analysis) if self.analysis else {}

    @cached_property
    def theme_of_statement(self) -> dict[str, str]:
        return {
            s.id: s.cluster
            for s in (self.analysis.statements if self.analysis else ())
            if s.kind == ROOT_CAUSE and s.cluster
        }

    def memo(self, key: tuple, build):
        """A small per-run memo for derived values keyed by their inputs (e.g. the filters).

        ``build`` runs outside the lock: two threads asking at once may both build, which is
        cheaper than making every other request wait.
        """
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = build()
        with self._lock:
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = value
        return value

    def filtered(self, filters: Filters) -> list[COE]:
        """The COEs that pass the filters, in date order."""
        if filters == Filters():
            return self.coes
        return self.memo(("coes", filters), lambda: [c for c in self.coes if filters.keeps(c)])

    @cached_property
    def all_theme_rows(self) -> list[dict]:
        """:meth:`theme_rows` without filters: every page's default view, so computed once per
        run and never evicted from the memo."""
        if self.analysis is None:
            return []
        return [r for r in theme_stats(self.analysis, self.coes) if r["coe_count"]]

    def theme_rows(self, filters: Filters = Filters()) -> list[dict]:
        """:func:`analytics.scores.theme_stats` over the filtered COEs, themes without any left
        out; whether a theme is systemic, its score and trend are the whole store's."""
        if self.analysis is None:
            return []
        if filters == Filters():
            return self.all_theme_rows

        def build():
            rows = theme_stats(self.analysis, self.filtered(filters))
            return self.store_wide([r for r in rows if r["coe_count"]])

        return self.memo(("themes", filters), build)

    # What a theme is across the whole store, whatever the filters: filtered to one service, a
    # theme spans one service, and would never look systemic to that service's owner.
    STORE_WIDE = ("systemic", "score", "trend")

    def store_wide(self, rows: list[dict]) -> list[dict]:
        """Filtered theme rows with :data:`STORE_WIDE` fields from the whole store, by score."""
        whole = {r["id"]: r for r in self.all_theme_rows}
        out = [{**r, **{k: whole[r["id"]][k] for k in self.STORE_WIDE}} for r in rows]
        return sorted(out, key=lambda r: (not r["systemic"], -r["score"], r["id"]))

    def kept_ids(self, filters: Filters) -> frozenset[str] | None:
        """Ids of the COEs that pass the filters; ``None`` when nothing is filtered out."""
        if filters == Filters():
            return None
        return self.memo(("ids", filters), lambda: frozenset(c.id for c in self.filtered(filters)))

    def quarter_coes(self, q: str, filters: Filters = Filters()) -> list[COE]:
        """The COEs dated in quarter ``q`` that pass the filters."""
        coes = self.coes_by_quarter.get(q, [])
        keep = self.kept_ids(filters)
        return coes if keep is None else [c for c in coes if c.id in keep]

    def quarter_actions(self, q: str, filters: Filters = Filters()) -> dict[str, list[dict]]:
        """:func:`dashboard.figures.quarter_actions` of the filtered COEs (the report's rule)."""
        from dashboard.figures import quarter_actions

        return self.memo(
            ("actions", q, filters), lambda: quarter_actions(self.filtered(filters), q)
        )

    def quarter_themes(self, q: str, filters: Filters = Filters()) -> dict[str, list[dict]]:
        """New, recurring and rising themes of quarter ``q``: :func:`analytics.scores.period_themes`
        over the whole store's history (what the report says), counted on the filtered COEs."""
        from analytics.periods import Period
        from analytics.scores import period_themes

        if self.analysis is None:
            return {"new": [], "recurring": [], "rising": []}

        def build():
            keep = self.kept_ids(filters)
            return period_themes(self.analysis, self.coes, Period.of_quarter(q), scope=keep)[1]

        return self.memo(("period-themes", q, filters), build)

    def systemic_share(self, filters: Filters = Filters()) -> float:
        """Share of the filtered COEs whose theme is systemic."""
        coes = self.filtered(filters)
        if not coes or self.analysis is None:
            return 0.0
        systemic = {r["id"] for r in self.theme_rows(filters) if r["systemic"]}
        theme = self.analysis.coe_theme
        return sum(theme.get(c.id) in systemic for c in coes) / len(coes)

    # --- pieces built by the other analytics modules, once per run -----------------------

    def lint(self, coe_id: str) -> tuple[int, list[dict], list[dict]] | None:
        """(quality score, findings as dicts, the score's parts as dicts) for a stored COE;
        ``None`` without a linter. Stored findings are used when there are some; the parts are
        read from them and the record (:func:`analytics.lint.quality`), so they add up."""
        coe = self.coe_by_id.get(coe_id)
        if coe is None:
            return None
        if coe_id in self.lint_rows:
            findings = [lint.Finding(**f) for f in self.lint_rows[coe_id][1]]
        else:
            findings = lint.lint_coe(coe, self.raw_text(coe_id))
        scored = lint.quality(coe, findings)
        return scored.score, [f.to_dict() for f in findings], [p.to_dict() for p in scored.parts]

    def raw_text(self, coe_id: str) -> str | None:
        """The source text of a COE's document, read from the store on demand."""
        coe = self.coe_by_id.get(coe_id)
        if coe is None:
            return None
        conn = _connection(self.store_path)
        raw = raw_document(conn, coe.source.path)
        return raw.decode("utf-8", errors="replace") if raw is not None else None

    @cached_property
    def repeats(self) -> dict[str, dict] | None:
        """COE id -> repeat-despite-action evidence over the whole corpus; ``None`` before the
        store has an analysis."""
        if self.analysis is None:
            return None
        return followthrough.repeats_despite_action(self.coes, self.analysis.coe_theme)

    def theme_followthrough(self, theme_id: str, filters: Filters = Filters()) -> dict | None:
        """One theme's action follow-through over its filtered COEs, or ``None`` (no analysis, or
        no member COE passes the filters)."""
        if self.analysis is None:
            return None

        def build():
            theme = self.analysis.coe_theme
            members = [c for c in self.filtered(filters) if theme.get(c.id) == theme_id]
            rows = followthrough.follow_through(self.analysis, members)
            return rows[0] if rows else None

        return self.memo(("followthrough", theme_id, filters), build)

    def report(self, q: str, *, redact_names: bool = False) -> dict:
        """:func:`analytics.report.build_report` for quarter ``q`` over the whole store.

        The last few are kept (a 10,000-COE report is tens of MB in memory), so downloading a
        quarter in a second format does not build it again.
        """
        from analytics.report import build_report

        if self.analysis is None:
            raise ValueError("this store has no analysis to report on")
        key = (q, redact_names)
        with self._lock:
            if key in self._reports:
                return self._reports[key]
        report = build_report(self.analysis, self.coes, quarter=q, redact_names=redact_names)
        with self._lock:
            self._reports[key] = report
            while len(self._reports) > REPORTS_KEPT:
                self._reports.pop(next(iter(self._reports)))
        return report

    @cached_property
    def causal(self) -> nx.DiGraph | None:
        """The theme-level causal graph; ``None`` before the store has an analysis."""
        if self.analysis is None:
            return None
        graph = build_causal(self.analysis, self.coes)
        _freeze()  # long-lived like the snapshot itself: keep it out of every later collection
        return graph

    @property
    def precedents(self) -> PrecedentIndex | None:
        """The precedent search index; ``None`` before the store has an analysis.

        Built once per snapshot under its own lock: the start-up thread (:meth:`warm`) and a
        first COE page may ask at once, and two builds would write the same cache file.
        """
        with self._index_lock:
            if not self._index:
                if self.analysis is None:
                    return None
                self._index.append(build_precedent_index(self.analysis, self.coes, self.store_path))
                _freeze()
            return self._index[0]

    # Built with the snapshot: cheap (about half a second at 10,000 COEs) and what the default
    # views and the review page read on every request.
    PREPARED = (
        "coe_by_id",
        "quarters",
        "coes_by_quarter",
        "all_theme_rows",
    )

    def prepare(self) -> None:
        """Build the per-run indexes every request leans on (:attr:`PREPARED`)."""
        for name in self.PREPARED:
            getattr(self, name)

    def warm(self) -> None:
        """Also build the heavy per-run pieces now (server start-up) rather than on a first click."""
        self.prepare()
        for name in ("map_points", "repeats", "causal", "precedents"):
            getattr(self, name)
        _freeze()

    def why_chains(self, coe: COE) -> list[list[str]]:
        """Each root-to-leaf path of a COE's why tree, as the answers along it."""
        return [[w.answer or w.question or "" for w in path] for path in why_paths(coe.whys)]


# --- the heavy per-run pieces, one function each (tests replace them to count builds) ------


def build_causal(analysis: Analysis, coes: Sequence[COE]) -> nx.DiGraph:
    return causal.causal_graph(analysis, coes)


def build_precedent_index(analysis: Analysis, coes: Sequence[COE], store: str) -> PrecedentIndex:
    from analytics import search  # deferred: see the module docstring

    conn = _connection(store)
    return search.build_index(conn, analysis, cache=search.index_cache_path(conn))


# --- the source: store path -> snapshot of its latest run ---------------------------------

_local = threading.local()


def _connection(store_path: str) -> sqlite3.Connection:
    """One connection per thread and store: sqlite3 connections must stay on their thread."""
    conns = getattr(_local, "conns", None)
    if conns is None:
        conns = _local.conns = {}
    if store_path not in conns:
        conns[store_path] = open_store(store_path)
    return conns[store_path]


def _freeze() -> None:
    """Move everything alive now out of the garbage collector's sight.

    A snapshot of 10,000 COEs is a few hundred thousand long-lived objects; a full collection
    walks all of them (about half a second) and would land inside whichever request happened
    to trigger it. Frozen, they are skipped; the data is read-only and freed by reference
    counting when a new run replaces it (:meth:`DataSource.current` unfreezes first).
    """
    gc.collect()
    gc.freeze()


def _read_lint(conn: sqlite3.Connection) -> dict[str, tuple[int, list[dict]]]:
    try:
        rows = conn.execute("SELECT coe_id, score, findings FROM lint").fetchall()
    except sqlite3.OperationalError:
        return {}
    return {r[0]: (int(r[1]), json.loads(r[2])) for r in rows}


def load_snapshot(store_path: str | os.PathLike) -> Snapshot:
    """Read the store's latest analysis and its COEs into a fresh snapshot."""
    path = os.fspath(store_path)
    conn = _connection(path)
    return Snapshot(
        store_path=path,
        analysis=_load_analysis(conn),
        coes=load_coes(conn),
        lint_rows=_read_lint(conn),
    )


class DataSource:
    """A store path and the snapshot of its latest run, rebuilt when the run changes.

    Parameters
    ----------
    store_path : path
        The coegraph store the dashboard reads.
    """

    def __init__(self, store_path: str | os.PathLike) -> None:
        self.store_path = os.fspath(Path(store_path))
        self._snapshot: Snapshot | None = None
        self._key: object = object()
        self._lock = threading.Lock()
        self.loads = 0  # how many snapshots were built; tests hold the cache to this

    def current(self) -> Snapshot:
        """The snapshot of the latest run; rebuilt only when ``coe analyze`` wrote a new one."""
        conn = _connection(self.store_path)
        key = (latest_run(conn), conn.execute("SELECT count(*) FROM coes").fetchone()[0])
        if self._snapshot is not None and key == self._key:
            return self._snapshot
        with self._lock:
            if self._snapshot is None or key != self._key:
                gc.unfreeze()  # the snapshot being replaced can be collected again
                snapshot = load_snapshot(self.store_path)
                snapshot.prepare()
                self._snapshot, self._key = snapshot, key
                self.loads += 1
                _freeze()
        return self._snapshot


_SOURCE: DataSource | None = None


def configure(store_path: str | os.PathLike) -> DataSource:
    """Point the dashboard at a store (one store per process: the pages share this source)."""
    global _SOURCE
    _SOURCE = DataSource(store_path)
    return _SOURCE


def current() -> Snapshot:
    """The snapshot the pages read; :func:`configure` must have been called."""
    if _SOURCE is None:
        raise RuntimeError("dashboard data source not configured: call create_app(store_path)")
    return _SOURCE.current()


def why_statements(snapshot: Snapshot, coe_id: str) -> list[Statement]:
    """A COE's why-step statements in record order."""
    return [s for s in snapshot.statements_by_coe.get(coe_id, ()) if s.kind == WHY]
