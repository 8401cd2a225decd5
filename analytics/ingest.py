"""Ingest documents into the store: per-file outcomes, one transaction, unchanged files skipped.

A run is all-or-nothing at the database level (one transaction) yet per-file at the document
level: a file that cannot be parsed is reported as failed and everything else is stored.
Files are read in sorted path order; when two files carry the same COE id the later one wins
and both are named in a warning, so the outcome does not depend on directory listing order.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from analytics.parsers import MAX_BYTES, ParseError, parse_bytes, parse_path
from analytics.store import coe_paths, document_hashes, put_document, transaction

SUPPORTED_SUFFIXES = frozenset(
    {".md", ".markdown", ".txt", ".json", ".jsonl", ".ndjson", ".yaml", ".yml", ".csv"}
)


@dataclass(frozen=True)
class FileResult:
    """What happened to one file: ingested, updated, unchanged or failed."""

    path: str
    status: str
    coe_ids: tuple[str, ...] = ()
    reason: str | None = None
    line: int | None = None
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "status": self.status,
            "coe_ids": list(self.coe_ids),
            "reason": self.reason,
            "line": self.line,
            "warnings": list(self.warnings),
        }


# Names (without suffix, upper case) of the files a repository carries about itself.
REPOSITORY_FILES = frozenset(
    {"README", "LICENSE", "CONTRIBUTING", "CHANGELOG", "CODE_OF_CONDUCT", "SECURITY", "AUTHORS"}
)
# A blank template beside the write-ups ("PMyyyy-nnn - Postmortem template.md"): its prompts
# ("Give a summary of what caused the incident") would cluster as if they were root causes.
# Only a name that ends in the word: "template-engine-outage.md" is a write-up.
TEMPLATE_NAME = re.compile(r"(?:^|[\W_])templates?$", re.I)


def _own_file(name: str) -> bool:
    """Whether a file found in a folder is the repository's or a template, not a write-up."""
    stem = Path(name).stem
    return stem.upper() in REPOSITORY_FILES or bool(TEMPLATE_NAME.search(stem))


def iter_documents(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Files named directly, and supported files under named folders, in sorted order.

    Hidden files and folders (``.git``), a repository's own files (README, LICENSE,
    CONTRIBUTING, ...: :data:`REPOSITORY_FILES`) and blank templates (a name ending in the
    word "template") are skipped when walking a folder: a folder of postmortems is usually a
    repository, with a template to copy. A file named directly is always taken, whatever its
    name or suffix, so the parser can say what is wrong with it.
    """
    found: set[Path] = set()
    real_dirs: dict[Path, Path] = {}
    for p in map(Path, paths):
        if p.is_dir():
            for child in p.rglob("*"):
                rel = child.relative_to(p).parts
                if (
                    child.is_file()
                    and child.suffix.lower() in SUPPORTED_SUFFIXES
                    and not any(part.startswith(".") for part in rel)
                    and not _own_file(child.name)
                ):
                    found.add(_real_path(child, real_dirs))
        else:
            found.add(_real_path(p, real_dirs))
    return iter(sorted(found))


def _real_path(p: Path, real_dirs: dict[Path, Path]) -> Path:
    """``p.resolve()``, with each folder resolved once (``real_dirs`` caches them).

    Path.resolve walks every component of the path; the files of a corpus share a few folders.
    """
    if p.name in ("", ".", "..") or p.is_symlink():
        return p.resolve()
    if p.parent not in real_dirs:
        real_dirs[p.parent] = p.parent.resolve()
    return real_dirs[p.parent] / p.name


def ingest(
    conn: sqlite3.Connection, paths: Iterable[str | os.PathLike], *, progress: bool | None = None
) -> list[FileResult]:
    """Parse and store every document under ``paths``; return one result per file.

    Parameters
    ----------
    conn : sqlite3.Connection
        An open store (:func:`analytics.store.open_store`).
    paths : iterable of path-like
        Files and folders.
    progress : bool or None
        Show a progress bar; ``None`` shows it when stderr is a terminal.
    """
    files = list(iter_documents(paths))
    results: list[FileResult] = []
    with transaction(conn):
        known = document_hashes(conn)
        owners = coe_paths(conn)
        bar = tqdm(files, desc="ingest", unit="file", disable=_quiet(progress, len(files)))
        for path in bar:
            result = _ingest_one(conn, path, known, owners)
            results.append(result)
    return results


def _ingest_one(
    conn: sqlite3.Connection, path: Path, known: dict[str, str], owners: dict[str, str]
) -> FileResult:
    key = str(path)
    try:
        size = path.stat().st_size
        raw = path.read_bytes() if size <= MAX_BYTES else b""
    except (FileNotFoundError, NotADirectoryError):
        return FileResult(key, "failed", reason="no such file")
    except OSError as exc:
        return FileResult(key, "failed", reason=exc.strerror or str(exc))
    digest = hashlib.sha256(raw).hexdigest()
    if known.get(key) == digest and size <= MAX_BYTES:
        return FileResult(key, "unchanged")
    try:
        # parse_path on an oversized file reports the size without reading it.
        coes = parse_bytes(raw, key, sha256=digest) if size <= MAX_BYTES else parse_path(path)
    except ParseError as exc:
        return FileResult(key, "failed", reason=exc.reason, line=exc.line)
    warnings = []
    for coe in coes:
        previous = owners.get(coe.id)
        if previous is not None and previous != key:
            warnings.append(f"COE id {coe.id} also in {previous}; this file's record wins")
        owners[coe.id] = key
    fmt = coes[0].source.format if coes else ""
    put_document(conn, key, digest, fmt, raw, coes, new=key not in known)
    status = "updated" if key in known else "ingested"
    known[key] = digest
    return FileResult(key, status, tuple(c.id for c in coes), warnings=tuple(warnings))


def _quiet(progress: bool | None, total: int) -> bool | None:
    if progress is None:
        return None if total > 50 else True
    return not progress
