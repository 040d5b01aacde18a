// feedback-mining-fonts: a prebuilt JupyterLab extension with one style module and no plugin, written by hand
// (no node at build or install time). JupyterLab loads this script for every page, calls
// window._JUPYTERLAB["feedback-mining-fonts"].get("./style") and waits for the result before it draws
// anything, so the CJK face and the font stacks that name it exist before the first cell is laid out.
//
// Why not the notebook widget alone: it registers the face and appends it to JupyterLab's font variables
// only when a view renders. Chromium does not reshape text that was already laid out when those inherited
// variables change, so whatever was drawn before (the first line of a code editor, a markdown paragraph)
// keeps its .notdef boxes, and after a page reload nothing loads the face until a cell runs.
// A @font-face declared up front loads on demand (only for characters in its unicode-range) and the
// browser's own web-font path redraws every text that waited for it.
var _JUPYTERLAB;
(function () {
  "use strict";
  const NAME = "feedback-mining-fonts";
  const FAMILY = '"FM Noto Sans SC"';   // feedback_mining.notebook.fonts.FAMILY
  const EMOJI = '"FM Emoji"';           // feedback_mining.notebook.fonts.EMOJI_FAMILY (sent by the widget when installed)
  const base = document.currentScript ? document.currentScript.src.replace(/[^/]*$/, "") : "";
  // JupyterLab 4's theme stacks (theme-light / theme-dark variables) with the two families appended;
  // tests/test_labextension.py checks them against the installed JupyterLab's themes.
  const UI = 'system-ui, -apple-system, blinkmacsystemfont, "Segoe UI", helvetica, arial, sans-serif, ' +
    '"Apple Color Emoji", "Segoe UI Emoji", "Segoe UI Symbol"';
  const CODE = 'menlo, consolas, "DejaVu Sans Mono", monospace';
  const CSS = `@font-face {
  font-family: ${FAMILY};
  src: url("${base}NotoSansSC-gb2312.woff2") format("woff2");
  font-display: block;
  unicode-range: U+2010-206F, U+2100-22FF, U+2460-24FF, U+2500-27BF, U+2E80-9FFF, U+F900-FAFF, U+FE10-FE6F, U+FF00-FFEF;
}
:root:root {
  --jp-ui-font-family: ${UI}, ${FAMILY}, ${EMOJI};
  --jp-content-font-family: ${UI}, ${FAMILY}, ${EMOJI};
  --jp-code-font-family-default: ${CODE}, ${FAMILY}, ${EMOJI};
}`;

  function style() {
    if (!document.getElementById("fm-fonts-labextension")) {
      const el = document.createElement("style");
      el.id = "fm-fonts-labextension";
      el.textContent = CSS;
      document.head.appendChild(el);
    }
    return {};
  }

  const modules = { "./style": style };
  _JUPYTERLAB = _JUPYTERLAB || {};
  _JUPYTERLAB[NAME] = {
    init: function () {},  // shares no module with JupyterLab
    get: function (module) {
      return modules[module] ? Promise.resolve(function () { return modules[module](); })
        : Promise.reject(new Error(`${NAME}: no module ${module}`));
    },
  };
})();
