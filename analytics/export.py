"""``coe export clusters``: every theme or action family with its members, for other tools.

A theme's members are its root-cause statements, an action family's its actions; each member
comes with its COE's id, title, date, services, team and severity. Themes are scored by
:func:`analytics.scores.theme_stats` (most systemic first); families by their member count.

Formats: ``csv`` (one row per member, the cluster's fields repeated), ``xlsx`` (a clusters
sheet and a members sheet) and ``json`` (clusters with their members nested). With
``redact_names`` the names of people are replaced by a role placeholder everywhere
(:mod:`analytics.redact`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from analytics.analysis import Analysis, Cluster
from analytics.output import spreadsheet_safe
from analytics.record import COE
from analytics.redact import person_names, redact
from analytics.report.tables import cell_text
from analytics.scores import theme_stats

KINDS = ("themes", "actions")
FORMATS = ("csv", "xlsx", "json")

_MEMBER_FIELDS = (
    "coe",
    "title",
    "date",
    "services",
    "team",
    "severity",
    "statement_id",
    "statement",
)
_ACTION_FIELDS = ("owner", "priority", "due", "status")


def cluster_export(
    analysis: Analysis, coes: Sequence[COE], kind: str = "themes", *, redact_names: bool = False
) -> dict:
    """The clusters of one kind with their members, as a JSON-ready dict (pure).

    Parameters
    ----------
    analysis
        The run whose themes or action families are exported.
    coes
        The COE records (titles, dates, services of the members).
    kind
        ``"themes"`` or ``"actions"`` (action families).
    redact_names
        Replace people's names everywhere by a role placeholder.

    Returns
    -------
    dict
        ``kind, run, analysed_at, redacted, clusters``; each cluster ``id, label, keywords,
        representative, score, coe_count, size`` (themes also ``systemic, trend, services,
        teams, first_seen, last_seen``) and ``members`` (``coe, title, date, services, team,
        severity, statement_id, statement``; action members also ``owner, priority, due,
        status``), members in date order.

    Raises
    ------
    ValueError
        For an unknown ``kind``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown cluster kind {kind!r}; expected themes or actions")
    by_id = {c.id: c for c in coes}
    statements = analysis.statement_by_id
    if kind == "themes":
        clusters = [
            (analysis.cluster_by_id[row["id"]], _theme_fields(row))
            for row in theme_stats(analysis, coes)
        ]
    else:
        clusters = [
            (c, {"score": len(c.statements), "coe_count": len(c.coes), "size": len(c.statements)})
            for c in sorted(analysis.families, key=lambda c: (-len(c.statements), c.id))
        ]
    out = []
    for cluster, fields in clusters:
        members = [
            _member(statements[s], by_id, kind) for s in cluster.statements if s in statements
        ]
        members.sort(key=lambda m: (m["date"] or "", m["coe"], m["statement_id"]))
        out.append({**_cluster_fields(cluster), **fields, "members": members})
    data = {
        "kind": kind,
        "run": analysis.run,
        "analysed_at": analysis.created_at,
        "redacted": redact_names,
        "clusters": out,
    }
    return redact(data, person_names(coes)) if redact_names else data


def _cluster_fields(c: Cluster) -> dict:
    return {
        "id": c.id,
        "label": c.label,
        "keywords": list(c.keywords),
        "representative": c.representative,
    }


def _theme_fields(row: dict) -> dict:
    keys = ("score", "coe_count", "size", "systemic", "trend", "services", "teams")
    return {
        **{k: row[k] for k in keys},
        "first_seen": row["first_seen"],
        "last_seen": row["last_seen"],
    }


def _member(statement, by_id: dict[str, COE], kind: str) -> dict:
    coe = by_id.get(statement.coe)
    member = {
        "coe": statement.coe,
        "title": coe.title if coe else "",
        "date": coe.date if coe else None,
        "services": list(coe.services) if coe else [],
        "team": coe.team if coe else None,
        "severity": coe.severity if coe else None,
        "statement_id": statement.id,
        "statement": statement.text,
    }
    if kind == "actions":
        k = int(statement.ref) if statement.ref.isdigit() else -1
        action = coe.actions[k] if coe and 0 <= k < len(coe.actions) else None
        for f in _ACTION_FIELDS:
            member[f] = getattr(action, f) if action else None
    return member


