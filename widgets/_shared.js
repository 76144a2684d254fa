// Helpers shared by every swarmnb view. swarmnb/ui/_assets.py prepends this file to each view's
// ES module (anywidget loads each module on its own, so modules cannot import one another).

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

// base + cumulative delta, see swarmnb/ui/_channel.py
function followChannel(model, name, onReset, onItems) {
  let baseV = null;
  let appliedV = null;
  const sync = () => {
    const base = model.get(`${name}_base`) || {};
    const delta = model.get(`${name}_delta`) || {};
    if (base.v === undefined) return;
    if (base.v !== baseV) {
      baseV = base.v;
      appliedV = null;
      onReset(base.items);
    }
    if (delta.base === baseV && delta.v !== appliedV) {
      appliedV = delta.v;
      onItems(delta.items || {});
    }
  };
  model.on(`change:${name}_base`, sync);
  model.on(`change:${name}_delta`, sync);
  return sync;
}

// The task-status vocabulary — names in legend order, wire codes, colours — comes from Python
// (swarmnb.events) as each widget's `vocabulary` trait; no view repeats it.
function vocabulary(model) {
  const v = model.get("vocabulary") || { statuses: [], codes: {}, colours: {} };
  const byCode = Object.fromEntries(Object.entries(v.codes).map(([name, code]) => [code, name]));
  const byCodeColour = Object.fromEntries(Object.entries(v.codes).map(([name, code]) => [code, v.colours[name]]));
  return { statuses: v.statuses, codes: v.codes, colours: v.colours, byCode, byCodeColour };
}

// Whether white text reads better than dark text on this #rrggbb fill.
function isDarkFill(hex) {
  const n = parseInt(String(hex).slice(1), 16);
  const lum = (0.2126 * ((n >> 16) & 255) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255)) / 255;
  return lum < 0.6;
}
