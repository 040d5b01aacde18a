"""The install contract: a built wheel carries its runtime resources and works outside the repository;
environment.yml lists what pyproject.toml lists; resources can be overridden by FEEDBACK_MINING_CORPORA."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from feedback_mining.paths import RESOURCES, resource_file

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_RESOURCES = ["taxonomy/gaps.yaml", "dict/domain.txt", "stopwords.txt"]


def _requirement(spec: str) -> tuple[str, str]:
    """``"dask[dataframe]>=2024.1"`` → ``("dask", ">=2024.1")``: a PEP 503 name without extras, and the bound."""
    m = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*?)\s*", spec)
    assert m, spec
    return re.sub(r"[-_.]+", "-", m.group(1)).lower(), m.group(2).replace(" ", "")


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python ≥ 3.11")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_lists_the_pyproject_dependencies():
    project = _pyproject()["project"]
    wanted: dict[str, str] = {}
    for spec in [*project["dependencies"], *[s for extra in project["optional-dependencies"].values() for s in extra]]:
        name, bound = _requirement(spec)
        assert wanted.setdefault(name, bound) == bound, f"{name} has two different bounds in pyproject.toml"
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    listed: dict[str, str] = {}
    pip_section: list[str] = []
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            pip_section += entry["pip"]
            continue
        name, bound = _requirement(entry)
        listed[name] = bound
    for line in pip_section:
        if line.startswith("-e"):
            assert line.split(None, 1)[1].strip() in (".", '"."'), line
            continue
        name, bound = _requirement(line)
        assert name not in listed, f"{name} is both a conda and a pip dependency in environment.yml"
        listed[name] = bound
    assert "-e ." in pip_section, "environment.yml must install the package itself"
    assert listed.pop("python") == project["requires-python"]
    listed.pop("pip")
    assert listed == wanted


def test_runtime_resources_ship_in_the_package_and_can_be_overridden(tmp_path, monkeypatch):
    from feedback_mining.models.taxonomy import default_taxonomy_path, load_taxonomy
    from feedback_mining.text.tokenizer import default_stopwords, default_user_dict

    monkeypatch.delenv("FEEDBACK_MINING_CORPORA", raising=False)
    assert RESOURCES == ROOT / "feedback_mining" / "resources"
    for rel in RUNTIME_RESOURCES:
        assert resource_file(*rel.split("/")).is_file(), rel
    assert default_taxonomy_path() == RESOURCES / "taxonomy" / "gaps.yaml"
    assert (default_user_dict(), default_stopwords()) == (RESOURCES / "dict" / "domain.txt", RESOURCES / "stopwords.txt")
    # a team's own taxonomy beside its corpus wins; files it does not have come from the package
    own = tmp_path / "taxonomy" / "gaps.yaml"
    own.parent.mkdir()
    text = (RESOURCES / "taxonomy" / "gaps.yaml").read_text(encoding="utf-8")
    own.write_text(re.sub(r"(?m)^name: .*$", "name: 我们的根因", text, count=1), encoding="utf-8")
    monkeypatch.setenv("FEEDBACK_MINING_CORPORA", str(tmp_path))
    assert default_taxonomy_path() == own and load_taxonomy().name == "我们的根因"
    assert default_user_dict() == RESOURCES / "dict" / "domain.txt"


def _copy_source(dest: Path) -> Path:
    junk = shutil.ignore_patterns(".git", ".venv", "out", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis",
                                  ".pytest_cache", ".ipynb_checkpoints", "notebooks", "benchmarks")
    shutil.copytree(ROOT, dest, ignore=junk)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[Path, str]:
    """A wheel built from a clean copy of the source, and the build's output."""
    pytest.importorskip("setuptools")
    tmp = tmp_path_factory.mktemp("wheel")
    src = _copy_source(tmp / "src")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(src)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return next((tmp / "dist").glob("feedback_mining-*.whl")), r.stdout + r.stderr


def test_wheel_carries_resources_and_jupyter_dependencies(wheel):
    path, log = wheel
    names = set(zipfile.ZipFile(path).namelist())
    for rel in ["py.typed", *(f"resources/{r}" for r in RUNTIME_RESOURCES)]:
        assert f"feedback_mining/{rel}" in names, rel
    meta = zipfile.ZipFile(path).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    core = {_requirement(line.split(":", 1)[1])[0] for line in meta.splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line}
    assert {"jupyterlab", "ipywidgets", "ipykernel", "jieba", "scikit-learn", "matplotlib"} <= core
    assert "License-Expression: MIT" in meta
    assert not re.search(r"deprecat", log, re.IGNORECASE), log  # no setuptools banner on install


