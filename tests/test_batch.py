"""Batch classification: order with workers, atomic output, kill + resume, Dask equals local."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_cli

PHRASES = ["客服电话一直占线，转了三个部门没人管", "骑手态度很差还骂人😡", "說好的贈品沒有給", "房间隔音太差一晚没睡",
           "套餐强制捆绑用不上的服务", "变速箱异响修了三次", "退款流程太繁琐", "菜太咸了分量也少", "App 登录不上 bug 太多",
           "物业费年年涨服务没变"]


def make_csv(path: Path, rows: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("id,channel,内容\n")
        for i in range(rows):
            text = rng.choice(PHRASES) + "，" + rng.choice(PHRASES) + ("" if i % 50 else "，电话13912345678")
            fh.write(f"T{i:06d},{rng.choice(['电话', 'App', '微博'])},{text}\n")
    return path


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("batch")
    src = make_csv(d / "in.csv", 12_000)
    ref = d / "ref.csv"
    r = run_cli("classify", str(src), "-o", str(ref), "--quiet", "--workers", "1", "--chunk-rows", "3000")
    assert r.returncode == 0, r.stderr
    return src, ref


def test_parallel_output_identical_and_in_order(data, tmp_path):
    src, ref = data
    out = tmp_path / "par.csv"
    r = run_cli("classify", str(src), "-o", str(out), "--quiet", "--workers", "2", "--chunk-rows", "1000")
    assert r.returncode == 0, r.stderr
    a, b = read(ref), read(out)
    assert a["id"].tolist() == [f"T{i:06d}" for i in range(12_000)]
    pd.testing.assert_frame_equal(a, b)
    assert "13912345678" not in out.read_text(encoding="utf-8-sig")
    assert not list(tmp_path.glob("*.parts"))


@pytest.mark.parametrize("ext", [".parquet", ".jsonl", ".xlsx", ".tsv"])
def test_other_output_formats_same_rows(data, tmp_path, ext):
    src, ref = data
    out = tmp_path / f"o{ext}"
    r = run_cli("classify", str(src), "-o", str(out), "--quiet", "--workers", "1", "--chunk-rows", "5000")
    assert r.returncode == 0, r.stderr
    got = {".parquet": pd.read_parquet, ".jsonl": lambda p: pd.read_json(p, lines=True, dtype=False),
           ".xlsx": lambda p: pd.read_excel(p, dtype=str), ".tsv": lambda p: pd.read_csv(p, sep="\t", dtype=str, encoding="utf-8-sig")}[ext](out)
    assert got["id"].astype(str).tolist() == read(ref)["id"].tolist()
    assert got["gap"].astype(str).tolist() == read(ref)["gap"].tolist()


def test_progress_bar_and_summary(data, tmp_path):
    src, _ = data
    r = run_cli("classify", str(src), "-o", str(tmp_path / "p.csv"), "--workers", "1", "--chunk-rows", "4000")
    assert r.returncode == 0
    assert "rows/s" in r.stderr and "12000/12000" in r.stderr
    assert "classify: rows read 12000, written 12000, rejected 0" in r.stderr


def test_kill_then_resume_gives_exactly_one_row_per_input(data, tmp_path):
    src, ref = data
    out = tmp_path / "killed.csv"
    exe = Path(sys.executable).parent / "feedback-mining"
    cmd = [str(exe), "classify", str(src), "-o", str(out), "--quiet", "--workers", "1", "--chunk-rows", "1000"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    parts = Path(str(out) + ".parts")
    deadline = time.time() + 240
    while time.time() < deadline and len(list(parts.glob("[0-9]*.csv"))) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(parts.glob("[0-9]*.csv")))
    assert 3 <= done < 12, "the run should have been killed mid-way"
    assert not out.exists(), "an interrupted run must not leave a file under the final name"
    r = run_cli(*cmd[1:], "--resume")
    assert r.returncode == 0, r.stderr
    assert f"resumed after {done * 1000} rows" in r.stderr
    pd.testing.assert_frame_equal(read(out), read(ref))
    assert not parts.exists()
    assert not list(tmp_path.glob(".*.part")), "the killed run's temporary output must be removed by --resume"


def test_resume_refuses_other_options(data, tmp_path):
    src, _ = data
    out = tmp_path / "x.csv"
    parts = Path(str(out) + ".parts")
    parts.mkdir()
    (parts / "manifest.json").write_text('{"input": "elsewhere.csv"}')
    r = run_cli("classify", str(src), "-o", str(out), "--quiet", "--resume")
    assert r.returncode == 2 and "another input" in r.stderr


@pytest.mark.slow
def test_dask_engine_matches_local_engine(tmp_path):
    src = make_csv(tmp_path / "d.csv", 3000, seed=1)
    local, dask_out = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    r = run_cli("classify", str(src), "-o", str(local), "--quiet", "--workers", "1")
    assert r.returncode == 0, r.stderr
    r = run_cli("classify", str(src), "-o", str(dask_out), "--quiet", "--engine", "dask", timeout=600)
    assert r.returncode == 0, r.stderr
    a, b = pd.read_parquet(local), pd.read_parquet(dask_out)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    csv_out = tmp_path / "dask.csv"
    r = run_cli("classify", str(src), "-o", str(csv_out), "--quiet", "--engine", "dask", timeout=600)
    assert r.returncode == 0, r.stderr
    assert read(csv_out)["gap"].tolist() == a["gap"].tolist()


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_jsonl_keys_that_appear_late_get_their_column_in_every_part(tmp_path, ext):
    """A key first seen in a later chunk: every part must have the same columns (and nothing lost)."""
    import json

    src = tmp_path / "late.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for i in range(30):
            record = {"id": f"J{i}", "内容": PHRASES[i % len(PHRASES)]}
            if i >= 20:
                record["渠道"] = "微信"
            if i == 25:
                record["备注"] = {"vip": True}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    out = tmp_path / f"late{ext}"
    r = run_cli("classify", str(src), "-o", str(out), "--quiet", "--workers", "2", "--chunk-rows", "7")
    assert r.returncode == 0, r.stderr
    got = read(out) if ext == ".csv" else pd.read_parquet(out).fillna("").astype(str)
    assert got["id"].tolist() == [f"J{i}" for i in range(30)]
    assert got["渠道"].tolist() == [""] * 20 + ["微信"] * 10
    assert got.loc[25, "备注"] == '{"vip": true}' and set(got["备注"].drop(25)) == {""}
