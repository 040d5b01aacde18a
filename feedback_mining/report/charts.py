"""Charts for the monthly meeting; each function returns a matplotlib Figure.

>>> fig = gap_pareto(classified)          # classified: output of `feedback-mining classify`
>>> fig.savefig("pareto.png", dpi=160)

Chinese renders on a fresh machine: a CJK font is resolved as user setting
(``FEEDBACK_MINING_FONT`` = a font file or family) → a known system font → the Noto Sans
CJK SC shipped by the ``mplfonts`` package, and registered with
``font_manager.fontManager.addfont`` so a stale font cache cannot hide it.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use(os.environ.get("MPLBACKEND", "Agg") if not os.environ.get("JPY_PARENT_PID") else matplotlib.get_backend())
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..analysis import distinctive_words, period_series, theme_changes, theme_table, valid_gaps  # noqa: E402
from ..data.columns import find_segment_column, text_column_of  # noqa: E402
from ..errors import NotAvailable  # noqa: E402
from ..models.taxonomy import Taxonomy  # noqa: E402
from ..text.privacy import mask_pii  # noqa: E402
from .style import CHART_TITLES, RISK_COLORS, gap_colors, taxonomy_of  # noqa: E402

__all__ = ["cjk_font", "ChartSkipped", "gap_pareto", "gap_trend", "gap_heatmap", "top_themes", "gap_words", "risk_and_review",
           "silent_customers", "new_themes", "all_charts", "CHART_TITLES"]

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
        "savefig.bbox": "tight", "axes.grid": False,
    })


def _label(code: str, tax: Taxonomy, english: bool) -> str:
    zh = tax.zh(code) or code
    return f"{zh}\n{code}" if english else zh


def _fig(w=9.0, h=5.0) -> tuple[Figure, plt.Axes]:
    _style()
    fig, ax = plt.subplots(figsize=(w, h))
    return fig, ax


def gap_pareto(df: pd.DataFrame, taxonomy=None, english: bool = True) -> Figure:
    """Complaints per gap, sorted, with the cumulative share line."""
    tax = taxonomy_of(taxonomy)
    counts = valid_gaps(df).value_counts()
    if counts.empty:
        raise NotAvailable("no classified complaints")
    fig, ax = _fig()
    colors = gap_colors(tax, counts.index)
    x = np.arange(len(counts))
    bars = ax.bar(x, counts.values, color=[colors[c] for c in counts.index], width=0.6)
    ax.set_xticks(x, [_label(c, tax, english) for c in counts.index])
    ax.set_ylabel("投诉数 complaints")
    for b, v in zip(bars, counts.values):
        ax.annotate(f"{v}", (b.get_x() + b.get_width() / 2, v), ha="center", va="bottom", fontsize=10, xytext=(0, 2), textcoords="offset points")
    ax2 = ax.twinx()
    cum = counts.cumsum() / counts.sum() * 100
    ax2.plot(x, cum.values, color="#333333", marker="o", linewidth=1.8)
    for xi, v in zip(x, cum.values):
        ax2.annotate(f"{v:.0f}%", (xi, v), ha="center", va="bottom", fontsize=9, xytext=(0, 6), textcoords="offset points")
    ax2.set_ylim(0, 115)
    ax2.set_ylabel("累计占比 cumulative %")
    ax2.spines["right"].set_visible(True)
    ax2.spines["top"].set_visible(False)
    ax.set_ylim(0, counts.max() * 1.18)
    ax.set_title("投诉根因帕累托图  Gap Pareto")
    fig.subplots_adjust(left=0.09, right=0.91, bottom=0.15, top=0.9)  # fixed layout: redraws fast in the explorer
    return fig


def gap_trend(df: pd.DataFrame, period: str = "month", taxonomy=None, english: bool = True) -> Figure:
    """Stacked complaints per gap by month or week."""
    tax = taxonomy_of(taxonomy)
    periods = period_series(df, period)
    gaps = df["gap"].astype(str) if "gap" in df.columns else None
    if gaps is None:
        raise NotAvailable("no 'gap' column")
    table = pd.crosstab(periods, gaps).drop(columns=[c for c in ("", "nan") if c in gaps.unique()], errors="ignore")
    table = table[[c for c in tax.codes if c in table.columns] + [c for c in table.columns if c not in tax.codes]]
    if table.empty:
        raise NotAvailable("no dated, classified complaints")
    fig, ax = _fig(10, 5)
    colors = gap_colors(tax, table.columns)
    bottom = np.zeros(len(table))
    x = np.arange(len(table))
    for c in table.columns:
        ax.bar(x, table[c].values, bottom=bottom, color=colors[c], label=_label(c, tax, english).replace("\n", " "), width=0.7)
        bottom += table[c].values
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], table.index[::step], rotation=45 if len(x) > 8 else 0, ha="right" if len(x) > 8 else "center")
    ax.set_ylabel("投诉数 complaints")
    ax.set_title(f"各根因投诉趋势（按{'月' if period == 'month' else '周'}）  Gap trend")
    rotated = len(x) > 8
    ax.legend(ncol=min(5, len(table.columns)), loc="upper center", bbox_to_anchor=(0.5, -0.2 if rotated else -0.1), frameon=False, fontsize=9)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.27 if rotated else 0.2, top=0.9)
    return fig


def gap_heatmap(df: pd.DataFrame, by: str | None = None, taxonomy=None, english: bool = True) -> Figure:
    """Share of each gap within each channel (or industry/store)."""
    tax = taxonomy_of(taxonomy)
    col = find_segment_column(df, by)
    if col is None:
        raise NotAvailable("no channel / industry / store column for the heatmap")
    gaps = df["gap"].astype(str)
    ok = gaps.ne("") & gaps.ne("nan")
    table = pd.crosstab(df.loc[ok, col].astype(str), gaps[ok], normalize="index")
    table = table[[c for c in tax.codes if c in table.columns]]
    fig, ax = _fig(9, 0.5 * len(table) + 2.5)
    im = ax.imshow(table.values, cmap="Blues", aspect="auto", vmin=0, vmax=max(0.5, table.values.max()))
    ax.set_xticks(range(len(table.columns)), [_label(c, tax, english) for c in table.columns])
    ax.set_yticks(range(len(table.index)), table.index)
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            v = table.values[i, j]
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=9, color="white" if v > 0.35 else "#222222")
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, format=matplotlib.ticker.PercentFormatter(1.0))
    names = {"channel": "渠道", "industry": "行业", "store": "门店"}
    ax.set_title(f"{names.get(col, col)} × 根因 占比  Gap share by {col}")
    for s in ax.spines.values():
        s.set_visible(False)
    fig.tight_layout()
    return fig


def top_themes(df: pd.DataFrame, n: int = 10, taxonomy=None, english: bool = True) -> Figure:
    """The largest themes, each bar in its dominant gap's colour."""
    tax = taxonomy_of(taxonomy)
    table = theme_table(df).head(n).iloc[::-1]
    fig, ax = _fig(10, 0.45 * len(table) + 1.8)
    colors = gap_colors(tax)
    ax.barh(range(len(table)), table["size"], color=[colors.get(g, "#BAB0AC") for g in table["dominant_gap"]], height=0.65)
    ax.set_yticks(range(len(table)), [mask_pii(t)[:28] for t in table.index])
    for i, v in enumerate(table["size"]):
        ax.annotate(str(v), (v, i), va="center", xytext=(3, 0), textcoords="offset points", fontsize=9)
    handles = [matplotlib.patches.Patch(color=colors[c], label=_label(c, tax, english).replace("\n", " ")) for c in tax.codes if c in set(table["dominant_gap"])]
    if handles:
        ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=9, title="主要根因 dominant gap")
    ax.set_xlabel("投诉数 complaints")
    ax.set_title("主要投诉主题  Top themes")
    ax.set_xlim(0, table["size"].max() * 1.15)
    fig.tight_layout()
    return fig


