"""Every column vocabulary in one place: how input columns are recognised and what the outputs add.

>>> find_text_column(pd.DataFrame({"工单号": ["1"], "投诉内容": ["退款太慢"]}))
'投诉内容'
"""
from __future__ import annotations

import re

import pandas as pd

from ..errors import UserError
from ..text.normalize import to_simplified

__all__ = ["SUPPORTED_EXTENSIONS", "TEXT_COLUMN_NAMES", "ID_COLUMN_NAMES", "DATE_COLUMNS", "SEGMENT_COLUMNS",
           "RECEIVED_COLUMNS", "RESPONDED_COLUMNS", "CLOSED_COLUMNS", "CUSTOMER_COLUMNS", "HUMAN_LABEL_COLUMNS",
           "CORPUS_PROVENANCE_COLUMNS",
           "GENERATED_COLUMNS", "NOISE_NAME", "find_text_column", "find_id_column", "find_date_column", "find_segment_column",
           "pick_column", "text_column_of", "make_room", "renamed_note", "INPUT_SUFFIX"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
SUPPORTED_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".jsonl", ".parquet")
TEXT_COLUMN_NAMES = (
    "投诉内容", "内容", "问题描述", "投诉描述", "评论", "评价", "评价内容", "反馈内容", "反馈", "留言", "描述",
    "正文", "文本", "诉求内容", "客户诉求", "review", "text", "content", "comment", "desc", "description",
    "complaint", "body", "message", "feedback",
)
ID_COLUMN_NAMES = ("complaint_id", "id", "ID", "Id", "编号", "工单号", "投诉编号", "投诉单号", "单号", "ticket_id", "case_id")

def find_text_column(df: pd.DataFrame, text_column: str | None = None, path: object = "input") -> str:
    """The column holding the complaint text: ``text_column`` if given, a known name, else the most Chinese."""
    columns = [str(c) for c in df.columns]
    if text_column is not None:
        if text_column not in columns:
            raise UserError(f"{path}: no column named {text_column!r}; columns present: {', '.join(columns)}")
        return text_column
    lowered = {to_simplified(c).strip().lower(): c for c in columns}
    for name in TEXT_COLUMN_NAMES:
        if name.lower() in lowered:
            return lowered[name.lower()]
    best, best_score = None, 0.0
    sample = df.head(500)
    for col in columns:
        if col in ID_COLUMN_NAMES:
            continue
        values = sample[col].astype(str)
        score = values.map(lambda v: len(_CJK.findall(v))).mean() if len(values) else 0.0
        if score > best_score:
            best, best_score = col, score
    if best is None or best_score < 2:
        raise UserError(
            f"{path}: cannot tell which column holds the complaint text; columns present: {', '.join(columns)} "
            "(name it with --text-column)"
        )
    return best


def find_id_column(columns: list[str]) -> str | None:
    simplified = {to_simplified(c).strip(): c for c in columns}
    for name in ID_COLUMN_NAMES:
        if name in simplified:
            return simplified[name]
    return None




# --- dates, segments and service-recovery columns ------------------------------------------
#: Date columns, in order of preference.
DATE_COLUMNS = ("created_at", "received_at", "date", "日期", "投诉时间", "受理时间", "创建时间", "时间", "提交时间", "来电时间")
#: Columns a manager slices complaints by (heatmaps, filters), with their Chinese names.
SEGMENT_COLUMNS = {"channel": "渠道", "渠道": "渠道", "industry": "行业", "行业": "行业", "store": "门店", "门店": "门店",
                   "来源": "来源", "source": "来源"}
RECEIVED_COLUMNS = ("received_at", "created_at", "受理时间", "投诉时间", "创建时间", "提交时间", "来电时间", "received", "created")
RESPONDED_COLUMNS = ("responded_at", "first_response_at", "首次响应时间", "首次回复时间", "回复时间", "响应时间", "responded",
                     "first_response")
