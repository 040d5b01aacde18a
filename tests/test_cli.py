"""The command line: every command end to end, one-line errors with exit code 2, row accounting."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import run_cli, valid_id_number

COMPLAINTS = [
    ("A1", "销售承诺送三次保养，现在不认账了 😡", "微信", "2026-09-03"),
    ("A2", "服务顾问态度恶劣，爱理不理的，电话13912345678也不接", "电话", "2026-09-15"),
    ("A3", "質保期內廠家沒有配件，等了兩個月，4S店說只能等", "门店", "2026-10-02"),
    ("A4", "", "App", "2026-10-05"),
    ("A5", f"酒店居然不提供吹风机，身份证{valid_id_number()}登记了还要押金", "网页", "2026-10-09"),
    ("A6", "=HYPERLINK(\"http://evil.example\",\"点我\") 菜太咸了", "App", "2026-10-12"),
]


@pytest.fixture()
def complaints_csv(tmp_path):
    path = tmp_path / "complaints.csv"
    pd.DataFrame(COMPLAINTS, columns=["工单号", "投诉内容", "channel", "created_at"]).to_csv(path, index=False, encoding="gb18030")
    return path


def test_help_and_version():
    r = run_cli("--help")
    assert r.returncode == 0 and "classify" in r.stdout and "segment" in r.stdout
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("feedback-mining ")


def test_segment_command(complaints_csv, tmp_path):
    out = tmp_path / "seg.csv"
    r = run_cli("segment", str(complaints_csv), "-o", str(out))
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert "4S店" in df.loc[2, "tokens"].split() and df.loc[3, "tokens"] == ""
    assert "13912345678" not in out.read_text(encoding="utf-8-sig")
    assert "rows read 6, written 6, rejected 0" in r.stderr


def test_classify_command_columns_masking_and_order(complaints_csv, tmp_path):
    out = tmp_path / "out.csv"
    r = run_cli("classify", str(complaints_csv), "-o", str(out), "--quiet", "--workers", "1")
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert df["工单号"].tolist() == [c[0] for c in COMPLAINTS]
    for col in ["gap", "gap_zh", "gap_confidence", "needs_review", "proba_process", "escalation_risk", "customer_demand"]:
        assert col in df.columns
    assert df.loc[0, "gap"] == "promotion" and df.loc[3, "gap"] == "" and df.loc[3, "needs_review"] == "True"
    text = out.read_text(encoding="utf-8-sig")
    assert "13912345678" not in text and valid_id_number() not in text
    assert df.loc[5, "投诉内容"].startswith("'=HYPERLINK")
    assert "rows read 6, written 6, rejected 0" in r.stderr and "needs_review" in r.stderr
    meta = json.loads((tmp_path / "out.csv.meta.json").read_text())
    assert meta["masked"] is True


def test_no_mask_is_explicit_and_logged(complaints_csv, tmp_path):
    out = tmp_path / "raw.csv"
    r = run_cli("classify", str(complaints_csv), "-o", str(out), "--quiet", "--no-mask", "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert "13912345678" in out.read_text(encoding="utf-8-sig")
    assert json.loads((tmp_path / "raw.csv.meta.json").read_text())["masked"] is False


def test_train_and_evaluate(tmp_path):
    from feedback_mining.paths import corpus_file

    model = tmp_path / "m.npz"
    r = run_cli("train", str(corpus_file("complaints_labeled.csv")), "-o", str(model))
    assert r.returncode == 0, r.stderr
    assert model.exists() and (tmp_path / "m.npz.json").exists() and "held-out macro-F1" in r.stderr
    r = run_cli("evaluate", str(corpus_file("complaints_labeled.csv")), "--model", str(model))
    assert r.returncode == 0, r.stderr
    assert "macro-F1" in r.stdout and "促销差距" in r.stdout and "confusion matrix" in r.stdout


BAD_FILES = {
    "missing.csv": None,
    "empty.csv": b"",
    "header_only.csv": "编号,投诉内容\n".encode(),
    "dupe_cols.csv": "id,内容,内容\n1,a,b\n".encode(),
    "binary.csv": bytes(range(256)) * 40,
    "nul.csv": b"id,text\n1,ab\x00c\n",
    "broken_enc.csv": "id,内容\n1,好的\n".encode() + b"2,\xff\xfe\xfa\n",
    "doc.docx": b"PK\x03\x04",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("command", ["segment", "classify", "cluster"])
def test_bad_inputs_exit_2_with_one_line(tmp_path, name, command):
    path = tmp_path / name
    if BAD_FILES[name] is not None:
        path.write_bytes(BAD_FILES[name])
    r = run_cli(command, str(path), "-o", str(tmp_path / "o.csv"))
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("feedback-mining: error:") and "Traceback" not in r.stderr
    assert not (tmp_path / "o.csv").exists()


def test_unknown_text_column_and_sheets(tmp_path, complaints_csv):
    r = run_cli("classify", str(complaints_csv), "-o", str(tmp_path / "o.csv"), "--text-column", "正文")
    assert r.returncode == 2 and "columns present: 工单号, 投诉内容, channel, created_at" in r.stderr
    book = tmp_path / "b.xlsx"
    with pd.ExcelWriter(book) as w:
        pd.DataFrame({"内容": ["电梯坏了没人修"]}).to_excel(w, sheet_name="9月", index=False)
        pd.DataFrame({"内容": ["物业费又涨了"]}).to_excel(w, sheet_name="10月", index=False)
    r = run_cli("segment", str(book), "-o", str(tmp_path / "o.csv"))
    assert r.returncode == 2 and "9月, 10月" in r.stderr and "--sheet" in r.stderr
    r = run_cli("segment", str(book), "-o", str(tmp_path / "o.csv"), "--sheet", "10月")
    assert r.returncode == 0


@pytest.mark.parametrize("command", ["segment", "classify"])
def test_row_accounting_adds_up_with_rejects(tmp_path, command):
    path = tmp_path / "mixed.csv"
    lines = ["id,内容"] + [f"{i},第{i}条：客服电话一直打不通" for i in range(1, 41)]
    lines[10] = '10,"引号没有关上，客服不理人'
    lines[20] = "20,多了,两列,出来"
    path.write_text("\n".join(lines) + "\n41," + ("差" * 1_000_000) + "\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    args = [command, str(path), "-o", str(out)] + (["--quiet", "--workers", "1"] if command == "classify" else [])
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    summary = [ln for ln in r.stderr.splitlines() if "rows read" in ln][-1]
    assert "rows read 41, written 39, rejected 2" in summary
    rejects = pd.read_csv(str(out) + ".rejects.csv", encoding="utf-8-sig")
    assert rejects["line"].tolist() == [11, 21]
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == 39
    assert "truncated" in r.stderr
    if command == "classify":
        r = run_cli(*args, "--strict")
        assert r.returncode == 2 and "--strict" in r.stderr
