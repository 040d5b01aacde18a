"""The root-cause taxonomy as data (``feedback_mining/resources/taxonomy/gaps.yaml``), loaded and validated.

>>> tax = load_taxonomy()
>>> tax.codes
['promotion', 'behavior', 'process', 'understanding', 'perception']
>>> tax.rules_label("4S店说这是公司规定不能退")
'process'
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from ..errors import UserError
from ..paths import resource_file
from ..text.batch import JoinedTexts, trie_pattern
from ..text.normalize import as_normalized, normalize_text

__all__ = ["Gap", "Taxonomy", "load_taxonomy", "default_taxonomy_path"]

_PATTERNS: dict[str, list] = {}
_TOP_KEYS = {"version", "name", "labels"}
_LABEL_KEYS = {"code", "zh", "en", "precedence", "definition", "cues", "fallback", "color"}
_REQUIRED = ("code", "zh", "en", "precedence", "cues")


@dataclass(frozen=True)
class Gap:
    """One root-cause label: code, names, definition, cue phrases and precedence (1 wins)."""

    code: str
    zh: str
    en: str
    precedence: int
    definition: str = ""
    cues: tuple[str, ...] = ()
    fallback: bool = False
    color: str = ""


@dataclass(frozen=True)
class Taxonomy:
    labels: tuple[Gap, ...]
    name: str = "taxonomy"
    version: int = 1
    source: str = field(default="", compare=False)

    @property
    def codes(self) -> list[str]:
        """Label codes in precedence order."""
        return [g.code for g in self.labels]

    @property
    def fallback(self) -> str:
        return next((g.code for g in self.labels if g.fallback), self.labels[-1].code)

    def __getitem__(self, code: str) -> Gap:
        for g in self.labels:
            if g.code == code:
                return g
        raise KeyError(code)

    def zh(self, code: str) -> str:
        return self[code].zh if code in self.codes else ""

    def en(self, code: str) -> str:
        return self[code].en if code in self.codes else ""

    def fingerprint(self) -> str:
        """SHA-256 of the labels and cues: a model built for another taxonomy is refused."""
        payload = [[g.code, g.zh, g.en, g.precedence, list(g.cues), g.fallback] for g in self.labels]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()

    def match_cues(self, text: str) -> dict[str, list[str]]:
        """Cue phrases found in one complaint, per label code (labels with no match are omitted)."""
        text = as_normalized([text])[0]
        found: dict[str, list[str]] = {}
        for g in self.labels:
            hits = [c for c in g.cues if c in text]
            if hits:
                found[g.code] = hits
        return found

    def cue_patterns(self) -> list[re.Pattern]:
        """One compiled pattern per label (same order as :attr:`codes`); each match is the longest cue there."""
        key = self.fingerprint()
        cached = _PATTERNS.get(key)
        if cached is None:
            cached = _PATTERNS[key] = [re.compile(trie_pattern(g.cues)) for g in self.labels]
        return cached

    def cue_counts(self, texts) -> np.ndarray:
        """Texts × labels: how many cue phrases of each label each complaint holds (one regex pass per label)."""
        batch = JoinedTexts(as_normalized(texts))
        counts = np.zeros((batch.n_rows, len(self.labels)))
        for j, rx in enumerate(self.cue_patterns()):
            counts[:, j] = batch.count(rx)
        return counts

    def rules_labels(self, texts) -> list[str]:
        """Zero-training labels: per complaint, the highest-precedence label with a cue in it, else the fallback."""
        batch = JoinedTexts(as_normalized(texts))
        labels = [self.fallback] * batch.n_rows
        decided = np.zeros(batch.n_rows, dtype=bool)
        for g, rx in zip(self.labels, self.cue_patterns()):  # precedence order: the first hit wins
            if g.fallback:
                continue
            hit = (batch.count(rx) > 0) & ~decided
            for row in np.flatnonzero(hit):
                labels[row] = g.code
            decided |= hit
        return labels

    def rules_label(self, text: str) -> str:
        """:meth:`rules_labels` of one complaint.

        >>> load_taxonomy().rules_label("4S店说这是公司规定不能退")
        'process'
        """
        return self.rules_labels([text])[0]


def default_taxonomy_path() -> Path:
    return resource_file("taxonomy", "gaps.yaml")


def _fail(path: object, msg: str) -> None:
    raise UserError(f"{path}: {msg}")


def _color(source: object, code: str, value: object) -> str:
    """A ``#RRGGBB`` colour, or "" (charts then pick one)."""
    if value is None or value == "":
        return ""
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", str(value)):
        _fail(source, f"label {code!r}: color must look like #4C78A8, not {value!r}")
    return str(value)


