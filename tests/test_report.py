"""Charts render Chinese without missing glyphs and are not blank; exports open; takeaways match."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from feedback_mining.report import charts
from feedback_mining.report.style import CHART_TITLES
from feedback_mining.models.registry import default_model
from feedback_mining.pipeline import classify_frame
from feedback_mining.pipeline import cluster_frame
from feedback_mining.data.read import load_complaints
from feedback_mining.paths import corpus_file
from feedback_mining.report import build_report, takeaways


@pytest.fixture(scope="module")
def classified():
    df = load_complaints(corpus_file("complaints_labeled.csv"))
    df = df.drop(columns=["gap", "escalation", "customer_demand"])
    out = classify_frame(df, default_model(), "text")
    out.loc[0, "text"] = "我电话13912345678，酒店居然不提供吹风机"
    out, _ = cluster_frame(out, "text", k=6)
    out.attrs["text_column"] = "text"
    return out


def _pixels(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float)


def test_every_chart_renders_without_missing_glyphs(classified):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        figs, skipped = charts.all_charts(classified, text_column="text")
        assert set(figs) == set(CHART_TITLES) and not skipped
        for name, fig in figs.items():
            px = _pixels(fig)
            assert px.std() > 10, f"{name} looks blank"
    assert "CJK" in charts.cjk_font() or charts.cjk_font() in charts.KNOWN_CJK_FAMILIES


def test_trend_skips_clearly_without_dates(classified):
    with pytest.raises(charts.ChartSkipped, match="no date column"):
        charts.gap_trend(classified.drop(columns=["created_at"]))


def test_takeaways_match_independent_numbers(classified):
    notes = takeaways(classified)
    share = classified["gap"].value_counts(normalize=True)
    top = share.index[0]
    from feedback_mining.models.taxonomy import load_taxonomy

    zh = load_taxonomy().zh(top)
    assert notes["gap_pareto"].startswith(f"{zh}占比 {share.iloc[0]:.0%}")
    months = pd.to_datetime(classified["created_at"]).dt.to_period("M").astype(str)
    last, prev = sorted(months.unique())[-2:][::-1]
    delta = ((classified["gap"][months == last] == top).mean() - (classified["gap"][months == prev] == top).mean()) * 100
    assert f"{abs(delta):.0f} 个百分点" in notes["gap_pareto"]
    high = int((classified["escalation_risk"] == "high").sum())
    assert notes["risk_review"].startswith(f"高升级风险投诉 {high} 条")
    assert f"{round(len(classified) / 0.04 - len(classified)):,}" in notes["silent_customers"]


def test_build_report_outputs(classified, tmp_path):
    res = build_report(classified, tmp_path, text_column="text")
    names = {p.name for p in res.files}
    for chart in CHART_TITLES:
        assert {f"{chart}.png", f"{chart}.svg", f"{chart}.pdf"} <= names
    from PIL import Image

    assert Image.open(tmp_path / "gap_pareto.png").info.get("dpi", (0, 0))[0] >= 149
    from pptx import Presentation

    deck = Presentation(tmp_path / "deck.pptx")
    titles = [" ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame)[:40] for s in deck.slides]
    assert "高升级风险投诉" in titles[1]
    for t in ["投诉根因帕累托图", "各根因投诉趋势", "主要主题与代表性投诉", "沉默的不满客户"]:
        assert any(t in x for x in titles), t
    assert all(s.has_notes_slide and "方法" in s.notes_slide.notes_text_frame.text for s in deck.slides)
    xlsx = pd.read_excel(tmp_path / "summary.xlsx", sheet_name=None)
    assert {"gap_by_period", "gap_by_channel", "themes", "high_risk"} <= set(xlsx)
    html = (tmp_path / "summary.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "<img src='http" not in html
    for f in tmp_path.iterdir():
        if f.suffix in (".html", ".svg", ".csv"):
            assert "13912345678" not in f.read_text(encoding="utf-8", errors="ignore")
    assert not any("13912345678" in str(v) for sheet in xlsx.values() for v in sheet.to_numpy().ravel())


def test_report_cli_on_raw_complaints(tmp_path):
    src = tmp_path / "raw.csv"
    df = load_complaints(corpus_file("complaints_labeled.csv"))[["complaint_id", "text", "channel", "created_at"]].head(300)
    df.to_csv(src, index=False, encoding="gb18030")
    r = run_cli("report", str(src), "--out", str(tmp_path / "r"), "--formats", "png,pptx,xlsx")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "r" / "deck.pptx").exists() and (tmp_path / "r" / "gap_pareto.png").exists()
    assert not (tmp_path / "r" / "gap_pareto.svg").exists()
    r = run_cli("report", str(src), "--out", str(tmp_path / "r2"), "--formats", "png,docx")
    assert r.returncode == 2 and "docx" in r.stderr
