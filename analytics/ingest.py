"""Ingest documents into the store: per-file outcomes, one transaction, unchanged files skipped.

A run is all-or-nothing at the database level (one transaction) yet per-file at the document
level: a file that cannot be read or parsed, whatever the reason, is reported as failed (with
the line where known) and everything else is stored. Only regular files are read, at most
``MAX_BYTES`` of them (:func:`analytics.parsers.reading.read_document`).
Files are read in sorted path order. Two different documents never share one COE id: a file
whose record's id is already held by another file (stored, or read earlier in the run) fails,
naming both, and the first keeps the id; the same file read again replaces its own records. A
stored file that no longer exists hands its ids over (it was moved or renamed), with a warning.
Each stored record is linted in the same transaction (:func:`analytics.lint_store.put_lint`).
A run of :data:`PARALLEL_FILES` files or more is read, parsed and linted by one process per core
while this process stores the documents in path order, with the same records, rows and results.

A document that held invalid values (a date that does not exist, a non-finite or oversized
number, lone surrogates, a name that is not UTF-8: :mod:`analytics.parsers.invalid`) lands with
them dropped or replaced, and its result says so (:attr:`FileResult.damage`): nothing is lost,
but ``coe ingest`` exits 1 as for a failed file, so that a script notices. Only documents read in
the run are judged: an unchanged file is not read again.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from analytics.lint_store import document_text, lint_rows, put_lint
from analytics.parsers import (
    MAX_BYTES,
    ParseError,
    document_suffixes,
    looks_like_document,
    parse_bytes,
)
from analytics.parsers.invalid import is_damage
from analytics.parsers.reading import display_path, read_document
from analytics.store import coe_paths, document_hashes, put_document, transaction

SUPPORTED_SUFFIXES = document_suffixes()


@dataclass(frozen=True)
class FileResult:
    """What happened to one file: ingested, updated, unchanged or failed."""

    path: str
    status: str
    coe_ids: tuple[str, ...] = ()
    reason: str | None = None
    line: int | None = None
    warnings: tuple[str, ...] = field(default=())
    # what the parser could not read inside the document (the records' own warnings)
    record_warnings: tuple[str, ...] = field(default=())

    @property
    def damage(self) -> tuple[str, ...]:
        """The warnings that say the document held invalid values, dropped or replaced."""
        return tuple(w for w in (*self.warnings, *self.record_warnings) if is_damage(w))

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "status": self.status,
            "coe_ids": list(self.coe_ids),
            "reason": self.reason,
            "line": self.line,
            "warnings": list(self.warnings),
            "record_warnings": list(self.record_warnings),
            "damage": list(self.damage),
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


@dataclass
class Scan:
    """What a walk of the named paths found: documents to read, and what it did not read.

    ``failed`` holds folders that could not be listed (their documents are missing from the
    run, so the run fails); ``skipped`` holds files and folders left out on purpose (hidden,
    a repository's own files, templates, other file types), each with its reason.
    """

    files: list[Path] = field(default_factory=list)
    failed: list[FileResult] = field(default_factory=list)
    skipped: list[FileResult] = field(default_factory=list)


def scan(paths: Iterable[str | os.PathLike]) -> Scan:
    """Files named directly, and supported files under named folders, in sorted order.

    Hidden files and folders (``.git``), a repository's own files (README, LICENSE,
    CONTRIBUTING, ...: :data:`REPOSITORY_FILES`), blank templates (a name ending in the word
    "template") and other file types are skipped when walking a folder, each with its reason: a
    folder of postmortems is usually a repository, with a template to copy. A file named
    directly is always taken, whatever its name or suffix, so the parser can say what is wrong
    with it. Symbolic links to folders are not followed (a link loop would never end).
    """
    found: set[Path] = set()
    out = Scan()
    real_dirs: dict[Path, Path] = {}
    for p in map(Path, paths):
        if p.is_dir():
            _walk(p, found, out, real_dirs)
        else:
            found.add(_real_path(p, real_dirs))
    out.files = sorted(found)
    return out


def _walk(root: Path, found: set[Path], out: Scan, real_dirs: dict[Path, Path]) -> None:
    def unreadable(exc: OSError) -> None:
        where = display_path(exc.filename if exc.filename is not None else root)
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.EACCES, errno.EPERM):
            reason = "permission denied: cannot list the folder, its documents were not read"
        out.failed.append(FileResult(where, "failed", reason=reason))

    for folder, dirs, names in os.walk(root, onerror=unreadable):
        base = Path(folder)
        dirs.sort()  # in place: os.walk descends in this order, the same on every file system
        names.sort()
        for d in list(dirs):
            why = None
            if d.startswith("."):
                why = "hidden folder"
            elif (base / d).is_symlink():
                why = "symbolic link to a folder, not followed"
            if why:
                dirs.remove(d)
                out.skipped.append(FileResult(display_path(base / d), "skipped", reason=why))
        for name in names:
            child = base / name
            why = None
            if name.startswith("."):
                why = "hidden file"
            elif _own_file(name):
                why = "a repository's own file or a blank template"
            elif not child.suffix and not _document_by_content(child):
                why = "no extension, and its content is not a document format coegraph reads"
            elif child.suffix and child.suffix.lower() not in SUPPORTED_SUFFIXES:
                why = f"not a document type coegraph reads ({child.suffix})"
            if why:
                out.skipped.append(FileResult(display_path(child), "skipped", reason=why))
            else:
                found.add(_real_path(child, real_dirs))


def _document_by_content(path: Path) -> bool:
    """A file without an extension is read when its first bytes look like a document."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as f:
            return looks_like_document(f.read(4096))
    except OSError:
        return False


