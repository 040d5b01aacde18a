"""SQLite label store: history, undo, concurrent writers, and kill -9 mid-transaction."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from multiprocessing import get_context

from feedback_mining.labelling.store import LabelStore


def test_relabelling_keeps_history_and_undo_removes_one(tmp_path):
    store = LabelStore(tmp_path / "labels.sqlite")
    store.add("C1", "process", who="wang", model_version="m1", text="转了三个部门")
    store.add("C1", "behavior", who="li", model_version="m1")
    store.add("C2", "promotion", who="wang")
    assert store.current().set_index("complaint_id")["gap"].to_dict() == {"C1": "behavior", "C2": "promotion"}
    assert len(store.history()) == 3
    undone = store.undo(who="wang")
    assert undone["complaint_id"] == "C2" and store.count() == 2
    assert store.current()["complaint_id"].tolist() == ["C1"]
    assert store.undo(who="nobody") is None


def _writer(path: str, who: str, n: int) -> None:
    store = LabelStore(path)
    for i in range(n):
        store.add(f"{who}-{i}", "process" if i % 2 else "behavior", who=who)


def test_two_processes_writing_1000_labels_each(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    LabelStore(path)
    ctx = get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, who, 1000)) for who in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    store = LabelStore(path)
    assert store.count() == 2000 and store.integrity_check() == "ok"


def test_kill_9_mid_transaction_loses_no_committed_label(tmp_path):
    path = tmp_path / "k.sqlite"
    LabelStore(path)
    script = textwrap.dedent(f"""
        import sqlite3, sys, time
        from feedback_mining.labelling.store import LabelStore
        s = LabelStore({str(path)!r})
        for i in range(200):
            s.add(f"ok-{{i}}", "process", who="w")
        print("committed", flush=True)
        con = sqlite3.connect({str(path)!r}, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        for i in range(5000):
            con.execute("INSERT INTO labels(complaint_id, gap, who, labelled_at) VALUES (?, 'x', 'w', 'now')", (f"open-{{i}}",))
        print("in-transaction", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "committed"
    assert proc.stdout.readline().strip() == "in-transaction"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = LabelStore(path)
    assert store.integrity_check() == "ok"
    ids = set(store.history()["complaint_id"])
    assert {f"ok-{i}" for i in range(200)} <= ids and not any(i.startswith("open-") for i in ids)
    store.add("after", "behavior", who="w")
    assert store.count() == 201
