"""No personal data in any written byte: every form of phone, landline, ID, card, plate and
e-mail, planted in the text, the id column, the channel, another column and the header names,
is absent from every file each command writes (zip members and Parquet included) and from
stderr — tokens, escalation_reasons, theme names, complaint_id, slides, HTML and meta too."""
from __future__ import annotations

import random

import pytest

from hostile import complaint, pii_samples, recoverable, run, write_csv, written_text


@pytest.fixture(scope="module")
def planted():
    rng = random.Random(2026)
    samples = pii_samples(rng)
    headers = [f"联系人{written}" for written, _ in pii_samples(random.Random(7))[:6]]
    header_needles = [needle for _, needle in pii_samples(random.Random(7))[:6]]
    rows = []
    for written, _ in samples:
        rows.append([written, f"我的联系方式是{written}，{complaint(rng)}，已经在微博曝光了", f"热线{written}", f"客户留的：{written}"] + ["见上"] * len(headers))
    rows += [[f"T{i:04d}", complaint(rng), "微信", "无"] + [""] * len(headers) for i in range(40)]
    return ["编号", "投诉内容", "渠道", "备注"] + headers, rows, [n for _, n in samples] + header_needles


COMMANDS = {
    "segment-csv": ["segment", "IN", "-o", "out/o.csv"],
    "segment-parquet": ["segment", "IN", "-o", "out/o.parquet"],
    "classify-csv": ["classify", "IN", "-o", "out/o.csv", "--quiet", "--workers", "1"],
    "classify-xlsx-w2": ["classify", "IN", "-o", "out/o.xlsx", "--quiet", "--workers", "2", "--chunk-rows", "7"],
    "classify-jsonl": ["classify", "IN", "-o", "out/o.jsonl", "--quiet", "--workers", "1"],
    "cluster": ["cluster", "IN", "-o", "out/o.csv", "--summary", "out/s.xlsx", "--k", "4"],
    "report": ["report", "IN", "--out", "out", "--formats", "png,svg,pptx,xlsx,html"],
    "train": ["train", "IN", "-o", "out/m.joblib"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_no_personal_data_in_any_written_byte(tmp_path, capsys, monkeypatch, planted, command):
    header, rows, needles = planted
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    if command == "train":
        gaps = ["process", "behavior", "promotion", "understanding", "perception"]
        header, rows = header + ["gap"], [r + [gaps[i % 5]] for i, r in enumerate(rows)]
    write_csv(tmp_path / "in.csv", header, rows)
    rc, err = run(capsys, *[("in.csv" if a == "IN" else a) for a in COMMANDS[command]])
    assert rc == 0, err
    text = written_text(tmp_path / "out", err)
    leaked = [n for n in needles if recoverable(n) in text]
    assert not leaked, leaked
    if command.startswith("classify"):
        assert "手机号" in text and "身份证号" in text and "车牌" in text  # masked, not dropped


def test_error_messages_do_not_echo_personal_data(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "a.csv", ["联系人13912345678", "x"], [["13812345678", "1"], ["13712345678", "2"]])
    write_csv(tmp_path / "b.csv", ["投诉内容", "联系人13612345678", "联系人13612345678"], [["退款", "1", "2"]])
    (tmp_path / "c.csv").write_bytes("编号,投诉内容\n1,退款太慢\n".encode("gbk") + "2,电话13512345678坏字节".encode("gbk") + b"\xff\xfe\x81\n")
    for argv in (["segment", "a.csv", "-o", "o.csv"], ["segment", "a.csv", "-o", "o.csv", "--text-column", "nope"],
                 ["segment", "b.csv", "-o", "o.csv"], ["segment", "c.csv", "-o", "o.csv"]):
        rc, err = run(capsys, *argv)
        assert rc == 2 and len(err) == 1, err
        assert not any(m in recoverable(err[0]) for m in ("13912345678", "13812345678", "13612345678", "13512345678")), err


@pytest.mark.parametrize("ext", [".csv", ".parquet", ".xlsx", ".jsonl"])
def test_number_columns_and_headers_are_masked_other_numbers_kept(tmp_path, ext):
    import pandas as pd

    from feedback_mining.data.write import write_table
    from hostile import id_number, luhn_complete

    rng = random.Random(5)
    df = pd.DataFrame({"投诉内容": ["退款太慢"] * 3,
                       "手机": pd.Series([13912345678, 13812345678, 15012345678], dtype="int64"),
                       "卡号": [float(luhn_complete("622202" + "123456789")), float(luhn_complete("622202" + "987654321")), float("nan")],
                       "身份证": [int(id_number(rng)[:17] + "1") for _ in range(3)],
                       "金额": [128, 99, 2680], "联系人13712345678": ["见上", "", ""]})
    write_table(df, tmp_path / f"o{ext}")
    text = written_text(tmp_path)
    assert not [v for v in ("13912345678", "13812345678", "622202123456789", "13712345678") if v in text]
    back = {".csv": lambda p: pd.read_csv(p, encoding="utf-8-sig"), ".parquet": pd.read_parquet, ".xlsx": pd.read_excel,
            ".jsonl": lambda p: pd.read_json(p, lines=True)}[ext](tmp_path / f"o{ext}")
    assert back["金额"].tolist() == [128, 99, 2680] and "联系人<手机号>" in back.columns
    assert back["手机"].tolist() == ["<手机号>"] * 3