# --- formats ---------------------------------------------------------------------------------


def _cluster_columns(kind: str) -> list[tuple[str, str]]:
    cols = [
        ("id", "Cluster"),
        ("label", "Label"),
        ("keywords", "Keywords"),
        ("score", "Score" if kind == "themes" else "Members"),
        ("coe_count", "COEs"),
        ("size", "Statements"),
    ]
    if kind == "themes":
        cols += [
            ("systemic", "Systemic"),
            ("trend", "Trend"),
            ("services", "Services"),
            ("teams", "Teams"),
            ("first_seen", "First seen"),
            ("last_seen", "Last seen"),
        ]
    return [*cols, ("representative", "Representative")]


def _member_columns(kind: str) -> list[tuple[str, str]]:
    headers = {
        "coe": "COE",
        "title": "Title",
        "date": "Date",
        "services": "Services",
        "team": "Team",
        "severity": "Severity",
        "statement_id": "Statement id",
        "statement": "Root cause" if kind == "themes" else "Action",
    }
    cols = [(k, headers[k]) for k in _MEMBER_FIELDS]
    if kind == "actions":
        cols += [(f, f.capitalize()) for f in _ACTION_FIELDS]
    return cols


def _flat_rows(data: dict) -> list[dict]:
    rows = []
    for c in data["clusters"]:
        head = {
            "cluster": c["id"],
            "label": c["label"],
            "keywords": c["keywords"],
            "score": c["score"],
        }
        rows += [{**head, **m} for m in c["members"]]
    return rows


def export_bytes(
    analysis: Analysis,
    coes: Sequence[COE],
    kind: str = "themes",
    fmt: str = "json",
    *,
    redact_names: bool = False,
) -> bytes:
    """The cluster export as ``csv``, ``xlsx`` or ``json`` bytes (for a download button).

    Raises
    ------
    ValueError
        For an unknown kind or format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    data = cluster_export(analysis, coes, kind, redact_names=redact_names)
    if fmt == "json":
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    head = [
        ("cluster", "cluster"),
        ("label", "label"),
        ("keywords", "keywords"),
        ("score", "score"),
    ]
    member_cols = _member_columns(kind)
    if fmt == "csv":
        keys = [k for k, _ in head] + [k for k, _ in member_cols]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(keys)
        for row in _flat_rows(data):
            writer.writerow(spreadsheet_safe(cell_text(row.get(k))) for k in keys)
        # A BOM so that spreadsheet programs read the UTF-8 (names, quotes) as UTF-8.
        return buf.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    from analytics.report.xlsx import workbook_bytes, write_sheet

    wb = Workbook()
    wb.remove(wb.active)
    write_sheet(wb, "Clusters", _cluster_columns(kind), data["clusters"])
    write_sheet(
        wb,
        "Members",
        [("cluster", "Cluster"), ("label", "Cluster label"), *member_cols],
        _flat_rows(data),
    )
    return workbook_bytes(wb)


def export_format(path: str | Path, fmt: str | None = None) -> str:
    """The format given, else the one the file name says.

    >>> export_format("themes.xlsx"), export_format("x.out", "csv")
    ('xlsx', 'csv')
    """
    if fmt:
        return fmt
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"cannot tell the export format from {str(path)!r}: give one")
    return suffix


def export_clusters(
    analysis: Analysis,
    coes: Sequence[COE],
    *,
    kind: str = "themes",
    fmt: str | None = None,
    path: str | Path,
    redact_names: bool = False,
) -> Path:
    """Write the cluster export to ``path`` (format ``fmt``, else from the file name).

    Returns
    -------
    Path
        The file written (whole, then renamed into place).
    """
    path = Path(path)
    data = export_bytes(analysis, coes, kind, export_format(path, fmt), redact_names=redact_names)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
