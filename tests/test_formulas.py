"""Formula injection: no written CSV/TSV/XLSX cell (or header) starts a formula once a spreadsheet
skips its leading spaces and line breaks — whatever the payload (= + - @, full-width ＝＋－＠,
leading spaces, tabs, CR/LF) — while plain signed numbers such as -12.5 are left alone."""
from __future__ import annotations

import csv
import io
import re

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback_mining.data.write import is_formula, neutralized, write_table
from hostile import run, write_csv

DANGER = tuple("=+-@＝＋－＠")
LEADING = [" ", "  ", "\t", "\r", "\n", "\r\n", "\u3000", "\u00a0", ""]


def dangerous(cell: str) -> bool:
    """What a spreadsheet would run: the first character after spaces and line breaks starts a formula."""
    s = cell.lstrip(" \t\r\n\u3000\u00a0")
    return bool(s) and s.startswith(DANGER) and not re.fullmatch(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?", s.strip())


payloads = st.tuples(st.sampled_from(LEADING), st.sampled_from(DANGER),
                     st.sampled_from(["1+1", 'HYPERLINK("http://evil.example","点击查看退款进度")', "cmd|' /C calc'!A0", "SUM(1+1)",
                                      "退款99+1", "1+9999"])).map("".join)
negatives = st.tuples(st.sampled_from(["-", "+", ""]), st.integers(0, 10**6), st.sampled_from(["", ".5", ".75", ".0"])).map(
    lambda t: f"{t[0]}{t[1]}{t[2]}")


@settings(max_examples=300, deadline=None)
@given(payloads)
def test_every_payload_is_a_formula_and_gets_neutralized(payload):
    assert is_formula(payload)
    assert not dangerous(neutralized(pd.DataFrame({"x": [payload]}))["x"][0])


@settings(max_examples=200, deadline=None)
@given(negatives)
def test_plain_numbers_are_data(number):
    assert not is_formula(number)
    assert neutralized(pd.DataFrame({"x": [number]}))["x"][0] == number


def _cells(path):
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        cells = [c for ws in wb for row in ws.iter_rows() for c in row]
        assert not [c for c in cells if c.data_type == "f"], "formula cells written"
        return [str(c.value) for c in cells if c.value is not None]
    text = path.read_bytes().decode("utf-8-sig")
    return [v for row in csv.reader(io.StringIO(text, newline=""), delimiter="\t" if path.suffix == ".tsv" else ",") for v in row]


@settings(max_examples=25, deadline=None)
@given(st.lists(payloads, min_size=1, max_size=6), st.sampled_from([".csv", ".tsv", ".xlsx"]))
def test_written_tables_hold_no_formula(tmp_path_factory, values, ext):
    path = tmp_path_factory.mktemp("f") / f"o{ext}"
    write_table(pd.DataFrame({"内容": values, values[0]: ["x"] * len(values), "金额": ["-12.5"] * len(values)}), path)
    cells = _cells(path)
    assert not [c for c in cells if dangerous(c)]
    assert cells.count("-12.5") == len(values)  # a plain negative amount is not altered


FORMULAS = {"eq": "=1+{n}", "fw-eq": "＝1+{n}", "fw-minus": "－1+{n}", "lead-spaces": "   =1+{n}", "lead-cr": "\r=1+{n}",
            "lead-lf": "\n=1+{n}", "lead-crlf": "\r\n=1+{n}", "ideographic": "\u3000=1+{n}", "at": "@SUM(1+{n})"}


@pytest.mark.parametrize("argv,outputs", [
    (["segment", "in.csv", "-o", "o.csv"], ["o.csv"]),
    (["segment", "in.csv", "-o", "o.xlsx"], ["o.xlsx"]),
    (["classify", "in.csv", "-o", "o.csv", "--quiet", "--workers", "1"], ["o.csv"]),
    (["classify", "in.csv", "-o", "o.tsv", "--quiet", "--workers", "1", "--chunk-rows", "4"], ["o.tsv"]),
    (["classify", "in.csv", "-o", "o.xlsx", "--quiet", "--workers", "1"], ["o.xlsx"]),
    (["cluster", "in.csv", "-o", "o.csv", "--summary", "s.xlsx", "--k", "3"], ["o.csv", "s.xlsx"]),
    (["report", "in.csv", "--out", "rep", "--formats", "xlsx"], ["rep/summary.xlsx"]),
])
def test_commands_neutralize_every_position(tmp_path, capsys, monkeypatch, argv, outputs):
    monkeypatch.chdir(tmp_path)
    header = ["编号", "投诉内容", "渠道", "金额"] + [t.format(n=900 + i) for i, t in enumerate(FORMULAS.values())]
    rows = []
    for i, t in enumerate(FORMULAS.values()):
        rows.append([t.format(n=100 + i), t.format(n=200 + i) + "，客服一直不回复，已经在微博曝光了", t.format(n=300 + i), "-12.5"] + ["x"] * len(FORMULAS))
    rows += [[f"T{i}", "物流太慢了，客服不理人，要求退款", "微信", "100"] + [""] * len(FORMULAS) for i in range(30)]
    write_csv(tmp_path / "in.csv", header, rows)
    rc, err = run(capsys, *argv)
    assert rc == 0, err
    for out in outputs:
        cells = _cells(tmp_path / out)
        assert not [c for c in cells if dangerous(c)], out
        if out.startswith("o."):
            assert "-12.5" in cells and "'-12.5" not in cells


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["=1+1", " =HYPERLINK(1)", "-12.5", "-1+2", "＠SUM(A1)", "\t退款", "退款太慢", "",
                                           "+86 139", "@客服"]), st.text(max_size=6)), max_size=30),
       st.booleans())
def test_neutralized_quotes_what_is_formula_says_in_text_and_mixed_columns(values, mixed):
    # an all-text column checks first characters only; a column with gaps checks every cell
    cells = values + [None] if mixed else values
    out = neutralized(pd.DataFrame({"投诉内容": pd.Series(cells, dtype=object)}))["投诉内容"].tolist()
    assert out == [("'" + v if is_formula(v) else v) for v in cells]
