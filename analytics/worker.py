"""A background worker that keeps ``coe analyze``'s model and last run in memory between runs.

A run pays two fixed costs that have nothing to do with what changed: starting Python with torch
and loading the model (~5 s), and reading and masking every stored COE (~2 s at 10,000 COEs).
``coe analyze --keep-warm`` runs the analysis in a worker process instead, one per store, that
keeps both (:class:`analytics.analyze.Memo`), so a run after a few new COEs costs about what
those COEs cost. The worker serves one run at a time over a Unix socket, streams the run's log
and progress bars back to the command, and exits after ``IDLE_SECONDS`` without a request.
``coe analyze`` uses a running worker even without the flag; ``coe worker --stop`` stops it.

The same worker answers ``coe similar`` (:func:`similar`): it keeps the precedent index of the
store's latest run, with the model loaded, built on the first search after each run, so a
search costs a query, not a model load and an index load. ``coe similar`` never starts a
worker; without one it searches in its own process.

The command sends settings it has resolved itself (model, device), so the worker's own
environment never decides them. A worker started by another version of this code (another
source stamp or Python) steps aside when asked to run, and the command starts a current one.
Sockets live in a folder only this user can enter; one lock file per store, held for the
worker's life, makes sure only one worker serves a store.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

IDLE_SECONDS = 15 * 60
STARTUP_SECONDS = 120
BUSY_NOTICE_SECONDS = 3
END = b"\0"  # never in a log line: what follows it is the run's exit code, or STALE
STALE = b"stale"


def available() -> bool:
    try:
        import fcntl  # noqa: F401
    except ImportError:
        return False
    return hasattr(socket, "AF_UNIX")


def address(store: Path) -> Path | None:
    """The socket of ``store``'s worker; ``None`` when this user has no private folder for it."""
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    home = base / f"coegraph-{os.getuid()}"
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(home)
    except OSError:
        return None
    # Anyone can create a folder in /tmp: use it only if it is ours and closed to others.
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    name = hashlib.sha256(str(Path(store).resolve()).encode()).hexdigest()[:20]
    return home / f"{name}.sock"  # short: Unix socket paths are limited to ~100 bytes


def code_stamp() -> str:
    """This code's version: the Python executable and every source file's modification time."""
    package = Path(__file__).resolve().parent
    files = sorted((str(p), p.stat().st_mtime_ns) for p in package.rglob("*.py"))
    return hashlib.sha256(json.dumps([sys.executable, files]).encode()).hexdigest()[:20]


def run(store: Path, settings: dict, *, progress: bool, start: bool) -> int | None:
    """Run an analysis in ``store``'s worker: its exit code, with its output on our stderr.

    ``None`` when no worker ran it: none is running and ``start`` is false, one could not be
    started, or it stopped mid-run (the store keeps no half-written run; run it here instead).
    """
    path = address(store) if available() else None
    if path is None:
        return None
    request = json.dumps({"settings": settings, "progress": progress, "stamp": code_stamp()})
    for _ in range(2):
        sock = _connect(path)
        if sock is None and start:
            sock = _start(store, path)
        if sock is None:
            return None
        try:
            with sock:
                sock.sendall(request.encode() + b"\n")
                tail = _relay(sock, sys.stderr.buffer, path)
        except OSError:
            return None  # it closed as we arrived (idle timeout): run here
        if tail != STALE:
            return int(tail) if tail and tail.strip().isdigit() else None
        _wait_unlocked(path)  # an older version's worker is leaving: start a current one
        start = True
    return None


def similar(store: Path, query: dict) -> dict | None:
    """Precedent search in ``store``'s running worker: ``{"precedents": [...]}`` (each
    :meth:`analytics.search.Precedent.to_dict`) or ``{"error": message}``.

    ``query`` holds the keyword arguments of :func:`analytics.search.similar` (a file by its
    absolute path). ``None`` when no worker answered: none runs, it is another version's (it
    then leaves), or it went away; the caller searches itself.
    """
    path = address(store) if available() else None
    sock = _connect(path) if path is not None else None
    if sock is None:
        return None
    request = {"kind": "similar", "query": query, "stamp": code_stamp()}
    try:
        with sock:
            sock.sendall(json.dumps(request).encode() + b"\n")
            with sock.makefile("rb") as reader:
                answer = reader.read()
    except OSError:
        return None
    try:
        found = json.loads(answer)
    except ValueError:
        return None  # END + STALE, or nothing: not answered
    return found if isinstance(found, dict) else None


