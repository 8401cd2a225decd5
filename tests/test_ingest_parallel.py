"""Ingest of a large run by several processes stores and reports what one process does."""

from __future__ import annotations

import sqlite3

import joblib
import pytest

import analytics.ingest as ingest_module
from analytics.ingest import ingest
from analytics.sample import generate_corpus
from analytics.store import open_store

GOOD = """\
# {id}: Checkout errors after a config push

Date: {date}

## Summary
Checkout returned errors for 40 minutes after Priya Sharma pushed a bad config.

## 5 Whys
1. Why did checkout fail? Because the config was invalid.
2. Why was it invalid? Because nobody validated it.

## Root Cause
Priya forgot to validate the config.
"""


def _corpus(root):
    generate_corpus(40, 3, root)
    docs = root / "corpus"
    (docs / "zz-dup.md").write_text(GOOD.format(id="COE-2025-0001", date="2025-03-01"))
    (docs / "zz-damage.md").write_text(GOOD.format(id="COE-2099-0001", date="2025-13-45"))
    (docs / "zz-bad.md").write_bytes(b"# COE-2099-0002: bad\n\xff\xfe\x00 not text\n")
    # a name that is not UTF-8 travels to the other processes as surrogate escapes
    with open(bytes(docs) + b"/zz-caf\xe9.md", "wb") as fh:
        fh.write(GOOD.format(id="COE-2099-0003", date="2025-03-02").encode())
    (docs / "zz-two.csv").write_text(
        "id,title,root cause\nCOE-2099-0100,a,Human error\nCOE-2099-0101,c,d\n"
    )
    return docs


def _rows(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {
        "documents": conn.execute(
            "SELECT path, sha256, format, raw, coe_ids FROM documents ORDER BY path"
        ).fetchall(),
        "coes": conn.execute("SELECT * FROM coes ORDER BY id").fetchall(),
        "lint": conn.execute("SELECT * FROM lint ORDER BY coe_id").fetchall(),
    }


def _run(store, docs):
    conn = open_store(store)
    first = [r.to_dict() for r in ingest(conn, [docs], progress=False)]
    again = [r.to_dict() for r in ingest(conn, [docs], progress=False)]
    return first, again, _rows(conn)


def test_several_processes_store_and_report_what_one_does(tmp_path, monkeypatch):
    docs = _corpus(tmp_path / "c")
    one = _run(tmp_path / "one.db", docs)
    # a chunk of a few files, so that the run is split across both processes several times
    monkeypatch.setattr(ingest_module, "_CHUNK", 4)
    monkeypatch.setattr(ingest_module, "_workers", lambda n: 2)
    jobs = []

    class Spy(joblib.Parallel):
        def __init__(self, *args, **kwargs):
            jobs.append(kwargs["n_jobs"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(joblib, "Parallel", Spy)
    several = _run(tmp_path / "several.db", docs)
    assert jobs == [2, 2]  # both runs were split across two processes
    assert several == one
    first, again, rows = several
    assert any("already held by" in (r["reason"] or "") for r in first)
    assert any(w.startswith("invalid file name: not UTF-8") for r in first for w in r["warnings"])
    statuses = {r["status"] for r in first}
    assert statuses == {"ingested", "failed"} and {r["status"] for r in again} <= {
        "unchanged",
        "failed",
    }
    assert any(r["damage"] for r in first) and len(rows["lint"]) == len(rows["coes"]) >= 42


@pytest.mark.parametrize("n, expected", [(10, 1), (ingest_module.PARALLEL_FILES - 1, 1)])
def test_a_small_run_is_read_by_this_process(n, expected):
    assert ingest_module._workers(n) == expected
