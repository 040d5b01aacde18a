"""Chinese word segmentation for complaints: jieba (reference) or rjieba (fast), same dictionary.

>>> segment("4S店的服务顾问不专业，一直没人管！！😡")
['4S店', '的', '服务顾问', '不专业', '一直', '没人管']
>>> Tokenizer(stopwords="default")("4S店的服务顾问不专业")
['4S店', '服务顾问', '不专业']

Tokens that are only whitespace, punctuation or emoji are dropped; negations stay attached
to the word they negate (不专业, 没有回复, 不给退) so that features keep their meaning.
"""
from __future__ import annotations

import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from ..parallel import pool_context
from ..paths import resource_file
from .normalize import normalize_text

__all__ = ["Tokenizer", "segment", "segment_many", "available_backends", "default_user_dict", "default_stopwords"]

NEGATORS = frozenset(
    "不 没 没有 未 无 别 甭 不能 不会 不肯 不给 不予 没人 从不 从没 从未 毫无 并不 并没有 不再 不让 无法 不准 不许 拒不 迟迟不 迟迟没".split()
)
_AUX_AFTER_NEGATOR = frozenset("给 让 能 会 肯 予 再 够 敢".split())
_NOT_NEGATABLE = frozenset(
    "的 了 是 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 就 也 都 还 又 在 和 吗 呢 吧 啊 呀 嘛 啦 过 着 一个 什么 怎么 "
    "为什么 因为 所以 但是 而且 如果 说 要 想 知道 一样 多久 几天 "
    "不 没 没有 未 无 别".split()
)
_MEANINGFUL = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]")
_UPPER = re.compile(r"[A-Z]")
_CJK_TOKEN = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]+$")
_BACKENDS = ("jieba", "rjieba")


def default_user_dict() -> Path:
    return resource_file("dict", "domain.txt")


def default_stopwords() -> Path:
    return resource_file("stopwords.txt")


def available_backends() -> list[str]:
    found = []
    for name in _BACKENDS:
        try:
            __import__(name)
            found.append(name)
        except ImportError:
            pass
    return found


def _read_user_dict(path: str) -> list[tuple[str, int | None, str | None]]:
    entries = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.strip().split()
            if not parts:
                continue
            word = parts[0]
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tag = parts[2] if len(parts) > 2 else (parts[1] if len(parts) > 1 and not parts[1].isdigit() else None)
            entries.append((word, freq, tag))
    return entries


@lru_cache(maxsize=8)
def _engine(backend: str, user_dict: str | None, mtime: float):
    """One segmenter per (backend, dictionary) and process; loading a dictionary takes ~1 s."""
    entries = _read_user_dict(user_dict) if user_dict else []
    if backend == "rjieba":
        import rjieba

        eng = rjieba.Jieba()
        for word, freq, tag in entries:
            eng.add_word(word, freq, tag)
        return eng.cut
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    eng = jieba.Tokenizer()
    eng.initialize()
    for word, freq, tag in entries:
        eng.add_word(word, freq, tag)
    return eng.lcut


@lru_cache(maxsize=8)
def _load_stopwords(path: str, mtime: float) -> frozenset[str]:
    with open(path, encoding="utf-8") as fh:
        return frozenset(w.strip() for w in fh if w.strip())


