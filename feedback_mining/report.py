"""Management-meeting exports: charts (PNG/SVG/PDF), summary.xlsx, deck.pptx, summary.html.

>>> build_report(classified_df, "out/2026-10")         # → files written, with takeaways
"""
from __future__ import annotations

import base64
import html
import io as _io
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .charts import CHART_TITLES, ChartSkipped, all_charts, period_series, theme_table
from .errors import UserError
from .escalation import service_recovery
from .io import atomic_write, mask_frame, write_table
from .normalize import mask_pii
from .taxonomy import load_taxonomy

__all__ = ["build_report", "takeaways", "report_command", "run_demo", "FORMATS"]

FORMATS = ("png", "svg", "pdf", "pptx", "xlsx", "html")


@dataclass
class ReportResult:
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    takeaways: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


# --- numbers behind the slides ------------------------------------------------------------
def _valid_gaps(df: pd.DataFrame) -> pd.Series:
    g = df["gap"].astype(str)
    return g[g.ne("") & g.ne("nan")]


def takeaways(df: pd.DataFrame, period: str = "month", complaint_ratio: float = 0.04, text_column: str | None = None) -> dict[str, str]:
    """A one-line, data-computed takeaway per chart (Chinese), e.g. 「程序差距占比 34%，环比上升 6 个百分点」."""
    tax = load_taxonomy()
    out: dict[str, str] = {}
    gaps = _valid_gaps(df)
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
    except ChartSkipped:
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
    except ChartSkipped:
        pass
    if "escalation_risk" in df.columns:
        high = int((df["escalation_risk"] == "high").sum())
        nr = df["needs_review"].astype(str).str.lower().isin(["true", "1"]).mean() if "needs_review" in df.columns else 0
        out["risk_review"] = f"高升级风险投诉 {high} 条（{high / max(len(df), 1):.0%}），需优先处理；{nr:.0%} 的投诉需人工复核根因"
    silent = int(round(len(gaps) / complaint_ratio - len(gaps)))
    out["silent_customers"] = f"按约 {complaint_ratio:.0%} 的投诉率估算，{len(gaps)} 条投诉背后约有 {silent:,} 位沉默的不满客户（估算）"
    out["gap_words"] = f"{tax.zh(top) or top}的投诉最能说明问题：先看它的特征词"
    return out


def _summary_tables(df: pd.DataFrame, period: str, themes: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {}
    gaps = _valid_gaps(df)
    d = df.loc[gaps.index]
    try:
        per = period_series(d, period)
        tables["gap_by_period"] = pd.crosstab(per, gaps).reset_index().rename(columns={"row_0": "period"})
    except ChartSkipped:
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


def _themes_summary(df: pd.DataFrame, text_col: str) -> pd.DataFrame | None:
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


# --- writers ------------------------------------------------------------------------------
def _save_fig(fig, path: Path, fmt: str) -> None:
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format=fmt, dpi=160 if fmt == "png" else None, bbox_inches="tight")


def _png_bytes(fig) -> bytes:
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=160, bbox_inches="tight")
    return buf.getvalue()


