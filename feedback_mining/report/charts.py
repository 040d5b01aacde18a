"""Charts for the monthly meeting; each function returns a matplotlib Figure, in Chinese only,
every share next to its count, laid out so that nothing leaves the canvas.

>>> fig = gap_pareto(classified)          # classified: output of `feedback-mining classify`
>>> fig.savefig("pareto.png", dpi=160)

Chinese renders on a fresh machine: a CJK font is resolved as user setting
(``FEEDBACK_MINING_FONT`` = a font file or family) → a known system font → the Noto Sans
CJK SC shipped by the ``mplfonts`` package, and registered with
``font_manager.fontManager.addfont`` so a stale font cache cannot hide it.
"""
from __future__ import annotations

import os
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import matplotlib

matplotlib.use(os.environ.get("MPLBACKEND", "Agg") if not os.environ.get("JPY_PARENT_PID") else matplotlib.get_backend())
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..analysis import period_series, theme_changes, theme_table, valid_gaps  # noqa: E402
from ..data.columns import find_segment_column, text_column_of  # noqa: E402
from ..errors import NotAvailable  # noqa: E402
from .style import CHART_TITLES, MIN_COMPARE, RISK_COLORS, RISK_NAMES, SEGMENT_NAMES, gap_colors, strip_placeholders, taxonomy_of  # noqa: E402
from .takeaways import customer_count, gap_word_table  # noqa: E402

__all__ = ["cjk_font", "ChartSkipped", "gap_pareto", "gap_trend", "gap_heatmap", "top_themes", "gap_words", "risk_and_review",
           "silent_customers", "new_themes", "all_charts", "CHART_MAKERS", "CHART_TITLES"]

KNOWN_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
                      "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "SimHei", "Heiti SC", "Noto Sans CJK JP")
#: Kept for callers of the old name: a chart that cannot be drawn from this data.
ChartSkipped = NotAvailable


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Resolve and register a CJK font; returns its family name."""
    configured = os.environ.get("FEEDBACK_MINING_FONT")
    if configured:
        if Path(configured).exists():
            font_manager.fontManager.addfont(configured)
            return font_manager.FontProperties(fname=configured).get_name()
        return configured
    # Only families with a regular weight: Debian's fonts-noto-cjk can expose a bold-only family.
    available = {f.name for f in font_manager.fontManager.ttflist if f.weight in (400, "normal", "regular", "book")}
    for fam in KNOWN_CJK_FAMILIES:
        if fam in available:
            return fam
    # System fonts installed after matplotlib built its cache are invisible until added.
    for path in font_manager.findSystemFonts():
        low = path.lower()
        if any(k in low for k in ("notosanscjk", "sourcehansans", "wqy", "msyh", "pingfang", "simhei")):
            try:
                font_manager.fontManager.addfont(path)
                name = font_manager.FontProperties(fname=path).get_name()
                regular = any(f.name == name and f.weight in (400, "normal", "regular", "book") for f in font_manager.fontManager.ttflist)
                if regular and (name in KNOWN_CJK_FAMILIES or "CJK" in name or "WenQuanYi" in name):
                    return name
            except Exception:
                continue
    try:
        import mplfonts

        path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
        font_manager.fontManager.addfont(str(path))
        return font_manager.FontProperties(fname=str(path)).get_name()
    except Exception:  # pragma: no cover - mplfonts is a dependency
        return "DejaVu Sans"


def _style() -> None:
    fam = cjk_font()
    plt.rcParams.update({
        "font.family": "sans-serif", "font.sans-serif": [fam, "DejaVu Sans"], "axes.unicode_minus": False,
        "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 15, "axes.titleweight": "normal",
        "axes.labelsize": 11, "xtick.labelsize": 10, "ytick.labelsize": 10, "figure.dpi": 100,
        "axes.grid": False,
    })


def _fig(w: float = 10.0, h: float = 5.4, **kw) -> tuple[Figure, Any]:
    """A figure whose layout engine keeps every label, legend and title inside the canvas."""
    _style()
    fig, ax = plt.subplots(figsize=(w, h), layout="constrained", **kw)
    return fig, ax


def _footnote(fig: Figure, text: str, width: int = 70) -> None:
    """A grey note under the plot, wrapped to the figure's width (room reserved in the layout)."""
    lines = textwrap.wrap(text, width=width)
    fig.get_layout_engine().set(rect=(0, 0.035 * len(lines) + 0.02, 1, 1 - 0.035 * len(lines) - 0.02))
    fig.text(0.01, 0.01, "\n".join(lines), fontsize=9, color="#555555", va="bottom", ha="left")