def iter_documents(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """The documents :func:`scan` finds, in sorted order."""
    return iter(scan(paths).files)


def _real_path(p: Path, real_dirs: dict[Path, Path]) -> Path:
    """``p.resolve()``, with each folder resolved once (``real_dirs`` caches them).

    Path.resolve walks every component of the path; the files of a corpus share a few folders.
    A path that cannot be resolved (a symbolic link loop) is kept as given, absolute: reading
    it then says what is wrong.
    """
    try:
        if p.is_symlink() and not p.exists():
            return p.absolute()  # dangling: keep the link's own name, reading it says why
        if p.name in ("", ".", "..") or p.is_symlink():
            return p.resolve()
        if p.parent not in real_dirs:
            real_dirs[p.parent] = p.parent.resolve()
    except (OSError, RuntimeError):
        return p.absolute()
    return real_dirs[p.parent] / p.name


def ingest(
    conn: sqlite3.Connection,
    paths: Iterable[str | os.PathLike],
    *,
    progress: bool | None = None,
    skipped: list[FileResult] | None = None,
    mapping: dict[str, str] | None = None,
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
    skipped : list, optional
        Receives a ``skipped`` result, with its reason, for each file or folder the walk of a
        folder left out on purpose (:func:`scan`).
    mapping : dict, optional
        A user's mapping file (:func:`analytics.parsers.mapping.load_mapping`) for JSON, YAML
        and CSV exports with unknown field names. Files already stored are read again with
        it (their bytes are unchanged, but their records may not be).

    Returns
    -------
    list of FileResult
        One per document read (and one ``failed`` per folder that could not be listed).
        Whatever goes wrong reading one document is that document's result; only an error of
        the store itself (disk full, read-only) ends the run, rolled back.
    """
    found = scan(paths)
    if skipped is not None:
        skipped.extend(found.skipped)
    results: list[FileResult] = list(found.failed)
    files = found.files
    with transaction(conn):
        known = document_hashes(conn)
        owners = coe_paths(conn)
        bar = tqdm(
            total=len(files), desc="ingest", unit="file", disable=_quiet(progress, len(files))
        )
        with bar:
            for prepared in _prepare_all(files, known, mapping):
                if isinstance(prepared, _Prepared):
                    prepared = _store_one(conn, prepared, known, owners)
                results.append(prepared)
                bar.update()
    return results


# Reading, parsing and linting a document takes ~2 ms of CPU (lint about a third of it), storing
# it a tenth of that. Above this many files, documents are prepared by one process per core while
# this one stores them in path order: the same records, lint rows and results as one by one.
PARALLEL_FILES = 5_000
_CHUNK = 64


@dataclass(frozen=True)
class _Prepared:
    """A document read, parsed and linted, not stored yet (:func:`_store_one`)."""

    key: str
    digest: str
    fmt: str
    raw: bytes
    coes: list
    lint: list
    notes: tuple[str, ...]
    lint_warning: str | None


def _workers(n_files: int) -> int:
    """How many processes prepare ``n_files`` documents (1: this one, one by one)."""
    if n_files < PARALLEL_FILES:
        return 1
    from joblib import cpu_count

    return min(cpu_count(only_physical_cores=False), -(-n_files // _CHUNK))


def _prepare_all(
    files: list[Path], known: dict[str, str], mapping: dict[str, str] | None
) -> Iterator[FileResult | _Prepared]:
    """Each file's :func:`_prepare`, in order; by several processes for a large run."""
    workers = _workers(len(files))
    keys = [display_path(p) for p in files] if workers > 1 else []
    # One by one, a second file with the same display key sees the first one's stored digest.
    if workers < 2 or len(set(keys)) < len(keys):
        for path in files:
            yield _prepare(path, known.get(display_path(path)), mapping)
        return
    from joblib import Parallel, delayed

    chunks = (
        [
            (p, known.get(k))
            for p, k in zip(files[i : i + _CHUNK], keys[i : i + _CHUNK], strict=True)
        ]
        for i in range(0, len(files), _CHUNK)
    )
    # joblib's loky processes (as analytics.mechanisms): a fresh interpreter, not a fork of this
    # one in the middle of a store transaction; results come back in order, a few chunks ahead.
    run = Parallel(n_jobs=workers, return_as="generator")
    jobs = (delayed(_prepare_chunk)(chunk, mapping, os.getpid()) for chunk in chunks)
    for prepared in run(jobs):
        yield from prepared


def _prepare_chunk(
    chunk: list[tuple[Path, str | None]], mapping: dict[str, str] | None, owner: int
) -> list[FileResult | _Prepared]:
    if os.getppid() == owner:  # a worker of the ingesting process, not that process itself
        _exit_with_parent()
    return [_prepare(path, digest, mapping) for path, digest in chunk]


_watching = threading.Event()


def _exit_with_parent() -> None:
    """End this worker within a second of the process it works for: an ingest killed with
    SIGKILL (its transaction rolled back) otherwise leaves loky's workers behind, still reading
    its queued documents and then waiting on its queue for good."""
    if _watching.is_set():
        return
    _watching.set()
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _prepare(
    path: Path, known_digest: str | None, mapping: dict[str, str] | None = None
) -> FileResult | _Prepared:
    """Read, parse and lint one document: its final result (failed, unchanged), or what
    :func:`_store_one` stores. Touches no store, so it can run in another process."""
    key = display_path(path)
    notes = []
    if key != str(path):
        notes.append(f"invalid file name: not UTF-8; stored as {key}")
    try:
        raw = read_document(path, MAX_BYTES)
    except ParseError as exc:
        return FileResult(key, "failed", reason=exc.reason, line=exc.line)
    digest = hashlib.sha256(raw).hexdigest()
    if known_digest == digest and not mapping:
        return FileResult(key, "unchanged")
    try:
        coes = parse_bytes(raw, key, sha256=digest, mapping=mapping)
    except ParseError as exc:
        return FileResult(key, "failed", reason=exc.reason, line=exc.line)
    except RecursionError:
        return FileResult(key, "failed", reason="nested too deeply to read")
    except MemoryError:
        return FileResult(key, "failed", reason="ran out of memory reading it")
    except Exception as exc:  # noqa: BLE001 - one document's bug must not cost the others
        return FileResult(
            key,
            "failed",
            reason=f"coegraph could not read it ({type(exc).__name__}: {exc}); "
            "please report this with the file",
        )
    fmt = coes[0].source.format if coes else ""
    # linted here, once per document version, from the text in hand: analyze would otherwise
    # read every new document back from the store to lint it
    lint_warning = None
    try:
        lint = lint_rows(coes, document_text(raw, fmt))
    except Exception as exc:  # noqa: BLE001 - a lint bug must not cost the document
        lint = []
        lint_warning = (
            f"could not be linted ({type(exc).__name__}: {exc}); please report this with the file"
        )
    return _Prepared(key, digest, fmt, raw, coes, lint, tuple(notes), lint_warning)


def _store_one(
    conn: sqlite3.Connection,
    prepared: _Prepared,
    known: dict[str, str],
    owners: dict[str, str],
) -> FileResult:
    key, digest, coes = prepared.key, prepared.digest, prepared.coes
    warnings = list(prepared.notes)
    clash = _id_clash(coes, key, owners, warnings)
    if clash is not None:
        return FileResult(key, "failed", reason=clash)
    if prepared.lint_warning:
        warnings.append(prepared.lint_warning)
    conn.execute("SAVEPOINT document")
    try:
        put_document(conn, key, digest, prepared.fmt, prepared.raw, coes, new=key not in known)
        put_lint(conn, prepared.lint)
    except sqlite3.OperationalError:
        raise  # the store's own trouble (disk full, read-only): the run stops, rolled back
    except (ValueError, TypeError, OverflowError, sqlite3.Error) as exc:
        conn.execute("ROLLBACK TO document")
        conn.execute("RELEASE document")
        return FileResult(
            key, "failed", reason=f"its record could not be stored ({type(exc).__name__}: {exc})"
        )
    conn.execute("RELEASE document")
    for coe in coes:
        owners[coe.id] = key
    status = "updated" if key in known else "ingested"
    known[key] = digest
    record_warnings = tuple(w for c in coes for w in c.warnings)
    return FileResult(
        key,
        status,
        tuple(c.id for c in coes),
        warnings=tuple(warnings),
        record_warnings=record_warnings,
    )


def _id_clash(coes: list, key: str, owners: dict[str, str], warnings: list[str]) -> str | None:
    """Why the file at ``key`` may not store its records, when another document holds one of
    their ids; a holder that no longer exists on disk (moved, renamed) gives it up."""
    for coe in coes:
        previous = owners.get(coe.id)
        if previous is None or previous == key:
            continue
        if not os.path.lexists(previous):
            warnings.append(f"COE id {coe.id} was read from {previous}, which is gone; now {key}")
            continue
        return (
            f"COE id {coe.id} is already held by {previous}; two different documents cannot "
            f"share one id, so {key} was not stored. Give one of them its own id (an 'ID:' "
            "line, an 'id' front matter key or field, or an id such as COE-2025-014 in the "
            "title)"
        )
    return None


def _quiet(progress: bool | None, total: int) -> bool | None:
    if progress is None:
        return None if total > 50 else True
    return not progress
