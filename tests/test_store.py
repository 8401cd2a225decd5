from __future__ import annotations

import sqlite3

import pytest

from analytics.record import COE, Source, Why
from analytics.store import (
    SCHEMA_VERSION,
    StoreError,
    load_coe,
    load_coes,
    open_store,
    put_document,
    raw_document,
    transaction,
)


def _coe(coe_id: str, path: str = "a.md", date: str | None = "2025-01-02") -> COE:
    return COE(
        id=coe_id,
        title=f"title {coe_id}",
        date=date,
        whys=(Why("1", None, "Why?", "Because."),),
        source=Source(path, "markdown", "abc"),
    )


def test_new_store_is_at_current_schema_version(tmp_path):
    conn = open_store(tmp_path / "s.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_old_store_is_migrated(tmp_path):
    path = tmp_path / "s.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE documents (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, format TEXT NOT NULL,"
        " raw BLOB NOT NULL, coe_ids TEXT NOT NULL, ingested_at TEXT);"
        "CREATE TABLE coes (id TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL,"
        " date TEXT, record TEXT NOT NULL); PRAGMA user_version=1;"
    )
    conn.close()
    conn = open_store(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"embeddings", "analyses", "lint"} <= tables


def test_newer_store_is_refused(tmp_path):
    path = tmp_path / "s.db"
    sqlite3.connect(path).execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer"):
        open_store(path)


def test_not_a_database_is_refused(tmp_path):
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a coegraph store"):
        open_store(path)


def test_records_round_trip_with_raw_text(tmp_path):
    conn = open_store(tmp_path / "s.db")
    with transaction(conn):
        put_document(conn, "a.md", "abc", "markdown", b"# raw", [_coe("COE-1")])
    assert load_coe(conn, "COE-1") == _coe("COE-1")
    assert raw_document(conn, "a.md") == b"# raw"


def test_transaction_rolls_back_on_error(tmp_path):
    conn = open_store(tmp_path / "s.db")
    with pytest.raises(RuntimeError), transaction(conn):
        put_document(conn, "a.md", "abc", "markdown", b"x", [_coe("COE-1")])
        raise RuntimeError("boom")
    assert load_coes(conn) == []


def test_replacing_a_document_drops_its_old_records(tmp_path):
    conn = open_store(tmp_path / "s.db")
    with transaction(conn):
        put_document(conn, "a.md", "1", "markdown", b"x", [_coe("COE-1"), _coe("COE-2")])
    with transaction(conn):
        put_document(conn, "a.md", "2", "markdown", b"y", [_coe("COE-2")])
    assert [c.id for c in load_coes(conn)] == ["COE-2"]


def test_coes_load_in_date_order_undated_last(tmp_path):
    conn = open_store(tmp_path / "s.db")
    with transaction(conn):
        put_document(
            conn,
            "a.md",
            "1",
            "markdown",
            b"x",
            [_coe("B", date="2025-02-01"), _coe("C", date=None), _coe("A", date="2025-03-01")],
        )
    assert [c.id for c in load_coes(conn)] == ["B", "A", "C"]
