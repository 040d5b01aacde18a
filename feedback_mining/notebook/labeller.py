"""The labelling widget: one key per label (no Enter), buttons, undo, live history, retrain that counts."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..errors import UserError
from ..labelling import (
    EvaluationSet,
    LabelSession,
    LabelStore,
    RetrainResult,
    evaluation_set,
    label_scope,
    model_version,
    retrain_model,
)
from ..models.taxonomy import Taxonomy, load_taxonomy
from ..paths import repo_root
from ..report.style import gap_colors
from .base import View, W, error_html, require_widgets
from .components import KeyPad
from .html import MUTED, esc, gap_badge, masked, proba_bars, table_html

__all__ = ["Labeller"]


class Labeller(View):
    """Label the complaints the model is least sure about, then retrain — and see that it counted.

    The queue holds only complaints the next retrain may learn from: the analyst's own complaints
    first, then the bundled corpus's training split; complaints of the evaluation set (the real dev
    set ``../shared/devset/gap_dev.csv`` when present, else the corpus held-out split) never appear.
    Click the card, then press ``1``–``5`` (理解/程序/行为/促销/感受差距, the README's order), ``s``
    (skip) or ``u`` (undo) — one key each, no Enter; the buttons do the same. Every label goes to
    the SQLite :class:`LabelStore` at once. 「用标注重新训练」 calls
    :func:`~feedback_mining.models.adapt.train_with_labels` (as ``train --add``) and reports how many
    labels it used, macro-F1 on the evaluation set before → after, and how many labelled complaints
    the model now predicts as labelled.

    >>> lab = Labeller(df, store="out/notebooks/labels.sqlite", model=model); lab
    >>> lab.pad.press("3")        # as pressing 3 on the card: 行为差距
    """

    def __init__(self, df: pd.DataFrame, store: LabelStore | str | os.PathLike | None = None, model: Any = None,
                 who: str | None = None, text_column: str | None = None, models_dir: str | os.PathLike | None = None,
                 corpus_path: str | os.PathLike | None = None, taxonomy: Taxonomy | None = None,
                 evaluation: EvaluationSet | None = None, devset: str | os.PathLike | None = None):
        require_widgets()
        store = store if store is not None else repo_root() / "out" / "notebooks" / "labels.sqlite"
        self.model = model
        self.evaluation = evaluation or evaluation_set(devset, corpus_path)
        frame = df if df.index.is_unique else df.reset_index(drop=True)
        scope = label_scope(frame, self.evaluation, text_column, corpus_path)
        self.session = LabelSession(frame, store, who=who, model_version=model_version(model), text_column=text_column,
                                    scope=scope)
        self.store = self.session.store
        self.taxonomy = taxonomy or (model.taxonomy_ if hasattr(model, "taxonomy_") else load_taxonomy())
        self.models_dir = Path(models_dir) if models_dir else repo_root() / "out" / "notebooks" / "models"
        self.corpus_path = corpus_path
        self.colors = gap_colors(self.taxonomy, self.session.codes)
        self.last_retrain: RetrainResult | None = None
        self._build()
        self._render("")

    @property
    def codes(self) -> list[str]:
        return self.session.codes

    def _build(self) -> None:
        tax, s = self.taxonomy, self.session
        scope = s.scope.value_counts() if s.scope is not None else pd.Series(dtype=int)
        self.intro = W.HTML(
            "<h3 style='margin:4px 0'>标注与再训练（Label &amp; retrain）</h3>"
            f"<div style='color:{MUTED};font-size:12.5px;line-height:1.6'>按模型最不确定（前两名概率差最小）的顺序出题："
            f"先出您自己的数据（{int(scope.get('own', 0))} 条），再出内置语料的训练部分（{int(scope.get('corpus', 0))} 条）；"
            f"评估集里的投诉（{s.left_out} 条）不出题，因为再训练不会用它们。<br>"
            f"评估集：{esc(self.evaluation.describe())}。每个标注立即写入标注库 <code>{esc(self.store.path)}</code>。</div>")
        self.progress = W.HTML()
        self.progress.add_class("fm-label-progress")
        self.pad = KeyPad(allowed_keys=[str(i) for i in range(1, len(self.codes) + 1)] + ["s", "u"])
        self.pad.add_class("fm-keypad")
        self.pad.on_key(lambda key: self.press(key))
        self.gap_buttons = []
        for i, code in enumerate(self.codes, start=1):
            b = W.Button(description=f"{i} {tax.zh(code) or code}", tooltip=(tax[code].definition if code in tax.codes else code)[:200],
                         layout=W.Layout(width="auto", min_width="108px"))
            b.style.button_color = self.colors.get(code)
            b.style.text_color = "white"
            b.on_click(lambda _, c=code: self._act(lambda: self.label(c)))
            self.gap_buttons.append(b)
        self.skip_button = W.Button(description="跳过 (s)", icon="forward", layout=W.Layout(width="auto"))
        self.undo_button = W.Button(description="撤销 (u)", icon="undo", layout=W.Layout(width="auto"))
        self.skip_button.on_click(lambda _: self._act(self.skip))
        self.undo_button.on_click(lambda _: self._act(self.undo))
        self.status = W.HTML()
        self.status.add_class("fm-label-status")
        self.history = W.HTML()
        self.history.add_class("fm-label-history")
        self.retrain_button = W.Button(description="用标注重新训练", icon="refresh", button_style="warning",
                                       tooltip="约 30 秒：内置语料训练部分 + 您的标注（加权）", layout=W.Layout(width="auto"))
        self.retrain_button.add_class("fm-retrain")
        self.retrain_button.on_click(lambda _: self._on_retrain())
        self.retrain_status = W.HTML()
        self.retrain_status.add_class("fm-retrain-status")
        row = W.Layout(flex_flow="row wrap", grid_gap="6px", align_items="center")
        self.widget = W.VBox([
            self.fonts(self._texts_shown()), self.intro, self.progress, self.pad,
            W.Box([*self.gap_buttons, self.skip_button, self.undo_button], layout=row),
            self.status,
            W.Box([self.retrain_button, self.retrain_status], layout=row),
            W.HTML("<h4 style='margin:10px 0 2px'>最近的标注（实时更新）</h4>"), self.history,
        ], layout=W.Layout(width="100%"))
        self.widget.add_class("fm-labeller")

    def _texts_shown(self) -> list[object]:
        s = self.session
        return [s.df.at[i, s.text_column] for i in list(s.queue)[:2000]]

    # -- actions (usable without a browser)
    def label(self, gap: str | int) -> str:
        row = self.session.current_row()
        self.session.label(gap)
        code = self.session.gap_code(gap)
        return f"已标注 {row.get('complaint_id', '')} → {self.taxonomy.zh(code) or code}"

    def skip(self) -> str:
        row = self.session.current_row()
        self.session.skip()
        return f"已跳过 {row.get('complaint_id', '')}，它排到队尾" if row is not None else "队列已空"

    def undo(self) -> str:
        rec = self.session.undo()
        if rec is None:
            return "没有可撤销的标注"
        return f"已撤销 {rec['complaint_id']} 的标注（{self.taxonomy.zh(rec['gap']) or rec['gap']}），它回到队首"

    def press(self, key: str) -> str:
        """Handle one key: ``1``–``5`` label, ``s`` skip, ``u`` undo; returns the message shown."""
        k = str(key).strip().lower()
        if k.isdigit():
            return self._act(lambda: self.label(int(k)))
        if k in ("s", "skip", "跳过"):
            return self._act(self.skip)
        if k in ("u", "undo", "撤销"):
            return self._act(self.undo)
        return self._act(lambda: f"未知按键 {key!r}：请用 1–{len(self.codes)}、s 或 u")

    def _act(self, action: Callable[[], str]) -> str:
        try:
            msg = action()
        except UserError as exc:
            self._render(error_html(exc, "无法完成"), escape=False)
            return str(exc)
        except Exception as exc:  # shown to the analyst, not lost in the log console
            self._render(error_html(exc), escape=False)
            return str(exc)
        self._render(msg)
        return msg

    # -- display
    def _card(self) -> str:
        s, tax = self.session, self.taxonomy
        keys = " · ".join(f"<b>{i}</b> {esc(tax.zh(c) or c)}" for i, c in enumerate(self.codes, start=1)) + " · <b>s</b> 跳过 · <b>u</b> 撤销"
        row = s.current_row()
        if row is None:
            return f"<p><b>队列已空</b>：可标注的投诉都已标注，可以重新训练了。</p><div style='color:{MUTED}'>{keys}</div>"
        probs = [float(pd.to_numeric(row.get(f"proba_{c}", 0), errors="coerce") or 0) for c in s.codes]
        top = sorted(probs, reverse=True) + [0.0]
        guess = s.codes[int(np.argmax(probs))]
        where = {"own": "您的数据", "corpus": "内置语料（训练部分）"}.get(str(s.scope.at[s.current]) if s.scope is not None else "own", "")
        return (f"<div style='color:{MUTED};font-size:12px'>{esc(row.get('complaint_id', ''))} · {where} · 模型猜测 "
                f"{gap_badge(guess, tax.zh(guess), self.colors)} · 前两名概率差 {top[0] - top[1]:.2f}</div>"
                f"<div class='fm-card-text' style='font-size:15px;margin:6px 0'>{masked(row[s.text_column])}</div>"
                f"{proba_bars(row, s.codes, tax, self.colors)}<div style='margin-top:6px;font-size:12.5px'>{keys}</div>")

    def _render(self, message: str, escape: bool = True) -> None:
        s, tax = self.session, self.taxonomy
        self.progress.value = (f"标注人 <b>{esc(s.who)}</b> · 本次已标 <b class='fm-given'>{s.given}</b> 条 · "
                               f"标注库共 {self.store.count()} 条 · 队列剩余 {len(s)} 条 · 模型 {esc(s.model_version or '默认')}")
        self.pad.html = self._card()
        self.status.value = message if not escape else esc(message)
        recent = self.store.history(include_undone=True).tail(10).iloc[::-1]
        rows = [[esc(r.labelled_at[5:16].replace("T", " ")), esc(r.who), esc(r.complaint_id),
                 gap_badge(r.gap, tax.zh(r.gap), self.colors) + (" <s>已撤销</s>" if r.undone else ""),
                 masked(r.text, 48), esc(r.model_version or "默认")] for r in recent.itertuples()]
        self.history.value = table_html(["时间", "标注人", "编号", "标注", "投诉（已脱敏）", "当时模型"], rows, empty="还没有标注")

    # -- retrain
    def retrain(self) -> RetrainResult:
        """Retrain on the corpus training split + the stored labels, switch to the new model, re-rank the queue."""
        result = retrain_model(self.store, self.models_dir, model=self.model, corpus_path=self.corpus_path,
                               evaluation=self.evaluation)
        from ..models.registry import load_model

        self.model = load_model(result.path)
        self.session.model_version = model_version(self.model)
        self.session.rerank(self.model)
        self.last_retrain = result
        return result

    def retrain_html(self, r: RetrainResult) -> str:
        better = "#54A24B" if r.f1_after >= r.f1_before else "#E45756"
        notes = "".join(f"<br>{esc(n)}" for n in r.notes)
        return (f"<div class='fm-retrain-report'>使用标注 <b class='fm-labels-used'>{r.labels_used}</b> 条"
                f"{f'（{r.labels_excluded} 条属于评估集，未用）' if r.labels_excluded else ''}；"
                f"评估集 macro-F1（{r.heldout_rows} 条）：{r.f1_before:.3f} → <b style='color:{better}'>{r.f1_after:.3f}</b>"
                f"（{r.f1_after - r.f1_before:+.3f}）<br>已标注投诉中模型判断与标注一致：{r.labels_agree_before} → "
                f"<b>{r.labels_agree_after}</b> / {r.labels_used} 条（预测改变 {r.predictions_changed} 条）<br>"
                f"<span style='color:{MUTED}'>评估集：{esc(r.evaluation)}；用时 {r.seconds:.0f} 秒；新模型 v{r.version:03d} 已保存："
                f"<code>{esc(r.path)}</code></span>{notes}</div>")

    def _on_retrain(self) -> None:
        self.retrain_button.disabled = True
        self.retrain_status.value = "训练中…（约 30 秒）"
        try:
            r = self.retrain()
            self.retrain_status.value = self.retrain_html(r)
            self._render("已切换到新模型，队列已按新模型重新排序")
        except Exception as exc:  # shown to the analyst, not raised into the event loop
            self.retrain_status.value = error_html(exc, "训练失败")
        finally:
            self.retrain_button.disabled = False