def _n(v: float) -> str:
    return f"{int(v):,}"


def gap_pareto(df: pd.DataFrame, taxonomy=None) -> Figure:
    """Complaints per gap, sorted, each bar with its count and share, and the cumulative share line."""
    tax = taxonomy_of(taxonomy)
    counts = valid_gaps(df).value_counts()
    if counts.empty:
        raise NotAvailable("no classified complaints")
    total = counts.sum()
    fig, ax = _fig()
    colors = gap_colors(tax, counts.index)
    x = np.arange(len(counts))
    bars = ax.bar(x, counts.values, color=[colors[c] for c in counts.index], width=0.6)
    ax.set_xticks(x, [tax.zh(c) or c for c in counts.index])
    ax.set_ylabel("投诉数（条）")
    for b, v in zip(bars, counts.values):
        ax.annotate(f"{_n(v)} 条（{v / total:.0%}）", (b.get_x() + b.get_width() / 2, v), ha="center", va="bottom", fontsize=10,
                    xytext=(0, 2), textcoords="offset points")
    ax2 = ax.twinx()
    cum = counts.cumsum() / total * 100
    ax2.plot(x, cum.values, color="#333333", marker="o", linewidth=1.8)
    for xi, v in zip(x, cum.values):
        ax2.annotate(f"{v:.0f}%", (xi, v), ha="left", va="top", fontsize=9, xytext=(6, -4), textcoords="offset points",
                     bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    ax2.set_ylim(0, 118)
    ax2.set_ylabel("累计占比（%）")
    ax2.spines["right"].set_visible(True)
    ax.set_ylim(0, counts.max() * 1.25)
    ax.set_title(f"投诉根因帕累托图（已归因 {_n(total)} 条）")
    return fig


def gap_trend(df: pd.DataFrame, period: str = "month", taxonomy=None) -> Figure:
    """Stacked complaints per gap by month or week, each period's total on top."""
    tax = taxonomy_of(taxonomy)
    if "gap" not in df.columns:
        raise NotAvailable("no 'gap' column")
    gaps = valid_gaps(df)
    periods = period_series(df.loc[gaps.index], period)
    table = pd.crosstab(periods, gaps)
    table = table[[c for c in tax.codes if c in table.columns] + [c for c in table.columns if c not in tax.codes]]
    if table.empty:
        raise NotAvailable("no dated, classified complaints")
    rotated = len(table) > 8
    fig, ax = _fig(10, 5.4)
    colors = gap_colors(tax, table.columns)
    bottom = np.zeros(len(table))
    x = np.arange(len(table))
    for c in table.columns:
        ax.bar(x, table[c].values, bottom=bottom, color=colors[c], label=tax.zh(c) or c, width=0.7)
        bottom += table[c].values
    for xi, v in zip(x, bottom):
        ax.annotate(_n(v), (xi, v), ha="center", va="bottom", fontsize=8 if rotated else 9, xytext=(0, 2), textcoords="offset points")
    step = max(1, len(x) // 13 + 1) if len(x) > 13 else 1
    ax.set_xticks(x[::step], table.index[::step], rotation=45 if rotated else 0, ha="right" if rotated else "center")
    ax.set_ylim(0, bottom.max() * 1.12)
    ax.set_ylabel("投诉数（条）")
    unit = "月" if period == "month" else "周"
    ax.set_title(f"各根因投诉趋势（按{unit}，共 {_n(table.to_numpy().sum())} 条）")
    fig.legend(*ax.get_legend_handles_labels(), ncol=min(6, len(table.columns)), loc="outside lower center", frameon=False, fontsize=9)
    return fig


def gap_heatmap(df: pd.DataFrame, by: str | None = None, taxonomy=None) -> Figure:
    """Share of each gap within each channel (or industry/store); every row labelled with its count,
    rows under :data:`MIN_COMPARE` complaints marked 样本少."""
    tax = taxonomy_of(taxonomy)
    col = find_segment_column(df, by)
    if col is None:
        raise NotAvailable("no channel / industry / store column for the heatmap")
    gaps = valid_gaps(df)
    counts = pd.crosstab(df.loc[gaps.index, col].astype(str), gaps)
    counts = counts[[c for c in tax.codes if c in counts.columns] + [c for c in counts.columns if c not in tax.codes]]
    totals = counts.sum(axis=1)
    counts = counts.loc[totals.sort_values(ascending=False).index]
    totals = totals[counts.index]
    share = counts.div(totals, axis=0)
    name = SEGMENT_NAMES.get(col, col)
    fig, ax = _fig(10, 0.55 * len(share) + 2.2)
    im = ax.imshow(share.values, cmap="Blues", aspect="auto", vmin=0, vmax=max(0.5, float(share.values.max())))
    ax.set_xticks(range(len(share.columns)), [tax.zh(c) or c for c in share.columns])
    ax.xaxis.tick_top()
    labels = [f"{seg}（{_n(n)} 条{'，样本少' if n < MIN_COMPARE else ''}）" for seg, n in totals.items()]
    ax.set_yticks(range(len(share.index)), labels)
    for tick, n in zip(ax.get_yticklabels(), totals.values):
        if n < MIN_COMPARE:
            tick.set_color("#999999")
    for i in range(share.shape[0]):
        for j in range(share.shape[1]):
            v = share.values[i, j]
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=9, color="white" if v > 0.35 else "#222222")
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, format=matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(f"各{name}的根因占比（每行合计 100%，共 {_n(totals.sum())} 条）", pad=12)
    for s in ax.spines.values():
        s.set_visible(False)
    return fig


def _short(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def top_themes(df: pd.DataFrame, n: int = 10, taxonomy=None) -> Figure:
    """The largest themes, each bar in its dominant gap's colour, with count and share."""
    tax = taxonomy_of(taxonomy)
    table = theme_table(df).head(n).iloc[::-1]
    total = max(int(valid_gaps(df).size), 1)
    fig, ax = _fig(10, 0.45 * len(table) + 2.0)
    colors = gap_colors(tax)
    ax.barh(range(len(table)), table["size"], color=[colors.get(g, "#BAB0AC") for g in table["dominant_gap"]], height=0.65)
    ax.set_yticks(range(len(table)), [_short(strip_placeholders(str(t)).strip()) for t in table.index])
    for i, v in enumerate(table["size"]):
        ax.annotate(f"{_n(v)} 条（{v / total:.0%}）", (v, i), va="center", xytext=(3, 0), textcoords="offset points", fontsize=9)
    handles = [matplotlib.patches.Patch(color=colors[c], label=tax.zh(c) or c) for c in tax.codes if c in set(table["dominant_gap"])]
    if handles:
        ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=9, title="主要根因", title_fontsize=9)
    ax.set_xlabel("投诉数（条）")
    ax.set_title(f"主要投诉主题（前 {len(table)} 个，共 {_n(total)} 条已归因）")
    ax.set_xlim(0, table["size"].max() * 1.3)
    return fig


def gap_words(df: pd.DataFrame, text_column: str | None = None, top: int = 8, taxonomy=None, words: dict | None = None) -> Figure:
    """Distinctive words per gap as horizontal bars (one panel per gap) on a shared scale."""
    tax = taxonomy_of(taxonomy)
    col = text_column_of(df, text_column)
    words = words if words is not None else gap_word_table(df, col, top=top)
    codes = [c for c in tax.codes if words.get(c)]
    if not codes:
        raise NotAvailable("not enough classified text for distinctive words")
    _style()
    fig, axes = plt.subplots(1, len(codes), figsize=(2.5 * len(codes) + 1, 4.8), layout="constrained", sharex=True)
    axes = np.atleast_1d(axes)
    colors = gap_colors(tax)
    for ax, c in zip(axes, codes):
        ws = words[c][:top][::-1]
        ax.barh(range(len(ws)), [s for _, s in ws], color=colors[c], height=0.6)
        ax.set_yticks(range(len(ws)), [w for w, _ in ws])
        ax.set_title(tax.zh(c) or c, fontsize=12, color=colors[c])
        ax.tick_params(axis="x", labelsize=8)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(3))
    fig.supxlabel("区分度（类别 TF-IDF：越长越只出现在这类投诉里）", fontsize=10)
    fig.suptitle("各根因的特征词", fontsize=15)
    return fig


