"""Model files: the shipped default model, loading saved ones, building the default from the corpus.

>>> model = load_model(None)                        # the default model shipped with the package
>>> model = load_model("models/gap.npz")            # a model saved by `feedback-mining train`

The default model is built from the bundled corpus's training split (``make model`` or
``python -m feedback_mining.models.registry``) and shipped as arrays in
``feedback_mining/resources/``, so the first ``classify`` loads it in a fraction of a second
with no scikit-learn import.
"""
from __future__ import annotations

import os
import pickle
import sys
import zipfile
from functools import lru_cache
from pathlib import Path

from ..errors import UserError
from ..paths import RESOURCES, corpus_file
from .gapmodel import GapModel, sha256_file

__all__ = ["load_model", "default_model", "default_model_path", "build_default_model", "sha256_file"]



def default_model_path() -> Path:
    """Where the shipped default model lives (``FEEDBACK_MINING_MODEL`` overrides it)."""
    return Path(os.environ.get("FEEDBACK_MINING_MODEL") or RESOURCES / "gap-default.npz")


@lru_cache(maxsize=1)
def _default(path: str, mtime: float) -> GapModel:
    return GapModel.load(path)


def default_model() -> GapModel:
    """The shipped default model (loaded once per process)."""
    path = default_model_path()
    if not path.is_file():
        raise UserError(f"{path}: the default model is missing; build it with `make model`")
    return _default(str(path), path.stat().st_mtime)


def load_model(path: str | os.PathLike | None = None, taxonomy=None) -> GapModel:
    """``path`` → a verified saved model; ``None`` → :func:`default_model`."""
    if not path:
        return default_model()
    try:
        return GapModel.load(path, taxonomy)
    except UserError:
        raise
    except (OSError, ValueError, EOFError, AttributeError, TypeError, KeyError, IndexError, pickle.UnpicklingError,
            zipfile.BadZipFile) as exc:
        # a folder, an empty or truncated file, a sidecar that is a list or not UTF-8: the user's file, not a bug
        raise UserError(f"{path}: not a readable model file (or its .json sidecar is broken: {type(exc).__name__}); "
                        "retrain it with `feedback-mining train`") from None


def build_default_model(out: str | os.PathLike | None = None, corpus: str | os.PathLike | None = None, **params) -> GapModel:
    """Fit :class:`~feedback_mining.models.gap.GapClassifier` on the corpus's training split and save it
    (default: the shipped model's path), recording the corpus hash and held-out figures."""
    from sklearn.metrics import f1_score

    from ..data.read import load_labeled_corpus
    from .gap import GapClassifier

    corpus = Path(corpus) if corpus else corpus_file("complaints_labeled.csv")
    df = load_labeled_corpus(corpus)
    train, test = df[~df["heldout"]], df[df["heldout"]]
    clf = GapClassifier(**params).fit(train["text"], train["gap"])
    f1 = float(f1_score(test["gap"], clf.predict(test["text"]), average="macro")) if len(test) else None
    path = Path(out) if out else default_model_path()
    clf.save(path, {"training_data_sha256": sha256_file(corpus)[:16], "training_rows": int(len(train)),
                    "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in clf.get_params().items()
                               if k != "taxonomy"},
                    "metrics": {"corpus_heldout_macro_f1": f1, "corpus_heldout_rows": int(len(test))}})
    _default.cache_clear()
    return clf.model_


if __name__ == "__main__":  # pragma: no cover - `make model`
    model = build_default_model(sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"default model: {len(model.vocabulary_)} n-grams, review threshold {model.review_threshold_:.2f}, "
          f"corpus held-out macro-F1 {model.metadata_['metrics']['corpus_heldout_macro_f1']:.3f} → {default_model_path()}")
