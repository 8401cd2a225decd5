"""What the download buttons send: the same files ``coe report`` and ``coe export clusters`` write.

Both cover the whole store, as the command line does (the page filters do not apply), so a file
downloaded from the dashboard and one written by the CLI for the same run are the same file.
The builders live in :mod:`analytics.report` and :mod:`analytics.export`; this module only
names the file and wraps the bytes for ``dcc.Download``.
"""

from __future__ import annotations

from dash import dcc

from analytics.export import FORMATS as EXPORT_FORMATS
from analytics.export import export_bytes
from analytics.report import FORMATS as REPORT_FORMATS
from analytics.report import MEDIA_TYPES, report_bytes
from dashboard.data import Snapshot

EXPORT_MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": MEDIA_TYPES["xlsx"],
    "json": MEDIA_TYPES["json"],
}
KIND_NAMES = {"themes": "themes", "actions": "action-families"}

__all__ = ["EXPORT_FORMATS", "REPORT_FORMATS", "cluster_download", "report_download"]


def report_download(snapshot: Snapshot, q: str, fmt: str, redact_names: bool = False) -> dict:
    """``dcc.Download`` data for the quarterly report of ``q`` in ``fmt`` (html, md, xlsx, json).

    The report is built once per run, quarter and redaction (:meth:`Snapshot.report`), so
    downloading it in a second format only renders it.

    Raises
    ------
    ValueError
        For an unknown format or a malformed quarter.
    """
    blob = report_bytes(snapshot.report(q, redact_names=redact_names), fmt)
    suffix = "-redacted" if redact_names else ""
    return dcc.send_bytes(blob, f"coe-review-{q}{suffix}.{fmt}", type=MEDIA_TYPES[fmt])


def cluster_download(snapshot: Snapshot, kind: str, fmt: str, redact_names: bool = False) -> dict:
    """``dcc.Download`` data for every theme (``kind="themes"``) or action family
    (``kind="actions"``) with its members, in ``fmt`` (csv, xlsx, json).

    Raises
    ------
    ValueError
        For an unknown kind or format, or a store without an analysis.
    """
    if snapshot.analysis is None:
        raise ValueError("this store has no analysis to export")
    blob = export_bytes(snapshot.analysis, snapshot.coes, kind, fmt, redact_names=redact_names)
    suffix = "-redacted" if redact_names else ""
    name = f"coe-{KIND_NAMES.get(kind, kind)}-run{snapshot.run}{suffix}.{fmt}"
    return dcc.send_bytes(blob, name, type=EXPORT_MEDIA_TYPES.get(fmt))
