"""summary.xlsx that opens like a finished report in Excel or WPS.

One sheet per view the charts show (根因分布, 月度趋势, 渠道×根因, 主题, 高风险投诉, 客户诉求, and
响应时效 when the data has reply times) plus 说明. Chinese headers with the English name in a
second header row, real numbers with % / date formats, widths, a bold frozen header,
autofilter, and native Excel charts (gap Pareto, monthly trend) that managers can restyle.

>>> sheets = report_sheets(view, "month", themes, recovery, "text")
>>> write_workbook("out/summary.xlsx", sheets, notes)
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from ..analysis import parse_dates, period_series, valid_gaps
from ..data.columns import find_date_column, find_id_column, find_segment_column
from ..data.write import atomic_write, neutralize_formula
from ..errors import NotAvailable
from ..models.escalation import DEMANDS, describe_evidence
from ..models.taxonomy import load_taxonomy
from .style import MIN_COMPARE, SEGMENT_NAMES, demand_names

__all__ = ["Sheet", "report_sheets", "write_workbook", "recovery_note_zh", "SHARE", "COUNT", "DATE", "MONTH", "HOURS"]

SHARE, COUNT, DATE, MONTH, HOURS = "0.0%", "#,##0", "yyyy-mm-dd hh:mm", 'yyyy"年"m"月"', "0.0"
_TEXT_WIDTH = 60  # characters (CJK count double) before a text column wraps


@dataclass
class Sheet:
    """One worksheet: a frame with Chinese headers, the English header row, number formats by
    column and an optional native chart (a function of the worksheet and the data's row count)."""
    name: str
    frame: pd.DataFrame
    english: list[str]
    formats: dict[str, str] = field(default_factory=dict)
    wrap: tuple[str, ...] = ()
    chart: Callable | None = None
    about: str = ""


def _gap_sheet(gaps: pd.Series, tax) -> Sheet:
    counts = gaps.value_counts()
    frame = pd.DataFrame({"根因": [tax.zh(c) or c for c in counts.index], "代码": counts.index, "投诉数": counts.values,
                          "占比": counts.values / counts.sum(), "累计占比": counts.cumsum().values / counts.sum()})
    return Sheet("根因分布", frame, ["gap", "code", "complaints", "share", "cumulative share"],
                 {"投诉数": COUNT, "占比": SHARE, "累计占比": SHARE}, chart=_pareto_chart,
                 about="各根因的投诉数与占比，按投诉数从多到少（帕累托）")


def _trend_sheet(df: pd.DataFrame, gaps: pd.Series, period: str, tax) -> Sheet | None:
    try:
        per = period_series(df.loc[gaps.index], period)
    except NotAvailable:
        return None
    table = pd.crosstab(per, gaps)
    if table.empty:
        return None
    codes = [c for c in tax.codes if c in table.columns] + [c for c in table.columns if c not in tax.codes]
    start = pd.PeriodIndex(table.index, freq="M" if period == "month" else "W").start_time
    frame = pd.DataFrame({"月份" if period == "month" else "周": start})
    for c in codes:
        frame[tax.zh(c) or c] = table[c].to_numpy()
    frame["合计"] = table[codes].sum(axis=1).to_numpy()
    first = frame.columns[0]
    formats = {first: MONTH if period == "month" else "yyyy-mm-dd", **{c: COUNT for c in frame.columns[1:]}}
    return Sheet("月度趋势" if period == "month" else "每周趋势", frame, [period] + codes + ["total"], formats, chart=_trend_chart,
                 about=f"每{'月' if period == 'month' else '周'}各根因的投诉数")


def _segment_sheet(df: pd.DataFrame, gaps: pd.Series, tax) -> Sheet | None:
    col = find_segment_column(df.loc[gaps.index])
    if col is None:
        return None
    name = SEGMENT_NAMES.get(col, str(col))
    counts = pd.crosstab(df.loc[gaps.index, col].astype(str), gaps)
    codes = [c for c in tax.codes if c in counts.columns] + [c for c in counts.columns if c not in tax.codes]
    totals = counts.sum(axis=1)
    order = totals.sort_values(ascending=False).index
    frame = pd.DataFrame({name: order, "投诉数": totals[order].to_numpy()})
    for c in codes:
        frame[f"{tax.zh(c) or c}占比"] = (counts.loc[order, c] / totals[order]).to_numpy()
    frame["样本"] = ["足够" if n >= MIN_COMPARE else f"少于 {MIN_COMPARE} 条，不比较" for n in frame["投诉数"]]
    formats = {"投诉数": COUNT, **{f"{tax.zh(c) or c}占比": SHARE for c in codes}}
    return Sheet(f"{name}×根因", frame, [str(col), "complaints"] + [f"{c} share" for c in codes] + ["sample"], formats,
                 about=f"各{name}内的根因占比（每行合计 100%），热力图的数字")


def _theme_sheet(themes: pd.DataFrame | None, tax) -> Sheet | None:
    if themes is None or themes.empty:
        return None
    frame = pd.DataFrame({"主题": themes["theme_name"], "投诉数": themes["size"], "占比": themes["share"],
                          "主要根因": [tax.zh(g) or g for g in themes["dominant_gap"]],
                          "代表性投诉": ["\n".join(f"「{t}」" for t in reps) for reps in themes["representatives"]]})
    return Sheet("主题", frame, ["theme", "complaints", "share", "dominant gap", "representative complaints"],
                 {"投诉数": COUNT, "占比": SHARE}, wrap=("代表性投诉",), about="聚类得到的投诉主题与代表性原文（占全部投诉）")


def _high_risk_sheet(df: pd.DataFrame, text_col: str) -> Sheet | None:
    if "escalation_risk" not in df.columns:
        return None
    high = df[df["escalation_risk"].astype(str) == "high"]
    frame = pd.DataFrame(index=high.index)
    english = []
    id_col = find_id_column(list(df.columns))
    if id_col:
        frame["编号"], english = high[id_col].astype(str), ["id"]
    date_col = find_date_column(df)
    if date_col:
        frame["日期"] = parse_dates(high[date_col]).dt.tz_localize(None) if len(high) else pd.Series(dtype="datetime64[ns]")
        english.append("date")
    seg = find_segment_column(df)
    if seg:
        frame[SEGMENT_NAMES.get(seg, str(seg))] = high[seg].astype(str)
        english.append(str(seg))
    frame["根因"] = high["gap_zh"].astype(str) if "gap_zh" in high.columns else ""
    frame["风险依据"] = [describe_evidence(str(r)) for r in high.get("escalation_reasons", pd.Series("", index=high.index))]
    frame["诉求"] = [demand_names(d) for d in high.get("customer_demand", pd.Series("", index=high.index))]
    frame["投诉内容"] = high[text_col].astype(str)
    english += ["gap", "escalation evidence", "customer demand", "complaint"]
    if "日期" in frame.columns:
        frame = frame.sort_values("日期", ascending=False)
    return Sheet("高风险投诉", frame.reset_index(drop=True), english, {"日期": DATE}, wrap=("投诉内容", "风险依据"),
                 about="升级风险为「高」的投诉（媒体、监管、法律、网络曝光、集体维权、安全隐患），最新在前")


def _demand_sheet(df: pd.DataFrame) -> Sheet | None:
    if "customer_demand" not in df.columns:
        return None
    codes = df["customer_demand"].astype(str)
    codes = codes[codes.ne("")]
    if codes.empty:
        return None
    counts = codes.str.split("|").explode().value_counts().reindex(list(DEMANDS)).dropna().astype(int)
    frame = pd.DataFrame({"诉求": [DEMANDS[c][0] for c in counts.index], "代码": counts.index, "投诉数": counts.values,
                          "占投诉比例": counts.values / len(codes)})
    return Sheet("客户诉求", frame, ["demand", "code", "complaints", "share of complaints"], {"投诉数": COUNT, "占投诉比例": SHARE},
                 about="客户提出的诉求（一条投诉可有多项，比例之和可超过 100%；「未提诉求」= 没有提出任何要求）")


def _recovery_sheet(recovery) -> Sheet | None:
    if recovery is None or recovery.by_gap is None:
        return None
    tax = load_taxonomy()
    rows = [("根因", tax.zh(k) or k, r) for k, r in recovery.by_gap.iterrows()]
    if recovery.by_channel is not None:
        rows += [("渠道", k, r) for k, r in recovery.by_channel.iterrows()]
    frame = pd.DataFrame({"维度": [a for a, _, _ in rows], "分组": [b for _, b, _ in rows],
                          "投诉数": [int(r["complaints"]) for _, _, r in rows], "12小时内响应": [r["within_12h"] for _, _, r in rows],
                          "24小时内响应": [r["within_24h"] for _, _, r in rows], "中位响应小时": [r["median_hours"] for _, _, r in rows]})
    return Sheet("响应时效", frame, ["by", "group", "complaints", "within 12 h", "within 24 h", "median hours"],
                 {"投诉数": COUNT, "12小时内响应": SHARE, "24小时内响应": SHARE, "中位响应小时": HOURS}, about="首次响应用时（受理到回复）")


def report_sheets(view: pd.DataFrame, period: str, themes: pd.DataFrame | None, recovery, text_col: str) -> list[Sheet]:
    """The workbook's data sheets, computed from the (masked) classified complaints."""
    tax = load_taxonomy()
    gaps = valid_gaps(view)
    sheets = [_gap_sheet(gaps, tax)] if len(gaps) else []
    sheets += [s for s in (_trend_sheet(view, gaps, period, tax) if len(gaps) else None,
                           _segment_sheet(view, gaps, tax) if len(gaps) else None, _theme_sheet(themes, tax),
                           _high_risk_sheet(view, text_col), _demand_sheet(view), _recovery_sheet(recovery)) if s is not None]
    return sheets


def recovery_note_zh(note: str) -> str:
    """The service-recovery notes of :func:`~feedback_mining.analysis.service_recovery` in Chinese."""
    if note.startswith("response-time figures skipped: the input has no"):
        return "未计算响应时效：数据中没有受理时间和回复/结案时间列"
    if note.startswith("response-time figures skipped"):
        return "未计算响应时效：受理时间与回复/结案时间无法配对（" + note.split(": ", 1)[-1] + "）"
    if note.startswith("repeat-complaint rate skipped"):
        return "未计算重复投诉率：数据中没有客户编号列"
    return note


# --- writing -------------------------------------------------------------------------------------
def _display_width(value: object) -> int:
    text = str(value) if value is not None else ""
    longest = max((sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line) for line in text.split("\n")), default=0)
    return longest


