// A minimal Jupyter-widgets front end for tests: enough of anywidget's model and host API to
// render swarmnb's widgets in a plain page. Messages from the Python widgets arrive through
// window.__snReceive (pumped by the test); messages back go through window.__toKernel (a
// Playwright binding that feeds the Python comm).

const models = new Map();
const waiters = new Map();
const modules = new Map();
const styles = new Set();
const initialized = new Set();

class Model {
  constructor(id, state) {
    this.id = id;
    this.attrs = { ...state };
    this.listeners = [];
    this.pending = {};
    this.widget_manager = manager;
  }
  get(name) { return this.attrs[name]; }
  set(name, value) { this.attrs[name] = value; this.pending[name] = value; this.fire([name]); }
  save_changes() {
    const state = this.pending;
    this.pending = {};
    window.__toKernel(this.id, JSON.stringify({ method: "update", state, buffer_paths: [] }));
  }
  send(content) { window.__toKernel(this.id, JSON.stringify({ method: "custom", content })); }
  on(name, callback, context) { this.listeners.push([name, callback, context]); }
  off(name, callback, context) {
    this.listeners = this.listeners.filter(([n, c, x]) => !(
      (name == null || n === name) && (callback == null || c === callback) && (context == null || x === context)));
  }
  update(state) { Object.assign(this.attrs, state); this.fire(Object.keys(state)); }
  fire(keys) {
    const listeners = this.listeners.slice();
    for (const key of keys) for (const [n, cb] of listeners) if (n === `change:${key}`) cb(this, this.attrs[key]);
    for (const [n, cb] of listeners) if (n === "change") cb(this);
  }
}

const manager = {
  get_model(id) {
    if (models.has(id)) return Promise.resolve(models.get(id));
    return new Promise((resolve) => { (waiters.get(id) || waiters.set(id, []).get(id)).push(resolve); });
  },
};

async function load(model) {
  const css = model.get("_css");
  const key = model.get("_anywidget_id");
  if (css && !styles.has(key)) {
    styles.add(key);
    const style = document.createElement("style");
    style.id = key;
    style.textContent = css;
    document.head.append(style);
  }
  if (!modules.has(model.id)) {
    const url = URL.createObjectURL(new Blob([model.get("_esm")], { type: "text/javascript" }));
    modules.set(model.id, import(url).then((m) => m.default));
  }
  const def = await modules.get(model.id);
  if (!initialized.has(model.id)) {
    initialized.add(model.id);
    if (def.initialize) await def.initialize({ model });
  }
  return def;
}

const host = {
  async getWidget(ref) {
    const id = String(ref).replace(/^anywidget:/, "");
    const model = await manager.get_model(id);
    return { exports: {}, render: ({ el }) => renderModel(model, el) };
  },
  async getModel(ref) { return manager.get_model(String(ref).replace(/^anywidget:/, "")); },
};

async function renderModel(model, el) {
  const def = await load(model);
  return def.render({ model, el, host, signal: new AbortController().signal, experimental: {} });
}

window.__snErrors = [];
window.addEventListener("error", (e) => window.__snErrors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => window.__snErrors.push(String(e.reason)));

window.__snReceive = (json) => {
  for (const msg of JSON.parse(json)) {
    if (msg.type === "comm_open") {
      const model = new Model(msg.comm_id, msg.data.state);
      models.set(msg.comm_id, model);
      for (const resolve of waiters.get(msg.comm_id) || []) resolve(model);
      waiters.delete(msg.comm_id);
    } else if (msg.type === "comm_msg" && msg.data.method === "update") {
      const model = models.get(msg.comm_id);
      if (model) model.update(msg.data.state);
    }
  }
  return models.size;
};

window.__snRender = async (id, selector) => {
  const model = await manager.get_model(id);
  const el = document.querySelector(selector);
  await renderModel(model, el);
  return true;
};

window.__snReady = true;
