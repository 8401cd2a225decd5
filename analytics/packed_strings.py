"""Many strings as one ``uint8`` array, for indexes saved with ``numpy.savez``.

An int64 count, the int64 offsets of each string, then the UTF-8 bytes: the array saves and loads
without pickles, and one string is decoded without decoding the others (a 100,000-COE search
index decodes the five records it shows, not all of them).

>>> packed = pack(["root cause", "", "café"])
>>> unpack(packed)
['root cause', '', 'café']
>>> unpack_one(packed, 2)
'café'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pack(strings: Sequence[str]) -> np.ndarray:
    """``strings`` as one ``uint8`` array (see the module docstring)."""
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    header = np.r_[np.int64(len(encoded)), offsets].astype("<i8").view(np.uint8)
    return np.concatenate([header, np.frombuffer(b"".join(encoded), np.uint8)])


def unpack(packed: np.ndarray) -> list[str]:
    """Every string of a :func:`pack` array, in order."""
    offsets, base = _offsets(packed)
    blob = packed[base:].tobytes()
    return [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:], strict=True)]


def unpack_one(packed: np.ndarray, i: int) -> str:
    """The ``i``-th string of a :func:`pack` array."""
    offsets, base = _offsets(packed)
    return packed[base + offsets[i] : base + offsets[i + 1]].tobytes().decode("utf-8")


def _offsets(packed: np.ndarray) -> tuple[np.ndarray, int]:
    """The offsets of the strings within the bytes, and where the bytes start."""
    n = int(packed[:8].view("<i8")[0])
    offsets = packed[8 : 8 * (n + 2)].view("<i8")
    return offsets, 8 * (n + 2)
