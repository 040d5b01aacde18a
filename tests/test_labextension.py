"""feedback-mining-fonts, the prebuilt JupyterLab extension that declares the notebooks' CJK font for every page.

The browser test proves it works (tests/test_browser.py, a Chinese first line and markdown after a reload); these
check the wiring it relies on: installed where JupyterLab looks, the same files in a wheel as in ``make install``'s
link, and font stacks that are JupyterLab's own with the two families appended.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from feedback_mining.notebook import fonts

ROOT = Path(__file__).resolve().parent.parent
EXT = fonts.LABEXTENSION
ENTRY = (EXT / "static" / "remoteEntry.js").read_text(encoding="utf-8")


def _js_string(name: str) -> str:
    """The value of ``const NAME = '...' + '...';`` in remoteEntry.js."""
    m = re.search(rf"const {name} = (.+?);[ \t]*(?://[^\n]*)?\n", ENTRY, re.S)
    assert m, f"no const {name} in remoteEntry.js"
    return "".join(re.findall(r"'([^']*)'", m.group(1)))


def test_font_extension_is_installed_where_jupyterlab_looks():
    from jupyter_core.paths import jupyter_path
    from jupyterlab_server.config import get_federated_extensions

    found = get_federated_extensions(jupyter_path("labextensions")).get("feedback-mining-fonts")
    assert found, "feedback-mining-fonts is not installed for this JupyterLab: run `make install` (or pip install a wheel)"
    build = found["jupyterlab"]["_build"]
    assert build == {"load": "static/remoteEntry.js", "style": "./style"} and "extension" not in build
    folder = Path(found["ext_path"])
    assert (folder / build["load"]).read_text(encoding="utf-8") == ENTRY
    assert (folder / "static" / fonts.SUBSET_FILE.name).read_bytes() == fonts.SUBSET_FILE.read_bytes()
    assert found["version"] == __import__("feedback_mining").__version__


def test_wheel_data_files_are_the_linked_folder():
    """pip installs the data files listed in pyproject.toml; ``make install`` links the folder: same files."""
    from setuptools.config.pyprojecttoml import load_file  # the raw table (tomllib needs Python 3.11)

    data = load_file(ROOT / "pyproject.toml")["tool"]["setuptools"]["data-files"]
    prefix = "share/jupyter/labextensions/feedback-mining-fonts"
    listed = {f"{dest[len(prefix):].lstrip('/')}/{Path(src).name}".lstrip("/"): ROOT / src
              for dest, srcs in data.items() for src in srcs}
    assert all(dest.startswith(prefix) for dest in data)
    on_disk = {p.relative_to(EXT).as_posix(): p for p in EXT.rglob("*") if p.is_file()}
    assert set(listed) == set(on_disk)
    assert all(listed[k].resolve() == on_disk[k].resolve() for k in listed)
    pkg = json.loads((EXT / "package.json").read_text(encoding="utf-8"))
    assert pkg["name"] == "feedback-mining-fonts" and pkg["version"] == __import__("feedback_mining").__version__


@pytest.mark.parametrize("theme", ["theme-light-extension", "theme-dark-extension"])
def test_font_stacks_are_jupyterlabs_own_plus_the_cjk_family(theme):
    import jupyterlab

    css_files = list(Path(jupyterlab.__file__).parents[3].glob(f"share/jupyter/lab/themes/@jupyterlab/{theme}/index.css"))
    css_files += list(Path(jupyterlab.__file__).parent.glob(f"themes/@jupyterlab/{theme}/index.css"))
    assert css_files, f"JupyterLab's {theme} CSS not found"
    css = css_files[0].read_text(encoding="utf-8")

    def var(name: str) -> str:
        return re.search(rf"--{name}:\s*([^;]+);", css).group(1).strip()

    assert _js_string("UI") == var("jp-ui-font-family") == var("jp-content-font-family")
    assert _js_string("CODE") == var("jp-code-font-family-default")
    assert var("jp-code-font-family") == "var(--jp-code-font-family-default)"  # what the extension extends
    assert _js_string("FAMILY") == f'"{fonts.FAMILY}"' and _js_string("EMOJI") == f'"{fonts.EMOJI_FAMILY}"'
    assert f'url("${{base}}{fonts.SUBSET_FILE.name}")' in ENTRY


def test_unicode_range_covers_the_chinese_the_subset_is_for():
    ranges = [tuple(int(x, 16) for x in r.split("-")) for r in
              re.search(r"unicode-range: ([^;]+);", ENTRY).group(1).replace("U+", "").split(", ")]
    inside = lambda ch: any(lo <= ord(ch) <= hi for lo, hi in ranges)  # noqa: E731
    hanzi = [c for c in fonts.subset_chars() if "\u4e00" <= c <= "\u9fff"]
    assert len(hanzi) == 6763 and all(map(inside, hanzi))
    assert all(map(inside, "，。！？【】（）“”…—、；：ＡＰＰ１２３"))
    assert not any(map(inside, "Aa1 #=(),.é"))  # ASCII stays with the code and UI fonts: no download for it
