"""Model files: save, verify and load; the default model (built on first use, cached); the held-out split.

>>> model = load_model(None)                        # the bundled default
>>> save_model(model, "models/gap.joblib", {"note": "trained on our labels"})
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from pathlib import Path

from .. import __version__
from ..data.read import heldout_split
from ..errors import UserError
from ..paths import cache_dir, corpus_file

__all__ = ["heldout_split", "default_model", "load_model", "save_model", "sha256_file"]


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 of a file, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_model(model, path: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Save ``model`` (see :meth:`GapClassifier.save`)."""
    return model.save(path, metadata)


def _file_hash(path: Path) -> str:
    return sha256_file(path)[:16]


def _code_hash() -> str:
    """Changes when the feature code changes, so a stale cached model is rebuilt."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for name in ("models/gap.py", "models/features.py", "text/tokenizer.py", "text/normalize.py", "models/taxonomy.py"):
        h.update((root / name).read_bytes())
    return h.hexdigest()[:12]


def default_model(retrain: bool = False, verbose: bool = False):
    """The model trained on the bundled corpus's training split, built on first use and cached."""
    from sklearn.metrics import f1_score

    from ..data.read import load_labeled_corpus
    from .gap import GapClassifier

    corpus = corpus_file("complaints_labeled.csv")
    tax_path = corpus_file("taxonomy", "gaps.yaml")
    if not corpus.exists():
        raise UserError(f"{corpus}: the bundled labelled corpus is missing")
    key = hashlib.sha256(f"{__version__}|{_file_hash(corpus)}|{_file_hash(tax_path)}|{_code_hash()}".encode()).hexdigest()[:16]
    path = cache_dir() / f"gap-model-{key}.joblib"
    if path.exists() and not retrain:
        try:
            return GapClassifier.load(path)
        except UserError:
            pass
    if verbose:
        print("training the default gap model on the bundled corpus (first use, a few seconds)…", file=sys.stderr)
    df = load_labeled_corpus(corpus)
    train = df[~df["heldout"]]
    model = GapClassifier().fit(train["text"], train["gap"])
    test = df[df["heldout"]]
    f1 = float(f1_score(test["gap"], model.predict(test["text"]), average="macro")) if len(test) else None
    model.save(path, {"training_data_sha256": _file_hash(corpus), "training_rows": int(len(train)),
                      "metrics": {"heldout_macro_f1": f1, "heldout_rows": int(len(test))}, "created": time.time()})
    return GapClassifier.load(path)


def load_model(path: str | os.PathLike | None = None, taxonomy=None):
    """``path`` → a verified saved model; ``None`` → :func:`default_model`."""
    from .gap import GapClassifier

    if not path:
        return default_model()
    try:
        return GapClassifier.load(path, taxonomy)
    except UserError:
        raise
    except (OSError, ValueError, EOFError, AttributeError, TypeError, KeyError, IndexError, ImportError, pickle.UnpicklingError) as exc:
        # a folder, an empty or truncated file, a sidecar that is a list or not UTF-8: the user's file, not a bug
        raise UserError(f"{path}: not a readable model file (or its .json sidecar is broken: {type(exc).__name__}); "
                        "retrain it with `feedback-mining train`") from None
