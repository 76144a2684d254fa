// swarmnb TaskGraphView — draws a layout computed in Python (no layout code here).
// SVG with one <rect data-task data-status> per task; a canvas above `canvas_threshold` tasks.

const SVGNS = "http://www.w3.org/2000/svg";
const CHAR_W = 6.2; // same as LayoutStyle.char_w in swarmnb/ui/_layout.py
const LABEL_PAD = 6;

function s(tag, attrs = {}) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function chunk(flat, size) {
  const out = [];
  for (let i = 0; i < flat.length; i += size) out.push(flat.slice(i, i + size));
  return out;
}

function edgePath(e) {
  const [, , x1, y1, x2, y2] = e;
  const dy = Math.max(8, (y2 - y1) / 2);
  return `M${x1} ${y1}C${x1} ${y1 + dy} ${x2} ${y2 - dy} ${x2} ${y2}`;
}

function fmt(v, digits = 4) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toPrecision(digits);
  return String(v);
}

function render({ model, el }) {
  const root = h("div", { class: "sn-root sn-panel sn-graph" });
  const legend = h("div", { class: "sn-legend" });
  const info = h("span", { class: "sn-dim sn-num" });
  const head = h("div", { class: "sn-panel-head" }, h("span", { class: "sn-panel-title", text: "Task graph" }), legend, info);
  const scroll = h("div", { class: "sn-graph-scroll" });
  const tooltip = h("div", { class: "sn-tooltip" });
  const detail = h("div", { class: "sn-detail" });
  root.append(head, scroll, detail);
  scroll.append(tooltip);
  el.append(root);

  let graph = null;
  let codes = [];
  let critical = { nodes: [], edges: [] };
  let mode = "svg";
  let rects = [];
  let labels = [];
  let svg = null;
  let canvas = null;
  let frame = 0;
  const legendCounts = {};
  const voc = vocabulary(model);
  const LEGEND = voc.statuses;
  const STATUS = voc.byCode;
  const FILL = voc.colours;
  const DARK = new Set(LEGEND.filter((name) => isDarkFill(FILL[name])));

  for (const name of LEGEND) {
    const count = h("span", { class: "sn-num sn-dim", text: "0" });
    legendCounts[name] = count;
    legend.append(h("span", { class: "sn-legend-item", "data-legend": name },
      h("span", { class: `sn-swatch sn-s-${name}` }), name, count));
  }
  legend.append(h("span", { class: "sn-legend-item", "data-legend": "critical" },
    h("span", { class: "sn-swatch sn-line sn-s-critical" }), "critical path"));

  function statusOf(i) { return STATUS[codes[i]] || "queued"; }

  function updateLegend() {
    const counts = Object.fromEntries(LEGEND.map((k) => [k, 0]));
    for (let i = 0; i < (graph ? graph.ids.length : 0); i++) counts[statusOf(i)]++;
    for (const name of LEGEND) legendCounts[name].textContent = counts[name].toLocaleString("en-US");
  }

  function build() {
    scroll.replaceChildren(tooltip);
    rects = []; labels = []; svg = null; canvas = null;
    const raw = model.get("graph");
    // nodes and edges arrive flat (5 and 6 numbers each); see GraphLayout.to_json
    graph = raw && raw.ids ? { ...raw, nodes: chunk(raw.nodes, 5), edges: chunk(raw.edges, 6) } : null;
    if (!graph || graph.ids.length === 0) {
      scroll.append(h("div", { class: "sn-empty", text: "no tasks yet" }));
      root.dataset.tasks = "0";
      return;
    }
    const n = graph.ids.length;
    const wanted = model.get("renderer");
    mode = wanted === "svg" || wanted === "canvas" ? wanted : (n > model.get("canvas_threshold") ? "canvas" : "svg");
    root.dataset.renderer = mode;
    root.dataset.tasks = String(n);
    info.textContent = `${n.toLocaleString("en-US")} tasks · ${graph.layers} layers`;
    scroll.style.maxHeight = `${model.get("height")}px`;
    if (mode === "svg") buildSvg(); else buildCanvas();
  }

  function buildSvg() {
    const { width, height, nodes, edges, ids } = graph;
    svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": "task graph" });
    svg.style.width = "100%";
    svg.style.maxWidth = `${width}px`;
    svg.style.height = "auto";
    const edgeLayer = s("g", { class: "sn-edges" });
    // one path for all edges: thousands of edges stay a single DOM node
    edgeLayer.append(s("path", { d: edges.map(edgePath).join("") }));
    const critLayer = s("g", { class: "sn-crit-edges" });
    const nodeLayer = s("g", { class: "sn-nodes" });
    const labelLayer = s("g", { class: "sn-labels" });
    ids.forEach((id, i) => {
      const [x, y, w, hh, labelled] = nodes[i];
      const r = s("rect", { class: "sn-node", x, y, width: w, height: hh, rx: Math.min(4, hh / 4), "data-task": id, "data-i": i });
      rects.push(r);
      nodeLayer.append(r);
      if (labelled) {
        const max = Math.floor((w - LABEL_PAD) / CHAR_W);
        if (max >= 2) {
          const text = id.length > max ? `${id.slice(0, max - 1)}…` : id;
          const t = s("text", { class: "sn-label", x: x + w / 2, y: y + hh / 2 });
          t.textContent = text;
          labels[i] = t;
          labelLayer.append(t);
        }
      }
    });
    svg.append(edgeLayer, critLayer, nodeLayer, labelLayer);
    scroll.append(svg);
    svg.addEventListener("mousemove", (ev) => {
      const i = ev.target.dataset ? ev.target.dataset.i : undefined;
      if (i === undefined) { tooltip.style.display = "none"; return; }
      showTip(Number(i), ev);
    });
    svg.addEventListener("mouseleave", () => { tooltip.style.display = "none"; });
    svg.addEventListener("click", (ev) => {
      const id = ev.target.dataset ? ev.target.dataset.task : undefined;
      if (id !== undefined) select(id);
    });
    paintAll();
    paintCritical();
  }

  function buildCanvas() {
    const { width, height } = graph;
    canvas = h("canvas");
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.ceil(width * dpr);
    canvas.height = Math.ceil(height * dpr);
    canvas.style.width = "100%";
    canvas.style.maxWidth = `${width}px`;
    canvas.style.aspectRatio = `${width} / ${height}`;
    scroll.append(canvas);
    const hit = (ev) => {
      const rect = canvas.getBoundingClientRect();
      const k = width / rect.width;
      const px = (ev.clientX - rect.left) * k;
      const py = (ev.clientY - rect.top) * k;
      const nodes = graph.nodes;
      for (let i = 0; i < nodes.length; i++) {
        const [x, y, w, hh] = nodes[i];
        if (px >= x && px <= x + w && py >= y && py <= y + hh) return i;
      }
      return -1;
    };
    canvas.addEventListener("mousemove", (ev) => {
      const i = hit(ev);
      if (i < 0) tooltip.style.display = "none"; else showTip(i, ev);
    });
    canvas.addEventListener("mouseleave", () => { tooltip.style.display = "none"; });
    canvas.addEventListener("click", (ev) => { const i = hit(ev); if (i >= 0) select(graph.ids[i]); });
    schedule();
  }

  function drawCanvas() {
    frame = 0;
    if (!canvas || !graph) return;
    const ctx = canvas.getContext("2d");
    const dpr = canvas.width / graph.width;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, graph.width, graph.height);
    ctx.strokeStyle = "rgba(140,149,159,0.3)";
    ctx.lineWidth = 0.6;
    ctx.stroke(new Path2D(graph.edges.map(edgePath).join("")));
    if (critical.edges.length) {
      ctx.strokeStyle = "#fb6a00";
      ctx.lineWidth = 2;
      ctx.stroke(new Path2D(critical.edges.map((k) => edgePath(graph.edges[k])).join("")));
    }
    const crit = new Set(critical.nodes);
    const nodes = graph.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const [x, y, w, hh] = nodes[i];
      ctx.fillStyle = FILL[statusOf(i)];
      ctx.fillRect(x, y, w, hh);
      if (crit.has(i)) { ctx.strokeStyle = "#fb6a00"; ctx.lineWidth = 1.5; ctx.strokeRect(x, y, w, hh); }
    }
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(drawCanvas);
  }

  function paint(i) {
    const status = statusOf(i);
    const r = rects[i];
    if (r && r.dataset.status !== status) {
      r.dataset.status = status;
      const t = labels[i];
      if (t) t.classList.toggle("sn-on-dark", DARK.has(status));
    }
  }

  function paintAll() {
    if (mode === "svg") for (let i = 0; i < rects.length; i++) paint(i);
    else schedule();
    updateLegend();
  }

  function paintCritical() {
    critical = model.get("critical") || { nodes: [], edges: [] };
    if (!graph) return;
    if (mode === "canvas") { schedule(); return; }
    if (!svg) return;
    for (const r of svg.querySelectorAll("rect.sn-crit")) r.classList.remove("sn-crit");
    for (const i of critical.nodes || []) if (rects[i]) rects[i].classList.add("sn-crit");
    const layer = svg.querySelector(".sn-crit-edges");
    layer.replaceChildren();
    const d = (critical.edges || []).map((k) => graph.edges[k]).filter(Boolean).map(edgePath).join("");
    if (d) layer.append(s("path", { d }));
  }

  function showTip(i, ev) {
    const box = scroll.getBoundingClientRect();
    const prompt = graph.prompts ? graph.prompts[i] : "";
    tooltip.replaceChildren(
      h("b", { text: graph.ids[i] }), ` · ${statusOf(i)}`,
      ...(prompt ? [h("br"), prompt] : []),
      h("br"), h("span", { class: "sn-dim", text: "click for details" }),
    );
    tooltip.style.display = "block";
    const left = ev.clientX - box.left + scroll.scrollLeft + 12;
    const top = ev.clientY - box.top + scroll.scrollTop + 12;
    tooltip.style.left = `${Math.min(left, scroll.scrollWidth - 350)}px`;
    tooltip.style.top = `${top}px`;
  }

  function select(id) {
    model.set("selected", id);
    model.save_changes();
  }

  function showDetail() {
    const d = model.get("detail") || {};
    const selected = model.get("selected");
    if (svg) {
      for (const r of svg.querySelectorAll("rect.sn-selected")) r.classList.remove("sn-selected");
      if (selected && graph) {
        const i = graph.ids.indexOf(selected);
        if (rects[i]) rects[i].classList.add("sn-selected");
      }
    }
    if (!selected || !d.id) { detail.classList.remove("sn-open"); return; }
    const close = h("button", { class: "sn-detail-close", title: "close", text: "×" });
    close.addEventListener("click", () => { model.set("selected", ""); model.save_changes(); });
    const rows = [
      ["prompt", d.prompt || "—"],
      ["result", d.result === null || d.result === undefined ? "—" : String(d.result)],
      ["error", d.error], ["reason", d.reason],
      ["attempts", `${d.attempts} (${d.retries} retried)`],
      ["agent", d.agent], ["profile", d.profile], ["role", d.role],
      ["deps", (d.deps || []).join(", ") || "—"],
      ["tokens", `${fmt(d.tokens_in)} in · ${fmt(d.tokens_out)} out`],
      ["cost", `$${fmt(d.cost_usd)}`], ["steps", fmt(d.steps)],
      ["time", d.started === null ? "—" : `${fmt(d.started)} → ${fmt(d.finished)} (${fmt(d.duration)} s)`],
    ].filter(([, v]) => v !== null && v !== undefined);
    const dl = h("dl");
    for (const [k, v] of rows) dl.append(h("dt", { text: k }), h("dd", { text: v }));
    detail.replaceChildren(
      h("div", { class: "sn-detail-head" }, h("b", { text: d.id }),
        h("span", { class: `sn-badge sn-s-${d.status}`, text: d.status }), close),
      dl,
    );
    detail.classList.add("sn-open");
  }

  const syncStatus = followChannel(
    model, "status",
    (items) => { codes = typeof items === "string" ? items.split("") : []; paintAll(); },
    (items) => {
      for (const [k, v] of Object.entries(items)) { codes[Number(k)] = v; if (mode === "svg") paint(Number(k)); }
      if (mode === "canvas") schedule();
      updateLegend();
    },
  );
  const rebuild = () => { build(); syncStatus(); paintAll(); paintCritical(); showDetail(); };
  model.on("change:graph", rebuild);
  model.on("change:renderer", rebuild);
  model.on("change:critical", paintCritical);
  model.on("change:detail", showDetail);
  model.on("change:selected", showDetail);
  rebuild();
  return () => { if (frame) cancelAnimationFrame(frame); };
}

export default { render };