def gap_words(df: pd.DataFrame, text_column: str | None = None, top: int = 8, taxonomy=None, english: bool = True) -> Figure:
    """Distinctive words per gap as horizontal bars (one panel per gap)."""
    tax = taxonomy_of(taxonomy)
    col = text_column_of(df, text_column)
    words = distinctive_words(df[col].astype(str).tolist(), df["gap"].astype(str).tolist(), top=top)
    codes = [c for c in tax.codes if words.get(c)]
    if not codes:
        raise NotAvailable("not enough classified text for distinctive words")
    _style()
    fig, axes = plt.subplots(1, len(codes), figsize=(2.6 * len(codes) + 1, 4.4))
    axes = np.atleast_1d(axes)
    colors = gap_colors(tax)
    for ax, c in zip(axes, codes):
        ws = words[c][::-1]
        ax.barh(range(len(ws)), [s for _, s in ws], color=colors[c], height=0.6)
        ax.set_yticks(range(len(ws)), [mask_pii(w) for w, _ in ws])
        ax.set_xticks([])
        ax.set_title(_label(c, tax, english).replace("\n", " "), fontsize=11, color=colors[c])
        for s in ("bottom",):
            ax.spines[s].set_visible(False)
    fig.suptitle("各根因的特征词  Distinctive words per gap", fontsize=15)
    fig.tight_layout()
    return fig


