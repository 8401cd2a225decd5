"""The store: one SQLite file holding COE records, raw documents and analysis results.

SQLite because it ships with Python (nothing to install or run), a single file is easy to copy
and back up, and its transactions are atomic and durable: an ingest runs inside one transaction,
so a crash or kill leaves the previous state intact and the file readable. The analysis tables
hold vectors as BLOBs and are read whole by the downstream stages.

Schema changes are migrations: ``MIGRATIONS[i]`` takes a store from version ``i`` to ``i + 1``,
and :func:`open_store` applies the missing ones in one transaction.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from analytics.record import COE

DEFAULT_STORE = "coegraph.db"

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: documents and their records.
    """
    CREATE TABLE documents (
        path TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        format TEXT NOT NULL,
        raw BLOB NOT NULL,
        coe_ids TEXT NOT NULL,
        ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE TABLE coes (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        date TEXT,
        record TEXT NOT NULL
    );
    CREATE INDEX coes_path ON coes(path);
    """,
    # 1 -> 2: embedding cache, keyed by model and text hash.
    """
    CREATE TABLE embeddings (
        model TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, text_hash)
    ) WITHOUT ROWID;
    """,
    # 2 -> 3: analysis runs; each run's results as one JSON document plus lint findings.
    """
    CREATE TABLE analyses (
        run INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL DEFAULT (datetime('now')),
        settings TEXT NOT NULL,
        result TEXT NOT NULL
    );
    CREATE TABLE lint (
        coe_id TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        score INTEGER NOT NULL,
        findings TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """The store file cannot be used (newer schema, not a coegraph store)."""


def _writable(path: str) -> bool:
    """Whether ``path`` (and its folder, where SQLite keeps its journal) can be written.

    ``os.access`` answers for read-only media too, root included."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return False
    return os.access(folder, os.W_OK)


def _open_read_only(path: str) -> sqlite3.Connection:
    """A read-only connection: on read-only media SQLite cannot create the WAL's shared-memory
    file, so a store whose folder cannot be written is opened as immutable (nobody can write
    it there either)."""
    immutable = (
        "&immutable=1" if not os.access(os.path.dirname(os.path.abspath(path)), os.W_OK) else ""
    )
    uri = f"{Path(os.path.abspath(path)).as_uri()}?mode=ro{immutable}"
    return sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)


def default_store_path() -> Path:
    """``$COE_STORE`` if set, else ``coegraph.db`` in the working directory."""
    return Path(os.environ.get("COE_STORE", DEFAULT_STORE))


def open_store(path: str | os.PathLike) -> sqlite3.Connection:
    """Open (creating if needed) a store and bring its schema up to date.

    Raises
    ------
    StoreError
        If the file is a store written by a newer coegraph, or not an SQLite database.
    """
    path = os.fspath(path)
    if os.path.exists(path) and not _writable(path):
        # read commands work on a read-only store; a write says it is read-only
        conn = _open_read_only(path)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            conn.close()
            if isinstance(exc, sqlite3.OperationalError):
                raise StoreError(f"{path}: cannot read the store ({exc})") from exc
            raise StoreError(f"{path}: not a coegraph store ({exc})") from exc
        if version != SCHEMA_VERSION:
            conn.close()
            raise StoreError(
                f"{path}: schema version {version}, this coegraph reads {SCHEMA_VERSION}, and "
                "the store is read-only, so it cannot be brought up to date: copy it somewhere "
                "writable"
            )
        return conn
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        # Only a new, empty file takes this (an existing store keeps its page size). Documents and
        # records are a few KB each: on the default 4 KB pages most spill onto overflow pages,
        # and the file grows a third larger and takes longer to write.
        conn.execute("PRAGMA page_size=16384")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        message = describe_error(exc, path)
        if message:
            raise StoreError(message) from exc
        raise StoreError(f"{path}: not a coegraph store ({exc})") from exc
    if version > SCHEMA_VERSION:
        conn.close()
        raise StoreError(
            f"{path}: schema version {version} is newer than this coegraph ({SCHEMA_VERSION});"
            " upgrade coegraph"
        )
    if version < SCHEMA_VERSION:
        with transaction(conn):
            for script in MIGRATIONS[version:]:
                for statement in script.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """All-or-nothing: commit on success, roll back on any exception (including KeyboardInterrupt)."""
    conn.execute("BEGIN IMMEDIATE")
    note = _note_writer(conn)
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        # SQLite has already rolled back after some errors (disk full); a second ROLLBACK would
        # raise "no transaction is active" over the error that says what happened
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        if note:
            _clear_note(*note)


def _store_file(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA database_list").fetchone()
    return row[2] if row else ""


def _note_writer(conn: sqlite3.Connection) -> tuple[str, float] | None:
    """Write who holds the store's write lock beside it (``<store>-writer``), so that a writer
    kept waiting can say who and since when; None where there is no file to write beside."""
    store = _store_file(conn)
    if not store:
        return None
    note, since = f"{store}-writer", time.time()
    with contextlib.suppress(OSError):
        with open(note, "w", encoding="utf-8") as fh:
            json.dump({"pid": os.getpid(), "command": _command(), "since": since}, fh)
        return note, since
    return None


def _clear_note(note: str, since: float) -> None:
    """Remove our note, unless the next writer has already replaced it with its own."""
    with contextlib.suppress(OSError, ValueError):
        with open(note, encoding="utf-8") as fh:
            mine = json.load(fh).get("since") == since
        if mine:
            os.unlink(note)


def _command() -> str:
    argv = list(sys.argv)
    if argv and os.path.basename(argv[0]) in ("coe", "__main__.py"):
        argv[0] = "coe"
    return " ".join(argv[:4])[:120]


def lock_holder(store: str | os.PathLike) -> str | None:
    """Who holds ``store``'s write lock and for how long, in words; None when unknown."""
    try:
        with open(f"{os.fspath(store)}-writer", encoding="utf-8") as fh:
            note = json.load(fh)
        pid = int(note["pid"])
        os.kill(pid, 0)  # raises when that process is gone: the note is stale
    except (OSError, ValueError, KeyError, TypeError):
        return None
    held = max(0, int(time.time() - float(note.get("since", time.time()))))
    return f"`{note.get('command') or 'a process'}` (pid {pid}), for {held} s"


def describe_error(exc: BaseException, store: str | os.PathLike) -> str | None:
    """A message a user can act on for an error of the store's environment, or None.

    Disk full, a read-only store or medium, and a write lock held past the wait are the
    environment's trouble, not a bug: they are said in words, with what to do.
    """
    if not isinstance(exc, sqlite3.OperationalError):
        return None
    text = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    if code == 13 or "disk is full" in text or "disk full" in text:
        return (
            f"{store}: the disk holding the store is full; nothing of this run was kept. "
            "Free some space and run it again."
        )
    if code == 8 or "readonly" in text or "read-only" in text:
        return (
            f"{store}: the store is read-only (file permissions or read-only media). Read "
            "commands work on it; to write, copy it somewhere writable and pass --store."
        )
    if code in (5, 6) or "database is locked" in text:
        holder = lock_holder(store)
        return (
            f"{store}: another process is writing to the store"
            + (f" ({holder})" if holder else "")
            + ". Waited 30 s for it; try again when it has finished."
        )
    if "unable to open database file" in text:
        return f"{store}: cannot open the store file (missing folder or no permission)."
    if "disk i/o error" in text:
        return f"{store}: the disk reported an I/O error while writing the store."
    return None


def document_hashes(conn: sqlite3.Connection) -> dict[str, str]:
    """Path -> sha256 of every stored document, for skipping unchanged files."""
    return dict(conn.execute("SELECT path, sha256 FROM documents"))


# Host parameters per statement: older SQLite builds allow at most 999.
_MAX_PARAMS = 900


def rows_in(conn: sqlite3.Connection, sql: str, values: Sequence, *before) -> Iterator[tuple]:
    """The rows of ``sql``, whose ``IN ({})`` lists ``values``, queried in chunks that stay
    under SQLite's parameter limit; ``before`` are the parameters ahead of the list.

    >>> conn = sqlite3.connect(":memory:")
    >>> sorted(rows_in(conn, "SELECT value FROM json_each('[1,2,3]') WHERE value IN ({})", [1, 3]))
    [(1,), (3,)]
    """
    for start in range(0, len(values), _MAX_PARAMS):
        chunk = values[start : start + _MAX_PARAMS]
        yield from conn.execute(sql.format(",".join("?" * len(chunk))), [*before, *chunk])


def coe_paths(conn: sqlite3.Connection) -> dict[str, str]:
    """COE id -> the path of the document it was read from."""
    return dict(conn.execute("SELECT id, path FROM coes"))


# The records are plain data built by the parsers, so the encoder's cycle check is wasted work.
_encode_record = json.JSONEncoder(check_circular=False).encode


def put_document(
    conn: sqlite3.Connection,
    path: str,
    sha256: str,
    fmt: str,
    raw: bytes,
    coes: Iterable[COE],
    *,
    new: bool = False,
) -> None:
    """Store one document and its records, replacing what that path held before.

    ``new=True`` says the caller knows the path is not stored yet (ingest does), which spares
    looking up the records to replace.
    """
    coes = list(coes)
    old = (
        None
        if new
        else conn.execute("SELECT coe_ids FROM documents WHERE path = ?", (path,)).fetchone()
    )
    if old:
        conn.executemany(
            "DELETE FROM coes WHERE id = ? AND path = ?", [(i, path) for i in json.loads(old[0])]
        )
    conn.execute(
        "INSERT OR REPLACE INTO documents(path, sha256, format, raw, coe_ids) VALUES (?,?,?,?,?)",
        (path, sha256, fmt, raw, json.dumps([c.id for c in coes])),
    )
    conn.executemany(
        "INSERT OR REPLACE INTO coes(id, path, sha256, date, record) VALUES (?,?,?,?,?)",
        [(c.id, path, sha256, c.date, _encode_record(c.to_dict())) for c in coes],
    )


def load_coes(conn: sqlite3.Connection, cache: dict | None = None) -> list[COE]:
    """Every stored record, ordered by date then id (undated last).

    ``cache`` (a long-lived process's dict, ``(id, document sha256) -> COE``) spares decoding
    the records that have not changed since the last call; it is updated in place.
    """
    order = "ORDER BY date IS NULL, date, id"
    if cache is None:
        rows = conn.execute(f"SELECT record FROM coes {order}").fetchall()
        return [COE.from_dict(json.loads(r[0])) for r in rows]
    own = not conn.in_transaction  # both reads from one snapshot: an ingest may be running
    if own:
        conn.execute("BEGIN")
    try:
        keys = conn.execute(f"SELECT id, sha256 FROM coes {order}").fetchall()
        missing = [i for i, sha in keys if (i, sha) not in cache]
        sql = "SELECT id, sha256, record FROM coes WHERE id IN ({})"
        for coe_id, sha, record in rows_in(conn, sql, missing):
            cache[(coe_id, sha)] = COE.from_dict(json.loads(record))
    finally:
        if own:
            conn.execute("COMMIT")
    current = {k: cache[k] for k in keys}
    cache.clear()
    cache.update(current)
    return list(current.values())


def load_coe(conn: sqlite3.Connection, coe_id: str) -> COE | None:
    row = conn.execute("SELECT record FROM coes WHERE id = ?", (coe_id,)).fetchone()
    return COE.from_dict(json.loads(row[0])) if row else None


def raw_document(conn: sqlite3.Connection, path: str) -> bytes | None:
    row = conn.execute("SELECT raw FROM documents WHERE path = ?", (path,)).fetchone()
    return row[0] if row else None


def coe_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM coes").fetchone()[0]