def _deck(path: Path, df: pd.DataFrame, pngs: dict[str, bytes], notes: dict[str, str], title: str, subtitle: str,
          themes: pd.DataFrame | None, high: pd.DataFrame | None, recovery, text_col: str) -> None:
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank, title_layout = prs.slide_layouts[6], prs.slide_layouts[0]
    method = ("方法：每条投诉按五大差距（理解、程序、行为、促销、感受）归因，模型为字 n-gram TF-IDF + 线索特征的线性分类器，"
              "概率经校准；低置信度标为需复核。主题由多项式混合模型（每条投诉一个主题）聚类、类别 TF-IDF 命名。个人信息已脱敏。")

    def add_text(slide, text, left, top, width, height, size=18, bold=False, color=(0x22, 0x22, 0x22)):
        box = slide.shapes.add_textbox(left, top, width, height)
        tf = box.text_frame
        tf.word_wrap = True
        lines = text if isinstance(text, list) else [text]
        for i, line in enumerate(lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.text = line
            p.font.size = Pt(size)
            p.font.bold = bold
            p.font.color.rgb = RGBColor(*color)
        return box

    def titled(title_text: str, takeaway: str | None = None):
        s = prs.slides.add_slide(blank)
        add_text(s, title_text, Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.8), size=28, bold=True)
        if takeaway:
            add_text(s, takeaway, Inches(0.5), Inches(1.05), Inches(12.3), Inches(0.6), size=18, color=(0xC0, 0x39, 0x2B))
        s.notes_slide.notes_text_frame.text = method
        return s

    s = prs.slides.add_slide(title_layout)
    s.shapes.title.text = title
    s.placeholders[1].text = subtitle
    s.notes_slide.notes_text_frame.text = method

    if high is not None:
        s = titled("高升级风险投诉（优先处理）", f"共 {len(high)} 条：媒体、监管、法律、社交平台、集体维权或安全隐患")
        rows = high.head(8)
        lines = [f"• [{r.get('gap_zh', '')}] {mask_pii(str(r[text_col]))[:70]}  —— {r.get('escalation_reasons', '')}" for _, r in rows.iterrows()]
        add_text(s, lines or ["本期没有高风险投诉"], Inches(0.6), Inches(1.8), Inches(12.1), Inches(5.3), size=14)

    for name, png in pngs.items():
        s = titled(CHART_TITLES.get(name, name), notes.get(name))
        pic = s.shapes.add_picture(_io.BytesIO(png), Inches(0.6), Inches(1.75), height=Inches(5.5))
        if pic.width > Inches(12.1):
            ratio = Inches(12.1) / pic.width
            pic.width, pic.height = Inches(12.1), Emu(int(pic.height * ratio))
        pic.left = int((prs.slide_width - pic.width) / 2)

    if themes is not None and len(themes):
        s = titled("主要主题与代表性投诉", notes.get("top_themes"))
        lines = []
        tax = load_taxonomy()
        for _, r in themes.head(5).iterrows():
            lines.append(f"■ {r['theme_name']}（{r['size']} 条，主要根因：{tax.zh(r['dominant_gap']) or '—'}）")
            for rep in str(r["representatives"]).split("\n")[:2]:
                lines.append(f"    “{rep[:80]}”")
        add_text(s, lines, Inches(0.6), Inches(1.8), Inches(12.1), Inches(5.4), size=13)

    if recovery is not None and recovery.by_gap is not None:
        s = titled("24 小时内响应率（按根因）", f"整体 24 小时内响应 {recovery.overall['within_24h']:.0%}，中位响应 {recovery.overall['median_hours']:.1f} 小时")
        tax = load_taxonomy()
        lines = [f"• {tax.zh(g) or g}：24h 内 {r['within_24h']:.0%}，12h 内 {r['within_12h']:.0%}，中位 {r['median_hours']:.1f} 小时（{int(r['complaints'])} 条）"
                 for g, r in recovery.by_gap.iterrows()]
        add_text(s, lines, Inches(0.6), Inches(1.8), Inches(12.1), Inches(5.3), size=16)

    with atomic_write(path, "wb") as fh:
        prs.save(fh)


def _html(path: Path, title: str, subtitle: str, pngs: dict[str, bytes], notes: dict[str, str], tables: dict[str, pd.DataFrame]) -> None:
    parts = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             "<style>body{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;max-width:1100px;margin:2em auto;color:#222}"
             "h1{margin-bottom:0}h2{margin-top:2em}.take{color:#c0392b;font-size:1.1em}img{max-width:100%}"
             "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}</style></head><body>",
             f"<h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>"]
    for name, png in pngs.items():
        parts.append(f"<h2>{html.escape(CHART_TITLES.get(name, name))}</h2>")
        if notes.get(name):
            parts.append(f"<p class='take'>{html.escape(notes[name])}</p>")
        parts.append(f"<img alt='{html.escape(name)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>")
    for name in ("high_risk", "themes"):
        if name in tables and len(tables[name]):
            parts.append(f"<h2>{'高升级风险投诉' if name == 'high_risk' else '主题'}</h2>")
            parts.append(mask_frame(tables[name].head(20)).to_html(index=False, escape=True))
    parts.append("<p style='color:#777'>个人信息（手机号、身份证号、邮箱、银行卡号、车牌）已脱敏。</p></body></html>")
    with atomic_write(path, "w") as fh:
        fh.write("".join(parts))


