"""The four notebooks: committed clean, thin, and each runs top to bottom headless (nbclient, cwd = notebooks/)."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_explore.ipynb", "02_root_causes.ipynb", "03_label_and_train.ipynb", "04_management_report.ipynb"]
LIMIT_S = 120  # each notebook must run in under two minutes


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_clean(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code), "commit notebooks without outputs"
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and nb.cells[1] is params[0], "one parameters cell, right after the title"
    for name_ in ("INPUT_PATH", "TEXT_COLUMN", "MODEL_PATH", "OUTPUT_DIR"):
        assert f"\n{name_} = " in params[0].source
    assert 'corpus_file("complaints_labeled.csv")' in params[0].source
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert sum(len(c.source.splitlines()) for c in code) <= 40, "notebooks stay thin: the views live in the package"
    assert any(ord(ch) > 0x4E00 for ch in nb.cells[0].source), "the notebook speaks Chinese"


def _run(name: str) -> tuple[object, float]:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import os, sys\nprint(sys.executable)\nprint(os.getcwd())"))
    client = nbclient.NotebookClient(nb, timeout=LIMIT_S, kernel_name="python3", allow_errors=False,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    t0 = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - t0


def _errors(nb) -> list[str]:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out.append(f"{o.get('ename')}: {o.get('evalue')}")
            elif o.get("name") == "stderr" and "Traceback" in o.get("text", ""):
                out.append(o["text"])
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_headless(name):
    started = time.time()
    nb, seconds = _run(name)
    assert not _errors(nb)
    probe = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("name") == "stdout").split("\n")
    assert Path(probe[0]).resolve() == Path(sys.executable).resolve(), "the kernel must be this venv's python"
    assert Path(probe[1]).resolve() == NOTEBOOKS.resolve()
    assert seconds < LIMIT_S, f"{name} took {seconds:.0f} s"
    mimes = {k for c in nb.cells if c.cell_type == "code" for o in c.outputs for k in o.get("data", {})}
    if name != "04_management_report.ipynb":
        assert "application/vnd.jupyter.widget-view+json" in mimes, "the widget is displayed"
    if name == "04_management_report.ipynb":
        report = ROOT / "out" / "notebooks" / "report"
        for f in ("deck.pptx", "summary.xlsx", "summary.html", "gap_pareto.png"):
            assert (report / f).exists() and os.path.getmtime(report / f) >= started - 1
        assert "image/png" in mimes
        html = "".join("".join(o.get("data", {}).get("text/html", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        assert html.count("class='fm-report-link'") == 3  # deck, workbook, HTML page
        assert "deck.pptx" in html and "summary.xlsx" in html and "summary.html" in html
        pngs = [p for p in report.glob("*.png") if os.path.getmtime(p) >= started - 1]
        shown = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        assert shown == len(pngs) >= 5, f"{shown} charts shown of {len(pngs)} written"  # every chart
    if name == "02_root_causes.ipynb":
        assert (ROOT / "out" / "notebooks" / "root_causes" / "theme_x_gap_counts.csv").exists()
        assert (ROOT / "out" / "notebooks" / "root_causes" / "compare_current.csv").exists()
        new_cell = next(c for c in nb.cells if c.cell_type == "code" and "theme_changes(" in c.source)
        shown = {k for o in new_cell.outputs for k in o.get("data", {})}
        said = "".join(o.get("text", "") for o in new_cell.outputs)
        assert "image/png" in shown or "what is new:" in said, "what is new: a chart or the reason there is none"
