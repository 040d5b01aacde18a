"""User data is never lost: input columns named like outputs are kept, no output (or side file)
ever replaces an input under any spelling, bad output paths are one-line errors, and no run
leaves temporary files behind. Table-driven over commands, spellings and path kinds."""
from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback_mining.data.write import check_output
from feedback_mining.errors import UserError
from hostile import accounting, complaint, leftovers, one_line_error, run, write_csv

RESERVED = ["gap", "gap_zh", "gap_confidence", "needs_review", "customer_demand", "escalation_risk", "escalation_reasons",
            "proba_process", "proba_behavior", "theme", "theme_name", "tokens", "complaint_id", "empty_text"]
COMMANDS = {
    "segment": lambda i, o: ["segment", i, "-o", o],
    "classify": lambda i, o: ["classify", i, "-o", o, "--quiet", "--workers", "1"],
    "cluster": lambda i, o: ["cluster", i, "-o", o, "--k", "3"],
}


def corpus(n: int, seed: int = 1) -> list[list[str]]:
    rng = random.Random(seed)
    return [[f"T{seed}{i:04d}", complaint(rng), rng.choice(["电话", "微信", "微博"])] for i in range(n)]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_reserved_column_keeps_its_values(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    rows = corpus(36)
    header = ["编号", "投诉内容", "渠道"] + RESERVED
    write_csv(tmp_path / "in.csv", header, [r + [f"用户原值-{c}-{i:03d}" for c in RESERVED] for i, r in enumerate(rows)])
    rc, err = run(capsys, *COMMANDS[command]("in.csv", "out.csv"))
    assert rc == 0, err
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for i in range(len(rows)):
        values = set(out.iloc[i])
        assert all(f"用户原值-{c}-{i:03d}" in values for c in RESERVED), (command, out.columns.tolist())
    assert any("kept under new names" in line for line in err)
    meta = json.loads((tmp_path / "out.csv.meta.json").read_text(encoding="utf-8"))
    assert meta["rows_read"] == meta["rows_written"] == 36 and meta["rows_rejected"] == 0


@pytest.mark.parametrize("command", COMMANDS)
def test_complaint_ids_kept_verbatim(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    rows = corpus(20)
    write_csv(tmp_path / "in.csv", ["complaint_id", "投诉内容"], [[f"  CID {i:03d} ", r[1]] for i, r in enumerate(rows)])
    assert run(capsys, *COMMANDS[command]("in.csv", "out.csv"))[0] == 0
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert out["complaint_id"].tolist() == [f"  CID {i:03d} " for i in range(20)]


SPELLINGS = ["same", "dot", "abs", "dotdot", "dslash", "symlink", "symlink-rev", "hardlink", "dirlink"]


def _spell(d: Path, spelling: str) -> tuple[str, str]:
    """(input, output) naming the same file ``in.csv`` in another way."""
    real = d / "in.csv"
    if spelling == "dotdot":
        (d / "sub").mkdir()
    elif spelling in ("symlink", "symlink-rev"):
        os.symlink("in.csv", d / "link.csv")
    elif spelling == "hardlink":
        os.link(real, d / "hard.csv")
    elif spelling == "dirlink":
        os.symlink(".", d / "here")
    return {"same": ("in.csv", "in.csv"), "dot": ("in.csv", "./in.csv"), "abs": ("in.csv", str(real)),
            "dotdot": ("in.csv", "sub/../in.csv"), "dslash": ("in.csv", ".//in.csv"), "symlink": ("in.csv", "link.csv"),
            "symlink-rev": ("link.csv", "in.csv"), "hardlink": ("in.csv", "hard.csv"), "dirlink": ("in.csv", "here/in.csv")}[spelling]


@pytest.mark.parametrize("command", ["segment", "classify", "cluster", "train"])
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_output_never_replaces_the_input(tmp_path, capsys, monkeypatch, command, spelling):
    monkeypatch.chdir(tmp_path)
    gaps = ["process", "behavior", "promotion", "understanding", "perception"]
    write_csv(tmp_path / "in.csv", ["编号", "投诉内容", "gap"], [r[:2] + [gaps[i % 5]] for i, r in enumerate(corpus(30))])
    before = (tmp_path / "in.csv").read_bytes()
    inp, out = _spell(tmp_path, spelling)
    argv = ["train", inp, "-o", out] if command == "train" else COMMANDS[command](inp, out)
    rc, err = run(capsys, *argv)
    assert one_line_error(rc, err) and "input" in err[0], err
    assert (tmp_path / "in.csv").read_bytes() == before
    assert not leftovers(tmp_path)


@pytest.mark.parametrize("side", ["rejects", "parts"])
@pytest.mark.parametrize("command", COMMANDS)
def test_side_files_never_replace_or_delete_the_input(tmp_path, capsys, monkeypatch, command, side):
    """An input named like OUTPUT.rejects.csv, or kept inside OUTPUT.parts/ (which classify deletes)."""
    monkeypatch.chdir(tmp_path)
    name = {"rejects": "o.csv.rejects.csv", "parts": "o.csv.parts/in.csv"}[side]
    (tmp_path / name).parent.mkdir(exist_ok=True)
    write_csv(tmp_path / name, ["编号", "投诉内容"], [r[:2] for r in corpus(20)] + [["X1", "多了字段", "额外"]])
    before = (tmp_path / name).read_bytes()
    rc, err = run(capsys, *COMMANDS[command](name, "o.csv"))
    assert (tmp_path / name).read_bytes() == before
    assert rc == 0 or one_line_error(rc, err), err
    assert rc == 2 or side == "parts" and command != "classify", err


@pytest.mark.parametrize("summary", ["out.csv", "./out.csv", "in.csv", "out.csv.meta.json", "s.docx"])
def test_cluster_summary_collisions_refused_before_any_write(tmp_path, capsys, monkeypatch, summary):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "in.csv", ["编号", "投诉内容"], [r[:2] for r in corpus(40)])
    before = (tmp_path / "in.csv").read_bytes()
    rc, err = run(capsys, "cluster", "in.csv", "-o", "out.csv", "--summary", summary)
    assert one_line_error(rc, err), err
    assert (tmp_path / "in.csv").read_bytes() == before and not (tmp_path / "out.csv").exists()


BAD_OUTPUTS = ["folder", "folder-slash", "under-file", "long-300", "long-250", "no-extension", "dev-null"]


@pytest.mark.parametrize("command,kind", [(c, k) for c in ("segment", "classify", "cluster", "train") for k in BAD_OUTPUTS
                                          if not (c == "train" and k == "no-extension")])  # a model file may have any name
def test_bad_output_paths_are_one_line_errors(tmp_path, capsys, monkeypatch, command, kind):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "in.csv", ["编号", "投诉内容", "gap"], [r[:2] + ["process"] for r in corpus(30)])
    (tmp_path / "afile").write_text("x")
    (tmp_path / "afolder.csv").mkdir()
    out = {"folder": "afolder.csv", "folder-slash": "afolder.csv/", "under-file": "afile/o.csv", "long-300": "a" * 296 + ".csv",
           "long-250": "b" * 246 + ".csv", "no-extension": "outfile", "dev-null": "/dev/null"}[kind]
    argv = ["train", "in.csv", "-o", out] if command == "train" else COMMANDS[command]("in.csv", out)
    rc, err = run(capsys, *argv)
    assert one_line_error(rc, err), err
    assert Path("/dev/null").is_char_device()
    assert not leftovers(tmp_path)


