"""Charts, takeaways, deck and workbook: Chinese, counted, inside their canvas, honest about samples."""
from __future__ import annotations

import json
import math
import re
import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from feedback_mining.data.read import heldout_split, load_complaints
from feedback_mining.models.registry import default_model
from feedback_mining.models.taxonomy import load_taxonomy
from feedback_mining.paths import corpus_file
from feedback_mining.pipeline import classify_frame, cluster_frame
from feedback_mining.analysis import theme_changes
from feedback_mining.report import build_report, charts, recommended_actions, takeaways
from feedback_mining.report.deck import new_themes_lines
from feedback_mining.report.style import CHART_TITLES, MIN_COMPARE, quote

PHONE = "13912345678"


@pytest.fixture(scope="module")
def classified():
    df = load_complaints(corpus_file("complaints_labeled.csv"))
    df = df[heldout_split(df["complaint_id"])].drop(columns=["gap", "escalation", "customer_demand"]).reset_index(drop=True)
    out = classify_frame(df, default_model(), "text")
    out.loc[0, "text"] = f"我电话{PHONE}，酒店居然不提供吹风机"
    out.loc[1, "channel"] = f"热线{PHONE}"  # personal data in a non-text column must be masked too
    out, _ = cluster_frame(out, "text", k=6)
    out.attrs["text_column"] = "text"
    return out


