"""Loading a model file never runs code it names. Gap models are arrays (``.npz``, read with
``allow_pickle=False``): any pickle in their place, even with a matching sidecar (the SHA-256 only
catches accidents), is a one-line refusal. Theme models are joblib pickles read with an allow-list
(``models/safe_pickle.py``): crafted files are refused wherever the payload hides — the top object, a
dict, an attribute of a genuine model, an array of objects (joblib's nested pickle), compressed or
not — while every model we save loads as before."""
from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import pickle
import subprocess

import joblib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from feedback_mining.errors import UserError
from feedback_mining.models.gap import GapClassifier
from feedback_mining.models.registry import load_model
from feedback_mining.models.themes import ThemeClusterer

TEXTS = ["退款申请了十天还没到账，客服一直踢皮球", "說好的贈品沒有給，活動規則寫得不清不楚", "快递员态度恶劣，把包裹扔在门口",
         "酒店房間和圖片差太多了😡", "App闪退三次，订单提交不了", "会员积分莫名其妙清零", "客服說會回電，結果沒人理",
         "满200减50结账时不生效", "WiFi連不上，前台说不归他们管", "送餐超时一小时，饭都凉了"] * 3
GAPS = ["process", "promotion", "behavior", "perception", "process", "understanding", "behavior", "promotion", "process",
        "process"] * 3


class _Payload:
    """Pickles as ``call(*args)``: what a crafted model file makes the loader run."""

    def __init__(self, call, args):
        self.call, self.args = call, args

    def __reduce__(self):
        return self.call, self.args


def _payloads(marker: str) -> dict:
    import importlib
    import pathlib

    import feedback_mining.models.registry as registry

    return {
        "open": (open, (marker, "w")),
        "os.system": (os.system, (f"touch {marker}",)),
        "eval": (eval, (f"open({marker!r}, 'w')",)),
        "exec": (exec, (f"open({marker!r}, 'w')",)),
        "subprocess.Popen": (subprocess.Popen, (["touch", marker],)),
        "numpy.memmap": (np.memmap, (marker, np.uint8, "w+", 0, (1,))),  # a class, but not one a model is made of
        "pathlib.Path": (pathlib.Path, (marker,)),
        "importlib.import_module": (importlib.import_module, ("this",)),
        "our own function": (registry.sha256_file, (marker,)),
        "numpy function": (np.save, (marker, np.zeros(1))),
    }


def _genuine() -> GapClassifier:
    return GapClassifier(method="rules").fit(TEXTS, GAPS)


@functools.lru_cache(maxsize=1)
def _genuine_themes() -> ThemeClusterer:
    return ThemeClusterer(k=3, random_state=0).fit(TEXTS * 2)


def _write_crafted(tmp_path, obj, compress) -> str:
    """``obj`` pickled in place of a gap model, with a sidecar that matches it byte for byte."""
    good = _genuine().save(tmp_path / "good.npz")
    meta = json.loads((tmp_path / "good.npz.json").read_text(encoding="utf-8"))
    path = tmp_path / "evil.npz"
    joblib.dump(obj, path, compress=compress)
    meta["model_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (tmp_path / "evil.npz.json").write_text(json.dumps(meta), encoding="utf-8")
    assert good.exists()
    return str(path)


def _hide(payload, where: str, target: str):
    if where == "top":
        return payload
    if where == "dict":
        return {"model": payload, "note": "looks like a model"}
    if where == "object-array":  # joblib writes it as a nested pickle stream
        return np.array([payload, "退款"], dtype=object)
    model = _genuine() if target == "gap" else copy.copy(_genuine_themes())
    model.extra_ = payload  # inside a genuine, otherwise valid model
    return model


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(_payloads("x"))), where=st.sampled_from(["top", "dict", "object-array", "model-attribute"]),
       compress=st.sampled_from([0, 3, ("gzip", 1)]), target=st.sampled_from(["gap", "theme"]))
def test_crafted_model_files_run_no_code(tmp_path_factory, kind, where, compress, target):
    tmp_path = tmp_path_factory.mktemp("evil")
    marker = str(tmp_path / "marker")
    call, args = _payloads(marker)[kind]
    obj = _hide(_Payload(call, args), where, target)
    if target == "gap":
        path = _write_crafted(tmp_path, obj, compress)
        with pytest.raises(UserError, match="not a readable model file"):
            load_model(path)
    else:
        path = tmp_path / "evil.joblib"
        joblib.dump(obj, path, compress=compress)
        with pytest.raises(UserError, match="refusing to load it|not a ThemeClusterer"):
            ThemeClusterer.load(path)
    assert not os.path.exists(marker)


def test_crafted_model_is_one_line_error_in_the_cli(tmp_path):
    marker = tmp_path / "marker"
    path = _write_crafted(tmp_path, _Payload(os.system, (f"touch {marker}",)), 3)
    (tmp_path / "in.csv").write_text("投诉内容\n退款太慢了\n", encoding="utf-8")
    r = run_cli("classify", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"), "--model", path)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "not a readable model file" in lines[0] and "Traceback" not in r.stderr, r.stderr
    assert not marker.exists() and not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("kind", ["rules", "model", "theme-mixture", "theme-kmeans", "theme-nmf"])
def test_every_model_we_save_still_loads(tmp_path, kind):
    if kind.startswith("theme-"):
        path = tmp_path / "m.joblib"
        tc = ThemeClusterer(k=3, method=kind[6:], random_state=0).fit(TEXTS * 4)
        tc.save(path)
        back = ThemeClusterer.load(path)
        assert back.theme_names() == tc.theme_names()
        return
    path = tmp_path / "m.npz"
    params = {"method": "rules"} if kind == "rules" else {"cv": 2}
    model = GapClassifier(**params).fit(TEXTS * 3, GAPS * 3)
    model.save(path)
    back = load_model(path)
    assert back.predict(TEXTS).tolist() == model.predict(TEXTS).tolist()
    assert np.allclose(back.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_a_pickled_gap_model_is_refused_and_a_theme_model_of_another_kind_is_named(tmp_path):
    """A plain pickle of a genuine gap classifier is not a model file any more (arrays only); an
    allowed but foreign object (a NumPy array) saved as a theme model is 'not a ThemeClusterer'."""
    path = _write_crafted(tmp_path, _genuine(), 0)
    with open(path, "wb") as fh:
        pickle.dump(_genuine(), fh, protocol=4)
    meta = json.loads(open(path + ".json", encoding="utf-8").read())
    meta["model_sha256"] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    open(path + ".json", "w", encoding="utf-8").write(json.dumps(meta))
    with pytest.raises(UserError, match="not a readable model file"):
        load_model(path)
    joblib.dump(np.arange(5), tmp_path / "t.joblib", compress=3)
    with pytest.raises(UserError, match="not a ThemeClusterer"):
        ThemeClusterer.load(tmp_path / "t.joblib")
