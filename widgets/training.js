// swarmnb TrainingDashboard — learning curves (block means) and a progress bar. Draws only.

const SVGNS = "http://www.w3.org/2000/svg";
const PANELS = [
  ["reward terms", ["reward", "r_perf", "r_parallel", "r_finish"]],
  ["quality", ["quality"]],
  ["critical steps", ["critical_steps"]],
  ["subagents spawned", ["spawn_count"]],
  ["λ schedule", ["lambda_parallel", "lambda_finish"]],
];
const COLORS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2"];

function chart(title, names, curves) {
  const W = 240, H = 110, P = 6;
  const svg = document.createElementNS(SVGNS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("class", "sn-train-chart");
  const pts = names.flatMap((n) => curves[n] || []);
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs, 0), x1 = Math.max(...xs, 1);
  let y0 = Math.min(...ys, 0), y1 = Math.max(...ys, 0.001);
  if (y1 === y0) y1 = y0 + 1;
  const X = (v) => P + ((v - x0) / (x1 - x0 || 1)) * (W - 2 * P);
  const Y = (v) => H - P - ((v - y0) / (y1 - y0)) * (H - 2 * P);
  names.forEach((n, i) => {
    const s = curves[n] || [];
    if (!s.length) return;
    const path = document.createElementNS(SVGNS, "path");
    path.setAttribute("d", s.map((p, k) => `${k ? "L" : "M"}${X(p[0]).toFixed(1)} ${Y(p[1]).toFixed(1)}`).join(""));
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", COLORS[i % COLORS.length]);
    path.setAttribute("stroke-width", "1.5");
    path.setAttribute("data-series", n);
    svg.append(path);
  });
  const legend = h("div", { class: "sn-dim" });
  names.forEach((n, i) => {
    const s = curves[n] || [];
    const last = s.length ? s[s.length - 1][1] : null;
    const item = h("span", { text: ` ■ ${n} ${last === null ? "—" : last.toFixed(3)}  ` });
    item.style.color = COLORS[i % COLORS.length];
    legend.append(item);
  });
  return h("div", { class: "sn-panel", "data-chart": title },
    h("div", { class: "sn-panel-head" }, h("span", { class: "sn-panel-title", text: title })), svg, legend);
}

function render({ model, el }) {
  const root = h("div", { class: "sn-root sn-training" });
  el.append(root);
  function draw() {
    const curves = model.get("curves") || {};
    const p = model.get("progress") || {};
    const frac = p.target ? Math.min(1, p.episode / p.target) : 0;
    const fill = h("div", { class: "sn-bar-fill" });
    fill.style.width = `${(frac * 100).toFixed(1)}%`;
    const head = h("div", { class: "sn-panel-head" },
      h("span", { class: "sn-panel-title", text: "PARL training" }),
      h("span", { class: "sn-dim", text: `episode ${p.episode || 0} / ${p.target || 0} · ${p.seconds || 0} s · simulated episodes` }));
    const grid = h("div", { class: "sn-train-grid" });
    grid.style.display = "grid";
    grid.style.gridTemplateColumns = "repeat(auto-fill, minmax(250px, 1fr))";
    grid.style.gap = "6px";
    for (const [title, names] of PANELS) grid.append(chart(title, names, curves));
    root.replaceChildren(head, h("div", { class: "sn-bar", "data-progress": String(frac) }, fill), grid);
  }
  model.on("change:curves", draw);
  model.on("change:progress", draw);
  draw();
}

export default { render };