@pytest.fixture(scope="module")
def report_dir(classified, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    res = build_report(classified, out, text_column="text", data_note="测试数据：332 条投诉")
    return out, res


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _pixels(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float)


def test_every_chart_renders_without_missing_glyphs(classified):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        figs, skipped = charts.all_charts(classified, text_column="text")
        assert set(figs) == set(CHART_TITLES) and not skipped
        for name, fig in figs.items():
            assert _pixels(fig).std() > 10, f"{name} looks blank"
    assert "CJK" in charts.cjk_font() or charts.cjk_font() in charts.KNOWN_CJK_FAMILIES


def test_charts_are_in_chinese_and_inside_the_canvas_at_160_dpi(classified):
    figs, _ = charts.all_charts(classified, text_column="text")
    for name, fig in figs.items():
        fig.set_dpi(160)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        canvas = fig.bbox
        labels = [fig._suptitle.get_text() if fig._suptitle else ""]
        for ax in fig.axes:
            labels += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        # What is drawn: each axes with its ticks, labels, annotations and legend; the figure's own texts.
        drawn = [(ax.get_tightbbox(renderer), f"axes {ax.get_title()!r}") for ax in fig.axes]
        drawn += [(t.get_window_extent(renderer), str(getattr(t, "get_text", lambda: "legend")())) for t in fig.texts + fig.legends if t.get_visible()]
        if fig._suptitle is not None:
            drawn.append((fig._suptitle.get_window_extent(renderer), fig._suptitle.get_text()))
        for box, what in drawn:
            assert box.x0 >= canvas.x0 - 1 and box.y0 >= canvas.y0 - 1 and box.x1 <= canvas.x1 + 1 and box.y1 <= canvas.y1 + 1, (name, what)
        english = [t for t in labels if re.search(r"[A-Za-z]{2,}", t.replace("TF-IDF", ""))]
        assert not english, (name, english)
        assert any(re.search(r"[\u4e00-\u9fff]", t) for t in labels), name


def test_counts_stand_beside_every_share(classified):
    counts = classified["gap"].value_counts()
    fig = charts.gap_pareto(classified)
    notes = [t.get_text() for t in fig.axes[0].texts]
    top = counts.index[0]
    assert f"{counts[top]} 条（{counts[top] / counts.sum():.0%}）" in notes
    heat = charts.gap_heatmap(classified)
    rows = [t.get_text() for t in heat.axes[0].get_yticklabels()]
    per_channel = classified["channel"].astype(str).value_counts()
    assert f"App（{per_channel['App']} 条）" in rows
    assert any("样本少" in r for r in rows if int(re.search(r"（(\d+) 条", r).group(1)) < MIN_COMPARE)


def test_distinctive_words_leave_masking_placeholders_out():
    texts = [f"联系我<手机号>，{t}" for t in ["退款一直没到账", "客服态度很差", "快递太慢了", "房间很脏"] * 15]
    df = pd.DataFrame({"text": texts, "gap": ["process", "behavior", "process", "perception"] * 15})
    fig = charts.gap_words(df, "text")
    words = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert words and not any("手机号" in w for w in words)
    assert fig.axes[0].get_xticklabels(), "the bars need a scale"


def test_a_takeaway_on_five_complaints_says_sample_too_small(classified):
    five = classified[classified["created_at"].astype(str).str[:7].isin(["2026-09", "2026-10"])].head(5).copy()
    five.attrs["text_column"] = "text"
    notes = takeaways(five)
    assert "样本不足" in notes["gap_pareto"] and "5 条" in notes["gap_pareto"]
    assert "占比升幅" not in notes.get("gap_trend", "")
    if "gap_heatmap" in notes:
        assert "样本不足" in notes["gap_heatmap"]


def test_takeaways_match_independent_numbers(classified):
    notes = takeaways(classified)
    gaps = classified["gap"]
    counts = gaps.value_counts()
    zh = load_taxonomy().zh
    assert notes["gap_pareto"].startswith(f"{zh(counts.index[0])}最多：{counts.iloc[0]} 条，占 {counts.iloc[0] / len(gaps):.0%}")
    # The heatmap takeaway names the largest cell among channels with enough complaints.
    table = pd.crosstab(classified["channel"].astype(str), gaps)
    big = table[table.sum(axis=1) >= MIN_COMPARE]
    share = big.div(big.sum(axis=1), axis=0)
    channel, gap = share.stack().idxmax()
    assert notes["gap_heatmap"].startswith(f"{channel}（渠道）中{zh(gap)}占比最高：{share.loc[channel, gap]:.0%}（{big.loc[channel, gap]}/")
    months = pd.to_datetime(classified["created_at"]).dt.to_period("M").astype(str)
    last, prev = sorted(months.unique())[-1], sorted(months.unique())[-2]
    n_last, n_prev = int((months == last).sum()), int((months == prev).sum())
    assert notes["gap_trend"].startswith(f"{last} 共 {n_last} 条已归因投诉，比 {prev}（{n_prev} 条）")
    assert ("样本不足" in notes["gap_trend"]) == (min(n_last, n_prev) < MIN_COMPARE)
    high = int((classified["escalation_risk"] == "high").sum())
    assert notes["risk_review"].startswith(f"高升级风险 {high} 条")
    assert f"{round(len(classified) / 0.04 - len(classified)):,}" in notes["silent_customers"]
    assert "一条一位客户" in notes["silent_customers"]


def test_three_recommended_actions_come_from_the_data(classified):
    actions = recommended_actions(classified)
    assert len(actions) == 3
    named = classified[classified["theme_name"] != "噪声/过短"]
    cell = pd.crosstab(named["theme_name"], named["gap"]).stack()
    (theme, gap), n = cell.idxmax(), cell.max()
    assert theme in actions[0]["title"] and load_taxonomy().zh(gap) in actions[0]["title"] and f"{n} 条" in actions[0]["detail"]
    # the theme the 「本月新增/上升最快的问题」 slide names first, with the same wording of its change
    changes = theme_changes(classified)
    first = changes[changes["status"].isin(["new", "rising"])].iloc[0]
    assert f"「{first['theme_name']}」" in actions[1]["title"]
    assert ("新出现" if first["status"] == "new" else "上升最快") in actions[1]["title"]
    assert f"「{first['theme_name']}」" in new_themes_lines(changes)[0]
    assert recommended_actions(classified, changes=changes) == actions
    assert recommended_actions(classified, changes=None)[1]["title"] == "建立按月跟踪"
    assert f"{int((classified['escalation_risk'] == 'high').sum())} 条" in actions[2]["title"] + actions[2]["detail"]


@pytest.mark.parametrize("text,limit,expected", [
    ("房间很吵", 20, "「房间很吵」"),
    ("客服说三天内回电。结果一周过去了没人联系我，打过去又说记录一下", 20, "「客服说三天内回电…」"),
    ("等了两个小时，前台一直说马上好，最后还是没有房间可以入住，只能换酒店", 24, "「等了两个小时，前台一直说马上好…」"),
    ("年化算下来十一点几还绑了一个三千多的GPS费和一个一万的金融服务费", 20, "「年化算下来十一点几还绑了一个三千多的…」"),
])
def test_quotes_end_at_a_sentence_or_clause(text, limit, expected):
    assert quote(text, limit) == expected


# --- the deck -------------------------------------------------------------------------------------
def _text_fits(shape) -> tuple[float, float]:
    """(needed, available) height in points of a text box, estimated independently of the deck code:
    CJK characters one em wide, others half an em, lines 1.2 ems high."""
    tf = shape.text_frame
    width = (shape.width - tf.margin_left - tf.margin_right) / 12700
    needed = (tf.margin_top + tf.margin_bottom) / 12700
    for p in tf.paragraphs:
        size = max((r.font.size.pt for r in p.runs if r.font.size), default=18)
        em = sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5 for ch in p.text)
        needed += max(1, math.ceil(em * size / width)) * size * 1.2
    return needed, shape.height / 12700


