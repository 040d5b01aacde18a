"""The numbers behind the slides: one Chinese takeaway per chart, the recommended actions and the
themes table. Every takeaway that compares shares checks its sample first (:data:`MIN_COMPARE`
complaints per group) and says 「样本不足」 instead of naming a winner on a handful of complaints.

>>> takeaways(classified)["gap_pareto"]
'程序差距最多：134 条，占 34%；前两类合计 58%（共 396 条已归因）'
>>> recommended_actions(classified)[0]["title"]
'优先解决「退款流程」里的程序差距'
"""
from __future__ import annotations

import pandas as pd

from ..analysis import distinctive_words, period_series, theme_changes, theme_table, valid_gaps
from ..data.columns import CUSTOMER_COLUMNS, NOISE_NAME, RESPONDED_COLUMNS, CLOSED_COLUMNS, find_segment_column, pick_column
from ..errors import NotAvailable
from ..models.taxonomy import Taxonomy, load_taxonomy
from .style import GAP_ACTIONS, MIN_COMPARE, SEGMENT_NAMES, strip_placeholders

__all__ = ["takeaways", "recommended_actions", "themes_summary", "gap_word_table", "customer_count", "MIN_COMPARE"]


def _zh(tax: Taxonomy, code: str) -> str:
    return tax.zh(code) or code


def _too_few(what: str, counts: dict[str, int]) -> str:
    parts = "、".join(f"{k} {v} 条" for k, v in counts.items())
    return f"样本不足（{parts}），{what}需每组至少 {MIN_COMPARE} 条，暂不比较"


def _periods(df: pd.DataFrame, index, period: str) -> tuple[pd.Series, list[str]] | None:
    try:
        per = period_series(df.loc[index], period)
    except NotAvailable:
        return None
    ordered = sorted(per.dropna().unique())
    return per, ordered


def gap_word_table(df: pd.DataFrame, text_column: str, top: int = 8) -> dict[str, list[tuple[str, float]]]:
    """Per gap, its most distinctive words (masking placeholders such as 「<手机号>」 left out)."""
    texts = [strip_placeholders(str(t)) for t in df[text_column].tolist()]
    return distinctive_words(texts, df["gap"].astype(str).tolist(), top=top)


def customer_count(df: pd.DataFrame) -> tuple[int, bool]:
    """Distinct customers (by a customer-id column) or, without one, the number of complaints."""
    col = pick_column(df.columns, CUSTOMER_COLUMNS)
    if col is None:
        return len(df), False
    ids = df[col].astype(str).str.strip()
    return int(ids[ids.ne("") & ids.ne("nan")].nunique()), True


def _pareto(gaps: pd.Series, tax: Taxonomy) -> str:
    n = len(gaps)
    if n < MIN_COMPARE:
        return f"样本不足：只有 {n} 条已归因投诉，暂不比较各根因占比（至少 {MIN_COMPARE} 条）"
    counts = gaps.value_counts()
    top = counts.index[0]
    return (f"{_zh(tax, top)}最多：{counts.iloc[0]} 条，占 {counts.iloc[0] / n:.0%}；"
            f"前两类合计 {counts.iloc[:2].sum() / n:.0%}（共 {n} 条已归因）")


def _trend(df: pd.DataFrame, gaps: pd.Series, period: str, tax: Taxonomy) -> str | None:
    found = _periods(df, gaps.index, period)
    if found is None or len(found[1]) < 2:
        return None
    per, ordered = found
    last, prev = ordered[-1], ordered[-2]
    g_last, g_prev = gaps[per == last], gaps[per == prev]
    n_last, n_prev = len(g_last), len(g_prev)
    change = f"，比 {prev}（{n_prev} 条）{'增加' if n_last >= n_prev else '减少'} {abs(n_last - n_prev) / n_prev:.0%}" if n_prev else ""
    line = f"{last} 共 {n_last} 条已归因投诉{change}"
    if min(n_last, n_prev) < MIN_COMPARE:
        return line + "；" + _too_few("比较两期占比", {prev: n_prev, last: n_last})
    s_last, s_prev = g_last.value_counts(normalize=True), g_prev.value_counts(normalize=True)
    rise = s_last.sub(s_prev, fill_value=0).sort_values(ascending=False)
    g = rise.index[0]
    if rise.iloc[0] <= 0:
        return line + "；各根因占比没有上升"
    c_last, c_prev = int((g_last == g).sum()), int((g_prev == g).sum())
    return (line + f"；占比升幅最大的是{_zh(tax, g)}：{s_prev.get(g, 0):.0%} → {s_last.get(g, 0):.0%}"
            f"（{c_prev}/{n_prev} → {c_last}/{n_last} 条）")


