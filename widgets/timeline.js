// swarmnb TimelineView — Gantt lanes per agent, running-count curve, concurrency limit.
// Drawn on a canvas so tens of thousands of attempts stay cheap.

const GUTTER = 86;
const PAD_R = 14;
const CURVE_H = 70;
const AXIS_H = 30;
const GAP = 10;
const TOP = 6;

function niceStep(span, target) {
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 5, 10]) if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

function fmtT(t) {
  if (t >= 3600) return `${(t / 3600).toFixed(t % 3600 ? 1 : 0)}h`;
  if (t >= 60) return `${(t / 60).toFixed(t % 60 ? 1 : 0)}m`;
  return `${+t.toPrecision(3)}s`;
}

function render({ model, el }) {
  const voc = vocabulary(model);
  const FILL = voc.byCodeColour;
  const NAME = voc.byCode;
  const root = h("div", { class: "sn-root sn-panel sn-timeline" });
  const legend = h("div", { class: "sn-legend" },
    ...["r", "b", "d", "f", "c"].map((k) => h("span", { class: "sn-legend-item" },
      h("span", { class: "sn-swatch", style: `background:${FILL[k]}` }), NAME[k])),
    h("span", { class: "sn-legend-item" }, h("span", { class: "sn-swatch sn-line", style: `background:${voc.colours.running}` }), "running tasks"),
    h("span", { class: "sn-legend-item" }, h("span", { class: "sn-swatch sn-dash" }), "concurrency limit"));
  const info = h("span", { class: "sn-dim sn-num" });
  const head = h("div", { class: "sn-panel-head" },
    h("span", { class: "sn-panel-title", text: "Timeline" }), legend, info);
  const scroll = h("div", { class: "sn-timeline-scroll" });
  const canvas = h("canvas");
  const tooltip = h("div", { class: "sn-tooltip" });
  scroll.append(canvas, tooltip);
  root.append(head, scroll);
  el.append(root);

  let bars = [];
  let perLane = [];
  let curve = [];
  let frame = 0;
  let geom = null;

  function addBar(i, bar) {
    const isNew = bars[i] === undefined;
    bars[i] = bar;
    if (isNew) (perLane[bar[0]] ||= []).push(i);
  }

  function draw() {
    frame = 0;
    const lanes = model.get("lanes") || [];
    const limits = model.get("limits") || [];
    const virtual = model.get("clock") === "virtual";
    let tEnd = model.get("t_end") || 0;
    for (const b of bars) if (b && b[2] !== null && b[2] > tEnd) tEnd = b[2];
    tEnd = tEnd > 0 ? tEnd : 1;
    const width = Math.max(320, scroll.clientWidth || el.clientWidth || 800);
    const target = Math.max(80, model.get("height") - CURVE_H - AXIS_H - GAP);
    const laneH = lanes.length ? Math.max(3, Math.min(16, Math.floor(target / lanes.length))) : 12;
    const ganttH = TOP + Math.max(laneH, lanes.length * laneH);
    const height = ganttH + GAP + CURVE_H + AXIS_H;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.ceil(width * dpr);
    canvas.height = Math.ceil(height * dpr);
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const plotW = width - GUTTER - PAD_R;
    const x = (t) => GUTTER + (t / tEnd) * plotW;
    geom = { laneH, ganttH, x, tEnd, plotW, lanes: lanes.length };
    root.dataset.bars = String(bars.filter(Boolean).length);
    root.dataset.lanes = String(lanes.length);

    // lanes
    ctx.font = "10px system-ui, 'DejaVu Sans', sans-serif";
    ctx.textBaseline = "middle";
    const every = Math.max(1, Math.ceil(11 / laneH));
    for (let l = 0; l < lanes.length; l++) {
      if (l % 2 === 0) { ctx.fillStyle = "rgba(140,149,159,0.07)"; ctx.fillRect(GUTTER, TOP + l * laneH, plotW, laneH); }
      if (l % every === 0) {
        ctx.fillStyle = "#59636e";
        let label = lanes[l];
        if (label.length > 13) label = `${label.slice(0, 12)}…`;
        ctx.fillText(label, 4, TOP + l * laneH + laneH / 2);
      }
    }
    // bars
    const inset = laneH >= 6 ? 1 : 0;
    for (const b of bars) {
      if (!b) continue;
      const [lane, t0, t1, code] = b;
      const x0 = x(t0);
      const x1 = x(t1 === null ? tEnd : t1);
      ctx.fillStyle = FILL[code] || FILL.q;
      const w = x1 - x0;  // a 1 px gap keeps back-to-back attempts on one lane apart
      ctx.fillRect(x0, TOP + lane * laneH + inset, Math.max(1, w > 3 ? w - 1 : w), laneH - 2 * inset);
    }
    // running curve + limit
    const top = ganttH + GAP;
    let running = 1;
    for (const p of curve) if (p && p[1] > running) running = p[1];
    let limitTop = 0;
    for (const p of limits) if (p[1] !== null && p[1] > limitTop) limitTop = p[1];
    // scale to the running count; a limit far above it is pinned to the top edge, labelled
    let peak = Math.ceil(running * 1.15);
    if (limitTop && limitTop <= running * 2) peak = Math.max(peak, Math.ceil(limitTop * 1.05));
    const y = (v) => top + CURVE_H - (Math.min(v, peak) / peak) * CURVE_H;
    ctx.strokeStyle = "#d0d7de";
    ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(GUTTER, top + CURVE_H + 0.5); ctx.lineTo(GUTTER + plotW, top + CURVE_H + 0.5); ctx.stroke();
    ctx.fillStyle = "#59636e";
    ctx.fillText("running", 4, top + 8);
    ctx.textAlign = "right";
    ctx.fillText(String(peak), GUTTER - 6, top + 4);
    ctx.fillText("0", GUTTER - 6, top + CURVE_H - 2);
    ctx.textAlign = "left";
    if (curve.length) {
      ctx.beginPath();
      ctx.moveTo(x(0), y(0));
      let last = 0;
      for (const p of curve) { if (!p) continue; ctx.lineTo(x(p[0]), y(last)); ctx.lineTo(x(p[0]), y(p[1])); last = p[1]; }
      ctx.lineTo(x(tEnd), y(last));
      ctx.lineTo(x(tEnd), y(0));
      ctx.closePath();
      ctx.fillStyle = voc.colours.running;
      ctx.globalAlpha = 0.15;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = voc.colours.running;
      ctx.lineWidth = 1.4;
      ctx.stroke();
    }
    if (limits.length) {
      ctx.save();
      ctx.setLineDash([5, 4]);
      ctx.strokeStyle = voc.colours.failed;
      ctx.lineWidth = 1.4;
      ctx.beginPath();
      let started = false;
      let prev = null;
      for (const [t, v] of limits) {
        if (v === null) { prev = null; continue; }
        if (!started || prev === null) { ctx.moveTo(x(t), y(v)); started = true; }
        else { ctx.lineTo(x(t), y(prev)); ctx.lineTo(x(t), y(v)); }
        prev = v;
      }
      if (prev !== null) ctx.lineTo(x(tEnd), y(prev));
      ctx.stroke();
      ctx.restore();
      if (limitTop > peak) {
        ctx.fillStyle = voc.colours.failed;
        ctx.textAlign = "right";
        ctx.fillText(`limit ${limitTop} ↑`, GUTTER + plotW - 4, top + 8);
        ctx.textAlign = "left";
      }
    }
    // time axis
    const axisY = top + CURVE_H + 4;
    const step = niceStep(tEnd, Math.max(2, Math.floor(plotW / 90)));
    ctx.fillStyle = "#59636e";
    ctx.strokeStyle = "#d0d7de";
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (let t = 0; t <= tEnd + 1e-9; t += step) {
      ctx.beginPath(); ctx.moveTo(x(t) + 0.5, 0); ctx.lineTo(x(t) + 0.5, top + CURVE_H); ctx.globalAlpha = 0.35; ctx.stroke(); ctx.globalAlpha = 1;
      ctx.fillText(fmtT(t), x(t), axisY);
    }
    ctx.textAlign = "right";
    ctx.fillText(virtual ? "simulated time" : "run time", GUTTER + plotW, axisY + 13);
    ctx.textAlign = "left";
    info.textContent = `${lanes.length} lanes · ${bars.filter(Boolean).length.toLocaleString("en-US")} attempts · ` +
      `${fmtT(tEnd)}${virtual ? " simulated" : ""}`;
  }

  function schedule() { if (!frame) frame = requestAnimationFrame(draw); }

  canvas.addEventListener("mousemove", (ev) => {
    if (!geom) return;
    const rect = canvas.getBoundingClientRect();
    const px = ev.clientX - rect.left;
    const py = ev.clientY - rect.top;
    const lane = Math.floor((py - TOP) / geom.laneH);
    let found = null;
    if (py < geom.ganttH && lane >= 0 && lane < geom.lanes && px >= GUTTER) {
      const t = ((px - GUTTER) / geom.plotW) * geom.tEnd;
      const slack = (3 / geom.plotW) * geom.tEnd;
      for (const i of perLane[lane] || []) {
        const b = bars[i];
        const end = b[2] === null ? geom.tEnd : b[2];
        if (t >= b[1] - slack && t <= end + slack) { found = b; break; }
      }
    }
    if (!found) { tooltip.style.display = "none"; return; }
    const lanes = model.get("lanes") || [];
    const end = found[2] === null ? "…" : fmtT(found[2]);
    tooltip.replaceChildren(h("b", { text: found[4] }), ` · ${NAME[found[3]] || found[3]}`,
      h("br"), `${lanes[found[0]] || ""} · ${fmtT(found[1])} → ${end}`);
    tooltip.style.display = "block";
    tooltip.style.left = `${Math.min(px + 12, rect.width - 240)}px`;
    tooltip.style.top = `${py + 12}px`;
  });
  canvas.addEventListener("mouseleave", () => { tooltip.style.display = "none"; });

  const chunk = (flat, size) => {
    const out = [];
    for (let i = 0; i < flat.length; i += size) out.push(flat.slice(i, i + size));
    return out;
  };
  // bases arrive flat (5 values per bar, 2 per curve point); deltas as small keyed arrays
  followChannel(model, "bars",
    (items) => { bars = []; perLane = []; chunk(items || [], 5).forEach((b, i) => addBar(i, b)); schedule(); },
    (items) => { for (const [k, b] of Object.entries(items)) addBar(Number(k), b); schedule(); })();
  followChannel(model, "curve",
    (items) => { curve = chunk(items || [], 2); schedule(); },
    (items) => { for (const [k, p] of Object.entries(items)) curve[Number(k)] = p; schedule(); })();
  for (const name of ["lanes", "limits", "t_end", "clock", "height"]) model.on(`change:${name}`, schedule);
  const observer = new ResizeObserver(schedule);
  observer.observe(scroll);
  draw();
  return () => { observer.disconnect(); if (frame) cancelAnimationFrame(frame); };
}

export default { render };
