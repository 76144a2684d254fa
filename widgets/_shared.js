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