def risk_and_review(df: pd.DataFrame) -> Figure:
    """Escalation risk levels (count and share) and the share of root causes needing review."""
    _style()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.4), gridspec_kw={"width_ratios": [3, 2]}, layout="constrained")
    total = max(len(df), 1)
    if "escalation_risk" in df.columns:
        risk = df["escalation_risk"].astype(str).value_counts().reindex(["high", "watch", "none"]).fillna(0)
        bars = ax1.barh([RISK_NAMES[k] for k in risk.index][::-1], risk.values[::-1], color=[RISK_COLORS[k] for k in risk.index][::-1], height=0.6)
        for b, v in zip(bars, risk.values[::-1]):
            ax1.annotate(f"{_n(v)} 条（{v / total:.0%}）", (b.get_width(), b.get_y() + b.get_height() / 2), va="center", xytext=(3, 0),
                         textcoords="offset points", fontsize=10)
        ax1.set_xlim(0, max(risk.max(), 1) * 1.45)
        ax1.set_xlabel("投诉数（条）")
        ax1.set_title("升级风险", fontsize=12)
    else:
        ax1.text(0.5, 0.5, "数据中没有升级风险字段", ha="center", va="center")
        ax1.set_axis_off()
    if "needs_review" in df.columns:
        nr = int(df["needs_review"].astype(str).str.lower().isin(["true", "1"]).sum())
        ax2.pie([nr, total - nr], labels=[f"需复核\n{_n(nr)} 条（{nr / total:.0%}）", f"自动归因\n{_n(total - nr)} 条"],
                colors=["#EECA3B", "#4C78A8"], startangle=90, wedgeprops={"width": 0.4}, textprops={"fontsize": 10})
        ax2.set_title("根因需人工复核", fontsize=12)
    else:
        ax2.set_axis_off()
    fig.suptitle(f"升级风险与人工复核（共 {_n(total)} 条）", fontsize=15)
    return fig