def parse_taxonomy(data: object, source: str = "taxonomy") -> Taxonomy:
    """Validate a parsed taxonomy document; every problem is one clear error."""
    if not isinstance(data, dict):
        _fail(source, "must be a mapping with a 'labels' list")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        _fail(source, f"unknown keys: {', '.join(sorted(map(str, unknown)))} (allowed: {', '.join(sorted(_TOP_KEYS))})")
    raw_labels = data.get("labels")
    if not isinstance(raw_labels, list) or not raw_labels:
        _fail(source, "'labels' must be a non-empty list")
    labels, seen, precedences = [], set(), set()
    for i, item in enumerate(raw_labels, start=1):
        if not isinstance(item, dict):
            _fail(source, f"label #{i} must be a mapping")
        unknown = set(item) - _LABEL_KEYS
        if unknown:
            _fail(source, f"label #{i} ({item.get('code', '?')}): unknown keys: {', '.join(sorted(map(str, unknown)))}")
        missing = [k for k in _REQUIRED if k not in item]
        if missing:
            _fail(source, f"label #{i} ({item.get('code', '?')}): missing {', '.join(missing)}")
        code = str(item["code"]).strip()
        if not code or not code.replace("_", "").isalnum():
            _fail(source, f"label #{i}: code {code!r} must be a non-empty identifier")
        if code in seen:
            _fail(source, f"duplicate code {code!r}")
        seen.add(code)
        cues = item.get("cues") or []
        if not isinstance(cues, list) or not [c for c in cues if str(c).strip()]:
            _fail(source, f"label {code!r}: 'cues' must be a non-empty list of phrases")
        try:
            prec = int(item["precedence"])
        except (TypeError, ValueError):
            _fail(source, f"label {code!r}: precedence must be an integer")
        if prec in precedences:
            _fail(source, f"label {code!r}: precedence {prec} is used twice")
        precedences.add(prec)
        normalized_cues = tuple(dict.fromkeys(normalize_text(str(c)) for c in cues if str(c).strip()))
        labels.append(Gap(code=code, zh=str(item["zh"]), en=str(item["en"]), precedence=prec,
                          definition=str(item.get("definition", "")).strip(), cues=normalized_cues,
                          fallback=bool(item.get("fallback", False)), color=_color(source, code, item.get("color"))))
    if sum(g.fallback for g in labels) > 1:
        _fail(source, "only one label may have fallback: true")
    labels.sort(key=lambda g: g.precedence)
    return Taxonomy(labels=tuple(labels), name=str(data.get("name", "taxonomy")), version=int(data.get("version", 1)), source=source)


#: libyaml's safe loader when PyYAML was built with it (8× faster: a one-row classify loads this file).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Taxonomy:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    return parse_taxonomy(data, source=path)


def load_taxonomy(path: str | os.PathLike | None = None) -> Taxonomy:
    """Load and validate a taxonomy file (default: the shipped five gaps)."""
    path = Path(path) if path is not None else default_taxonomy_path()
    if not path.exists():
        raise UserError(f"{path}: no such taxonomy file")
    return _load_cached(str(path), path.stat().st_mtime)
