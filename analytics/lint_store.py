"""Lint results kept per COE in the store, so the dashboard can show a quality score.

Only COEs whose document changed since they were last linted are linted again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from analytics.lint import Finding, lint_coe, quality_score
from analytics.record import COE
from analytics.store import raw_document, transaction

# Bumped when the rules or the score change, so that results stored by an older version are
# redone once (2: each missing section costs in full; 3: the score is counted up part by part
# and filler counts as missing).
LINT_VERSION = 3


def lint_key(coe: COE) -> str:
    """What a stored lint row was made from: the document's hash and the lint version."""
    return f"{coe.source.sha256}/v{LINT_VERSION}"


def lint_changed(conn: sqlite3.Connection, coes: Sequence[COE]) -> int:
    """Lint every COE whose document or lint version differs from its stored row; how many."""
    done = dict(conn.execute("SELECT coe_id, sha256 FROM lint"))
    todo = [c for c in coes if done.get(c.id) != lint_key(c)]
    rows = []
    raw_cache: dict[str, str | None] = {}
    for coe in todo:
        if coe.source.path not in raw_cache:
            raw = raw_document(conn, coe.source.path)
            raw_cache[coe.source.path] = raw.decode("utf-8", "replace") if raw else None
        findings = lint_coe(coe, raw_cache[coe.source.path])
        rows.append(
            (
                coe.id,
                lint_key(coe),
                quality_score(coe, findings),
                json.dumps([f.to_dict() for f in findings]),
            )
        )
    with transaction(conn):
        conn.execute("DELETE FROM lint WHERE coe_id NOT IN (SELECT id FROM coes)")
        conn.executemany(
            "INSERT OR REPLACE INTO lint(coe_id, sha256, score, findings) VALUES (?,?,?,?)", rows
        )
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