@pytest.mark.parametrize("command", ["report", "demo"])
@pytest.mark.parametrize("target", ["notes.txt", "in.csv", "notes.txt/sub", "c" * 300])
def test_report_and_demo_out_must_be_a_folder(tmp_path, capsys, monkeypatch, command, target):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "in.csv", ["编号", "投诉内容"], [r[:2] for r in corpus(40)])
    (tmp_path / "notes.txt").write_text("用户的重要笔记\n", encoding="utf-8")
    before = {p: (tmp_path / p).read_bytes() for p in ("in.csv", "notes.txt")}
    argv = ["report", "in.csv", "--out", target, "--formats", "png"] if command == "report" else ["demo", "--input", "in.csv", "--out", target]
    rc, err = run(capsys, *argv)
    assert one_line_error(rc, err), err
    assert {p: (tmp_path / p).read_bytes() for p in before} == before


@pytest.mark.parametrize("name", ["classified.csv", "themes.csv"])
def test_demo_never_overwrites_an_input_in_its_out_folder(tmp_path, capsys, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    write_csv(tmp_path / "out" / name, ["编号", "投诉内容"], [r[:2] for r in corpus(40)])
    before = (tmp_path / "out" / name).read_bytes()
    rc, err = run(capsys, "demo", "--input", f"out/{name}", "--out", "out")
    assert one_line_error(rc, err), err
    assert (tmp_path / "out" / name).read_bytes() == before


def test_failed_classify_leaves_no_parts(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "in.csv", ["编号", "投诉内容"], [r[:2] for r in corpus(10)])
    frame = pd.DataFrame(corpus(10), columns=["编号", "投诉内容", "渠道"])
    with pd.ExcelWriter(tmp_path / "in.xlsx") as xw:
        frame.to_excel(xw, sheet_name="一月", index=False)
        frame.to_excel(xw, sheet_name="二月", index=False)
    for name, extra in (("in.csv", ["--text-column", "不存在"]), ("in.xlsx", ["--sheet", "99"]), ("in.xlsx", [])):
        rc, err = run(capsys, "classify", name, "-o", "o.csv", "--quiet", *extra)
        assert one_line_error(rc, err), err
    (tmp_path / "x.csv").write_bytes(b"")
    assert one_line_error(*run(capsys, "classify", "x.csv", "-o", "o.csv", "--quiet"))
    assert not leftovers(tmp_path) and not (tmp_path / "o.csv").exists()


# --- the path checks themselves, over generated spellings -------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([".", "sub/..", "", "./"]), min_size=1, max_size=4))
def test_any_spelling_of_the_input_is_refused(tmp_path_factory, prefix):
    d = tmp_path_factory.mktemp("spell")
    (d / "sub").mkdir()
    (d / "in.csv").write_text("x")
    spelled = d.joinpath(*[p for p in "/".join(prefix).split("/") if p]) / "in.csv" if any(prefix) else d / "in.csv"
    with pytest.raises(UserError, match="overwrite the input"):
        check_output(spelled, inputs=[d / "in.csv"])
    check_output(d / "other.csv", inputs=[d / "in.csv"])


def test_success_contract_of_every_command(tmp_path, capsys, monkeypatch):
    """Every command prints rows read/written/rejected and its meta file holds the same counts."""
    monkeypatch.chdir(tmp_path)
    gaps = ["process", "behavior", "promotion", "understanding", "perception"]
    rows = [r[:2] + [gaps[i % 5]] for i, r in enumerate(corpus(60))]
    write_csv(tmp_path / "in.csv", ["complaint_id", "text", "gap"], rows)
    with open(tmp_path / "in.csv", "a", encoding="utf-8") as fh:
        fh.write("X1,多了字段,process,额外,更多\n")
    runs = {"segment": (["segment", "in.csv", "-o", "s.parquet"], "s.parquet.meta.json"),
            "classify": (["classify", "in.csv", "-o", "c.xlsx", "--quiet", "--workers", "1"], "c.xlsx.meta.json"),
            "cluster": (["cluster", "in.csv", "-o", "k.jsonl", "--summary", "ks.csv"], "k.jsonl.meta.json"),
            "train": (["train", "in.csv", "-o", "m.joblib"], "m.joblib.meta.json"),
            "report": (["report", "in.csv", "--out", "rep", "--formats", "png,xlsx"], "rep/report.meta.json"),
            "evaluate": (["evaluate", "in.csv", "--model", "m.joblib"], None)}
    for name, (argv, meta) in runs.items():
        rc, err = run(capsys, *argv)
        assert rc == 0, (name, err)
        counts = accounting(err)
        assert counts is not None and counts[0] == 61 and counts[2] >= 1, (name, err)
        if meta:
            m = json.loads((tmp_path / meta).read_text(encoding="utf-8"))
            assert (m["rows_read"], m["rows_written"], m["rows_rejected"]) == counts, name
    assert (tmp_path / "rep" / "report.rejects.csv").exists() and (tmp_path / "m.joblib.rejects.csv").exists()
    assert not leftovers(tmp_path)


@pytest.mark.parametrize("kind", ["sidecar-list", "sidecar-null", "sidecar-not-utf8", "sidecar-missing", "model-is-dir",
                                  "empty-matching-hash", "truncated-matching-hash", "hash-mismatch"])
def test_broken_model_files_are_one_line_errors(tmp_path, capsys, monkeypatch, kind):
    import hashlib

    from feedback_mining.models.gap import GapClassifier

    monkeypatch.chdir(tmp_path)
    gaps = ["process", "behavior", "promotion", "understanding", "perception"]
    texts = [r[1] for r in corpus(40)]
    GapClassifier(review_threshold=0.5).fit(texts, [gaps[i % 5] for i in range(40)]).save(tmp_path / "m.joblib")
    write_csv(tmp_path / "in.csv", ["编号", "投诉内容"], [r[:2] for r in corpus(10)])
    model, side = tmp_path / "m.joblib", tmp_path / "m.joblib.json"
    meta = json.loads(side.read_text(encoding="utf-8"))
    if kind == "sidecar-list":
        side.write_text(json.dumps([meta]), encoding="utf-8")
    elif kind == "sidecar-null":
        side.write_text("null", encoding="utf-8")
    elif kind == "sidecar-not-utf8":
        side.write_bytes(b"\xff\xfe\x00{")
    elif kind == "sidecar-missing":
        side.unlink()
    elif kind == "model-is-dir":
        model.unlink()
        model.mkdir()
    elif kind in ("empty-matching-hash", "truncated-matching-hash"):
        data = b"" if kind.startswith("empty") else model.read_bytes()[:500]
        model.write_bytes(data)
        side.write_text(json.dumps({**meta, "model_sha256": hashlib.sha256(data).hexdigest()}), encoding="utf-8")
    else:
        model.write_bytes(model.read_bytes() + b"\x00")
    for argv in (["classify", "in.csv", "-o", "o.csv", "--quiet", "--workers", "1", "--model", "m.joblib"], ["evaluate", "in.csv", "--model", "m.joblib", "--label-column", "编号"]):
        rc, err = run(capsys, *argv)
        assert one_line_error(rc, err) and "m.joblib" in err[0], err
    assert not leftovers(tmp_path)
