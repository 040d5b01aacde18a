"""No personal data in any written byte: every form of phone, landline, ID, card, plate and
e-mail, planted in the text, the id column, the channel, another column and the header names,
is absent from every file each command writes (zip members and Parquet included) and from
stderr — tokens, escalation_reasons, theme names, complaint_id, slides, HTML and meta too."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
                       "金额": [128, 99, 2680], "联系人13712345678": ["见上", "", ""],
                       "电话或金额": pd.Series([13612345678, 128, 99], dtype="int64")})
    write_table(df, tmp_path / f"o{ext}")
    text = written_text(tmp_path)
    assert not [v for v in ("13912345678", "13812345678", "622202123456789", "13712345678", "13612345678") if v in text]
    back = {".csv": lambda p: pd.read_csv(p, encoding="utf-8-sig"), ".parquet": pd.read_parquet, ".xlsx": pd.read_excel,
            ".jsonl": lambda p: pd.read_json(p, lines=True)}[ext](tmp_path / f"o{ext}")
    assert back["金额"].tolist() == [128, 99, 2680] and "联系人<手机号>" in back.columns
    assert back["手机"].tolist() == ["<手机号>"] * 3
    assert [str(v) for v in back["电话或金额"]] == ["<手机号>", "128", "99"]  # one column, two kinds: Parquet too


def test_report_boundary_masks_whatever_columns_arrive(tmp_path, planted):
    """A frame classified elsewhere (or with --no-mask) reaches ``build_report`` and ``write_table``
    with personal data in every kind of column: a categorical channel 「热线139…」, a mixed column
    holding an int phone, a float phone, a pandas string column, raw escalation_reasons, themes
    fitted where e-mails repeat (a theme must not be named after a local part), the header and the title (tokens are cut from masked text
    by ``segment``: pieces of a raw number cannot be masked afterwards; see the CLI test above). No form of it may reach any written byte; the values around it must survive."""
    import numpy as np
    import pandas as pd

    from feedback_mining.data.write import write_table
    from feedback_mining.models.registry import default_model
    from feedback_mining.pipeline import classify_frame, cluster_frame
    from feedback_mining.report import build_report

    _, rows, needles = planted
    rng = random.Random(11)
    samples = pii_samples(rng)
    emails = [w for w, _ in samples if "@" in w or "＠" in w]
    # e-mails frequent enough to name a theme if themes were fitted on raw text
    texts = [r[1] for r in rows] + [f"退款一直不到账，客服让我发邮件到{emails[i % 3]}，{complaint(rng)}" for i in range(45)]
    n = len(texts)
    df = classify_frame(pd.DataFrame({"投诉内容": texts}), default_model(), "投诉内容")
    df, _ = cluster_frame(df, "投诉内容", k=4)
    phone = 13900000000 + np.arange(n) * 7919
    df["渠道"] = pd.Series([f"热线{samples[i % len(samples)][0]}" if i % 3 == 0 else "微信" for i in range(n)], dtype="category")
    df["联系电话"] = pd.Series([int(p) if i % 2 else "未留" for i, p in enumerate(phone)], dtype=object)
    df["备用电话"] = [float(p) if i % 4 else np.nan for i, p in enumerate(phone)]
    df["备注"] = pd.Series([samples[i % len(samples)][0] if i % 5 == 0 else pd.NA for i in range(n)], dtype="string")
    df["escalation_reasons"] = [f"提到「{samples[i % len(samples)][0]}」" if i % 2 else "" for i in range(n)]
    df["escalation"] = [i % 2 == 1 for i in range(n)]
    df["date"] = pd.date_range("2025-01-01", periods=n, freq="2D")
    df = df.rename(columns={"备注": f"备注{samples[0][0]}"})
    secrets = needles + [str(int(p)) for p in phone] + [s for _, s in samples]

    out = tmp_path / "report"
    build_report(df, out, "png,svg,pptx,xlsx,html", title=f"投诉分析（联系人 {samples[1][0]}）", text_column="投诉内容")
    for ext in (".csv", ".xlsx", ".jsonl", ".parquet"):
        write_table(df, tmp_path / "tables" / f"o{ext}")
    text = written_text(tmp_path)
    leaked = sorted({s for s in secrets if recoverable(s) in text})
    assert not leaked, leaked
    # masked, not lost: the channel keeps its plain values, numbers that are no phone stay numbers
    back = pd.read_csv(tmp_path / "tables" / "o.csv", encoding="utf-8-sig", keep_default_na=False)
    assert back["渠道"].tolist().count("微信") == sum(i % 3 != 0 for i in range(n))
    assert all(v.startswith("热线") and "<" in v for v in back["渠道"] if v != "微信")
    assert back["联系电话"].tolist()[:2] == ["未留", "<手机号>"]
    assert "微信" in written_text(out) and "<手机号>" in written_text(out)


_PLAIN = ["微信", "热线", "退款", "128", "-12.5", "2025-01-03", "订单SF1234567890", "新GLC300", ""]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), kinds=st.lists(st.sampled_from(["category", "object", "string", "mixed", "int", "float"]), min_size=1, max_size=5),
       rows=st.integers(1, 12))
def test_mask_frame_masks_every_column_kind_and_keeps_the_rest(seed, kinds, rows):
    """Whatever the dtype of a column, personal data in it is masked, every other value comes back
    unchanged (same value, never NaN), and a column that needed nothing keeps its dtype."""
    import numpy as np
    import pandas as pd

    from feedback_mining.data.write import mask_frame

    rng = random.Random(seed)
    samples = pii_samples(rng)
    df, secrets, plain_cells, pii_cells = pd.DataFrame(index=range(rows)), [], [], []
    for j, kind in enumerate(kinds):
        pii_rows = {i for i in range(rows) if rng.random() < 0.3}
        phones = [13000000000 + rng.randrange(10 ** 9) for _ in range(rows)]
        picks = [rng.choice(samples) for _ in range(rows)]
        if kind in ("int", "float"):
            values = [phones[i] if i in pii_rows else rng.randrange(-999, 99_999) for i in range(rows)]
            col = pd.Series(values, dtype="int64" if kind == "int" else "float64")
        else:
            values = [f"热线{picks[i][0]}" if i in pii_rows else rng.choice(_PLAIN) for i in range(rows)]
            if kind == "mixed":  # numbers beside text: a phone typed as a number, short numbers kept
                values = [phones[i] if i in pii_rows and i % 2 else v if i in pii_rows or i % 2 else rng.randrange(100)
                          for i, v in enumerate(values)]
            col = pd.Series(values, dtype={"category": "category", "string": "string"}.get(kind, object))
        secrets += [str(values[i]) if isinstance(values[i], int) else picks[i][1] for i in pii_rows]
        df[f"c{j}"] = col
        plain_cells += [(f"c{j}", i, col[i]) for i in range(rows) if i not in pii_rows]
        pii_cells += [(f"c{j}", i) for i in pii_rows]
    out = mask_frame(df)
    text = recoverable(" ".join(str(v) for v in out.to_numpy().ravel()))
    assert not [s for s in secrets if recoverable(s) in text]
    for c, i, v in plain_cells:
        assert out[c][i] == v or (isinstance(v, float) and np.isnan(v) and np.isnan(out[c][i])), (c, i, v, out[c][i])
    for c, i in pii_cells:  # masked, not dropped: the placeholder and the words around it stay
        assert isinstance(out[c][i], str) and "<" in out[c][i], (c, i, df[c][i], out[c][i])
    for c in df.columns:
        if df[c].equals(out[c]):
            assert out[c].dtype == df[c].dtype
