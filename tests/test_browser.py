"""Real browser: JupyterLab + Debian's Chromium (Playwright) run 01_explore and use the gap filter.

Needs ``/usr/bin/chromium`` (``make browser`` installs it); the test fails loudly without it.
Playwright drives the system Chromium only (no ``playwright install``). The whole test is
bounded (< 5 minutes) and always stops the JupyterLab server it started.
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
NOTEBOOK = ROOT / "notebooks" / "01_explore.ipynb"
SCREENSHOT = ROOT / "out" / "browser" / "explore.png"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
BUDGET_S = 240  # server start to the last check; stopping the server adds at most ~35 s
COUNT_RE = re.compile(r"显示\s*(\d+)\s*/\s*(\d+)\s*条投诉")


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self, cap: float) -> float:
        """Seconds to wait: at most ``cap``, never past the deadline (and at least 1)."""
        return max(1.0, min(cap, self.end - time.monotonic()))

    def ms(self, cap: float) -> float:
        return self.left(cap) * 1000


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(settings_dir: Path) -> None:
    """Lab user settings for a quiet, deterministic session: no autosave, no news, no cell windowing."""
    files = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for rel, content in files.items():
        path = settings_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content), encoding="utf-8")


def _fonts_conf(tmp: Path) -> Path:
    """A fontconfig file adding the CJK fonts shipped with mplfonts, so Chromium renders Chinese."""
    import mplfonts

    fonts = Path(mplfonts.__file__).parent / "fonts"
    conf = tmp / "fonts.conf"
    conf.write_text(
        "<?xml version='1.0'?><!DOCTYPE fontconfig SYSTEM 'fonts.dtd'><fontconfig>"
        "<include ignore_missing='yes'>/etc/fonts/fonts.conf</include>"
        f"<dir>{fonts}</dir><cachedir>{tmp / 'fc-cache'}</cachedir></fontconfig>", encoding="utf-8")
    return conf


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def _log_tail(log: Path, n: int = 40) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return "(no server log)"


def _stop_server(proc: subprocess.Popen, base: str, token: str) -> None:
    """Ask JupyterLab to shut down (kernels too); then SIGTERM / SIGKILL its process group."""
    if proc.poll() is None:
        try:
            req = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST", data=b"")
            urllib.request.urlopen(req, timeout=5).close()
        except Exception:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue


def _wait_kernel_idle(base: str, token: str, deadline: Deadline, cap: float) -> None:
    end = time.monotonic() + deadline.left(cap)
    while time.monotonic() < end:
        status, body = _get(f"{base}/api/kernels?token={token}")
        if status == 200:
            kernels = json.loads(body or b"[]")
            if kernels and all(k.get("execution_state") == "idle" for k in kernels):
                return
        time.sleep(0.5)
    raise AssertionError("the notebook's kernel did not become idle in time")


def _run_all_cells(page) -> None:
    """Run → Run All Cells from the menu bar (the command palette as a fallback)."""
    try:
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).first.click(timeout=15_000)
        page.locator('.lm-Menu-item[data-command="runmenu:run-all"], .lm-Menu-item[data-command="notebook:run-all-cells"]',
                     has_text="Run All Cells").first.click(timeout=15_000)
    except Exception:
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        page.keyboard.press("Control+Shift+C")
        page.keyboard.type("Run All Cells")
        page.keyboard.press("Enter")


def test_explorer_gap_filter_in_jupyterlab(tmp_path):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs Debian's Chromium "
                    "(run `make browser` or `apt-get install -y chromium`); it is not skipped on purpose")
    from playwright.sync_api import sync_playwright

    deadline = Deadline(BUDGET_S)
    port, token = _free_port(), secrets.token_hex(24)
    base = f"http://127.0.0.1:{port}"
    jdir = tmp_path / "jupyter"
    _write_settings(jdir / "settings")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(jdir / "config"), "JUPYTER_RUNTIME_DIR": str(jdir / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(jdir / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(jdir / "workspaces"),
           "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "jupyterlab.log"
    original = NOTEBOOK.read_bytes()
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}", "--ServerApp.port_retries=0",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers / CI often run as root
        cmd.append("--allow-root")
    with open(log, "wb") as log_fh:
        proc = subprocess.Popen(cmd, stdout=log_fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True)
    try:
        end = time.monotonic() + deadline.left(90)
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{_log_tail(log)}")
            try:
                if _get(f"{base}/api/status?token={token}", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > end:
                pytest.fail(f"JupyterLab did not answer on {base} in time:\n{_log_tail(log)}")
            time.sleep(0.5)

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                                         env={**os.environ, "FONTCONFIG_FILE": str(_fonts_conf(tmp_path))},
                                         timeout=deadline.ms(60))
            try:
                page = browser.new_page(viewport={"width": 1500, "height": 2400})
                page.set_default_timeout(deadline.ms(60))
                page.goto(f"{base}/lab/tree/notebooks/01_explore.ipynb?token={token}", wait_until="domcontentloaded",
                          timeout=deadline.ms(90))
                page.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible", timeout=deadline.ms(90))
                _wait_kernel_idle(base, token, deadline, 90)
                _run_all_cells(page)
                count = page.locator(".fm-count").first
                count.wait_for(state="visible", timeout=deadline.ms(180))
                page.wait_for_function(
                    "(sel) => { const e = document.querySelector(sel); return e && /显示/.test(e.innerText); }",
                    arg=".fm-count", timeout=deadline.ms(60))
                before = count.inner_text().strip()
                m = COUNT_RE.search(before)
                assert m and m.group(1) == m.group(2), f"unexpected count label before filtering: {before!r}"

                gap_select = page.locator(".fm-gap-filter select").first
                options = gap_select.locator("option").all_inner_texts()
                assert options, "the gap filter has no options"
                gap_select.select_option(index=0)  # one gap selected in the multi-select
                page.wait_for_function(
                    "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText.trim() !== old; }",
                    arg=[".fm-count", before], timeout=deadline.ms(60))
                after = count.inner_text().strip()
                m2 = COUNT_RE.search(after)
                assert m2 and after != before, f"count label did not change: {before!r} → {after!r}"
                assert 0 < int(m2.group(1)) < int(m2.group(2)) == int(m.group(2))
                _wait_kernel_idle(base, token, deadline, 60)  # the explorer has finished redrawing

                page.wait_for_function(  # both SVG charts (Pareto and trend) are drawn
                    "() => document.querySelectorAll('.fm-explorer svg rect').length >= 10",
                    timeout=deadline.ms(60))
                page.locator(".fm-explorer").first.scroll_into_view_if_needed()
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOT))
                assert SCREENSHOT.stat().st_size > 10_000
            finally:
                browser.close()
    finally:
        _stop_server(proc, base, token)
        if NOTEBOOK.read_bytes() != original:  # never leave outputs in the committed notebook
            NOTEBOOK.write_bytes(original)
    assert proc.poll() is not None, "the JupyterLab server is still running"
