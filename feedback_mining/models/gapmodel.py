"""A fitted gap classifier as plain arrays: what ``classify`` loads and runs (NumPy only, no
scikit-learn), saved as ``.npz`` + a JSON sidecar — never a pickle, so a model file cannot run code.

>>> model = GapModel.load("models/gap.npz")          # SHA-256 checked against the sidecar
>>> model.predict(["销售承诺送三次保养，现在不认账"])
array(['promotion'], dtype=object)

How it decides, following the codebook's precedence rule: one linear *detector* per gap except the
fallback (promotion, behavior, process, understanding — in precedence order) says whether the text
names that kind of cause anywhere. A detector scores the whole text and each of its clauses (a
cause named in one clause of a long review counts), and its calibrated probability is the mean of
the whole-text and the best-clause probability. The gap distribution is then built down the
precedence list: P(promotion) = p₁, P(behavior) = (1 − p₁)·p₂, …, P(perception) = Π(1 − pᵢ).
"""
from __future__ import annotations

import json
import os
import re
import time
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import UserError
from ..text.normalize import NormalizedTexts, as_normalized
from ..text.batch import SEP
from .clauses import (CLAUSE_END_CHARS, CLAUSE_SEP_CHARS, JOINER, MIN_CLAUSE_TEXT, ClauseLayout, clause_cue_counts, clause_rows,
                      cues_stay_in_pieces)
from .ngrams import CharVocabulary, decode_key
from .taxonomy import Taxonomy, load_taxonomy

__all__ = ["GapModel", "split_clauses", "sha256_file"]

FORMAT = "feedback-mining/gap-model"
FORMAT_VERSION = 2
# the same separators the fast clause path (models/clauses.py) reads: one definition
_CLAUSE_END = re.compile(f"[{re.escape(CLAUSE_END_CHARS)}]+|\\s{{2,}}")
_CLAUSE_SEP = re.compile(f"[{re.escape(CLAUSE_SEP_CHARS)}]+")


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 of a file, hex."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=8)
def _cues_stay_in_pieces(taxonomy: Taxonomy) -> bool:
    """:func:`cues_stay_in_pieces` of a taxonomy (frozen, so cached: reading every cue was a third of
    a one-row predict; a model never writes a cache onto itself while predicting)."""
    return cues_stay_in_pieces(g.cues for g in taxonomy.labels)


def split_clauses(texts) -> tuple[list[str], np.ndarray]:
    """Clauses of the texts that have several: windows of two adjacent comma-separated pieces
    within each sentence. Returns the clauses and the index of the text each belongs to.

    >>> split_clauses(["房间很旧，前台态度很差，早餐一般"])[0]
    ['房间很旧，前台态度很差', '前台态度很差，早餐一般', '早餐一般']
    """
    out: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        if len(text) < MIN_CLAUSE_TEXT:  # one clause: the whole-text score says it all
            continue
        pieces = []
        for sentence in _CLAUSE_END.split(text):
            parts = [p for p in _CLAUSE_SEP.split(sentence) if p]
            pieces.extend(JOINER.join(parts[k:k + 2]) for k in range(len(parts)))
        if len(pieces) > 1:
            out.extend(pieces)
            owner.extend([i] * len(pieces))
    return out, np.asarray(owner, dtype=np.int64)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


