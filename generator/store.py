"""The cache's parsed stories: a row each in SITE/.broadsheet/cache/articles.sqlite (stdlib sqlite3).

A row is a story's source path, the digest of the bytes it was parsed from, its parse result
pickled (article, problems, and where its body is: bodies.py), and the body file it needs and
how long that file must be. A build that parses every story reads every row; a build that the
saved job graph answers (incremental/graph.py) reads only the rows of the stories its stale pages
show, and writes only the rows of the stories it parsed. A row whose body file is missing or
short is no cache (that story is parsed again); a file that is not a database, or of another
version or other settings, holds no rows.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from . import bodies

if TYPE_CHECKING:
    import sqlite3

NAME = "articles.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS articles (path BLOB PRIMARY KEY, digest TEXT, entry BLOB, file BLOB, needs INTEGER,
                                     length INTEGER);
CREATE TABLE IF NOT EXISTS bodies (file BLOB PRIMARY KEY, rows INTEGER, length INTEGER);
CREATE TRIGGER IF NOT EXISTS row_in AFTER INSERT ON articles WHEN new.file IS NOT NULL BEGIN
    INSERT INTO bodies VALUES (new.file, 1, new.length)
        ON CONFLICT(file) DO UPDATE SET rows = rows + 1, length = length + excluded.length;
END;
CREATE TRIGGER IF NOT EXISTS row_out AFTER DELETE ON articles WHEN old.file IS NOT NULL BEGIN
    UPDATE bodies SET rows = rows - 1, length = length - old.length WHERE file = old.file;
END;
"""
# (bodies: what the rows need of each body file, kept by the triggers as rows come and go, so a
# build that writes a few rows does not read every row to learn which files are still needed)
_ROWS = "rows-2"    # the version of the tables: a database of another holds no rows
_UNREADABLE = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, KeyError, TypeError,
               ValueError)

Entry = tuple[str, Any]     # (digest, (article, problems, body))


def name_bytes(text: str) -> bytes:
    """A name as the cache's databases keep it (any file name: one that is not UTF-8 is kept as it came)."""
    return text.encode("utf-8", "surrogatepass")


def name_text(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


_b, _s = name_bytes, name_text


def connect(path: Path, schema: str) -> "sqlite3.Connection":
    """A database of the cache, made with `schema` if need be (OSError if its folder cannot be).
    Not synced: a cache, as the pickles beside it are (a file a crash left unreadable is no cache)."""
    import sqlite3
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    db.executescript(schema)
    return db


class Store:
    """The rows of one cache folder, for one version of the code and the settings (`key`)."""

    def __init__(self, folder: Path, key: str):
        self.folder, self.key = folder, f"{key}/{_ROWS}"
        self._db: sqlite3.Connection | None = None
        self.sizes: dict[str, int] = {}     # body file -> its size (-1: gone), as first looked at

    def _open(self) -> "sqlite3.Connection":
        """The database (made if there is none; OSError if it cannot be)."""
        if self._db is None:
            self._db = connect(self.folder / NAME, _SCHEMA)
        return self._db

    def _valid(self) -> bool:
        row = self._open().execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
        return row is not None and row[0] == self.key

    def _rows(self, query: str, args: Iterable[Any] = ()) -> dict[str, Entry]:
        """The usable rows a query selects (path, digest, entry, file, needs), by path."""
        import sqlite3
        if not (self.folder / NAME).is_file():
            return {}
        try:
            if not self._valid():
                return {}
            rows = self._open().execute(query, tuple(args)).fetchall()
        except (sqlite3.Error, OSError):
            return {}
        out = {}
        for path, digest, entry, file, needs in rows:
            if file and not bodies.usable({_s(file): needs}, self.sizes):
                continue
            try:
                out[_s(path)] = (digest, pickle.loads(entry))
            except _UNREADABLE:
                continue
        return out

    def all(self) -> dict[str, Entry]:
        return self._rows("SELECT path, digest, entry, file, needs FROM articles")

    def some(self, paths: Iterable[str]) -> dict[str, Entry]:
        """The rows of these source paths (those there are)."""
        wanted = [_b(path) for path in paths]
        out: dict[str, Entry] = {}
        for start in range(0, len(wanted), 500):        # (SQLite takes so many parameters at a time)
            chunk = wanted[start:start + 500]
            out.update(self._rows("SELECT path, digest, entry, file, needs FROM articles WHERE path IN "
                                  f"({','.join('?' * len(chunk))})", chunk))
        return out

    def live(self) -> dict[str, int] | None:
        """Body file -> the bytes of it that stories need (None: not known)."""
        import sqlite3
        try:
            if not (self.folder / NAME).is_file() or not self._valid():
                return {}
            return {_s(file): length for file, length in
                    self._open().execute("SELECT file, length FROM bodies WHERE rows > 0")}
        except (sqlite3.Error, OSError):
            return None

    def write(self, changed: dict[str, Entry], gone: Iterable[str] = (), everything: bool = False) -> bool:
        """Write these rows and drop the rows of `gone` (`everything`: these are all the rows there
        are). False if the file could not be written: then it is gone, so no stale row can stay."""
        import sqlite3
        for _ in range(2):      # (a file that is no database is made anew once)
            try:
                self._write(changed, gone, everything)
                return True
            except (sqlite3.Error, OSError, pickle.PicklingError, ValueError):
                self.close()
                try:
                    os.remove(self.folder / NAME)
                except OSError:
                    pass
        return False

    def _write(self, changed: dict[str, Entry], gone: Iterable[str], everything: bool) -> None:
        db = self._open()
        rows = []
        for path, (digest, result) in changed.items():
            body = result[2] if result[0] is not None else None
            ref = body if bodies.is_ref(body) else None
            rows.append((_b(path), digest, pickle.dumps(result, pickle.HIGHEST_PROTOCOL),
                         _b(ref[0]) if ref else None, ref[1] + ref[2] if ref else 0, ref[2] if ref else 0))
        with db:
            db.execute("BEGIN")
            if everything or not self._valid():
                db.execute("DELETE FROM articles")
                db.execute("DELETE FROM bodies")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('key', ?)", (self.key,))
            # (deleted, then inserted: a row replaced in place would not pass through the triggers)
            db.executemany("DELETE FROM articles WHERE path = ?", [(_b(path),) for path in [*gone, *changed]])
            db.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?)", rows)

    def paths(self) -> set[str]:
        import sqlite3
        try:
            if not (self.folder / NAME).is_file():
                return set()
            return {_s(row[0]) for row in self._open().execute("SELECT path FROM articles")}
        except (sqlite3.Error, OSError):
            return set()

    def files(self) -> set[str] | None:
        """The body files the rows need (None: not known)."""
        import sqlite3
        try:
            if not (self.folder / NAME).is_file():
                return None
            return {_s(row[0]) for row in self._open().execute("SELECT file FROM bodies WHERE rows > 0")}
        except (sqlite3.Error, OSError):
            return None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