# --- the report ------------------------------------------------------------------------------
def build_report(df: pd.DataFrame, out_dir: str | Path, formats=FORMATS, period: str = "month", complaint_ratio: float = 0.04,
                 mask: bool = True, text_column: str | None = None, title: str = "客户投诉根因分析") -> ReportResult:
    """Write every chart and export the data allows into ``out_dir``; returns files, takeaways, skipped charts."""
    import matplotlib.pyplot as plt

    formats = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats) if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise UserError(f"unknown format(s): {', '.join(bad)}; choose from {','.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    text_col = text_column or df.attrs.get("text_column") or ("text" if "text" in df.columns else None)
    if text_col is None:
        from .io import find_text_column

        text_col = find_text_column(df)
    view = mask_frame(df, [text_col]) if mask else df.copy()
    view.attrs["text_column"] = text_col
    result = ReportResult(out_dir)
    figs, result.skipped = all_charts(view, period, complaint_ratio, text_col)
    result.takeaways = takeaways(view, period, complaint_ratio, text_col)
    pngs = {}
    for name, fig in figs.items():
        for fmt in ("png", "svg", "pdf"):
            if fmt in formats:
                p = out_dir / f"{name}.{fmt}"
                _save_fig(fig, p, fmt)
                result.files.append(p)
        pngs[name] = _png_bytes(fig)
        plt.close(fig)
    themes = _themes_summary(view, text_col)
    tables = _summary_tables(view, period, themes)
    gaps = _valid_gaps(view)
    try:
        per = period_series(view.loc[gaps.index], period).dropna()
        span = f"{per.min()} – {per.max()}" if len(per) else "全部"
    except ChartSkipped:
        span = "全部"
    subtitle = f"期间 {span}｜投诉 {len(view)} 条，已归因 {len(gaps)} 条｜生成于 {time.strftime('%Y-%m-%d')}"
    if "xlsx" in formats:
        p = out_dir / "summary.xlsx"
        from .io import _neutralized

        with atomic_write(p, "wb") as fh:
            with pd.ExcelWriter(fh, engine="openpyxl") as xw:
                for name, t in tables.items():
                    _neutralized(mask_frame(t) if mask else t).to_excel(xw, sheet_name=name[:31], index=False)
        result.files.append(p)
    recovery = service_recovery(view)
    if "pptx" in formats:
        p = out_dir / "deck.pptx"
        _deck(p, view, pngs, result.takeaways, title, subtitle, themes, tables.get("high_risk"), recovery, text_col)
        result.files.append(p)
    if "html" in formats:
        p = out_dir / "summary.html"
        _html(p, title, subtitle, pngs, result.takeaways, tables)
        result.files.append(p)
    meta = {"masked": mask, "period": period, "complaint_ratio": complaint_ratio, "rows": len(view),
            "takeaways": result.takeaways, "skipped": result.skipped, "files": [f.name for f in result.files]}
    (out_dir / "report.meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return result


def _ensure_classified(df: pd.DataFrame, text_col: str, model_path: str | None) -> pd.DataFrame:
    if "gap" in df.columns and "gap_confidence" in df.columns:
        for c in ("gap_confidence",):
            df[c] = pd.to_numeric(df[c], errors="coerce")
        return df
    from .classify import classify_frame, load_model

    model = load_model(model_path)
    out = classify_frame(df.drop(columns=[c for c in ("gap",) if c in df.columns]), model, text_col)
    out.attrs = df.attrs
    return out


def _ensure_themes(df: pd.DataFrame, text_col: str) -> pd.DataFrame:
    if "theme_name" in df.columns:
        return df
    from .cluster import cluster_frame

    with_text = int((~df["empty_text"]).sum()) if "empty_text" in df.columns else len(df)
    if with_text < 30:  # too few complaints for meaningful themes
        return df
    out, _ = cluster_frame(df, text_col)
    out.attrs = df.attrs
    return out


def report_command(args) -> int:
    from .cli import _load

    df = _load(args)
    col = df.attrs["text_column"]
    df = _ensure_classified(df, col, args.model)
    df = _ensure_themes(df, col)
    res = build_report(df, args.out, args.formats, args.period, args.complaint_ratio, mask=not args.no_mask, text_column=col)
    for name, why in res.skipped.items():
        print(f"report: skipped {name}: {why}", file=sys.stderr)
    rep = df.attrs["load_report"]
    print(f"report: rows read {rep['rows_read']}, used {len(df)}, rejected {rep['rows_rejected']}; {len(res.files)} files → {res.out_dir}", file=sys.stderr)
    return 0


def run_demo(out: str | Path = "out/demo", input_path: str | None = None) -> int:
    """The main job on the bundled corpus: classify + themes + charts + deck into ``out``."""
    from .classify import classify_frame, default_model
    from .cluster import cluster_frame
    from .io import load_complaints
    from .paths import corpus_file

    t0 = time.perf_counter()
    out = Path(out)
    path = Path(input_path) if input_path else corpus_file("complaints_labeled.csv")
    df = load_complaints(path)
    col = df.attrs["text_column"]
    print(f"demo: loaded {len(df)} complaints from {path}", file=sys.stderr)
    model = default_model(verbose=True)
    keep = [c for c in df.columns if c not in ("gap", "escalation", "customer_demand")] if not input_path else list(df.columns)
    classified = classify_frame(df[keep], model, col)
    if "gap" in df.columns and not input_path:
        classified["gap_labelled"] = df["gap"].to_numpy()
    themed, tc = cluster_frame(classified, col, k=10)  # ten themes read well on one slide
    themed.attrs = {"text_column": col}
    write_table(themed, out / "classified.csv")
    summary = tc.summary()
    write_table(summary, out / "themes.csv")
    res = build_report(themed, out, FORMATS, "month", 0.04, mask=True, text_column=col)
    share = themed["gap"].value_counts(normalize=True)
    tax = load_taxonomy()
    print("\n根因分布 gap shares:", file=sys.stderr)
    for g, s in share.items():
        print(f"  {tax.zh(g)} {g:<14} {s:6.1%}", file=sys.stderr)
    print("\n主要主题 top themes:", file=sys.stderr)
    for th in tc.themes_[:8]:
        print(f"  {th['size']:>5}  {th['name']}", file=sys.stderr)
    print("\n要点 takeaways:", file=sys.stderr)
    for k, v in res.takeaways.items():
        print(f"  - {v}", file=sys.stderr)
    print(f"\ndemo: wrote {len(res.files) + 2} files to {out}/ (classified.csv, themes.csv, charts, summary.xlsx, deck.pptx, summary.html) "
          f"in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0