class GapModel:
    """A fitted gap classifier (see the module docstring); ``kind="rules"`` is the taxonomy's cue rules.

    Attributes: ``classes_`` (gap codes, precedence order), ``detectors_`` (the gaps with a detector),
    ``taxonomy_``, ``review_threshold_`` (``needs_review`` below it), ``review_stats_``, ``metadata_``.
    """

    def __init__(self, taxonomy: Taxonomy, classes, *, kind: str = "linear", vocabulary: CharVocabulary | None = None,
                 coef: np.ndarray | None = None, intercept: np.ndarray | None = None, calibration: np.ndarray | None = None,
                 detectors=(), cue_weight: float = 1.0, clause_pooling: bool = True, review_threshold: float = 0.0,
                 review_stats: dict | None = None, metadata: dict | None = None):
        self.kind = kind
        self.taxonomy_ = taxonomy
        self.classes_ = np.asarray(list(classes), dtype=object)
        self.detectors_ = list(detectors)
        self.vocabulary_ = vocabulary
        self.coef_ = coef
        self.intercept_ = intercept
        self.calibration_ = calibration if calibration is not None else np.tile([1.0, 0.0], (len(self.detectors_), 1))
        self.cue_weight = float(cue_weight)
        self.clause_pooling = bool(clause_pooling)
        self.review_threshold_ = float(review_threshold)
        self.review_stats_ = review_stats or {}
        self.metadata_ = metadata or {}

    # -- scoring
    def decision_function(self, texts) -> np.ndarray:
        """Raw detector scores (texts × detectors) of whole texts."""
        texts = as_normalized(texts)
        return self._scores(self.vocabulary_.rows(texts), self.taxonomy_.cue_counts(texts))

    def _scores(self, rows, cue_counts: np.ndarray) -> np.ndarray:
        """Detector scores from TF-IDF rows and cue counts."""
        cues = np.log1p(cue_counts) * self.cue_weight
        n_vocab = len(self.vocabulary_)
        return rows.dot(self.coef_[:n_vocab]) + cues @ self.coef_[n_vocab:] + self.intercept_

    def calibrated(self, scores: np.ndarray) -> np.ndarray:
        """Detector scores (… × detectors) as calibrated probabilities."""
        return _sigmoid(scores * self.calibration_[:, 0] + self.calibration_[:, 1])

    def detector_proba(self, texts) -> np.ndarray:
        """Calibrated probability that each detector's cause is named (texts × detectors)."""
        texts = as_normalized(texts)
        layout = None
        if self.clause_pooling and len(texts) and _cues_stay_in_pieces(self.taxonomy_):
            layout = ClauseLayout.of(texts)
        if layout is not None:  # clauses scored from the whole texts' n-grams (same scores, less work)
            proba, clause_p, owner = self._whole_and_clause_proba(texts, layout)
        else:
            proba = self.calibrated(self.decision_function(texts))
            clause_p, owner = None, np.zeros(0, np.int64)
            if self.clause_pooling and len(texts):
                clauses, owner = split_clauses(texts)
                if clauses:
                    clause_p = self.calibrated(self.decision_function(NormalizedTexts(clauses)))
        if len(owner):
            best = np.zeros_like(proba)
            np.maximum.at(best, owner, clause_p)
            has = np.unique(owner)
            proba[has] = (proba[has] + best[has]) / 2
        return proba

    def _whole_and_clause_proba(self, texts, layout: ClauseLayout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Probabilities of the whole texts and of their clauses, the n-grams looked up once."""
        col = self.vocabulary_.position_columns(layout.cps)
        starts = [np.fromiter((m.start() for m in rx.finditer(layout.text)), dtype=np.int64)
                  for rx in self.taxonomy_.cue_patterns()]
        doc_ends = np.flatnonzero(layout.cps == ord(SEP))
        whole_counts = np.zeros((layout.n_docs, len(starts)))
        for j, at in enumerate(starts):
            whole_counts[:, j] = np.bincount(np.searchsorted(doc_ends, at), minlength=layout.n_docs)
        proba = self.calibrated(self._scores(self.vocabulary_.doc_rows(layout.n_docs, layout.cps, col), whole_counts))
        if not layout.n_clauses:
            return proba, None, layout.owner
        clause_scores = self._scores(clause_rows(layout, self.vocabulary_, col), clause_cue_counts(layout, starts))
        return proba, self.calibrated(clause_scores), layout.owner

    def class_proba(self, detector_proba: np.ndarray) -> np.ndarray:
        """Gap probabilities (texts × ``classes_``) from detector probabilities, down the precedence list."""
        n = len(detector_proba)
        out = np.zeros((n, len(self.classes_)))
        rest = np.ones(n)
        col = {c: i for i, c in enumerate(self.classes_)}
        for j, code in enumerate(self.detectors_):
            out[:, col[code]] = rest * detector_proba[:, j]
            rest = rest * (1 - detector_proba[:, j])
        fallback = next(c for c in self.classes_ if c not in self.detectors_)
        out[:, col[fallback]] += rest
        return out

    def predict_proba(self, X) -> np.ndarray:
        """Gap probabilities (texts × ``classes_``), built down the precedence list."""
        texts = as_normalized(X)
        if self.kind == "rules":
            idx = {c: i for i, c in enumerate(self.classes_)}
            out = np.zeros((len(texts), len(self.classes_)))
            fallback = idx.get(self.taxonomy_.fallback, len(self.classes_) - 1)
            out[np.arange(len(texts)), [idx.get(g, fallback) for g in self.taxonomy_.rules_labels(texts)]] = 1.0
            return out
        return self.class_proba(self.detector_proba(texts))

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(1)] if len(proba) else np.array([], dtype=object)

    def needs_review(self, proba: np.ndarray) -> np.ndarray:
        return proba.max(1) < self.review_threshold_

    # -- explanations
    def explain(self, text: str, top: int = 8) -> dict:
        """Why a complaint got its gap: the probabilities, the cue phrases found and, per gap with a
        detector, the character n-grams that pushed toward it.

        >>> model.explain("服务顾问态度恶劣，爱理不理")["top_features"]["behavior"][:3]
        """
        norm = as_normalized([text])
        proba = self.predict_proba(norm)[0]
        result = {"gap": str(self.classes_[proba.argmax()]), "proba": {str(c): float(p) for c, p in zip(self.classes_, proba)},
                  "needs_review": bool(self.needs_review(proba[None, :])[0]), "cues": self.taxonomy_.match_cues(norm[0]),
                  "top_features": {}}
        if self.kind == "rules":
            result["top_features"] = {c: [(f"cue:{w}", 1.0) for w in ws] for c, ws in result["cues"].items()}
            return result
        rows = self.vocabulary_.rows(norm)
        cols, vals = rows.cols, rows.vals
        for j, code in enumerate(self.detectors_):
            contrib = vals * self.coef_[cols, j]
            order = np.argsort(-contrib)[:top]
            result["top_features"][code] = [(f"char:{decode_key(int(self.vocabulary_.keys[cols[k]]))}", float(contrib[k]))
                                           for k in order if contrib[k] > 0]
        return result

    # -- files
    def save(self, path: str | os.PathLike, metadata: dict | None = None) -> Path:
        """Write ``path`` (NumPy ``.npz``: arrays only) and ``path.json`` (versions, hashes, metrics)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {"classes": np.asarray(self.classes_, dtype=str), "detectors": np.asarray(self.detectors_, dtype=str)}
        if self.kind == "linear":
            arrays.update(vocab=self.vocabulary_.keys, idf=self.vocabulary_.idf.astype(np.float32),
                          ngram_range=np.asarray(self.vocabulary_.ngram_range, dtype=np.int64),
                          coef=self.coef_.astype(np.float32), intercept=self.intercept_.astype(np.float64),
                          calibration=self.calibration_.astype(np.float64))
        tmp = path.with_name(f".{path.name}.part")
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        os.replace(tmp, path)
        meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "package_version": __version__, "kind": self.kind,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "classes": [str(c) for c in self.classes_],
                "taxonomy_hash": self.taxonomy_.fingerprint(), "taxonomy_name": self.taxonomy_.name,
                "cue_weight": self.cue_weight, "clause_pooling": self.clause_pooling,
                "review_threshold": self.review_threshold_, "review_stats": self.review_stats_}
        meta.update(self.metadata_)
        meta.update(metadata or {})
        meta["model_sha256"] = sha256_file(path)
        Path(str(path) + ".json").write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        self.metadata_ = meta
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, taxonomy=None) -> "GapModel":
        """Load a model after checking its SHA-256 and taxonomy against the sidecar. Arrays only
        (``allow_pickle=False``): a crafted file cannot run code."""
        path = Path(path)
        sidecar = Path(str(path) + ".json")
        if not path.is_file():
            raise UserError(f"{path}: no such model file")
        if not sidecar.is_file():
            raise UserError(f"{path}: missing metadata sidecar {sidecar.name}; refusing to load an unverified model")
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise UserError(f"{sidecar}: metadata is not valid JSON") from None
        if not isinstance(meta, dict):
            raise UserError(f"{sidecar}: metadata must be a JSON object")
        if meta.get("format") != FORMAT:
            raise UserError(f"{path}: not a feedback-mining {FORMAT_VERSION} model file (old pickle models are no longer "
                            "loaded: retrain with `feedback-mining train`)")
        if meta.get("model_sha256") != sha256_file(path):
            raise UserError(f"{path}: SHA-256 does not match its metadata; the file was changed or corrupted — refusing to load it")
        tax = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
        if meta.get("taxonomy_hash") != tax.fingerprint():
            raise UserError(f"{path}: this model was built for another taxonomy ({meta.get('taxonomy_name')}); "
                            "retrain it with `feedback-mining train`")
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            raise UserError(f"{path}: not a readable model file ({type(exc).__name__})") from None
        kind = meta.get("kind", "linear")
        vocab = None
        if kind == "linear":
            vocab = CharVocabulary(arrays["vocab"], arrays["idf"].astype(np.float64), tuple(int(v) for v in arrays["ngram_range"]))
        return cls(tax, arrays["classes"].tolist(), kind=kind, vocabulary=vocab,
                   coef=arrays.get("coef"), intercept=arrays.get("intercept"), calibration=arrays.get("calibration"),
                   detectors=arrays["detectors"].tolist(), cue_weight=meta.get("cue_weight", 1.0),
                   clause_pooling=meta.get("clause_pooling", True), review_threshold=meta.get("review_threshold", 0.0),
                   review_stats=meta.get("review_stats"), metadata=meta)
