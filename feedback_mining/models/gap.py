"""The root-cause classifier: every complaint gets one of the taxonomy's gaps.

>>> clf = default_model()                          # trained on corpora/complaints_labeled.csv, cached
>>> clf.predict(["销售承诺送三次保养，现在不认账"])
array(['promotion'], dtype=object)
>>> clf.explain("服务顾问态度恶劣，爱理不理")["top_features"]["behavior"][:3]

``GapClassifier`` is a scikit-learn estimator (fit / predict / predict_proba / get_params,
works in ``Pipeline`` and ``cross_val_score``, picklable). Features: TF-IDF on
character 1–3-grams (vectorized, see :mod:`.features`; word n-grams when a tokenizer is given) and cue counts from the taxonomy; a linear model
with calibrated probabilities. ``method="rules"`` is the zero-training baseline.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Sequence

import joblib
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from .. import __version__
from ..errors import UserError
from ..text.normalize import as_normalized
from ..text.tokenizer import Tokenizer
from .features import CharNgramTfidf, CueFeatures, WordNgramTfidf, as_taxonomy
from .registry import sha256_file
from .safe_pickle import load_estimator

__all__ = ["GapClassifier", "default_vectorizer", "default_estimator"]



def default_vectorizer(tokenizer: Tokenizer | None = None, taxonomy=None) -> FeatureUnion:
    """Character 1–3-grams (TF-IDF, sublinear) + taxonomy cue counts; with a ``tokenizer``, word uni+bigrams too.

    Characters alone need no segmentation, which makes batch classification several times
    faster; on the bundled corpus they score as well as words + characters on the held-out
    split (README, "Figures"). Pass ``tokenizer=Tokenizer()`` to add word features.
    """
    steps = [("chars", CharNgramTfidf(ngram_range=(1, 3), min_df=2, max_df=0.5, max_features=300_000)),
             ("cues", CueFeatures(taxonomy))]
    weights = {"chars": 1.0, "cues": 0.1}
    if tokenizer is not None:
        steps.insert(0, ("words", WordNgramTfidf(tokenizer, ngram_max=2, min_df=2, max_df=0.5)))
        weights["words"] = 1.0
    return FeatureUnion(steps, transformer_weights=weights)


def default_estimator(random_state: int | None = 0) -> CalibratedClassifierCV:
    """A linear SVM with sigmoid-calibrated probabilities (3-fold)."""
    return CalibratedClassifierCV(LinearSVC(C=1.0, class_weight="balanced", random_state=random_state), cv=3,
                                  method="sigmoid")


# --- the estimator ---------------------------------------------------------------------------
class GapClassifier(ClassifierMixin, BaseEstimator):
    """Root-cause (gap) classifier for Chinese complaints.

    Parameters
    ----------
    method : {"model", "rules"}
        "model" trains a linear model; "rules" uses the taxonomy's cues and precedence only.
    taxonomy : Taxonomy, path or None
        The label set (None: the shipped five gaps).
    tokenizer : Tokenizer or None
        With a tokenizer the default vectorizer adds word uni+bigrams (None: characters and cues only).
    vectorizer : transformer or None
        Text → feature matrix (None: :func:`default_vectorizer`).
    estimator : classifier or None
        Must offer ``predict_proba`` (None: :func:`default_estimator`).
    review_threshold : float or "auto"
        ``needs_review`` when the top probability is below it. "auto" picks the lowest
        threshold at which out-of-fold accuracy of the accepted complaints reaches
        ``review_target_accuracy`` (see README).
    """

    def __init__(self, method: str = "model", taxonomy=None, tokenizer: Tokenizer | None = None,
                 vectorizer=None, estimator=None, review_threshold: float | str = "auto",
                 review_target_accuracy: float = 0.9, random_state: int | None = 0):
        self.method = method
        self.taxonomy = taxonomy
        self.tokenizer = tokenizer
        self.vectorizer = vectorizer
        self.estimator = estimator
        self.review_threshold = review_threshold
        self.review_target_accuracy = review_target_accuracy
        self.random_state = random_state

    # -- helpers
    def _validate_params(self) -> None:
        if self.method not in ("model", "rules"):
            raise ValueError(f"method must be 'model' or 'rules', not {self.method!r}")
        if not (self.review_threshold == "auto" or isinstance(self.review_threshold, (int, float))):
            raise ValueError("review_threshold must be a number in [0, 1] or 'auto'")
        if not 0 < float(self.review_target_accuracy) <= 1:
            raise ValueError("review_target_accuracy must be in (0, 1]")

    @staticmethod
    def _texts(X) -> list[str]:
        if isinstance(X, pd.DataFrame):
            if X.shape[1] != 1:
                raise ValueError("pass a single text column (Series or list of str), not a DataFrame")
            X = X.iloc[:, 0]
        if isinstance(X, str):
            raise ValueError("X must be a list of texts, not a single string")
        return as_normalized(X)

    def fit(self, X, y, sample_weight=None) -> "GapClassifier":
        """Fit on texts ``X`` and gap codes ``y`` (``sample_weight``: per-text weights, e.g. an analyst's labels count more)."""
        self._validate_params()
        texts = self._texts(X)
        y = np.asarray(y, dtype=object)
        if len(texts) != len(y):
            raise ValueError(f"X has {len(texts)} texts but y has {len(y)} labels")
        self.taxonomy_ = as_taxonomy(self.taxonomy)
        unknown = sorted(set(y) - set(self.taxonomy_.codes))
        if unknown:
            raise ValueError(f"labels not in the taxonomy: {', '.join(map(str, unknown))}")
        self.classes_ = np.array([c for c in self.taxonomy_.codes if c in set(y)], dtype=object)
        if self.method == "rules":
            self.review_threshold_ = 0.0 if self.review_threshold == "auto" else float(self.review_threshold)
            return self
        if len(self.classes_) < 2:
            raise ValueError("need at least two different labels to train")
        self.vectorizer_ = clone(self.vectorizer) if self.vectorizer is not None else default_vectorizer(self.tokenizer, self.taxonomy_)
        self.estimator_ = clone(self.estimator) if self.estimator is not None else default_estimator(self.random_state)
        features = self.vectorizer_.fit_transform(texts)
        self.estimator_.fit(features, y, **({} if sample_weight is None else {"sample_weight": np.asarray(sample_weight, float)}))
        order = [list(self.estimator_.classes_).index(c) for c in self.classes_]
        self.proba_order_ = np.array(order)
        if self.review_threshold == "auto":
            self.review_threshold_, self.review_stats_ = self._choose_threshold(features, y)
        else:
            self.review_threshold_ = float(self.review_threshold)
        return self

    def _choose_threshold(self, features, y) -> tuple[float, dict]:
        """Lowest threshold whose out-of-fold accepted accuracy reaches the target."""
        counts = pd.Series(y).value_counts()
        folds = int(min(5, counts.min()))
        if folds < 2:
            return 0.5, {"note": "too few examples per class for validation; default 0.5"}
        cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        est = self.estimator if self.estimator is not None else default_estimator(self.random_state)
        proba = cross_val_predict(clone(est), features, y, cv=cv, method="predict_proba")
        labels = np.array(sorted(set(y)), dtype=object)
        pred = labels[proba.argmax(1)]
        top = proba.max(1)
        correct = pred == y
        chosen = None
        for t in np.round(np.arange(0.20, 0.96, 0.01), 2):
            accepted = top >= t
            if accepted.sum() and correct[accepted].mean() >= self.review_target_accuracy:
                chosen = float(t)
                break
        chosen = 0.95 if chosen is None else chosen
        accepted = top >= chosen
        stats = {"folds": folds, "oof_accuracy": float(correct.mean()), "threshold": chosen,
                 "review_share": float(1 - accepted.mean()),
                 "accepted_accuracy": float(correct[accepted].mean()) if accepted.any() else None,
                 "oof_macro_f1": float(f1_score(y, pred, average="macro"))}
        return chosen, stats

    def _rules_proba(self, texts: Sequence[str]) -> np.ndarray:
        idx = {c: i for i, c in enumerate(self.classes_)}
        fallback = idx.get(self.taxonomy_.fallback, 0)
        out = np.zeros((len(texts), len(self.classes_)))
        out[np.arange(len(texts)), [idx.get(label, fallback) for label in self.taxonomy_.rules_labels(texts)]] = 1.0
        return out

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities, columns in ``classes_`` order; texts are normalized once (:func:`as_normalized`)."""
        check_is_fitted(self, "classes_")
        texts = self._texts(X)
        if self.method == "rules":
            return self._rules_proba(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        return self.estimator_.predict_proba(self.vectorizer_.transform(texts))[:, self.proba_order_]

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(1)] if len(proba) else np.array([], dtype=object)

    def needs_review(self, proba: np.ndarray) -> np.ndarray:
        return proba.max(1) < self.review_threshold_

    # -- explanations
    def _coef(self) -> np.ndarray:
        """Class × feature weights of the linear model (averaged over calibration folds)."""
        est = self.estimator_
        if hasattr(est, "calibrated_classifiers_"):
            coefs = [c.estimator.coef_ for c in est.calibrated_classifiers_]
            coef = np.mean(coefs, axis=0)
            classes = list(est.classes_)
        elif hasattr(est, "coef_"):
            coef, classes = est.coef_, list(est.classes_)
        else:
            raise TypeError("explain() needs a linear estimator with coef_")
        if coef.shape[0] == 1:  # binary case
            coef = np.vstack([-coef[0], coef[0]])
        return coef[[classes.index(c) for c in self.classes_]]

    def explain(self, text: str, top: int = 8) -> dict:
        """Why a complaint got its gap: per class, the words/cues that pushed toward it.

        Returns ``{"gap", "proba", "needs_review", "cues", "top_features": {code: [(feature, weight)]}}``.
        """
        check_is_fitted(self, "classes_")
        norm = as_normalized([text])
        proba = self.predict_proba(norm)[0]
        result = {"gap": str(self.classes_[proba.argmax()]),
                  "proba": {str(c): float(p) for c, p in zip(self.classes_, proba)},
                  "needs_review": bool(proba.max() < self.review_threshold_),
                  "cues": self.taxonomy_.match_cues(norm[0]), "top_features": {}}
        if self.method == "rules":
            result["top_features"] = {c: [(f"cue:{w}", 1.0) for w in ws] for c, ws in result["cues"].items()}
            return result
        x = self.vectorizer_.transform(norm).tocsr()
        names = self._feature_names()
        coef = self._coef()
        for ci, code in enumerate(self.classes_):
            contrib = x.data * coef[ci, x.indices]
            order = np.argsort(-contrib)[:top]
            result["top_features"][str(code)] = [(names[x.indices[j]], float(contrib[j])) for j in order if contrib[j] > 0]
        return result

    def _feature_names(self) -> np.ndarray:
        prefix = {"words": "word:", "chars": "char:"}
        return np.concatenate([np.array([prefix.get(name, "") + str(n) for n in step.get_feature_names_out()], dtype=object)
                               for name, step in self.vectorizer_.transformer_list])

    # -- persistence
    def save(self, path: str | os.PathLike, metadata: dict | None = None) -> Path:
        """Save with joblib plus a JSON sidecar (``PATH.json``) holding versions, hashes and metrics."""
        check_is_fitted(self, "classes_")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.part")
        joblib.dump(self, tmp, compress=3)
        os.replace(tmp, path)
        meta = {
            "package_version": __version__,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "method": self.method,
            "classes": [str(c) for c in self.classes_],
            "taxonomy_hash": self.taxonomy_.fingerprint(),
            "taxonomy_name": self.taxonomy_.name,
            "tokenizer_backend": self.tokenizer.resolved_backend if self.tokenizer is not None else None,
            "review_threshold": self.review_threshold_,
            "review_stats": getattr(self, "review_stats_", None),
            "model_sha256": sha256_file(path),
        }
        meta.update(metadata or {})
        sidecar = Path(str(path) + ".json")
        sidecar.write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, taxonomy=None, verify: bool = True) -> "GapClassifier":
        """Load a saved model after checking its SHA-256 and taxonomy against the sidecar.

        Model files are pickles, read with an allow-list of the classes a model is made of
        (:mod:`.safe_pickle`): a file naming anything else is refused before it can run.
        """
        path = Path(path)
        sidecar = Path(str(path) + ".json")
        if not path.exists():
            raise UserError(f"{path}: no such model file")
        if not sidecar.exists():
            raise UserError(f"{path}: missing metadata sidecar {sidecar.name}; refusing to load an unverified model")
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            raise UserError(f"{sidecar}: metadata is not valid JSON") from None
        if verify and meta.get("model_sha256") != sha256_file(path):
            raise UserError(f"{path}: SHA-256 does not match its metadata; the file was changed or corrupted — refusing to load it")
        expected = as_taxonomy(taxonomy).fingerprint()
        if meta.get("taxonomy_hash") != expected:
            raise UserError(f"{path}: this model was built for another taxonomy ({meta.get('taxonomy_name')}); retrain it with `feedback-mining train`")
        model = load_estimator(path, cls)  # an allow-list unpickler: a crafted file runs no code
        model.metadata_ = meta
        return model