class Tokenizer:
    """A picklable, configurable tokenizer for complaint text.

    Parameters
    ----------
    backend : {"auto", "rjieba", "jieba"}
        "auto" uses rjieba when installed, else jieba. Both load the same user dictionary.
    user_dict : path, "default" or None
        jieba-format user dictionary (``词 词频 词性``); "default" is ``feedback_mining/resources/dict/domain.txt``.
    stopwords : path, "default", iterable of words, or None
        Words to drop (None keeps all words).
    merge_negations : bool
        Attach 不/没/没有/未/无… to the next word: 「不 专业」→「不专业」.
    normalize : bool
        Run :func:`~feedback_mining.normalize.normalize_text` first (traditional → simplified, full-width …).
    """

    def __init__(self, backend: str = "auto", user_dict: str | os.PathLike | None = "default",
                 stopwords: str | os.PathLike | Iterable[str] | None = None, merge_negations: bool = True,
                 normalize: bool = True, lowercase: bool = True):
        self.backend = backend
        self.user_dict = user_dict
        self.stopwords = stopwords
        self.merge_negations = merge_negations
        self.normalize = normalize
        self.lowercase = lowercase

    # scikit-learn style params so the tokenizer can be cloned and inspected
    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in ("backend", "user_dict", "stopwords", "merge_negations", "normalize", "lowercase")}

    def set_params(self, **params) -> "Tokenizer":
        for k, v in params.items():
            if k not in self.get_params():
                raise ValueError(f"unknown parameter {k!r} for Tokenizer")
            setattr(self, k, v)
        self.__dict__.pop("_cut", None)
        self.__dict__.pop("_stop", None)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"Tokenizer({args})"

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_cut", None)  # engines are rebuilt (and cached) in each process
        state.pop("_stop", None)
        if isinstance(state.get("stopwords"), (set, frozenset)):
            state["stopwords"] = sorted(state["stopwords"])
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tokenizer) and self.get_params() == other.get_params()

    def __hash__(self) -> int:
        return hash(tuple(str(v) for v in self.get_params().values()))

    @property
    def resolved_backend(self) -> str:
        if self.backend == "auto":
            return "rjieba" if "rjieba" in available_backends() else "jieba"
        if self.backend not in _BACKENDS:
            raise ValueError(f"backend must be 'auto', 'rjieba' or 'jieba', not {self.backend!r}")
        return self.backend

    def _resolved_dict(self) -> str | None:
        if self.user_dict is None:
            return None
        path = default_user_dict() if self.user_dict == "default" else Path(self.user_dict)
        return str(path) if path.exists() else None

    def _get_cut(self):
        cut = self.__dict__.get("_cut")
        if cut is None:
            ud = self._resolved_dict()
            cut = _engine(self.resolved_backend, ud, os.path.getmtime(ud) if ud else 0.0)
            self._cut = cut
        return cut

    def _get_stop(self) -> frozenset[str]:
        stop = self.__dict__.get("_stop")
        if stop is None:
            sw = self.stopwords
            if sw is None:
                stop = frozenset()
            elif isinstance(sw, (str, os.PathLike)):
                path = default_stopwords() if sw == "default" else Path(sw)
                stop = _load_stopwords(str(path), os.path.getmtime(path)) if path.exists() else frozenset()
            else:
                stop = frozenset(sw)
            self._stop = stop
        return stop

    def __call__(self, text: object) -> list[str]:
        text = normalize_text(text) if self.normalize else ("" if text is None else str(text))
        if not text:
            return []
        raw = self._get_cut()(text)
        # Keep words; drop whitespace, punctuation and emoji-only tokens (isalnum is the fast path).
        tokens = [t for t in raw if t.isalnum() or (not t.isspace() and _MEANINGFUL.search(t))]
        if self.lowercase and _UPPER.search(text):
            tokens = [t.lower() if t.isascii() else t for t in tokens]
        if self.merge_negations and not NEGATORS.isdisjoint(tokens):
            tokens = _merge_negations(tokens)
        stop = self._get_stop()
        if stop:
            tokens = [t for t in tokens if t not in stop]
        return tokens


def _merge_negations(tokens: list[str]) -> list[str]:
    """「不 专业」→「不专业」, 「不 给 退」→「不给退」: a negator joins the (short, Chinese) word it negates."""
    out: list[str] = []
    i, n = 0, len(tokens)
    cjk = _CJK_TOKEN.match
    while i < n:
        tok = tokens[i]
        if tok in NEGATORS and i + 1 < n:
            merged, j = tok, i + 1
            if tokens[j] in _AUX_AFTER_NEGATOR and j + 1 < n and cjk(tokens[j + 1]):
                merged += tokens[j]
                j += 1
            nxt = tokens[j]
            if len(nxt) <= 4 and nxt not in _NOT_NEGATABLE and cjk(nxt):
                out.append(merged + nxt)
                i = j + 1
                continue
        out.append(tok)
        i += 1
    return out


_DEFAULT: dict[str, Tokenizer] = {}


def segment(text: str, backend: str = "auto") -> list[str]:
    """Segment one complaint with the project dictionary (stopwords kept).

    >>> segment("服务顾问态度恶劣，不给退")
    ['服务顾问', '态度恶劣', '不给退']
    """
    tok = _DEFAULT.get(backend)
    if tok is None:
        tok = _DEFAULT[backend] = Tokenizer(backend=backend)
    return tok(text)


# --- parallel ------------------------------------------------------------------------------
_WORKER_TOKENIZER: Tokenizer | None = None


def _init_worker(tokenizer: Tokenizer) -> None:
    global _WORKER_TOKENIZER
    _WORKER_TOKENIZER = tokenizer


def _segment_chunk(texts: Sequence[str]) -> list[list[str]]:
    tok = _WORKER_TOKENIZER or Tokenizer()
    return [tok(t) for t in texts]


def segment_many(texts: Sequence[object], tokenizer: Tokenizer | None = None, n_jobs: int | None = None,
                 chunk_size: int = 2000, progress: bool = False) -> list[list[str]]:
    """Segment many texts, in parallel over processes for large inputs (order is kept).

    ``n_jobs=None`` uses every core when there are more than ``4 * chunk_size`` texts.
    Unlike jieba's own parallel mode this works on every OS and with any Tokenizer.
    """
    tokenizer = tokenizer or Tokenizer()
    texts = list(texts)
    n_jobs = n_jobs or (os.cpu_count() or 1)
    chunks = [texts[i:i + chunk_size] for i in range(0, len(texts), chunk_size)]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(texts), unit="doc", desc="segment", file=sys.stderr)
    results: list[list[str]] = []
    if n_jobs <= 1 or len(texts) <= 4 * chunk_size:
        for chunk in chunks:
            results.extend(tokenizer(t) for t in chunk)
            if bar:
                bar.update(len(chunk))
    else:
        tokenizer._get_cut()  # load the dictionary once; forked workers inherit it
        with ProcessPoolExecutor(n_jobs, mp_context=pool_context(), initializer=_init_worker,
                                 initargs=(tokenizer,)) as pool:
            for part in pool.map(_segment_chunk, chunks):
                results.extend(part)
                if bar:
                    bar.update(len(part))
    if bar:
        bar.close()
    return results
