"""A background worker that keeps ``coe analyze``'s model and last run in memory between runs.

A run pays two fixed costs that have nothing to do with what changed: starting Python with torch
and loading the model (~5 s), and reading and masking every stored COE (~2 s at 10,000 COEs).
``coe analyze --keep-warm`` runs the analysis in a worker process instead, one per store, that
keeps both (:class:`analytics.analyze.Memo`), so a run after a few new COEs costs about what
those COEs cost. The worker serves one run at a time over a Unix socket, streams the run's log
and progress bars back to the command, and exits after ``IDLE_SECONDS`` without a request.
``coe analyze`` uses a running worker even without the flag; ``coe worker --stop`` stops it.

The socket's name includes the store's path, the Python executable and the package's source
stamp, so a worker never serves another store or an older version of this code.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

IDLE_SECONDS = 15 * 60
STARTUP_SECONDS = 120
END = b"\0"  # never in a log line: what follows it is the run's exit code


def available() -> bool:
    return hasattr(socket, "AF_UNIX")


def address(store: Path) -> Path:
    """The socket of ``store``'s worker (short: Unix socket paths are limited to ~100 bytes)."""
    package = Path(__file__).resolve().parent
    stamp = sorted((str(p), p.stat().st_mtime_ns) for p in package.rglob("*.py"))
    key = json.dumps([str(Path(store).resolve()), sys.executable, stamp])
    uid = os.getuid() if hasattr(os, "getuid") else 0
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()) / f"coegraph-{uid}"
    return base / f"{hashlib.sha256(key.encode()).hexdigest()[:20]}.sock"


def run(store: Path, settings: dict, *, progress: bool, start: bool) -> int | None:
    """Run an analysis in ``store``'s worker: its exit code, with its output on our stderr.

    ``None`` when no worker ran it: none is running and ``start`` is false, one could not be
    started, or it stopped mid-run (the store keeps no half-written run; run it here instead).
    """
    if not available():
        return None
    sock = _connect(address(store))
    if sock is None and start:
        sock = _start(store)
    if sock is None:
        return None
    with sock:
        sock.sendall(json.dumps({"settings": settings, "progress": progress}).encode() + b"\n")
        return _relay(sock, sys.stderr.buffer)


def stop(store: Path) -> bool:
    """Stop ``store``'s worker; whether one was running."""
    sock = _connect(address(store)) if available() else None
    if sock is None:
        return False
    with sock:
        sock.sendall(b'{"stop": true}\n')
        _relay(sock, sys.stderr.buffer)
    return True


def serve(store: Path, idle_seconds: float = IDLE_SECONDS) -> None:
    """The worker's loop: one request at a time, until ``idle_seconds`` pass without one."""
    from analytics.analyze import Memo

    path = address(store)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    listener = _listen(path)
    if listener is None:
        return  # another worker serves this store already
    memo, identity = Memo(), None
    listener.settimeout(idle_seconds)
    try:
        while True:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                return
            with client:
                client.settimeout(None)
                with client.makefile("rb") as reader:
                    request = json.loads(reader.readline() or b"{}")
                if request.get("stop"):
                    client.sendall(b"coe worker: stopped\n" + END + b"0")
                    return
                # A store replaced at the same path shares nothing with what the memo holds.
                current = _identity(store)
                if current != identity:
                    memo, identity = Memo(), current
                _serve_one(client, store, request, memo)
            # What the memo holds lives on: keep the collector from walking it on every run.
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
                analyze(
                    conn, Settings(**request["settings"]), progress=request["progress"], memo=memo
                )
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


def _identity(store: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(store)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _listen(path: Path) -> socket.socket | None:
    if _connect(path) is not None:
        return None
    path.unlink(missing_ok=True)  # a dead worker's socket
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()
    return listener


def _connect(path: Path) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None
    return sock


def _start(store: Path) -> socket.socket | None:
    """Start ``store``'s worker in the background and connect to it."""
    path = address(store)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(path.with_suffix(".log"), "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "analytics.cli", "worker", "--store", str(store)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # not stopped by the command's Ctrl-C
        )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        sock = _connect(path)
        if sock is not None:
            return sock
        time.sleep(0.02)
    return _connect(path)  # it exited: another worker may have won the race for the socket


def _relay(sock: socket.socket, out) -> int | None:
    """Copy the worker's output to ``out`` until its exit code; ``None`` if it never came."""
    tail = None
    while chunk := sock.recv(1 << 16):
        if tail is not None:
            tail += chunk
            continue
        head, sep, rest = chunk.partition(END)
        out.write(head)
        out.flush()
        if sep:
            tail = rest
    return int(tail) if tail and tail.strip().isdigit() else None
