"""Silently wrong results: the local and Dask engines give byte-identical outputs and the same
accounting on every hostile input (one parametrized test, one Dask cluster), and ``--resume``
refuses stale parts after an in-place edit of the same size or with another model."""
from __future__ import annotations

import json
import os
import random

import pandas as pd
import pytest

from feedback_mining import batch
from feedback_mining.batch import classify_file
from feedback_mining.errors import UserError
from feedback_mining.models.gap import GapClassifier
from feedback_mining.models.registry import default_model
from hostile import complaint, leftovers, write_csv

HEADER = ["编号", "投诉内容", "渠道"]


def rows(n: int, seed: int = 3) -> list[list[str]]:
    rng = random.Random(seed)
    return [[f"T{i:05d}", complaint(rng), rng.choice(["电话", "微信"])] for i in range(n)]


def _lines(path, edit):
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(edit(lines)), encoding="utf-8")


def hostile_input(d, kind: str):
    """One hostile input file of each kind; returns its path."""
    p = d / "in.csv"
    body = rows(300)
    if kind == "plain":
        write_csv(p, HEADER, body)
    elif kind == "no-id":
        write_csv(p, HEADER[1:], [r[1:] for r in body])
    elif kind == "complaint_id-column":
        write_csv(p, ["complaint_id"] + HEADER[1:], [[f" C-{i} "] + r[1:] for i, r in enumerate(body)])
    elif kind == "phone-ids":
        write_csv(p, HEADER, [[f"139{i:08d}"] + r[1:] for i, r in enumerate(body)])
    elif kind == "reserved-columns":
        write_csv(p, HEADER + ["gap", "empty_text", "theme"], [r + ["人工", "否", "主题"] for r in body])
    elif kind == "multiline":
        write_csv(p, HEADER, [[r[0], r[1].replace("，", "，\n", 1) + ("\n第二段：还是没人管" if i % 7 == 0 else ""), r[2]]
                              for i, r in enumerate(body)])
    elif kind == "too-many-fields":
        write_csv(p, HEADER, body)
        _lines(p, lambda ls: [line + ",多出来的字段,又一个" if 0 < i < len(ls) - 1 and i % 50 == 5 else line for i, line in enumerate(ls)])
    elif kind == "blank-and-empty-rows":
        write_csv(p, HEADER, body)
        _lines(p, lambda ls: [line + ("\n\n,,\n" if i and i % 40 == 10 else "") for i, line in enumerate(ls)])
    elif kind == "unbalanced-quote":
        write_csv(p, HEADER, body)
        _lines(p, lambda ls: [line.replace(",", ',"', 1) if i in (50, 120) else line for i, line in enumerate(ls)])
    elif kind == "cr-only":
        write_csv(p, HEADER, body, newline="\r")
    elif kind == "lone-cr":
        p.write_text("编号,投诉内容,渠道\n" + "".join(f"{r[0]},{r[1].replace('，', chr(13), 1)},{r[2]}\n" for r in body), encoding="utf-8")
    elif kind == "bom-crlf":
        write_csv(p, HEADER, body, newline="\r\n")
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    elif kind == "gbk-first-MB-ascii":
        pad = "".join(f"A{i:07d},ascii complaint about a late refund number {i},phone\n" for i in range(17_000))
        text = "".join(f"{r[0]},{r[1].replace(',', ' ')},{r[2]}\n" for r in body).encode("gbk", "replace").decode("gbk")
        p.write_bytes(("id,text,channel\n" + pad + text).encode("gbk"))
    elif kind == "long-text":
        body[3][1] = "退款太慢了" * 9000
        write_csv(p, HEADER, body)
    elif kind == "jsonl":
        p = d / "in.jsonl"
        lines = [json.dumps(dict(zip(HEADER, r)), ensure_ascii=False) for r in body]
        lines[7], lines[20] = lines[7][:-5], "[1, 2]"
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif kind == "parquet":
        p = d / "in.parquet"
        pd.DataFrame(body, columns=HEADER).to_parquet(p, index=False)
    return p


def expected_records(kind: str) -> int:
    """Records in the hostile file (blank lines are not records; ",," is one)."""
    extra = {"gbk-first-MB-ascii": 17_000, "blank-and-empty-rows": len([i for i in range(1, 301) if i % 40 == 10])}
    return 300 + extra.get(kind, 0)


KINDS = ["plain", "no-id", "complaint_id-column", "phone-ids", "reserved-columns", "multiline", "too-many-fields",
         "blank-and-empty-rows", "unbalanced-quote", "cr-only", "lone-cr", "bom-crlf", "gbk-first-MB-ascii", "long-text",
         "jsonl", "parquet"]


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as c:
        yield c.scheduler_address


@pytest.fixture(scope="module")
def model():
    return default_model()