def _heatmap(df: pd.DataFrame, gaps: pd.Series, tax: Taxonomy) -> str | None:
    col = find_segment_column(df.loc[gaps.index])
    if col is None:
        return None
    name = SEGMENT_NAMES.get(col, col)
    counts = pd.crosstab(df.loc[gaps.index, col].astype(str), gaps)
    totals = counts.sum(axis=1)
    big = counts[totals >= MIN_COMPARE]
    if big.empty:
        return _too_few(f"各{name}的占比", totals.sort_values(ascending=False).head(3).to_dict())
    share = big.div(totals[big.index], axis=0)
    seg, g = share.stack().idxmax()
    line = f"{seg}（{name}）中{_zh(tax, g)}占比最高：{share.loc[seg, g]:.0%}（{int(big.loc[seg, g])}/{int(totals[seg])} 条）"
    small = totals[totals < MIN_COMPARE]
    if len(small):
        line += f"；不足 {MIN_COMPARE} 条的{name}未参与比较：" + "、".join(f"{k} {v} 条" for k, v in small.head(3).items())
    return line


def takeaways(df: pd.DataFrame, period: str = "month", complaint_ratio: float = 0.04, text_column: str | None = None,
              words: dict | None = None) -> dict[str, str]:
    """A one-line, data-computed takeaway per chart (Chinese), each with its counts, e.g.
    「程序差距最多：134 条，占 34%；前两类合计 58%（共 396 条已归因）」."""
    tax = load_taxonomy()
    out: dict[str, str] = {}
    gaps = valid_gaps(df)
    if gaps.empty:
        return out
    out["gap_pareto"] = _pareto(gaps, tax)
    for key, line in (("gap_trend", _trend(df, gaps, period, tax)), ("gap_heatmap", _heatmap(df, gaps, tax))):
        if line:
            out[key] = line
    try:
        tt = theme_table(df)
        name, size = tt.index[0], int(tt["size"].iloc[0])
        out["top_themes"] = f"最大主题「{name}」{size} 条，占已归因投诉的 {size / len(gaps):.0%}；主要根因：{_zh(tax, tt['dominant_gap'].iloc[0]) if tt['dominant_gap'].iloc[0] else '—'}"
    except NotAvailable:
        pass
    if words:
        top = gaps.value_counts().index[0]
        if words.get(top):
            where = f"投诉最多的{_zh(tax, top)}里" if len(gaps) >= MIN_COMPARE else f"{_zh(tax, top)}里（样本不足，仅供参考）"
            out["gap_words"] = f"{where}，最有区分度的词是" + "".join(f"「{w}」" for w, _ in words[top][:3])
    if "escalation_risk" in df.columns:
        n = max(len(df), 1)
        high = int((df["escalation_risk"] == "high").sum())
        line = f"高升级风险 {high} 条（{high / n:.0%}），24 小时内专人跟进" if high else "本期没有高升级风险投诉"
        if "needs_review" in df.columns:
            nr = int(df["needs_review"].astype(str).str.lower().isin(["true", "1"]).sum())
            line += f"；{nr} 条（{nr / n:.0%}）根因置信度低，需人工复核"
        out["risk_review"] = line
    customers, by_id = customer_count(df)
    silent = int(round(customers / complaint_ratio - customers))
    who = f"{customers:,} 位客户投诉" if by_id else f"{len(df):,} 条投诉（按一条一位客户计）"
    out["silent_customers"] = f"本期 {who}；若只有约 {complaint_ratio:.0%} 的不满客户会投诉，未投诉的不满客户约 {silent:,} 位（经验估算，非测量值）"
    return out


def _growth_action(changes: pd.DataFrame | None) -> dict[str, str]:
    """The action on the theme that is new this period or rose most (the first row of
    :func:`~feedback_mining.analysis.theme_changes`, the same theme the slide 「本月新增/上升最快的问题」 names)."""
    if changes is None:
        return {"title": "建立按月跟踪", "detail": "数据缺少日期、主题或第二个周期，无法判断哪个问题在上升；导出时带上投诉日期"}
    moving = changes[changes["status"].isin(["new", "rising"])]
    if moving.empty:
        return {"title": "本期没有新增或明显上升的问题", "detail": "各主题占比与上期持平或下降。建议：保持按月跟踪"}
    r = moving.iloc[0]
    before, after = int(r["count_previous"]), int(r["count_last"])
    small = "；样本不足，下期复核是否持续" if after < MIN_COMPARE // 2 else ""
    if r["status"] == "new":
        return {"title": f"盯住本期新出现的问题「{r['theme_name']}」",
                "detail": f"{r['last']} 有 {after} 条（占 {r['share_last']:.0%}），此前几乎没有同类投诉{small}。建议：指定负责人本月内查明原因"}
    return {"title": f"盯住上升最快的主题「{r['theme_name']}」",
            "detail": f"占比 {r['share_previous']:.0%} → {r['share_last']:.0%}（{r['share_change_pp']:+.1f} 个百分点；"
                      f"{r['previous']} 有 {before} 条，{r['last']} 有 {after} 条）{small}。建议：指定负责人本月内查明原因"}


