"""A folder walk takes every format the parsers read, and files without an extension by content."""

from __future__ import annotations

from analytics.ingest import ingest
from analytics.store import open_store

HTML = (
    "<!doctype html><html><body><h1>Cert expired</h1><h2>Root cause</h2>"
    "<p>The TLS certificate expired.</p></body></html>"
)
MD = "# Disk full\n\n## Root cause\n\nLogs were never rotated and filled the disk.\n"


def test_a_folder_walk_reads_html_and_extensionless_documents(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "wiki-export.html").write_text(HTML, encoding="utf-8")
    (docs / "PM2022-009_-_Disk_full").write_text(MD, encoding="utf-8")
    (docs / "run-me").write_text("echo hello\n", encoding="utf-8")
    (docs / "LICENSE").write_text("MIT License\n", encoding="utf-8")
    skipped = []
    results = ingest(open_store(tmp_path / "s.db"), [docs], progress=False, skipped=skipped)
    status = {r.path.rsplit("/", 1)[-1]: (r.status, r.reason) for r in (*results, *skipped)}
    assert status["wiki-export.html"][0] == "ingested"
    assert status["PM2022-009_-_Disk_full"][0] == "ingested"
    assert status["run-me"] == (
        "skipped",
        "no extension, and its content is not a document format coegraph reads",
    )
    assert status["LICENSE"] == ("skipped", "a repository's own file or a blank template")