@pytest.mark.slow
@pytest.mark.parametrize("ext", [".csv", ".parquet"])
@pytest.mark.parametrize("kind", KINDS)
def test_local_and_dask_engines_identical(tmp_path, cluster, model, kind, ext):
    src = hostile_input(tmp_path, kind)
    local = classify_file(src, tmp_path / f"local{ext}", model, workers=1, chunk_rows=97, quiet=True)
    dask = classify_file(src, tmp_path / f"dask{ext}", model, chunk_rows=97, quiet=True, engine="dask", scheduler=cluster)
    if ext == ".csv":
        assert (tmp_path / "local.csv").read_bytes() == (tmp_path / "dask.csv").read_bytes()
    else:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "local.parquet"), pd.read_parquet(tmp_path / "dask.parquet"))
    assert local.counts() == dask.counts() and local.renamed == dask.renamed
    assert local.rows_read == local.rows_written + local.rows_rejected == expected_records(kind)  # nothing swallowed
    assert local.rows_rejected == {"too-many-fields": 6, "unbalanced-quote": 2, "jsonl": 2}.get(kind, 0)
    rejects = [tmp_path / f"{name}{ext}.rejects.csv" for name in ("local", "dask")]
    assert [r.exists() for r in rejects] == [bool(local.rows_rejected)] * 2
    if local.rows_rejected:
        assert rejects[0].read_bytes() == rejects[1].read_bytes()
    assert not leftovers(tmp_path)


def test_gbk_after_an_ascii_megabyte_is_read_exactly(tmp_path, model):
    src = hostile_input(tmp_path, "gbk-first-MB-ascii")
    summary = classify_file(src, tmp_path / "o.csv", model, workers=1, quiet=True)
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    expected = [r[1].replace(",", " ").encode("gbk", "replace").decode("gbk") for r in rows(300)]
    assert summary.encoding == "gb18030" and out["text"].tolist()[-300:] == expected


@pytest.mark.parametrize("kind", ["cr-only", "lone-cr"])
def test_carriage_returns_keep_every_row_and_text(tmp_path, model, kind):
    src = hostile_input(tmp_path, kind)
    summary = classify_file(src, tmp_path / "o.csv", model, workers=1, quiet=True)
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert summary.rows_read == summary.rows_written == 300 and summary.rows_rejected == 0
    expected = [r[1].replace("，", "\r", 1) if kind == "lone-cr" else r[1] for r in rows(300)]
    assert out["投诉内容"].tolist() == expected and out["编号"].tolist() == [r[0] for r in rows(300)]


# --- --resume -------------------------------------------------------------------------------
def _interrupted(tmp_path, monkeypatch, model, after_chunks: int = 3):
    """A run stopped by Ctrl-C after some chunks: its parts are left for --resume."""
    src = tmp_path / "in.csv"
    write_csv(src, HEADER, rows(1200))
    real = batch.iter_complaint_chunks

    def stops(*a, **k):
        for i, chunk in enumerate(real(*a, **k)):
            if i == after_chunks:
                raise KeyboardInterrupt
            yield chunk
    monkeypatch.setattr(batch, "iter_complaint_chunks", stops)
    with pytest.raises(KeyboardInterrupt):
        classify_file(src, tmp_path / "out.csv", model, workers=1, chunk_rows=200, quiet=True)
    monkeypatch.setattr(batch, "iter_complaint_chunks", real)
    assert len(list((tmp_path / "out.csv.parts").glob("0*.csv"))) == after_chunks
    return src


@pytest.mark.parametrize("keep_mtime", [False, True])
@pytest.mark.parametrize("edit", [("结果".encode(), "后来".encode()), ("要求全额退款".encode(), "已在微博曝光".encode())])
def test_resume_refuses_an_input_edited_in_place_to_the_same_size(tmp_path, monkeypatch, model, edit, keep_mtime):
    src = _interrupted(tmp_path, monkeypatch, model)
    st = os.stat(src)
    data = src.read_bytes()
    edited = data.replace(*edit)
    assert len(edited) == len(data) and edited != data
    src.write_bytes(edited)
    if keep_mtime:
        os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))
    with pytest.raises(UserError, match="input changed"):
        classify_file(src, tmp_path / "out.csv", model, workers=1, chunk_rows=200, quiet=True, resume=True)


def test_resume_refuses_another_model_and_resumes_the_same(tmp_path, monkeypatch, model):
    src = _interrupted(tmp_path, monkeypatch, model)
    texts = [r[1] for r in rows(60)]
    other = GapClassifier(review_threshold=0.5).fit(texts, ["process", "behavior", "promotion", "perception", "understanding"] * 12)
    with pytest.raises(UserError, match="model changed"):
        classify_file(src, tmp_path / "out.csv", other, workers=1, chunk_rows=200, quiet=True, resume=True)
    (tmp_path / "out.csv.parts" / ".0000003.csv.abcd1234.part").write_text("half")  # a killed writer's temporary file
    resumed = classify_file(src, tmp_path / "out.csv", model, workers=1, chunk_rows=200, quiet=True, resume=True)
    fresh = classify_file(src, tmp_path / "fresh.csv", model, workers=1, chunk_rows=200, quiet=True)
    assert resumed.resumed_rows == 600 and (tmp_path / "out.csv").read_bytes() == (tmp_path / "fresh.csv").read_bytes()
    assert resumed.counts() | {"resumed_rows": 0} == fresh.counts()
    assert not leftovers(tmp_path)
