// The CJK / emoji font loader (feedback_mining.notebook.fonts.FontLoader).
// Registers the faces sent by Python with the FontFace API and appends their families to JupyterLab's
// font variables, so every widget, markdown cell, HTML output and inline SVG falls back to them.
// In JupyterLab the feedback-mining-fonts extension (../labextension) has declared and named the CJK face
// already, before anything was drawn; then this adds only the emoji and rare-character faces. Alone, it is late for
// text laid out before it ran: Chromium keeps that text's .notdef boxes (a code cell's first line).
const VARS = ["--jp-ui-font-family", "--jp-content-font-family", "--jp-code-font-family"];

function appendFamily(family) {
  const root = document.documentElement, cs = getComputedStyle(root);
  for (const v of VARS) {
    const cur = (root.style.getPropertyValue(v) || cs.getPropertyValue(v)).trim();
    if (cur && !cur.includes(`"${family}"`)) root.style.setProperty(v, `${cur}, "${family}"`);
  }
}

// SVG that pins a generic family by attribute (d3 / bqplot axes: font-family="sans-serif") never reaches a
// web font; a CSS rule beats a presentation attribute. bqplot keeps its fonts in :root variables.
// Form controls do not inherit the page font: <select> options, <input> text and placeholders would stay boxes.
const SVG_RULE = `.jp-OutputArea select, .jp-OutputArea option, .jp-OutputArea input, .jp-OutputArea textarea,
.jupyter-widgets select, .jupyter-widgets input, .jupyter-widgets textarea { font-family: var(--jp-ui-font-family); }
svg[font-family="sans-serif"], svg [font-family="sans-serif"], svg[font-family="serif"], svg [font-family="serif"]
  { font-family: var(--jp-content-font-family); }
html:root { --bq-font: 12px var(--jp-content-font-family); --bq-axislabel-font: 14px var(--jp-content-font-family);
  --bq-mainheading-font: 16px var(--jp-content-font-family); }`;

function addSvgRule() {
  if (document.getElementById("fm-font-rule")) return;
  const st = document.createElement("style");
  st.id = "fm-font-rule";
  st.textContent = SVG_RULE;
  document.head.appendChild(st);
}

async function addFace(family, view) {
  if (!view || view.byteLength === 0) return false;
  for (const f of document.fonts) if (f.family.replace(/"/g, "") === family && f.status === "loaded") return true;
  const bytes = view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
  const face = new FontFace(family, bytes, { display: "swap" });
  await face.load();
  document.fonts.add(face);
  return true;
}

// true when every character of `text` drawn with `family` differs from the .notdef box (U+10FFFD has no
// glyph in any font). document.fonts.check() cannot tell: it answers true when no face matches at all.
function glyphsRender(text, family) {
  const c = document.createElement("canvas");
  c.width = 64; c.height = 64;
  const g = c.getContext("2d", { willReadFrequently: true });
  const draw = (t) => {
    g.clearRect(0, 0, 64, 64); g.font = `40px ${family}`; g.textBaseline = "top"; g.fillText(t, 2, 8);
    return g.getImageData(0, 0, 64, 64).data;
  };
  const box = draw("\u{10FFFD}");
  return [...text].every((ch) => {
    const a = draw(ch);
    let diff = 0;
    for (let i = 3; i < a.length; i += 4) if (a[i] !== box[i]) diff++;
    return diff > 20;
  });
}

const stack = () => getComputedStyle(document.documentElement).getPropertyValue("--jp-ui-font-family");
const repaint = () => requestAnimationFrame(() => window.dispatchEvent(new Event("resize")));

async function addExtras(model) {
  const extras = model.get("extras") || [];
  let n = 0;
  for (let i = 0; i < extras.length; i++) {
    const fam = `${model.get("family")} Extra ${i + 1}`;
    if (await addFace(fam, extras[i])) { appendFamily(fam); n++; }
  }
  if (n) repaint();
  return n;
}

async function render({ model, el }) {
  el.classList.add("fm-font-status");
  const result = {};
  try {
    result.cjk_added = await addFace(model.get("family"), model.get("font"));
    result.emoji_added = await addFace(model.get("emoji_family"), model.get("emoji"));
    if (result.cjk_added) appendFamily(model.get("family"));
    if (result.emoji_added) appendFamily(model.get("emoji_family"));
    addSvgRule();
    result.extras = await addExtras(model);
    repaint();  // canvases painted before the font existed keep boxes until they repaint
  } catch (e) {
    result.error = String(e);
  }
  result.cjk_renders = glyphsRender("中文", stack());
  result.emoji_renders = glyphsRender("😤", stack());
  const show = () => {
    el.dataset.cjk = String(result.cjk_renders);
    el.dataset.emoji = String(result.emoji_renders);
    if (result.cjk_renders) {
      el.textContent = "中文字体已加载 ✓" + (result.emoji_renders ? "" : "（无表情字体：表情显示为〔表情〕）");
      el.className = "fm-font-status fm-font-ok";
    } else {
      el.textContent = `⚠ 中文字体未能加载，中文可能显示为方框（Chinese font not loaded${result.error ? ": " + result.error : ""}）`;
      el.className = "fm-font-status fm-font-failed";
    }
  };
  show();
  model.on("change:extras", async () => {
    result.extras = await addExtras(model);
    model.set("status", { ...model.get("status"), extras: result.extras });
    model.save_changes();
  });
  model.set("status", result);
  model.save_changes();
}

export default { render };
