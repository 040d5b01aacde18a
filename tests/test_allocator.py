"""The allocator setting classify applies: glibc takes it, and a classify run in a process that has
it writes the same bytes as one that has not (the setting changes where memory comes from, not results)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from hostile import write_csv


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_glibc_takes_the_setting_in_a_fresh_process():
    code = "from feedback_mining.allocator import keep_freed_memory as k; print(k(), k())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True"]


def test_classify_output_is_the_same_with_and_without_it(tmp_path):
    rows = [[f"客服态度太差，电话打了{i}次没人管，要求退款并道歉"] for i in range(30)] + [["物業費太貴，服務差😡"], [""]]
    src = write_csv(tmp_path / "投诉.csv", ["投诉内容"], rows)
    code = ("import sys; from feedback_mining.allocator import keep_freed_memory; "
            "keep_freed_memory() if sys.argv[1] == 'on' else None; "
            "from feedback_mining.models.registry import load_model; from feedback_mining.batch import classify_file; "
            "classify_file(sys.argv[2], sys.argv[3], load_model(None), workers=1, quiet=True)")
    for mode in ("on", "off"):
        subprocess.run([sys.executable, "-c", code, mode, str(src), str(tmp_path / f"{mode}.csv")], check=True)
    assert (tmp_path / "on.csv").read_bytes() == (tmp_path / "off.csv").read_bytes()