def silent_customers(n_customers: int, complaint_ratio: float = 0.04, counted_by_id: bool = False) -> Figure:
    """Customers who complained vs the estimated dissatisfied customers who did not (an estimate)."""
    if not 0 < complaint_ratio <= 1:
        raise ValueError("complaint_ratio must be in (0, 1]")
    silent = int(round(n_customers / complaint_ratio - n_customers))
    fig, ax = _fig(10, 4.4)
    vals = [n_customers, silent]
    bars = ax.barh(["投诉的客户", "未投诉的不满客户（估算）"], vals, color=["#4C78A8", "#BAB0AC"], height=0.55)
    bars[1].set_hatch("//")
    for b, v in zip(bars, vals):
        ax.annotate(f"{v:,} 位", (b.get_width(), b.get_y() + b.get_height() / 2), va="center", xytext=(4, 0), textcoords="offset points")
    ax.set_xlim(0, max(vals) * 1.2 if max(vals) else 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.invert_yaxis()
    ax.set_xlabel("客户数（位）")
    ax.set_title("冰山之下：沉默的不满客户（估算）")
    basis = "投诉客户数按客户编号去重" if counted_by_id else "数据中没有客户编号，投诉客户数按一条投诉一位客户计"
    _footnote(fig, f"假设：约 {complaint_ratio:.0%} 的不满客户会投诉（客服行业经验法则，非测量值）；{basis}。", width=62)
    return fig


def new_themes(df: pd.DataFrame, period: str = "month", top: int = 8, changes: pd.DataFrame | None = None) -> Figure:
    """「本月新增/上升最快的问题」: themes new in the last period, then those whose share grew most.

    Each theme's share of the period's complaints, previous period (grey) against the last
    (red: new, orange: rising), labelled with the change in percentage points. ``changes`` is
    :func:`~feedback_mining.analysis.theme_changes` output when it is already computed.
    """
    table = theme_changes(df, period) if changes is None else changes
    shown = table[table["status"].isin(["new", "rising"])].head(top)
    if shown.empty:
        raise NotAvailable("no theme is new or growing in the last period")
    shown = shown.iloc[::-1]
    fig, ax = _fig(10, max(4.5, 0.62 * len(shown) + 2.0))
    y = np.arange(len(shown))
    h = 0.38
    ax.barh(y - h / 2, shown["share_previous"] * 100, height=h, color="#BAB0AC", label=f"{table['previous'].iat[0]}")
    colors = ["#E45756" if s == "new" else "#F58518" for s in shown["status"]]
    ax.barh(y + h / 2, shown["share_last"] * 100, height=h, color=colors, label=f"{table['last'].iat[0]}")
    labels = [("【新增】" if s == "new" else "") + str(n)[:26] for n, s in zip(shown["theme_name"], shown["status"])]
    ax.set_yticks(y, labels)
    for yi, (last, pp, cnt) in enumerate(zip(shown["share_last"], shown["share_change_pp"], shown["count_last"])):
        ax.annotate(f"{last:.0%}（{pp:+.1f} 个百分点，{cnt} 条）", (last * 100, yi + h / 2), va="center", xytext=(4, 0),
                    textcoords="offset points", fontsize=9)
    ax.set_xlim(0, max(shown["share_last"].max(), shown["share_previous"].max()) * 100 * 1.45 + 1)
    ax.set_xlabel("占当期投诉的比例（%）")
    handles = [matplotlib.patches.Patch(color="#BAB0AC", label=f"上期 {table['previous'].iat[0]}"),
               matplotlib.patches.Patch(color="#E45756", label=f"本期新增 {table['last'].iat[0]}"),
               matplotlib.patches.Patch(color="#F58518", label=f"本期上升 {table['last'].iat[0]}")]
    ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=9)
    ax.set_title(f"本{'月' if period == 'month' else '周'}新增/上升最快的问题")
    return fig