def test_deck_layout_is_16_9_and_every_shape_fits(report_dir):
    from pptx import Presentation

    out, _ = report_dir
    deck = Presentation(out / "deck.pptx")
    assert (deck.slide_width, deck.slide_height) == (12192000, 6858000)
    assert "type" not in deck.part._element.xpath("//p:sldSz")[0].attrib  # no screen4x3 leftover
    title_positions = set()
    for number, slide in enumerate(deck.slides, start=1):
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, (number, shape.name)
            assert shape.left + shape.width <= deck.slide_width and shape.top + shape.height <= deck.slide_height, (number, shape.name)
            if shape.has_text_frame and shape.text_frame.text.strip():
                needed, available = _text_fits(shape)
                assert needed <= available + 0.5, (number, shape.text_frame.text[:40], needed, available)
        if number > 1:
            first = next(s for s in slide.shapes if s.has_text_frame)
            title_positions.add((first.left, first.top, first.width))
        assert slide.has_notes_slide and "方法" in slide.notes_slide.notes_text_frame.text
    assert len(title_positions) == 1  # every content slide's title sits in the same place


def test_deck_says_what_a_manager_needs(report_dir, classified):
    from pptx import Presentation

    out, res = report_dir
    deck = Presentation(out / "deck.pptx")
    texts = ["\n".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in deck.slides]
    assert "测试数据：332 条投诉" in texts[0]
    high = next(t for t in texts if t.startswith("高升级风险投诉"))
    quotes = [re.search(r"〕「(.*)」$", line).group(1) for line in high.splitlines() if re.match(r"\d+\. 〔", line)]
    assert quotes and "|" not in high and "提到：" in high
    corpus = [" ".join(str(t).split()) for t in classified["text"]]
    for q in quotes:  # whole, or cut at a sentence or clause end and marked with …
        if q.endswith("…"):
            source = next(t for t in corpus if t.startswith(q[:-1]))
            assert source[len(q) - 1] in "。！？!?；;，,、：:…）)」” ", (q, source[len(q) - 1:len(q) + 5])
        else:
            assert q in corpus, q
    for t in ["投诉根因帕累托图", "各根因投诉趋势", "主要主题与代表性投诉", "沉默的不满客户", "建议行动"]:
        assert any(x.startswith(t) for x in texts), t
    closing = texts[-1]
    assert closing.startswith("建议行动") and all(a["title"] in closing for a in res.actions) and len(res.actions) == 3
    assert not any(PHONE in t for t in texts)