def risk_and_review(df: pd.DataFrame) -> Figure:
    """Escalation risk levels and the needs-review share."""
    _style()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    if "escalation_risk" in df.columns:
        risk = df["escalation_risk"].astype(str).value_counts().reindex(["high", "watch", "none"]).fillna(0)
        names = {"high": "高风险 high", "watch": "关注 watch", "none": "无 none"}
        bars = ax1.barh([names[k] for k in risk.index][::-1], risk.values[::-1], color=[RISK_COLORS[k] for k in risk.index][::-1], height=0.6)
        total = max(risk.sum(), 1)
        for b, v in zip(bars, risk.values[::-1]):
            ax1.annotate(f"{int(v)}（{v / total:.0%}）", (b.get_width(), b.get_y() + b.get_height() / 2), va="center", xytext=(3, 0), textcoords="offset points", fontsize=9)
        ax1.set_xlim(0, max(risk.max(), 1) * 1.35)
        ax1.set_title("升级风险  Escalation risk", fontsize=12)
    else:
        ax1.text(0.5, 0.5, "无升级风险字段\nno escalation column", ha="center", va="center")
        ax1.set_axis_off()
    if "needs_review" in df.columns:
        nr = df["needs_review"].astype(str).str.lower().isin(["true", "1"]).mean()
        ax2.pie([nr, 1 - nr], labels=[f"需复核 {nr:.0%}", f"自动 {1 - nr:.0%}"], colors=["#EECA3B", "#4C78A8"], startangle=90,
                wedgeprops={"width": 0.4}, textprops={"fontsize": 10})
        ax2.set_title("需人工复核  Needs review", fontsize=12)
    else:
        ax2.set_axis_off()
    fig.suptitle("升级风险与复核  Escalation & review", fontsize=15)
    fig.tight_layout()
    return fig


def silent_customers(n_complaints: int, complaint_ratio: float = 0.04) -> Figure:
    """Complaints received vs the estimated dissatisfied customers who did not complain (an estimate)."""
    if not 0 < complaint_ratio <= 1:
        raise ValueError("complaint_ratio must be in (0, 1]")
    silent = int(round(n_complaints / complaint_ratio - n_complaints))
    fig, ax = _fig(9, 4.2)
    vals = [n_complaints, silent]
    bars = ax.barh(["投诉的客户\ncomplained", "沉默的不满客户（估算）\nsilent (estimate)"], vals, color=["#4C78A8", "#BAB0AC"], height=0.55)
    bars[1].set_hatch("//")
    for b, v in zip(bars, vals):
        ax.annotate(f"{v:,}", (b.get_width(), b.get_y() + b.get_height() / 2), va="center", xytext=(4, 0), textcoords="offset points")
    ax.set_xlim(0, max(vals) * 1.2 if max(vals) else 1)
    ax.invert_yaxis()
    ax.set_title("冰山之下：沉默的不满客户（估算）  Silent customers (estimate)")
    ax.text(0, -0.28, f"假设：约 {complaint_ratio:.0%} 的不满客户会投诉（客服经验法则，非测量值）。"
            f"Assumption: {complaint_ratio:.0%} of dissatisfied customers complain (rule of thumb).",
            transform=ax.transAxes, fontsize=9, color="#555555")
    fig.tight_layout()
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
    labels = [("【新增】" if s == "new" else "") + mask_pii(str(n))[:26] for n, s in zip(shown["theme_name"], shown["status"])]
    ax.set_yticks(y, labels)
    for yi, (last, pp, cnt) in enumerate(zip(shown["share_last"], shown["share_change_pp"], shown["count_last"])):
        ax.annotate(f"{last:.0%}（{pp:+.1f} 个百分点，{cnt} 条）", (last * 100, yi + h / 2), va="center", xytext=(4, 0),
                    textcoords="offset points", fontsize=9)
    ax.set_xlim(0, max(shown["share_last"].max(), shown["share_previous"].max()) * 100 * 1.45 + 1)
    ax.set_xlabel("占当期投诉 % share of the period's complaints")
    handles = [matplotlib.patches.Patch(color="#BAB0AC", label=f"上期 {table['previous'].iat[0]}"),
               matplotlib.patches.Patch(color="#E45756", label=f"本期新增 {table['last'].iat[0]}"),
               matplotlib.patches.Patch(color="#F58518", label=f"本期上升 {table['last'].iat[0]}")]
    ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=9)
    ax.set_title(f"本{'月' if period == 'month' else '周'}新增/上升最快的问题  New and rising themes")
    fig.tight_layout()
    return fig


# --- light SVG versions for the explorer widget (redrawn on every filter change in ~1 ms) ----------


def all_charts(df: pd.DataFrame, period: str = "month", complaint_ratio: float = 0.04, text_column: str | None = None,
               taxonomy=None, changes: pd.DataFrame | None = None) -> tuple[dict[str, Figure], dict[str, str]]:
    """Every chart that the data allows; returns (figures by name, skipped: name → reason).

    ``changes``: :func:`~feedback_mining.analysis.theme_changes` output when already computed
    (it fits a theme model on the earlier periods).
    """
    figs, skipped = {}, {}
    makers = {
        "gap_pareto": lambda: gap_pareto(df, taxonomy),
        "gap_trend": lambda: gap_trend(df, period, taxonomy),
        "gap_heatmap": lambda: gap_heatmap(df, None, taxonomy),
        "top_themes": lambda: top_themes(df, taxonomy=taxonomy),
        "gap_words": lambda: gap_words(df, text_column, taxonomy=taxonomy),
        "risk_review": lambda: risk_and_review(df),
        "silent_customers": lambda: silent_customers(int(valid_gaps(df).size), complaint_ratio),
        "new_themes": lambda: new_themes(df, period, changes=changes),
    }
    for name, make in makers.items():
        try:
            figs[name] = make()
        except ChartSkipped as exc:
            skipped[name] = str(exc)
    return figs, skipped