def _silent(df: pd.DataFrame, complaint_ratio: float) -> Figure:
    customers, by_id = customer_count(df)
    return silent_customers(customers, complaint_ratio, counted_by_id=by_id)


#: Chart name → maker(df, period, complaint_ratio, text column, taxonomy, words); all_charts draws them in this order.
CHART_MAKERS: dict[str, Callable[..., Figure]] = {
    "gap_pareto": lambda df, period, ratio, col, tax, words: gap_pareto(df, tax),
    "gap_trend": lambda df, period, ratio, col, tax, words: gap_trend(df, period, tax),
    "gap_heatmap": lambda df, period, ratio, col, tax, words: gap_heatmap(df, None, tax),
    "top_themes": lambda df, period, ratio, col, tax, words: top_themes(df, taxonomy=tax),
    "gap_words": lambda df, period, ratio, col, tax, words: gap_words(df, col, taxonomy=tax, words=words),
    "risk_review": lambda df, period, ratio, col, tax, words: risk_and_review(df),
    "silent_customers": lambda df, period, ratio, col, tax, words: _silent(df, ratio),
    # its table (analysis.theme_changes) fits a theme model: all_charts passes one computed once
    "new_themes": lambda df, period, ratio, col, tax, words, changes=None: new_themes(df, period, changes=changes),
}


def all_charts(df: pd.DataFrame, period: str = "month", complaint_ratio: float = 0.04, text_column: str | None = None,
               taxonomy=None, words: dict | None = None, changes: pd.DataFrame | None = None
               ) -> tuple[dict[str, Figure], dict[str, str]]:
    """Every chart that the data allows; returns (figures by name, skipped: name → reason).

    ``changes``: :func:`~feedback_mining.analysis.theme_changes` output when already computed.
    """
    figs, skipped = {}, {}
    col = text_column_of(df, text_column)
    for name, make in CHART_MAKERS.items():
        try:
            extra = {"changes": changes} if name == "new_themes" else {}
            figs[name] = make(df, period, complaint_ratio, col, taxonomy, words, **extra)
        except NotAvailable as exc:
            skipped[name] = str(exc)
    return figs, skipped