def stop(store: Path) -> bool:
    """Stop ``store``'s worker, even in the middle of a run; whether one was running."""
    path = address(store) if available() else None
    pid = _holder(path) if path is not None else None
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    _wait_unlocked(path)
    return True


def serve(store: Path, idle_seconds: float = IDLE_SECONDS) -> None:
    """The worker's loop: one request at a time, until ``idle_seconds`` pass without one."""
    from analytics.analyze import Memo

    path = address(store)
    if path is None:
        raise RuntimeError(
            "no private folder for the worker's socket: coegraph-<uid> under $XDG_RUNTIME_DIR "
            f"or {tempfile.gettempdir()} must belong to you, with no access for others"
        )
    lock = _lock(path)
    if lock is None:
        raise RuntimeError(f"a worker already serves this store (pid {_holder(path)})")
    with lock:
        path.unlink(missing_ok=True)  # a dead worker's socket: the lock says none is alive
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        listener.listen()
        listener.settimeout(idle_seconds)
        # `coe worker --stop` sends SIGTERM: leave through ``finally`` (a run in progress is
        # rolled back by its transaction).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        # Every entry of the memo is checked against the store before use (see Memo), so a
        # store replaced at the same path needs no reset.
        stamp, memo, indexes = code_stamp(), Memo(), {}
        try:
            while True:
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    return
                with client:
                    client.settimeout(None)
                    request = _read_request(client)
                    if request is None:
                        continue
                    if request.get("stamp") != stamp:
                        client.sendall(END + STALE)
                        return
                    if request.get("kind") == "similar":
                        _serve_similar(client, store, request["query"], memo, indexes)
                        continue
                    _serve_one(client, store, request, memo)
                # The precedent index is built on the first `coe similar` after a run, not
                # here: at 10,000 COEs it takes minutes of embedding, and the next analyze (the
                # worker's main job) would wait behind it.
                # What the memo holds lives on: keep the collector from walking it every run.
                gc.collect()
                gc.freeze()
        finally:
            listener.close()
            path.unlink(missing_ok=True)


def _serve_one(client: socket.socket, store: Path, request: dict, memo) -> None:
    from analytics.analyze import Settings, analyze
    from analytics.model_registry import ModelNotFoundError
    from analytics.store import open_store

    code = 1
    try:
        with (
            client.makefile("w", encoding="utf-8", buffering=1) as stream,
            contextlib.redirect_stderr(stream),
        ):
            print(f"analyze: in the warm worker (pid {os.getpid()})", file=sys.stderr)
            conn = open_store(store)
            try:
                settings = Settings(**request["settings"])
                analyze(conn, settings, progress=request.get("progress", False), memo=memo)
                code = 0
            except ModelNotFoundError as exc:
                print(f"Error: {exc} (or use --embedder tfidf)", file=sys.stderr)
            except Exception:  # the worker outlives a failed run, and says why it failed
                traceback.print_exc()
            finally:
                conn.close()
        client.sendall(END + str(code).encode())
    except OSError:
        pass  # the command went away (Ctrl-C): nothing to report to


def _serve_similar(client: socket.socket, store: Path, query: dict, memo, indexes: dict) -> None:
    from analytics.parsers import ParseError
    from analytics.search import similar
    from analytics.store import open_store

    try:
        index = _precedent_index(store, memo, indexes)
        conn = open_store(store)
        try:
            found = similar(conn, index=index, **query)
        finally:
            conn.close()
        answer = {"precedents": [p.to_dict() for p in found]}
    except (ValueError, ParseError, OSError) as exc:
        answer = {"error": str(exc)}
    except Exception as exc:  # the worker outlives a failed search, and says why it failed
        traceback.print_exc()
        answer = {"error": f"the worker failed to search: {exc!r}"}
    with contextlib.suppress(OSError):  # the command went away (Ctrl-C)
        client.sendall(json.dumps(answer).encode())


