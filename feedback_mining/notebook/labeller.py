"""The labelling widget: uncertainty queue, buttons and keys, undo, retrain."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UserError
from ..labelling import (
    LabelSession,
    LabelStore,
    RetrainResult,
    model_version,
    retrain_model,
)
from ..models.taxonomy import Taxonomy, load_taxonomy
from ..paths import repo_root
from ..report.style import gap_colors
from .base import View, W, require_widgets
from .html import MUTED, esc, gap_badge, masked, proba_bars

__all__ = ["Labeller"]


class Labeller(View):
    """Label the complaints the model is least sure about, then retrain.

    One button per gap (Chinese + code), skip, undo. Keyboard: core ipywidgets has no key
    events, so the shortcut box takes ``1``–``5`` (gap buttons in order), ``s`` (skip) or ``u``
    (undo) followed by Enter. Every label goes to the :class:`LabelStore` at once, with who,
    when and the model version. "重新训练" fits a new model on the corpus training split plus
    the stored labels and reports macro-F1 on the held-out split before and after.

    >>> lab = Labeller(df, store="out/notebooks/labels.sqlite", model=model); lab
    >>> lab.press("3")        # same as the third gap button
    """

    def __init__(self, df: pd.DataFrame, store: LabelStore | str | os.PathLike | None = None, model: Any = None,
                 who: str | None = None, text_column: str | None = None, models_dir: str | os.PathLike | None = None,
                 corpus_path: str | os.PathLike | None = None, taxonomy: Taxonomy | None = None):
        require_widgets()
        store = store if store is not None else repo_root() / "out" / "notebooks" / "labels.sqlite"
        self.model = model
        self.session = LabelSession(df, store, who=who, model_version=model_version(model), text_column=text_column)
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
        tax = self.taxonomy
        self.progress = W.HTML()
        self.card = W.HTML()
        self.gap_buttons = []
        for i, code in enumerate(self.codes, start=1):
            b = W.Button(description=f"{i} {tax.zh(code) or code} {code}", tooltip=(tax[code].definition if code in tax.codes else code)[:200],
                         layout=W.Layout(width="auto"))
            b.style.button_color = self.colors.get(code)
            b.style.text_color = "white"
            b.on_click(lambda _, c=code: self._act(lambda: self.label(c)))
            self.gap_buttons.append(b)
        self.skip_button = W.Button(description="跳过 (s)", icon="forward")
        self.undo_button = W.Button(description="撤销 (u)", icon="undo")
        self.skip_button.on_click(lambda _: self._act(self.skip))
        self.undo_button.on_click(lambda _: self._act(self.undo))
        self.keys = W.Text(value="", placeholder=f"快捷键：1–{len(self.codes)} 回车标注，s 跳过，u 撤销", description="快捷键",
                           continuous_update=False, layout=W.Layout(width="360px"))
        self.keys.observe(self._on_key, names="value")
        self.status = W.HTML()
        self.recent = W.HTML()
        self.retrain_button = W.Button(description="用标注重新训练", icon="refresh", button_style="warning",
                                       layout=W.Layout(width="170px"))
        self.retrain_button.on_click(lambda _: self._on_retrain())
        self.retrain_status = W.HTML()
        self.widget = W.VBox([
            W.HTML("<h3 style='margin:4px 0'>标注与再训练 Label & retrain</h3>"
                   f"<span style='color:{MUTED}'>按模型最不确定（前两名概率差最小）的顺序出题；每个标注立即写入标注库。</span>"),
            self.progress, self.card,
            W.HBox(self.gap_buttons, layout=W.Layout(flex_flow="row wrap")),
            W.HBox([self.skip_button, self.undo_button, self.keys], layout=W.Layout(align_items="center")),
            self.status, self.recent,
            W.HBox([self.retrain_button, self.retrain_status], layout=W.Layout(align_items="center")),
        ])
        self.widget.add_class("fm-labeller")

    # -- actions (usable without a browser)
    def label(self, gap: str | int) -> str:
        row = self.session.current_row()
        self.session.label(gap)
        code = self.session.gap_code(gap)
        return f"已标注 {row.get('complaint_id', '')} → {self.taxonomy.zh(code) or code} {code}"

    def skip(self) -> str:
        row = self.session.current_row()
        self.session.skip()
        return f"已跳过 {row.get('complaint_id', '')}" if row is not None else "队列为空"

    def undo(self) -> str:
        rec = self.session.undo()
        if rec is None:
            return "没有可撤销的标注"
        return f"已撤销 {rec['complaint_id']} 的标注（{self.taxonomy.zh(rec['gap']) or rec['gap']}），它回到队首"

    def press(self, key: str) -> str:
        """Handle one shortcut: ``1``–``5`` label, ``s`` skip, ``u`` undo; returns the message shown."""
        k = str(key).strip().lower()
        if k.isdigit():
            return self._act(lambda: self.label(int(k)))
        if k in ("s", "skip", "跳过"):
            return self._act(self.skip)
        if k in ("u", "z", "undo", "撤销"):
            return self._act(self.undo)
        return self._act(lambda: f"未知快捷键 {key!r}：用 1–{len(self.codes)}、s 或 u")

    def _act(self, action) -> str:
        try:
            msg = action()
        except UserError as exc:
            msg = f"<span style='color:#E45756'>{esc(exc)}</span>"
            self._render(msg, escape=False)
            return str(exc)
        self._render(msg)
        return msg

    def _on_key(self, change: dict) -> None:
        value = change["new"]
        if value:
            self.press(value)
            self.keys.value = ""

    # -- display
    def _render(self, message: str, escape: bool = True) -> None:
        s, tax = self.session, self.taxonomy
        self.progress.value = (f"标注人 <b>{esc(s.who)}</b> · 本次 {s.given} 条 · 标注库共 {self.store.count()} 条 · "
                               f"队列剩余 {len(s)} 条 · 模型 {esc(s.model_version or '—')}")
        row = s.current_row()
        if row is None:
            self.card.value = "<p><b>队列已空</b>：所有投诉都已标注。可以重新训练了。</p>"
        else:
            probs = [float(pd.to_numeric(row.get(f"proba_{c}", 0), errors="coerce") or 0) for c in s.codes]
            top = sorted(probs, reverse=True)
            guess = s.codes[int(np.argmax(probs))]
            self.card.value = (
                f"<div style='border:1px solid #ddd;border-radius:4px;padding:8px 12px;margin:6px 0'>"
                f"<div style='color:{MUTED};font-size:12px'>{esc(row.get('complaint_id', ''))} · 模型猜测 "
                f"{gap_badge(guess, tax.zh(guess), self.colors)} · 前两名概率差 {top[0] - top[1]:.2f}</div>"
                f"<div style='font-size:15px;margin:6px 0'>{masked(row[s.text_column])}</div>"
                f"{proba_bars(row, s.codes, tax, self.colors)}</div>")
        self.status.value = message if not escape else esc(message)
        mine = self.store.history(include_undone=False)
        mine = mine[mine["who"] == s.who].tail(5).iloc[::-1]
        self.recent.value = "" if mine.empty else (
            f"<div style='color:{MUTED};font-size:12px'>最近标注：" + "；".join(
                f"{esc(r.complaint_id)} → {esc(tax.zh(r.gap) or r.gap)}（{esc(r.labelled_at[11:16])}）" for r in mine.itertuples()) + "</div>")

    # -- retrain
    def retrain(self) -> RetrainResult:
        """Retrain on corpus + stored labels, switch to the new model and re-rank the queue."""
        result = retrain_model(self.store, self.models_dir, model=self.model, corpus_path=self.corpus_path)
        from ..models.registry import load_model

        self.model = load_model(result.path)
        self.session.model_version = model_version(self.model)
        self.session.rerank(self.model)
        self.last_retrain = result
        return result

    def _on_retrain(self) -> None:
        self.retrain_button.disabled = True
        self.retrain_status.value = "训练中…（约 10 秒）"
        try:
            r = self.retrain()
            better = "#54A24B" if r.f1_after >= r.f1_before else "#E45756"
            self.retrain_status.value = (
                f"留出集 macro-F1（{r.heldout_rows} 条）：{r.f1_before:.3f} → <b style='color:{better}'>{r.f1_after:.3f}</b>"
                f"（{r.f1_after - r.f1_before:+.3f}）；训练 {r.training_rows} 条，其中标注 {r.labels_used} 条；"
                f"新模型 v{r.version:03d} 已保存：<code>{esc(r.path)}</code>" + "".join(f"<br>{esc(n)}" for n in r.notes))
            self._render("已切换到新模型，队列已按新模型重新排序")
        except Exception as exc:  # shown to the analyst, not raised into the event loop
            self.retrain_status.value = f"<span style='color:#E45756'>训练失败：{esc(exc)}</span>"
        finally:
            self.retrain_button.disabled = False
