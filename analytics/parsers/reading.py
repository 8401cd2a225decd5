"""Reading a document's JSON and YAML safely: what one document may cost, and text made safe.

Every limit here turns a hostile or careless document into that document's :class:`ParseError`
(or a warning), never an exception from deep inside a library, a hang or a memory blow-up:

- YAML dates that do not exist (``2024-02-30``) stay the string as written (the date field then
  says it was not understood) instead of raising from the timestamp constructor;
- YAML ``.nan`` / ``.inf`` (and floats that overflow) stay the string as written, so a count or
  duration field says it was not understood; JSON ``NaN`` / ``Infinity`` are not JSON and refuse
  the document, as do numbers of more than :data:`MAX_DIGITS` digits in either;
- YAML aliases are not expanded beyond a budget: PyYAML builds an alias as a shared reference, so
  a 300-byte "billion laughs" document loads at once and explodes later, in whatever walks it
  (``str()`` of a field took minutes and gigabytes). :func:`check_data` walks the loaded data
  once, counting nodes as if expanded, and refuses past the budget;
- nesting deeper than :data:`MAX_DEPTH` is refused (the code reading a record recurses);
- lone surrogates (``"\\ud800"`` escapes) are replaced by U+FFFD with a warning, so no record can
  carry a string that cannot be encoded as UTF-8 (the store, the embedders and every export
  encode them).
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
from dataclasses import replace
from typing import Any

import yaml

from analytics.parsers.errors import ParseError

MAX_DEPTH = 64
MAX_DIGITS = 100
# Nodes an alias may add beyond the document's own: a document of n bytes has fewer than n
# nodes of its own, so aliases beyond this many extra nodes are expansion, not reuse.
ALIAS_BUDGET = 10_000

_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Refused(ValueError):
    """A JSON hook's refusal; the loader turns it into the document's ParseError."""


def _yaml_timestamp(loader: Any, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        # 2024-02-30: the string as written; the date field reports it as not understood
        return loader.construct_scalar(node)


def _yaml_float(loader: Any, node: yaml.Node) -> Any:
    value = yaml.SafeLoader.construct_yaml_float(loader, node)
    return value if math.isfinite(value) else loader.construct_scalar(node)


def _yaml_int(loader: Any, node: yaml.Node) -> Any:
    text = loader.construct_scalar(node)
    if sum(ch.isdigit() for ch in text) > MAX_DIGITS:
        raise yaml.constructor.ConstructorError(
            None, None, f"a number of more than {MAX_DIGITS} digits", node.start_mark
        )
    return yaml.SafeLoader.construct_yaml_int(loader, node)


class YamlLoader(_BASE):  # type: ignore[misc, valid-type]
    """The safe loader (libyaml's where installed) with constructors that never raise on a
    value: impossible dates and non-finite floats stay strings; huge integers are refused."""


YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _yaml_timestamp)
YamlLoader.add_constructor("tag:yaml.org,2002:float", _yaml_float)
YamlLoader.add_constructor("tag:yaml.org,2002:int", _yaml_int)


def load_yaml_documents(
    text: str, path: str, first_line: int = 1, what: str = "YAML"
) -> tuple[list, int]:
    """Every document of a YAML stream, checked by :func:`check_data`, and how many strings had
    lone surrogates replaced; ``first_line`` is the line of the document where ``text`` starts
    (front matter starts below the ``---``)."""
    try:
        docs = list(yaml.load_all(text, Loader=YamlLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        line = first_line + mark.line if mark is not None else None
        raise ParseError(path, line, f"malformed {what}: {problem}") from None
    except RecursionError:
        raise ParseError(
            path, None, f"{what} nested too deeply (more than {MAX_DEPTH} levels)"
        ) from None
    checked = [check_data(d, path, len(text), what) for d in docs]
    return [d for d, _ in checked], sum(n for _, n in checked)


def _refuse_constant(name: str) -> Any:
    raise _Refused(name)


def _json_int(text: str) -> int:
    if len(text) > MAX_DIGITS:
        raise _Refused(text[:20])
    return int(text)


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or len(text) > MAX_DIGITS + 10:
        raise _Refused(text[:20])
    return value


_decoder = json.JSONDecoder(
    parse_constant=_refuse_constant, parse_int=_json_int, parse_float=_json_float
)


def load_json(text: str, path: str, line: int | None = None) -> tuple[Any, int]:
    """One JSON value, checked by :func:`check_data`, and how many strings had lone surrogates
    replaced; ``line`` is where ``text`` sits in the document (a JSON Lines row), else line
    numbers are counted within ``text``."""
    try:
        data = _decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            path, line or exc.lineno, f"malformed JSON: {exc.msg} (column {exc.colno})"
        ) from None
    except _Refused as exc:
        token = str(exc)
        at = text.find(token)
        where = line or (text.count("\n", 0, at) + 1 if at >= 0 else None)
        if token in ("NaN", "Infinity", "-Infinity"):
            reason = f"{token} is not valid JSON (write a number, or null when unknown)"
        else:
            reason = f"a number of more than {MAX_DIGITS} digits ({token}...)"
        raise ParseError(path, where, reason) from None
    except RecursionError:
        raise ParseError(
            path, line, f"JSON nested too deeply (more than {MAX_DEPTH} levels)"
        ) from None
    return check_data(data, path, len(text), "JSON", line)


def try_json(text: str) -> Any:
    """A JSON value in a cell of text, or None when it is not one (or breaks a limit)."""
    try:
        return load_json(text, "<cell>")[0]
    except ParseError:
        return None


def check_data(
    data: Any, path: str, size: int, what: str = "YAML", line: int | None = None
) -> tuple[Any, int]:
    """``data`` with lone surrogates replaced (and how many strings were), after checking its
    depth and expanded size.

    One iterative walk (the data may be nested past Python's recursion limit): counts every
    node as if aliases were expanded and refuses past ``size + ALIAS_BUDGET`` nodes, refuses
    nesting deeper than :data:`MAX_DEPTH`. Containers are rebuilt only where a string changed.
    """
    budget = size + ALIAS_BUDGET
    seen = 0
    # (container, depth); each visited container is checked for surrogates in place
    stack: list[tuple[Any, int]] = [(data, 1)]
    needs_fix = isinstance(data, str) and bool(_SURROGATE.search(data))
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > MAX_DEPTH:
            raise ParseError(path, line, f"{what} nested too deeply (more than {MAX_DEPTH} levels)")
        seen += len(children)
        if seen > budget:
            raise ParseError(
                path,
                line,
                f"{what} aliases expand to more than {budget:,} values: refused (an alias "
                "bomb, or anchors reused far more than a COE needs)",
            )
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
            elif isinstance(child, str) and not child.isascii() and _SURROGATE.search(child):
                needs_fix = True
    if not needs_fix:
        return data, 0
    return _replace_surrogates(data)


def _replace_surrogates(data: Any) -> tuple[Any, int]:
    """A copy of ``data`` with lone surrogates replaced by U+FFFD, and how many strings changed.

    The walk is iterative; shared sub-structures (aliases) are copied once per reference, which
    the budget above has already bounded.
    """
    count = 0

    def fix(s: Any) -> Any:
        nonlocal count
        if isinstance(s, str) and not s.isascii() and _SURROGATE.search(s):
            count += 1
            return _SURROGATE.sub("\ufffd", s)
        return s

    root: list[Any] = [None]
    # (source, target container, key in target)
    work: list[tuple[Any, Any, Any]] = [(data, root, 0)]
    while work:
        src, target, key = work.pop()
        if isinstance(src, dict):
            out: Any = {}
            target[key] = out
            for k, v in src.items():
                k2 = fix(k)
                out[k2] = None
                work.append((v, out, k2))
        elif isinstance(src, list):
            out = [None] * len(src)
            target[key] = out
            for i, v in enumerate(src):
                work.append((v, out, i))
        else:
            target[key] = fix(src)
    return root[0], count


def sanitise_text(text: str) -> tuple[str, int]:
    """``text`` with lone surrogates replaced by U+FFFD, and how many were replaced."""
    if text.isascii():
        return text, 0
    return _SURROGATE.subn("\ufffd", text)


def with_repair_warning(coes: list, repaired: int) -> list:
    """``coes`` with a warning that ``repaired`` strings had lone surrogates replaced."""
    if not repaired:
        return coes
    note = (
        f"invalid text: {repaired} value(s) held lone surrogates (Unicode escapes such as "
        "\\ud800 that encode no character); replaced by U+FFFD"
    )
    return [replace(c, warnings=(*c.warnings, note)) for c in coes]


# Pseudo-file systems: their files are not documents, and some never end or block when read.
_PSEUDO_ROOTS = ("/proc/", "/sys/", "/dev/")


def display_path(path: str | os.PathLike) -> str:
    """``path`` as text that can be stored and printed: a name that is not UTF-8 (``Café`` in
    Latin-1) keeps its bytes as ``\\xe9`` escapes instead of lone surrogates."""
    text = os.fspath(path)
    if isinstance(text, bytes):
        return text.decode("utf-8", "backslashreplace")
    if text.isascii() or not _SURROGATE.search(text):
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)


def read_document(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or the file's ParseError.

    Only regular files are read: a FIFO, socket, device or directory is refused by its type
    before it is opened (reading a FIFO blocks, ``/dev/zero`` never ends), and so is anything
    under ``/proc``, ``/sys`` or ``/dev``, whose sizes say nothing about their contents. The
    file is opened without blocking and checked again once open, and never more than
    ``limit + 1`` bytes are read, whatever its size said.
    """
    name = display_path(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ParseError(name, None, _os_reason(path, exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise ParseError(name, None, f"not a regular file ({_kind(st.st_mode)}); not read")
    real = os.path.realpath(path)
    if isinstance(real, bytes):
        real = os.fsdecode(real)
    if real.startswith(_PSEUDO_ROOTS):
        raise ParseError(name, None, f"a system pseudo-file ({display_path(real)}), not a document")
    if st.st_size > limit:
        raise ParseError(name, None, f"file is larger than {limit // (1024 * 1024)} MB")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ParseError(name, None, _os_reason(path, exc)) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since the stat above
            raise ParseError(name, None, "not a regular file; not read")
        try:
            # read(n) allocates n bytes up front: ask for the size stat gave (plus one byte to
            # see growth), and only a file that grew since is read on, up to the limit
            raw = fh.read(min(st.st_size, limit) + 1)
            if st.st_size < len(raw) <= limit:
                raw += fh.read(limit + 1 - len(raw))
        except OSError as exc:
            raise ParseError(name, None, _os_reason(path, exc)) from None
    if len(raw) > limit:
        raise ParseError(name, None, f"file is larger than {limit // (1024 * 1024)} MB")
    return raw


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"


def _os_reason(path: str | os.PathLike, exc: OSError) -> str:
    """What an OSError on reading ``path`` means, in words a user can act on."""
    if exc.errno == errno.ENOENT:
        if os.path.islink(path):
            return f"dangling symbolic link (its target {display_path(os.readlink(path))} does not exist)"
        return "cannot read file: no such file"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (the link points back to itself); not read"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied: cannot read the file"
    if exc.errno == errno.ENOTDIR:
        return "no such file (a part of its path is not a folder)"
    return f"cannot read file: {exc.strerror or exc}"


def decode_utf16(raw: bytes, path: str) -> str | None:
    """The text of a UTF-16 document (Windows editors save it so, byte-order mark first), or
    None when ``raw`` is not UTF-16; a UTF-16 file without the mark is refused with what to do.
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ParseError(
                path, None, f"invalid UTF-16 at byte offset {exc.start}: {exc.reason}"
            ) from None
        if "\x00" in text:
            raise ParseError(path, None, "binary content (NUL character), not a document")
        return text
    head = raw[:400]
    if len(head) >= 8 and max(head[0::2].count(0), head[1::2].count(0)) * 4 >= len(head) * 3 // 2:
        raise ParseError(
            path, None, "looks like UTF-16 text without a byte-order mark: save it as UTF-8"
        )
    return None
