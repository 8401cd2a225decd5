"""The one exception a parser raises for a document it cannot read at all."""

from __future__ import annotations


class ParseError(Exception):
    """A whole-file parse failure.

    Parameters
    ----------
    path : str
        The document's path (or ``"<text>"``).
    line : int or None
        1-based line where the problem is, when known.
    reason : str
        What is wrong, in words a user can act on.
    """

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")