# --- the workbook ---------------------------------------------------------------------------------
def test_workbook_opens_like_a_finished_report(report_dir):
    import openpyxl

    out, _ = report_dir
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    assert wb.sheetnames[0] == "说明"
    assert {"根因分布", "月度趋势", "渠道×根因", "主题", "高风险投诉", "客户诉求"} <= set(wb.sheetnames)
    assert not any(re.search(r"[A-Za-z]", name) for name in wb.sheetnames)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A3", ws.title
        assert all(c.font.b for c in ws[1] if c.value), ws.title
        assert not any(re.search(r"[A-Za-z]{3,}", str(c.value)) for c in ws[1] if c.value), ws.title  # Chinese headers …
        assert any(re.search(r"[A-Za-z]", str(c.value)) for c in ws[2] if c.value), ws.title  # … English in row 2
        if ws.title != "说明":
            assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A2:"), ws.title
            assert all(ws.column_dimensions[c.column_letter].width for c in ws[1])
    gap = wb["根因分布"]
    header = [c.value for c in gap[1]]
    share = gap.cell(3, header.index("占比") + 1)
    assert isinstance(share.value, float) and 0 < share.value < 1 and "%" in share.number_format
    assert gap.cell(3, header.index("投诉数") + 1).number_format == "#,##0"
    high = wb["高风险投诉"]
    header = [c.value for c in high[1]]
    date = high.cell(3, header.index("日期") + 1)
    assert date.is_date and "yyyy" in date.number_format
    assert "提到" not in str(high.cell(3, header.index("风险依据") + 1).value) and "（" in str(high.cell(3, header.index("风险依据") + 1).value)
    assert not any("|" in str(c.value) for c in high[header.index("诉求") + 1] if c.value)
    from openpyxl.chart import BarChart

    assert any(isinstance(c, BarChart) for c in gap._charts)  # native, restylable charts
    assert wb["月度趋势"]._charts and wb["月度趋势"].cell(3, 1).is_date
    notes = "\n".join(str(c.value) for c in wb["说明"]["B"] if c.value)
    assert "skipped" not in notes and "样本不足" in notes or "每组少于" in notes
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(PHONE in str(v) for v in row if v)


def test_every_output_is_masked_and_chinese(report_dir):
    out, res = report_dir
    for f in out.iterdir():
        if f.suffix in (".html", ".svg", ".csv", ".json"):
            assert PHONE not in f.read_text(encoding="utf-8", errors="ignore"), f.name
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "<img src='http" not in html and "建议行动" in html
    meta = json.loads((out / "report.meta.json").read_text(encoding="utf-8"))
    assert meta["masked"] and meta["min_compare"] == MIN_COMPARE and len(meta["actions"]) == 3
    from PIL import Image

    assert Image.open(out / "gap_pareto.png").info.get("dpi", (0, 0))[0] >= 159


def test_trend_skips_clearly_without_dates(classified):
    with pytest.raises(charts.ChartSkipped, match="no date column"):
        charts.gap_trend(classified.drop(columns=["created_at"]))


def test_report_cli_on_raw_complaints(tmp_path):
    src = tmp_path / "raw.csv"
    df = load_complaints(corpus_file("complaints_labeled.csv"))[["complaint_id", "text", "channel", "created_at"]].head(300)
    df.to_csv(src, index=False, encoding="gb18030")
    r = run_cli("report", str(src), "--out", str(tmp_path / "r"), "--formats", "png,pptx,xlsx")
    assert r.returncode == 0, r.stderr
    assert "rows read 300, written 300, rejected 0" in r.stderr
    assert (tmp_path / "r" / "deck.pptx").exists() and (tmp_path / "r" / "gap_pareto.png").exists()
    assert not (tmp_path / "r" / "gap_pareto.svg").exists()
    r = run_cli("report", str(src), "--out", str(tmp_path / "r2"), "--formats", "png,docx")
    assert r.returncode == 2 and "docx" in r.stderr and "Traceback" not in r.stderr


def test_demo_reports_on_complaints_the_model_never_saw(tmp_path):
    from pptx import Presentation

    from feedback_mining.cli.report import run_demo

    assert run_demo(tmp_path / "demo") == 0
    corpus = load_complaints(corpus_file("complaints_labeled.csv"))
    unseen = set(corpus.loc[heldout_split(corpus["complaint_id"]), "complaint_id"])
    out = pd.read_csv(tmp_path / "demo" / "classified.csv", dtype=str, keep_default_na=False)
    assert set(out["complaint_id"]) == unseen  # no training row is classified or counted
    meta = json.loads((tmp_path / "demo" / "report.meta.json").read_text(encoding="utf-8"))
    assert meta["demo"]["unseen_complaints"] == len(unseen) == meta["rows"]
    assert meta["demo"]["training_rows"] == len(corpus) - len(unseen)
    review = out["needs_review"].str.lower().eq("true")
    assert f"{int(review.sum())} 条（{review.mean():.0%}）根因置信度低" in meta["takeaways"]["risk_review"]
    first = "\n".join(sh.text_frame.text for sh in Presentation(tmp_path / "demo" / "deck.pptx").slides[0].shapes if sh.has_text_frame)
    assert f"{len(unseen):,} 条投诉均为模型训练时从未见过的" in first