@dataclass
class Installed:
    env_dir: Path
    bin_dir: Path
    workdir: Path
    env: dict

    def run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=self.workdir, env=self.env, timeout=300)
        assert r.returncode == 0 or not check, r.stdout + r.stderr
        return r


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Installed:
    """The wheel installed (not editable) into a fresh venv, run from a folder outside the repository,
    with no FEEDBACK_MINING_CORPORA and an empty model cache. Dependencies come from this test
    environment (a path entry), so nothing is downloaded."""
    path, _ = wheel
    tmp = tmp_path_factory.mktemp("installed")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    r = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--no-deps", "--disable-pip-version-check", "-q", str(path)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert not re.search(r"deprecat", r.stdout + r.stderr, re.IGNORECASE), r.stdout + r.stderr
    site = Path(subprocess.run([str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("FEEDBACK_MINING_CORPORA", "PYTHONPATH")}
    env["FEEDBACK_MINING_CACHE"] = str(tmp / "cache")
    (tmp / "elsewhere").mkdir()
    return Installed(env_dir, bin_dir, tmp / "elsewhere", env)


@pytest.mark.slow
def test_installed_wheel_works_outside_the_repository(installed):
    """The CLI, the notebook views, the bundled taxonomy, domain dictionary and stopwords."""
    from feedback_mining import __version__

    version = installed.run(str(installed.bin_dir / "feedback-mining"), "--version").stdout
    assert version.strip() == f"feedback-mining {__version__}"
    out = installed.run(str(installed.bin_dir / "python"), "-c", "\n".join([
        "import feedback_mining, feedback_mining.notebook",
        "from feedback_mining.models.taxonomy import load_taxonomy",
        "from feedback_mining.text.tokenizer import Tokenizer",
        "print(feedback_mining.__file__)",
        "print(' '.join(load_taxonomy().codes))",
        "print(' '.join(Tokenizer(stopwords='default')('4S店的服务顾问不专业，態度很差')))",
    ])).stdout
    where, codes, tokens = out.splitlines()
    assert Path(where).is_relative_to(installed.env_dir), where  # the installed copy, not the repository
    assert set(codes.split()) == {"understanding", "process", "behavior", "promotion", "perception"}
    words = tokens.split()
    assert "服务顾问" in words  # a domain-dictionary word (plain jieba splits it: 服务 / 顾问)
    assert "的" not in words  # a stopword


@pytest.mark.slow
def test_installed_wheel_classifies_with_the_default_model(installed):
    src = installed.workdir / "投诉.csv"
    src.write_text("complaint_id,text\nA1,服務顧問態度很差，說好回電也不回\nA2,销售承诺送三次保养，现在不认账\n", encoding="gb18030")
    r = installed.run(str(installed.bin_dir / "feedback-mining"), "classify", str(src), "-o", "out.csv", "--workers", "1",
                      "--quiet", check=False)
    assert r.returncode == 0, r.stderr
    assert "rows read 2, written 2, rejected 0" in r.stderr + r.stdout


@pytest.mark.slow
def test_installed_wheel_brings_the_font_extension_to_jupyterlab(installed):
    """pip puts feedback-mining-fonts under the venv's share/jupyter/labextensions/, where JupyterLab finds it."""
    out = installed.run(str(installed.bin_dir / "python"), "-c", "\n".join([
        "import json",
        "from jupyter_core.paths import jupyter_path",
        "from jupyterlab_server.config import get_federated_extensions",
        "ext = get_federated_extensions(jupyter_path('labextensions'))['feedback-mining-fonts']",
        "print(json.dumps([ext['ext_path'], ext['jupyterlab']['_build']]))",
    ])).stdout
    path, build = json.loads(out)
    assert Path(path) == installed.env_dir / "share" / "jupyter" / "labextensions" / "feedback-mining-fonts"
    assert build == {"load": "static/remoteEntry.js", "style": "./style"}
    from feedback_mining.notebook.fonts import SUBSET_FILE

    assert (Path(path) / "static" / SUBSET_FILE.name).read_bytes() == SUBSET_FILE.read_bytes()
