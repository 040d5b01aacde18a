"""GapClassifier / GapModel: the scikit-learn contract, quality floor, explanations, array model files
(no pickle), train --add, the review threshold in the sidecar."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from feedback_mining.data.read import heldout_split, load_labeled_corpus

from feedback_mining.models.gap import GapClassifier

from feedback_mining.models.registry import default_model

from feedback_mining.pipeline import classify_frame
from feedback_mining.errors import UserError


@pytest.fixture(scope="module")
def corpus():
    return load_labeled_corpus()


@pytest.fixture(scope="module")
def model():
    return default_model()


def test_corpus_meets_the_brief(corpus):
    """The realistic corpus: ≥ 5,000 complaints, ≥ 40 % under 30 characters, perception-heavy but every
    gap present, industries beyond the first six, a year of dates, unique texts and ids."""
    assert len(corpus) >= 5000
    counts = corpus["gap"].value_counts(normalize=True)
    assert set(counts.index) == {"understanding", "process", "behavior", "promotion", "perception"}
    assert counts.idxmax() == "perception" and counts.min() >= 0.08
    assert (corpus["text"].str.len() < 30).mean() >= 0.40
    assert corpus["industry"].nunique() >= 12
    assert corpus["created_at"].str.slice(0, 7).nunique() >= 12
    assert corpus["text"].is_unique and corpus["complaint_id"].is_unique
    assert corpus["text"].str.strip().ne("").all()


def test_heldout_split_is_fixed_by_id(corpus):
    assert heldout_split(["C00001", "C00002"]).tolist() == heldout_split(["C00001", "C00002"]).tolist()
    share = corpus["heldout"].mean()
    assert 0.15 < share < 0.25


def test_default_model_beats_rules_on_heldout(corpus, model):
    from sklearn.metrics import f1_score

    test = corpus[corpus["heldout"]]
    train = corpus[~corpus["heldout"]]
    f1_model = f1_score(test["gap"], model.predict(test["text"]), average="macro")
    rules = GapClassifier(method="rules").fit(train["text"], train["gap"])
    f1_rules = f1_score(test["gap"], rules.predict(test["text"]), average="macro")
    assert f1_model >= 0.75 and f1_model >= f1_rules + 0.10, (f1_model, f1_rules)


@pytest.mark.parametrize("text,gap", [
    ("销售承诺送三次保养，现在不认账了，说当时没这回事", "promotion"),
    ("网上写的四星酒店，实际跟招待所差不多，和图片完全不一样", "promotion"),
    ("服务顾问态度恶劣，爱理不理的，问三遍才回一句", "behavior"),
    ("外卖小哥把汤洒了一半，还骂我事多", "behavior"),
    ("质保期内厂家没有配件，等了两个月还没修，4S店说只能等", "process"),
    ("客服电话永远占线，转了三个部门都说不归他们管", "process"),
    ("酒店居然不提供吹风机和热水壶，这都什么年代了", "understanding"),
    ("套餐强制捆绑我们根本用不上的增值服务，设计太不合理", "understanding"),
    ("菜太咸了，分量也少，真的不值这个价", "perception"),
    ("新车开了三个月变速箱就顿挫异响", "perception"),
])
def test_codebook_examples(model, text, gap):
    assert model.predict([text])[0] == gap


def _strip(texts):
    return [t.strip() for t in texts]


def test_sklearn_contract(corpus):
    small = corpus.groupby("gap").head(60)
    clf = GapClassifier(review_threshold=0.5, cv=2)
    assert clone(clf).get_params() == clf.get_params()
    with pytest.raises(ValueError):
        GapClassifier(method="magic").fit(["a", "b"], ["process", "behavior"])
    scores = cross_val_score(clf, small["text"], small["gap"], cv=3, scoring="f1_macro")
    assert scores.mean() > 0.4
    pipe = Pipeline([("strip", FunctionTransformer(_strip)), ("gap", clf)])
    pipe.fit(small["text"], small["gap"])
    proba = pipe.predict_proba(["退款流程太繁琐"])
    assert proba.shape == (1, 5) and np.isclose(proba.sum(), 1)
    restored = pickle.loads(pickle.dumps(pipe))
    assert restored.predict(["骑手态度差还骂人"]).tolist() == pipe.predict(["骑手态度差还骂人"]).tolist()
    assert list(pipe.named_steps["gap"].classes_) == ["promotion", "behavior", "process", "understanding", "perception"]


def test_review_threshold_and_its_accuracy_are_in_the_sidecar(model):
    meta = model.metadata_
    stats = meta["review_stats"]
    assert meta["review_threshold"] == model.review_threshold_ and 0.2 <= model.review_threshold_ <= 0.99
    assert stats["accepted_accuracy"] >= stats["target_accuracy"] - 1e-9 and 0 < stats["accepted_share"] <= 1
    assert stats["label_prior"] == "real"


def test_explain_names_words_and_cues(model):
    exp = model.explain("服务顾问态度恶劣，爱理不理")
    assert exp["gap"] == "behavior"
    assert "behavior" in exp["cues"] and "态度恶劣" in exp["cues"]["behavior"]
    feats = [f for f, _ in exp["top_features"]["behavior"]]
    assert feats and any("态度" in f or "理" in f for f in feats)
    assert abs(sum(exp["proba"].values()) - 1) < 1e-6


def test_model_file_is_arrays_and_verified(tmp_path, corpus):
    import zipfile

    from feedback_mining.models.registry import load_model

    small = corpus.groupby("gap").head(40)
    clf = GapClassifier(review_threshold=0.5, cv=2).fit(small["text"], small["gap"])
    path = clf.save(tmp_path / "m.npz")
    assert {n.rsplit(".", 1)[1] for n in zipfile.ZipFile(path).namelist()} == {"npy"}  # arrays only
    meta = (tmp_path / "m.npz.json").read_text(encoding="utf-8")
    assert "taxonomy_hash" in meta and "model_sha256" in meta and "review_threshold" in meta
    back = load_model(path)
    texts = ["宣传的和实物不一样", "前臺態度很差 😡", "ＡＰＰ闪退，客服不回复"]
    assert np.allclose(back.predict_proba(texts), clf.predict_proba(texts))
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(UserError, match="SHA-256"):
        load_model(path)


def test_a_crafted_pickle_never_runs(tmp_path):
    """A pickle with a payload and a sidecar whose hash matches: refused before anything is unpickled."""
    import json
    import os

    from feedback_mining.models.registry import load_model, sha256_file

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    path = tmp_path / "evil.joblib"
    path.write_bytes(pickle.dumps(Payload()))
    (tmp_path / "evil.joblib.json").write_text(json.dumps({"model_sha256": sha256_file(path)}), encoding="utf-8")
    with pytest.raises(UserError):
        load_model(path)
    sidecar = json.loads((tmp_path / "evil.joblib.json").read_text(encoding="utf-8"))
    sidecar.update(format="feedback-mining/gap-model", format_version=2)
    (tmp_path / "evil.joblib.json").write_text(json.dumps(sidecar), encoding="utf-8")
    with pytest.raises(UserError):
        load_model(path)
    assert not marker.exists()


def test_model_for_another_taxonomy_is_refused(tmp_path, corpus):
    import yaml

    from feedback_mining.models.registry import load_model
    from feedback_mining.models.taxonomy import default_taxonomy_path

    small = corpus.groupby("gap").head(30)
    path = GapClassifier(review_threshold=0.5, cv=2).fit(small["text"], small["gap"]).save(tmp_path / "m.npz")
    data = yaml.safe_load(default_taxonomy_path().read_text(encoding="utf-8"))
    data["labels"][0]["cues"].append("新增线索")
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UserError, match="another taxonomy"):
        load_model(path, taxonomy=other)


def test_classify_frame_columns_order_and_empty_rows(model):
    import pandas as pd

    df = pd.DataFrame({"id": ["1", "2", "3"], "内容": ["說好的贈品沒給，還說我記錯了 😡", "   ", "快递员把包裹扔门口丢了，我要去12315投诉"]})
    out = classify_frame(df, model, "内容")
    assert out["id"].tolist() == ["1", "2", "3"] and out["内容"].tolist() == df["内容"].tolist()
    for col in ["gap", "gap_zh", "gap_confidence", "needs_review", "escalation_risk", "escalation_reasons", "customer_demand"] + [f"proba_{c}" for c in model.classes_]:
        assert col in out.columns
    assert out.loc[1, "gap"] == "" and bool(out.loc[1, "needs_review"]) is True
    assert out.loc[0, "gap"] == "promotion" and out.loc[0, "gap_zh"] == "促销差距"
    assert out.loc[2, "escalation_risk"] == "high"


def test_shipped_default_model_matches_the_corpus_and_taxonomy(model):
    """The shipped model was built from today's corpus (else: `make model`) and loads without scikit-learn."""
    import subprocess
    import sys

    from feedback_mining.models.registry import sha256_file
    from feedback_mining.paths import corpus_file

    meta = model.metadata_
    assert meta["training_data_sha256"] == sha256_file(corpus_file("complaints_labeled.csv"))[:16], "run `make model`"
    code = ("import sys; from feedback_mining.models.registry import default_model; "
            "m = default_model(); m.predict(['退款太慢']); "
            "print(sorted(k for k in sys.modules if k.split('.')[0] in ('sklearn', 'scipy', 'matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