def recommended_actions(df: pd.DataFrame, period: str = "month", changes: pd.DataFrame | str | None = "auto",
                        text_column: str | None = None) -> list[dict[str, str]]:
    """Three actions computed from the data: the largest gap × theme, the theme that is new or grew
    most and the high-risk complaints awaiting a reply; each ``{"title", "detail"}`` in Chinese.

    ``changes``: :func:`~feedback_mining.analysis.theme_changes` output when it is already computed
    (None: not available); "auto" computes it here."""
    if isinstance(changes, str):  # "auto"
        try:
            changes = theme_changes(df, period, text_column)
        except NotAvailable:
            changes = None
    tax = load_taxonomy()
    gaps = valid_gaps(df)
    actions: list[dict[str, str]] = []
    if not gaps.empty:
        named = df.loc[gaps.index, "theme_name"].astype(str) if "theme_name" in df.columns else None
        if named is not None and named.ne(NOISE_NAME).any():
            keep = named.ne(NOISE_NAME) & named.ne("")
            cells = pd.crosstab(named[keep], gaps[keep]).stack()
            (theme, g), c = cells.idxmax(), int(cells.max())
            size = int(keep[keep].groupby(named[keep]).size()[theme])
            actions.append({"title": f"优先解决「{theme}」里的{_zh(tax, g)}",
                            "detail": f"{c} 条，占该主题 {c / size:.0%}，是主题 × 根因里最大的一格。建议：{GAP_ACTIONS.get(g, '指定负责人分析原因、给出改进计划')}"})
        else:
            g = gaps.value_counts().index[0]
            c = int((gaps == g).sum())
            actions.append({"title": f"优先解决{_zh(tax, g)}",
                            "detail": f"{c} 条，占 {c / len(gaps):.0%}。建议：{GAP_ACTIONS.get(g, '指定负责人分析原因、给出改进计划')}"})
    actions.append(_growth_action(changes))
    if "escalation_risk" in df.columns:
        high = df["escalation_risk"].astype(str).eq("high")
        answered = pick_column(df.columns, RESPONDED_COLUMNS) or pick_column(df.columns, CLOSED_COLUMNS)
        if answered is not None:
            waiting = int((high & pd.to_datetime(df[answered], errors="coerce").isna()).sum())
            detail = f"共 {int(high.sum())} 条高风险，其中 {waiting} 条还没有回复记录。建议：24 小时内由专人回电，逐条登记结果"
            title = f"{waiting} 条高风险投诉待回复"
        else:
            detail = f"共 {int(high.sum())} 条（数据里没有回复时间，无法判断哪些已回复）。建议：逐条确认，24 小时内由专人回电"
            title = f"{int(high.sum())} 条高风险投诉逐条跟进"
        actions.append({"title": title if high.any() else "本期没有高风险投诉", "detail": detail if high.any() else "保持 24 小时内回复"})
    return actions[:3]


def themes_summary(df: pd.DataFrame, text_col: str) -> pd.DataFrame | None:
    """One row per theme: name, size, share of all complaints, dominant gap, up to 3 representative
    complaints (the most confidently classified first)."""
    if "theme_name" not in df.columns:
        return None
    rows = []
    for name, grp in df[df["theme_name"].astype(str).ne("")].groupby("theme_name"):
        g = grp["gap"].astype(str) if "gap" in grp.columns else pd.Series(dtype=str)
        g = g[g.ne("")]
        ordered = grp.sort_values("gap_confidence", ascending=False) if "gap_confidence" in grp.columns else grp
        rows.append({"theme_name": name, "size": len(grp), "share": len(grp) / len(df),
                     "dominant_gap": g.mode().iat[0] if len(g) else "",
                     "representatives": [str(t) for t in ordered[text_col].head(3)]})
    if not rows:
        return None
    table = pd.DataFrame(rows)
    table["noise"] = table["theme_name"].eq(NOISE_NAME)
    return table.sort_values(["noise", "size"], ascending=[True, False]).drop(columns="noise").reset_index(drop=True)
