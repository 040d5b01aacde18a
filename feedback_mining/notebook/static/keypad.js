// KeyPad (feedback_mining.notebook.components.KeyPad): one-key labelling without Enter.
// While the pad has focus, keys in `allowed_keys` are sent to Python (model.send). Every plain key (no
// Ctrl/Alt/Meta) is stopped with preventDefault + stopPropagation: JupyterLab 4 listens for keydown on
// `document` in the bubbling phase, so command-mode shortcuts (d d deletes a cell, m makes markdown,
// 0 0 restarts the kernel …) never fire while labelling. Tab and Escape still leave the pad.
function render({ model, el }) {
  const pad = document.createElement("div");
  pad.className = "kp-pad";
  pad.tabIndex = 0;
  pad.setAttribute("role", "application");
  const body = document.createElement("div");
  body.className = "kp-body";
  const hint = document.createElement("div");
  hint.className = "kp-hint";
  pad.append(body, hint);
  el.appendChild(pad);
  const show = () => {
    body.innerHTML = model.get("html");  // built by Python from escaped, masked text
    const active = document.activeElement === pad;
    hint.textContent = active ? model.get("active_hint") : model.get("inactive_hint");
    pad.classList.toggle("kp-active", active);
    pad.setAttribute("aria-label", model.get("inactive_hint"));
  };
  pad.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.key === "Tab" || e.key === "Escape") {
      if (e.key === "Escape") pad.blur();
      return;
    }
    e.preventDefault();
    e.stopPropagation();
    if (e.repeat) return;
    const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (model.get("allowed_keys").includes(k)) {
      model.send({ key: k });
      pad.classList.add("kp-flash");
      setTimeout(() => pad.classList.remove("kp-flash"), 150);
    }
  });
  pad.addEventListener("focus", show);
  pad.addEventListener("blur", show);
  model.on("change:html", show);
  show();
}

export default { render };
