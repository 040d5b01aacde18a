"""The numbers behind the slides: one Chinese takeaway per chart and the workbook's tables.

>>> takeaways(classified)["gap_pareto"]
'程序差距占比 34%，居首位；前两类合计 58%'
"""
from __future__ import annotations

import pandas as pd

from ..analysis import period_series, service_recovery, theme_table, valid_gaps
from ..errors import NotAvailable
from ..models.taxonomy import load_taxonomy
from ..text.privacy import mask_pii

__all__ = ["takeaways", "summary_tables", "themes_summary"]


def takeaways(df: pd.DataFrame, period: str = "month", complaint_ratio: float = 0.04, text_column: str | None = None) -> dict[str, str]:
    """A one-line, data-computed takeaway per chart (Chinese), e.g. 「程序差距占比 34%，环比上升 6 个百分点」."""
    tax = load_taxonomy()
    out: dict[str, str] = {}
    gaps = valid_gaps(df)
    if gaps.empty:
        return out
    share = gaps.value_counts(normalize=True)
    top, top_share = share.index[0], share.iloc[0]
    cum2 = share.iloc[:2].sum()
    line = f"{tax.zh(top) or top}占比 {top_share:.0%}，居首位"
    try:
        periods = period_series(df.loc[gaps.index], period)
        ordered = sorted(p for p in periods.dropna().unique())
        if len(ordered) >= 2:
            last, prev = ordered[-1], ordered[-2]
            s_last = (gaps[periods == last] == top).mean()
            s_prev = (gaps[periods == prev] == top).mean()
            delta = (s_last - s_prev) * 100
            word = "上升" if delta > 0 else "下降" if delta < 0 else "持平"
            line = f"{tax.zh(top) or top}占比 {top_share:.0%}，{last} 环比{word} {abs(delta):.0f} 个百分点"
            counts_last = (periods == last).sum()
            counts_prev = (periods == prev).sum()
            change = (counts_last - counts_prev) / counts_prev if counts_prev else 0.0
            grow = pd.Series({g: (gaps[periods == last] == g).mean() - (gaps[periods == prev] == g).mean() for g in share.index})
            g_up = grow.idxmax()
            out["gap_trend"] = (f"{last} 共 {counts_last} 条投诉，环比{'增加' if change >= 0 else '减少'} {abs(change):.0%}；"
                                f"占比升幅最大的是{tax.zh(g_up) or g_up}（{grow.max() * 100:+.0f} 个百分点）")
    except NotAvailable:
        pass
    out["gap_pareto"] = line + f"；前两类合计 {cum2:.0%}"
    for col in ("channel", "industry"):
        if col in df.columns and df[col].nunique() > 1:
            tab = pd.crosstab(df.loc[gaps.index, col], gaps, normalize="index")
            if top in tab.columns:
                worst = tab[top].idxmax()
                out["gap_heatmap"] = f"{tax.zh(top)}在「{worst}」最集中，占该{'渠道' if col == 'channel' else '行业'}投诉的 {tab.loc[worst, top]:.0%}"
            break
    try:
        tt = theme_table(df)
        name, size = tt.index[0], int(tt["size"].iloc[0])
        out["top_themes"] = f"最大主题「{mask_pii(name)}」共 {size} 条（{size / len(gaps):.0%}），主要根因：{tax.zh(tt['dominant_gap'].iloc[0]) or '—'}"
    except NotAvailable:
        pass
    if "escalation_risk" in df.columns:
        high = int((df["escalation_risk"] == "high").sum())
        nr = df["needs_review"].astype(str).str.lower().isin(["true", "1"]).mean() if "needs_review" in df.columns else 0
        out["risk_review"] = f"高升级风险投诉 {high} 条（{high / max(len(df), 1):.0%}），需优先处理；{nr:.0%} 的投诉需人工复核根因"
    silent = int(round(len(gaps) / complaint_ratio - len(gaps)))
    out["silent_customers"] = f"按约 {complaint_ratio:.0%} 的投诉率估算，{len(gaps)} 条投诉背后约有 {silent:,} 位沉默的不满客户（估算）"
    out["gap_words"] = f"{tax.zh(top) or top}的投诉最能说明问题：先看它的特征词"
    return out


def summary_tables(df: pd.DataFrame, period: str, themes: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {}
    gaps = valid_gaps(df)
    d = df.loc[gaps.index]
    try:
        per = period_series(d, period)
        tables["gap_by_period"] = pd.crosstab(per, gaps).reset_index().rename(columns={"row_0": "period"})
    except NotAvailable:
        pass
    for col in ("channel", "industry"):
        if col in d.columns:
            tables[f"gap_by_{col}"] = pd.crosstab(d[col], gaps).reset_index()
    if themes is not None:
        tables["themes"] = themes
    if "escalation_risk" in df.columns:
        text_col = df.attrs.get("text_column") or "text"
        cols = [c for c in ("complaint_id", text_col, "gap_zh", "escalation_reasons", "customer_demand", "channel", "created_at") if c in df.columns]
        tables["high_risk"] = df[df["escalation_risk"] == "high"][cols]
    fig = service_recovery(df)
    if fig.by_gap is not None:
        tables["response_by_gap"] = fig.by_gap.reset_index().rename(columns={"key": "gap"})
    if fig.by_channel is not None:
        tables["response_by_channel"] = fig.by_channel.reset_index().rename(columns={"key": "channel"})
    tables["notes"] = pd.DataFrame({"note": fig.notes or ["—"]})
    return tables


def themes_summary(df: pd.DataFrame, text_col: str) -> pd.DataFrame | None:
    if "theme_name" not in df.columns:
        return None
    rows = []
    for name, grp in df[df["theme_name"].astype(str).ne("")].groupby("theme_name"):
        g = grp["gap"].astype(str) if "gap" in grp.columns else pd.Series(dtype=str)
        g = g[g.ne("")]
        reps = grp.sort_values("gap_confidence", ascending=False)[text_col].head(3).tolist() if "gap_confidence" in grp.columns else grp[text_col].head(3).tolist()
        rows.append({"theme_name": name, "size": len(grp), "share": round(len(grp) / len(df), 4),
                     "dominant_gap": g.mode().iat[0] if len(g) else "",
                     "representatives": "\n".join(mask_pii(t)[:160] for t in reps)})
    return pd.DataFrame(rows).sort_values("size", ascending=False).reset_index(drop=True)