def _precedent_index(store: Path, memo, indexes: dict):
    """The precedent index of ``store``'s latest run, built once per run and kept."""
    from analytics.analysis import latest_run_key, load_analysis
    from analytics.embed import run_embedder
    from analytics.search import build_index, index_cache_path
    from analytics.store import open_store

    conn = open_store(store)
    try:
        # A run and its creation time name it: a store replaced at the same path has others.
        key = latest_run_key(conn)
        if key is None:
            raise ValueError("the store has no analysis yet: run `coe analyze` first")
        if key not in indexes:
            analysis = load_analysis(conn, key[0])
            s = analysis.settings
            kind = (s.get("embedder", "sentence-transformers"), s.get("model"), s.get("device"))
            embedder = run_embedder(s)
            if getattr(embedder, "cache_key", None):  # the model analyze runs keep loaded
                embedder = memo.embedders.setdefault(kind, embedder)
            index = build_index(conn, analysis, embedder, cache=index_cache_path(conn))
            indexes.clear()  # one run's index at a time: an older one is never searched again
            indexes[key] = index
        return indexes[key]
    finally:
        conn.close()


def _read_request(client: socket.socket) -> dict | None:
    with client.makefile("rb") as reader:
        line = reader.readline()
    try:
        request = json.loads(line)
    except ValueError:
        return None
    if not isinstance(request, dict):
        return None
    if request.get("kind") == "similar":
        return request if isinstance(request.get("query"), dict) else None
    return request if "settings" in request else None


def _lock(path: Path, wait: float = 2.0):
    """The store's worker lock, with our pid in it; ``None`` if another worker holds it."""
    import fcntl

    handle = open(_open_private(path.with_suffix(".lock")), "r+", encoding="utf-8")  # noqa: SIM115

    def take() -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    if not _until(take, wait):  # a command may be probing the lock for a moment
        handle.close()
        return None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _holder(path: Path) -> int | None:
    """The pid of the worker holding ``path``'s lock, if one does."""
    import fcntl

    lock = path.with_suffix(".lock")
    if not lock.exists():
        return None
    with open(lock, encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            text = handle.read().strip()
            return int(text) if text.isdigit() else None
        return None  # we got it: nobody holds it


def _wait_unlocked(path: Path, seconds: float = 10.0) -> None:
    _until(lambda: _holder(path) is None, seconds)


def _until(check, seconds: float, every: float = 0.05):
    """The first true result of ``check()``, polled for up to ``seconds``; else ``None``."""
    deadline = time.monotonic() + seconds
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(every)
    return result or None


def _open_private(path: Path) -> int:
    """A file descriptor of ``path``, created readable by this user only, never via a link."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    return os.open(path, flags, 0o600)


def _connect(path: Path) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None
    return sock


def _start(store: Path, path: Path) -> socket.socket | None:
    """Start ``store``'s worker in the background and connect to it."""
    log = _open_private(path.with_suffix(".log"))
    os.lseek(log, 0, os.SEEK_END)
    try:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "analytics.cli",
                "worker",
                "--store",
                str(Path(store).resolve()),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # not stopped by the command's Ctrl-C
        )
    finally:
        os.close(log)
    # Connect once it listens; if it exits first, another worker may have won the lock.
    found = _until(lambda: _connect(path) or process.poll() is not None, STARTUP_SECONDS, 0.02)
    return found if isinstance(found, socket.socket) else _connect(path)


def _relay(sock: socket.socket, out, path: Path) -> bytes | None:
    """Copy the worker's output to ``out`` until its exit code (returned); ``None`` if none came."""
    tail = None
    sock.settimeout(BUSY_NOTICE_SECONDS)
    while True:
        try:
            chunk = sock.recv(1 << 16)
        except TimeoutError:
            pid = _holder(path)
            out.write(f"analyze: waiting for the store's worker (pid {pid}): it is busy\n".encode())
            out.flush()
            sock.settimeout(None)
            continue
        sock.settimeout(None)
        if not chunk:
            return tail
        if tail is not None:
            tail += chunk
            continue
        head, sep, rest = chunk.partition(END)
        out.write(head)
        out.flush()
        if sep:
            tail = rest
