"""Loading model files without running code from them.

A joblib file is a pickle, and unpickling can call any function the file names — the SHA-256 in
the sidecar only catches accidents, since whoever crafts the file also writes the sidecar. So model
files are read with an allow-list: the classes our models are made of (our estimators, scikit-learn
estimators, NumPy arrays, dtypes and scalars, SciPy sparse matrices) and a handful of named
helpers. Anything else — ``os.system``, ``builtins.eval``, ``subprocess.Popen``, even a harmless
function the models never use — stops the load with one line that names it.

>>> model = load_estimator("models/gap.joblib")      # a GapClassifier, or UserError naming the refused global
"""
from __future__ import annotations

import importlib
import os
import pickle
from pathlib import Path

import numpy as np
from joblib import numpy_pickle

from ..errors import UserError

__all__ = ["load_estimator", "RefusedGlobal"]

#: Named callables a saved model needs beyond classes: array and scalar reconstruction, random
#: states, and the identity analyzer our theme vectorizers are built with.
_NAMED = {
    ("numpy", "dtype"), ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.random._pickle", "__randomstate_ctor"), ("numpy.random._pickle", "__bit_generator_ctor"),
    ("numpy.random._pickle", "__generator_ctor"),
    ("feedback_mining.models.ctfidf", "identity"), ("feedback_mining.models.theme_text", "letters_only"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "slice"), ("builtins", "complex"),
    ("builtins", "range"), ("builtins", "bytearray"),
    ("collections", "OrderedDict"),
}
#: Modules whose *classes* (never functions) our models are made of; a module is imported only
#: when its name starts with one of these (importing can run code too).
_OWN_MODULES = ("feedback_mining.models.", "feedback_mining.text.tokenizer")
_IMPORTABLE = _OWN_MODULES + ("sklearn.", "numpy.", "scipy.sparse.")
#: scikit-learn modules that are not estimators: test helpers, data downloaders, vendored code
_SKLEARN_NOT_MODELS = ("sklearn.utils", "sklearn.datasets", "sklearn.externals", "sklearn.tests", "sklearn.experimental",
                       "sklearn._build_utils", "sklearn.conftest")


class RefusedGlobal(pickle.UnpicklingError):
    """A model file named something outside the allow-list."""


def _allowed(obj: object) -> bool:
    """Is ``obj`` (what the file named) a class a model can be built from?"""
    if not isinstance(obj, type):
        return False
    module = obj.__module__ or ""
    if module.startswith(_OWN_MODULES):
        return True
    if module.startswith("sklearn."):
        from sklearn.base import BaseEstimator

        # estimators do no work in __init__ (scikit-learn's contract); the helpers they keep inside
        # (calibration._CalibratedClassifier, tree._tree.Tree) live in the same modules
        return issubclass(obj, BaseEstimator) or not module.startswith(_SKLEARN_NOT_MODELS)
    if module == "numpy" or module.startswith("numpy."):
        return issubclass(obj, np.generic) or obj.__name__ in ("RandomState", "Generator", "MT19937", "PCG64",
                                                               "PCG64DXSM", "Philox", "SFC64", "SeedSequence")
    if module.startswith("scipy.sparse"):
        import scipy.sparse as sp

        return issubclass(obj, (sp.spmatrix, sp.sparray))
    return False


def _restricted_find_class(module: str, name: str):
    if module == "joblib.numpy_pickle" and name == "NumpyArrayWrapper":
        return _ArrayWrapper
    named = (module, name) in _NAMED
    if named or ((module + ".").startswith(_IMPORTABLE) and name.isidentifier()):
        obj = getattr(importlib.import_module(module), name, None)
        if obj is not None and (named or _allowed(obj)):
            return obj
    raise RefusedGlobal(f"{module}.{name}")


class _ArrayWrapper(numpy_pickle.NumpyArrayWrapper):
    """joblib's array record; an array of Python objects is a nested pickle, read under the same
    allow-list (older joblib versions read it with a plain ``pickle.load``)."""

    def read_array(self, unpickler, *args, **kwargs):
        if self.dtype.hasobject:
            return _Nested(unpickler.file_handle).load()
        return super().read_array(unpickler, *args, **kwargs)


class _Nested(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        return _restricted_find_class(module, name)


class _Unpickler(numpy_pickle.NumpyUnpickler):
    def find_class(self, module: str, name: str):
        return _restricted_find_class(module, name)


def load_estimator(path: str | os.PathLike, expected: type | None = None):
    """Load a joblib model file under the allow-list (never executes code the file names).

    Raises :class:`UserError` naming the refused global, or when the object is not ``expected``.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        # joblib.load's own first step (it detects zlib/gzip/lzma/...); joblib offers no public
        # hook for the unpickler, and test_every_model_we_save_still_loads catches a change
        with numpy_pickle._validate_fileobject_and_memmap(fh, str(path), None) as (fobj, _):
            if isinstance(fobj, str):  # a joblib < 0.10 file: arrays in side files, read by np.load
                raise UserError(f"{path}: a model file from joblib < 0.10 cannot be loaded safely; retrain it")
            try:
                obj = _Unpickler(str(path), fobj, ensure_native_byte_order=True).load()
            except RefusedGlobal as exc:
                raise UserError(f"{path}: the model file asks to run {exc}, which no model needs — refusing to load it "
                                "(a crafted file can run code); retrain it with `feedback-mining train`") from None
    if expected is not None and not isinstance(obj, expected):
        raise UserError(f"{path}: not a {expected.__name__} model")
    return obj
