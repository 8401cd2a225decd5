"""Lint results kept per COE in the store, so the dashboard can show a quality score.

Ingest lints the records it stores, from the document's text it already holds, in the same
transaction (:func:`put_lint`): once per document version, and a record is never stored
without its lint row. ``coe analyze`` then calls :func:`lint_changed`, which finds nothing to
do unless the store was written by an older coegraph or :data:`LINT_VERSION` changed; it
re-reads those documents from the store.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from analytics.lint import Finding, lint_coe, quality_score
from analytics.parsers.errors import ParseError
from analytics.parsers.reading import decode_utf16
from analytics.record import COE
from analytics.store import raw_document, transaction

# Bumped when the rules or the score change, so that results stored by an older version are
# redone once (2: each missing section costs in full; 3: the score is counted up part by part
# and filler counts as missing).
LINT_VERSION = 3


def lint_key(coe: COE) -> str:
    """What a stored lint row was made from: the document's hash and the lint version."""
    return f"{coe.source.sha256}/v{LINT_VERSION}"


def document_text(raw: bytes | None, fmt: str) -> str | None:
    """The text lint locates findings in: the document's own, or None for a Word file (its
    bytes are a zip archive, not lines)."""
    if not raw or fmt == "docx":
        return None
    try:
        utf16 = decode_utf16(raw, "")
    except ParseError:  # a UTF-16 look-alike that failed to parse is never stored
        utf16 = None
    return utf16 if utf16 is not None else raw.decode("utf-8", "replace")


def _row(coe: COE, text: str | None) -> tuple[str, str, int, str]:
    findings = lint_coe(coe, text)
    return (
        coe.id,
        lint_key(coe),
        quality_score(coe, findings),
        json.dumps([f.to_dict() for f in findings]),
    )


_PUT = "INSERT OR REPLACE INTO lint(coe_id, sha256, score, findings) VALUES (?,?,?,?)"


def lint_rows(coes: Sequence[COE], text: str | None) -> list[tuple[str, str, int, str]]:
    """The lint rows of one document's records, linted from its text, for :func:`put_lint`."""
    return [_row(c, text) for c in coes]


def put_lint(conn: sqlite3.Connection, rows: Sequence[tuple[str, str, int, str]]) -> None:
    """Store lint rows in the caller's transaction (ingest's, beside the records)."""
    conn.executemany(_PUT, rows)


def lint_changed(conn: sqlite3.Connection, coes: Sequence[COE]) -> int:
    """Lint every COE whose document or lint version differs from its stored row; how many.

    The catch-up for what ingest did not lint (a store from an older version, a new
    :data:`LINT_VERSION`): each such document is read back from the store.
    """
    done = dict(conn.execute("SELECT coe_id, sha256 FROM lint"))
    todo = [c for c in coes if done.get(c.id) != lint_key(c)]
    rows = []
    text_cache: dict[str, str | None] = {}
    for coe in todo:
        if coe.source.path not in text_cache:
            raw = raw_document(conn, coe.source.path)
            text_cache[coe.source.path] = document_text(raw, coe.source.format)
        rows.append(_row(coe, text_cache[coe.source.path]))
    with transaction(conn):
        conn.execute("DELETE FROM lint WHERE coe_id NOT IN (SELECT id FROM coes)")
        put_lint(conn, rows)
    return len(rows)


def stored_lint(conn: sqlite3.Connection, coe_id: str) -> tuple[int, list[Finding]] | None:
    """The quality score and findings of one COE, if it has been linted."""
    row = conn.execute("SELECT score, findings FROM lint WHERE coe_id = ?", (coe_id,)).fetchone()
    if row is None:
        return None
    return row[0], [Finding(**f) for f in json.loads(row[1])]


def lint_scores(conn: sqlite3.Connection) -> dict[str, int]:
    """COE id -> quality score, for every linted COE."""
    return dict(conn.execute("SELECT coe_id, score FROM lint"))