CLOSED_COLUMNS = ("closed_at", "resolved_at", "结案时间", "关闭时间", "完结时间", "处理完成时间", "closed")
CUSTOMER_COLUMNS = ("customer_id", "客户ID", "客户id", "客户编号", "会员号", "用户ID", "用户id", "customer")
#: Human labels of the bundled corpus: dropped before classifying it (the human gap is kept as gap_labelled).
HUMAN_LABEL_COLUMNS = ("gap", "escalation", "customer_demand")
#: How the bundled corpus was written (its writing form and round, corpora/README.md): not categories
#: of complaints, so never offered as filters.
CORPUS_PROVENANCE_COLUMNS = ("form", "round")
#: The theme of empty or very short complaints (theme id -1).
NOISE_NAME = "噪声/过短"
#: Columns the package itself writes: never offered as category filters.
GENERATED_COLUMNS = ("complaint_id", "empty_text", "gap", "gap_zh", "gap_confidence", "needs_review", "theme", "theme_name",
                     "escalation_risk", "escalation_reasons", "customer_demand", "heldout", "gap_labelled", "tokens")


def pick_column(columns, names) -> str | None:
    """The first of ``names`` present in ``columns`` (case-insensitive), as spelled in ``columns``."""
    cols = {str(c).lower(): c for c in columns}
    for n in names:
        if n.lower() in cols:
            return cols[n.lower()]
    return None


def find_date_column(df: pd.DataFrame) -> str | None:
    """The first known date column (created_at, 日期, 投诉时间 …) present in ``df``, else None."""
    return next((c for c in DATE_COLUMNS if c in df.columns), None)


def find_segment_column(df: pd.DataFrame, by: str | None = None, max_values: int = 30) -> str | None:
    """``by`` if present, else the first channel / industry / store column with 2–``max_values`` values."""
    if by and by in df.columns:
        return by
    return next((c for c in SEGMENT_COLUMNS if c in df.columns and 1 < df[c].nunique() <= max_values), None)


def text_column_of(df: pd.DataFrame, text_column: str | None = None) -> str:
    """The text column of a loaded table: ``text_column``, ``df.attrs["text_column"]`` or detected."""
    if text_column:
        if text_column not in df.columns:
            raise UserError(f"no column named {text_column!r}; columns present: {', '.join(map(str, df.columns))}")
        return text_column
    col = df.attrs.get("text_column")
    if col and col in df.columns:
        return col
    return find_text_column(df)


# --- where outputs meet inputs --------------------------------------------------------------
#: Suffix of an input column renamed because an output writes a column of the same name.
INPUT_SUFFIX = "_input"


def make_room(df: pd.DataFrame, names) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename the input columns of ``df`` that an output is about to write (``names``), so no
    user value is ever replaced: ``gap`` → ``gap_input`` (``gap_input_2`` if that is taken too).

    Returns the table (a renamed copy, or ``df`` itself when nothing collides) and
    ``{old: new}``; callers say so in one warning line.

    >>> make_room(pd.DataFrame({"gap": ["人工标注"]}), ["gap"])[1]
    {'gap': 'gap_input'}
    """
    taken = set(map(str, df.columns))
    renamed: dict[str, str] = {}
    for name in names:
        if name in taken and name not in renamed:
            new, k = f"{name}{INPUT_SUFFIX}", 2
            while new in taken:
                new, k = f"{name}{INPUT_SUFFIX}_{k}", k + 1
            renamed[name] = new
            taken.add(new)
    if not renamed:
        return df, renamed
    out = df.rename(columns=renamed)
    out.attrs = dict(df.attrs)
    return out, renamed


def renamed_note(renamed: dict[str, str]) -> str:
    """The one-line warning for :func:`make_room` renames (empty when there were none)."""
    if not renamed:
        return ""
    pairs = "、".join(f"{old} → {new}" for old, new in renamed.items())
    return f"input columns kept under new names because the output writes columns of the same name: {pairs}"
