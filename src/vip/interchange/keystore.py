"""Keys seen while validating a bundle, kept on disk so memory stays flat.

A bundle of any size is checked for duplicate keys and dangling references
without holding its keys in memory: they go to a temporary SQLite file.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path


class KeyStore:
    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="vip-import-")
        self._db = sqlite3.connect(Path(self._dir.name) / "keys.sqlite3")
        self._db.executescript(
            """
            PRAGMA journal_mode=OFF;
            PRAGMA synchronous=OFF;
            PRAGMA cache_size=-32768;
            CREATE TABLE keys (file TEXT NOT NULL, key TEXT NOT NULL, line INTEGER NOT NULL,
                               PRIMARY KEY (file, key)) WITHOUT ROWID;
            CREATE TABLE rejected (file TEXT NOT NULL, line INTEGER NOT NULL,
                                   PRIMARY KEY (file, line)) WITHOUT ROWID;
            """
        )

    def lines_of(self, file: str, keys: Iterable[str]) -> dict[str, int]:
        """The line where each of ``keys`` was first accepted in ``file`` (absent: not seen)."""
        items = list(keys)
        if not items:
            return {}
        # The keys go in as one JSON array (one parameter, however many keys).
        return dict(
            self._db.execute(
                "SELECT key, line FROM keys WHERE file = ? AND key IN (SELECT value FROM json_each(?))",
                (file, json.dumps(items)),
            ).fetchall()
        )

    def add(self, file: str, items: Iterable[tuple[str, int]]) -> None:
        self._db.executemany("INSERT INTO keys (file, key, line) VALUES (?, ?, ?)", ((file, k, n) for k, n in items))

    def reject(self, file: str, lines: Iterable[int]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO rejected (file, line) VALUES (?, ?)", ((file, n) for n in lines))

    def rejected_lines(self, file: str, first: int, last: int) -> set[int]:
        rows = self._db.execute(
            "SELECT line FROM rejected WHERE file = ? AND line BETWEEN ? AND ?", (file, first, last)
        ).fetchall()
        return {row[0] for row in rows}

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> KeyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
