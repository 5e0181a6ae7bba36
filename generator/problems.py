"""Errors are values: a Problem names the file, the line, the field and what is wrong."""
from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class BuildError(Exception):
    """Raised at the edges (never deep inside) to carry every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0, p.field, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # so a worker process can hand its problems back intact
        return (BuildError, (self.problems,))


def show(value: object, limit: int = 80) -> str:
    """repr() for a problem message: one line, cut short, and safe for a number of 5,000 digits."""
    try:
        text = repr(value)
    except ValueError:  # int too long to print
        text = f"a number of more than {sys.get_int_max_str_digits()} digits"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def key_name(key: str, limit: int = 80) -> str:
    """A key from a data file as it can stand in a problem's field (one line): printable text
    as it is, anything else as show()."""
    return key if key.isprintable() and len(key) <= limit else show(key, limit)
