"""SQLite label store: every label an analyst gives, written at once, history kept.

>>> store = LabelStore("labels.sqlite")
>>> store.add("C00017", "process", who="wang", model_version="a1b2c3")
>>> store.current()                     # latest label per complaint
>>> store.undo(who="wang")               # removes exactly the last label wang gave

WAL mode, one row per label (who / when / model version); re-labelling adds a row and the
latest one counts. Several notebooks (processes) can label the same store at once.
"""
from __future__ import annotations

import getpass
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

__all__ = ["LabelStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS labels (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id  TEXT NOT NULL,
    text          TEXT,
    gap           TEXT NOT NULL,
    who           TEXT NOT NULL,
    labelled_at   TEXT NOT NULL,
    model_version TEXT,
    undone        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS labels_complaint ON labels(complaint_id);
"""


class LabelStore:
    """A label store in one SQLite file (WAL mode, safe for concurrent writers)."""

    def __init__(self, path: str | os.PathLike, timeout: float = 30.0):
        self.path = Path(path)
        self.timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._session() as con:
            con.executescript(_SCHEMA)

    @contextmanager
    def _session(self):
        con = self._connect()
        try:
            yield con
        finally:
            con.close()

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
        return con

    def add(self, complaint_id: str, gap: str, who: str | None = None, model_version: str | None = None,
            text: str | None = None) -> int:
        """Store one label now (committed before returning); returns its row id."""
        who = who or _user()
        with self._session() as con:
            cur = con.execute(
                "INSERT INTO labels(complaint_id, text, gap, who, labelled_at, model_version) VALUES (?,?,?,?,?,?)",
                (str(complaint_id), text, str(gap), who, time.strftime("%Y-%m-%dT%H:%M:%S"), model_version))
            return int(cur.lastrowid)

    def undo(self, who: str | None = None) -> dict | None:
        """Withdraw the most recent label (of ``who``, if given); returns it, or None if there is none."""
        with self._session() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                q = "SELECT id, complaint_id, gap FROM labels WHERE undone = 0"
                args: tuple = ()
                if who:
                    q += " AND who = ?"
                    args = (who,)
                row = con.execute(q + " ORDER BY id DESC LIMIT 1", args).fetchone()
                if row is not None:
                    con.execute("UPDATE labels SET undone = 1 WHERE id = ?", (row[0],))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return None if row is None else {"id": row[0], "complaint_id": row[1], "gap": row[2]}

    def history(self, include_undone: bool = True) -> pd.DataFrame:
        """Every label ever given (oldest first)."""
        with self._session() as con:
            q = "SELECT * FROM labels" + ("" if include_undone else " WHERE undone = 0") + " ORDER BY id"
            return pd.read_sql_query(q, con)

    def current(self) -> pd.DataFrame:
        """The latest (not undone) label per complaint: complaint_id, text, gap, who, labelled_at."""
        with self._session() as con:
            return pd.read_sql_query(
                "SELECT l.complaint_id, l.text, l.gap, l.who, l.labelled_at, l.model_version FROM labels l "
                "JOIN (SELECT complaint_id, MAX(id) AS id FROM labels WHERE undone = 0 GROUP BY complaint_id) m ON l.id = m.id "
                "ORDER BY l.id", con)

    def count(self) -> int:
        with self._session() as con:
            return int(con.execute("SELECT COUNT(*) FROM labels WHERE undone = 0").fetchone()[0])

    def integrity_check(self) -> str:
        with self._session() as con:
            return str(con.execute("PRAGMA integrity_check").fetchone()[0])


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "analyst"