def _series(ws, col: int, n: int, title: str):
    from openpyxl.chart import Reference, Series

    return Series(Reference(ws, min_col=col, min_row=3, max_row=n + 2), title=title)


def _pareto_chart(ws, n: int):
    """Bars of complaints per gap and the cumulative share on a secondary axis."""
    from openpyxl.chart import BarChart, LineChart, Reference

    bar = BarChart()
    bar.type, bar.title, bar.style = "col", "投诉根因帕累托图", 10
    bar.series.append(_series(ws, 3, n, "投诉数"))
    bar.set_categories(Reference(ws, min_col=1, min_row=3, max_row=n + 2))
    bar.y_axis.title, bar.y_axis.numFmt = "投诉数（条）", "#,##0"
    bar.y_axis.scaling.min = 0
    line = LineChart()
    line.series.append(_series(ws, 5, n, "累计占比"))
    line.y_axis.axId, line.y_axis.title, line.y_axis.numFmt = 200, "累计占比", "0%"
    line.y_axis.scaling.min, line.y_axis.scaling.max = 0, 1
    line.y_axis.crosses = "max"
    for axis in (bar.x_axis, bar.y_axis, line.y_axis):
        axis.delete = False
    bar += line
    bar.height, bar.width = 9, 16
    return bar


def _trend_chart(ws, n: int):
    """Stacked columns of complaints per gap and period (the last column, the total, left out)."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type, chart.grouping, chart.overlap, chart.style = "col", "stacked", 100, 10
    chart.title = "各根因投诉趋势"
    for col in range(2, ws.max_column):
        chart.series.append(_series(ws, col, n, str(ws.cell(1, col).value)))
    chart.set_categories(Reference(ws, min_col=1, min_row=3, max_row=n + 2))
    chart.x_axis.number_format = 'yyyy"-"mm'
    chart.y_axis.title, chart.y_axis.numFmt = "投诉数（条）", "#,##0"
    chart.y_axis.scaling.min = 0
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.height, chart.width = 9, 18
    return chart


def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def _write_sheet(wb, sheet: Sheet) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    ws = wb.create_sheet(sheet.name[:31])
    frame = sheet.frame
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    ws.append([neutralize_formula(str(c)) for c in frame.columns])
    ws.append(list(sheet.english) + [""] * (len(frame.columns) - len(sheet.english)))
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), header_fill
        cell.alignment = Alignment(vertical="center")
    for cell in ws[2]:
        cell.font = Font(italic=True, color="777777", size=9)
        cell.border = Border(bottom=Side(style="thin", color="999999"))
    for row in frame.itertuples(index=False):
        ws.append([neutralize_formula(v) if isinstance(v, str) else (None if pd.isna(v) else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v))
                   for v in row])
    n = len(frame)
    for j, name in enumerate(frame.columns, start=1):
        letter = _col(j)
        fmt = sheet.formats.get(name)
        wrap = name in sheet.wrap
        for (cell,) in ws.iter_rows(min_row=3, max_row=n + 2, min_col=j, max_col=j):
            if fmt:
                cell.number_format = fmt
            cell.alignment = Alignment(wrap_text=wrap, vertical="top")
        widest = max([_display_width(name), _display_width(sheet.english[j - 1] if j <= len(sheet.english) else "")]
                     + [_display_width(v) for v in frame.iloc[:200, j - 1]])
        if fmt in (DATE,):
            widest = 17
        ws.column_dimensions[letter].width = min(max(widest + 2, 8), _TEXT_WIDTH if wrap else 40)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{_col(len(frame.columns))}{max(n + 2, 2)}"
    if sheet.chart is not None and n:
        ws.add_chart(sheet.chart(ws, n), f"{_col(len(frame.columns) + 2)}3")


def write_workbook(path: str | Path, sheets: list[Sheet], notes: list[tuple[str, str]]) -> Path:
    """Write 说明 (``notes``: rows of 项目, 说明, then one row per sheet) and the data sheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["项目", "说明"])
    ws.append(["item", "note"])
    rows = notes + [(f"工作表「{s.name}」", s.about) for s in sheets]
    for item, note in rows:
        ws.append([neutralize_formula(item), neutralize_formula(note)])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for cell in ws[2]:
        cell.font = Font(italic=True, color="777777", size=9)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    for (cell,) in ws.iter_rows(min_row=3, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    for sheet in sheets:
        _write_sheet(wb, sheet)
    with atomic_write(Path(path), "wb") as fh:
        wb.save(fh)
    return Path(path)
