// swarmnb Dashboard — header, controls, and the four views (composed with anywidget's host).
// Controls only send {type: "control", action, value}; Python calls the run's public API.

function fmtT(t) {
  if (t >= 3600) return `${(t / 3600).toFixed(2)} h`;
  if (t >= 60) return `${(t / 60).toFixed(1)} min`;
  return `${t.toFixed(t < 10 ? 2 : 1)} s`;
}

function render({ model, el, host }) {
  const root = h("div", { class: "sn-root sn-dashboard" });
  const title = h("span", { class: "sn-dash-title" });
  const runId = h("span", { class: "sn-dim sn-num" });
  const badge = h("span", { class: "sn-badge", "data-role": "status" });
  const counts = h("div", { class: "sn-legend", "data-role": "counts" });
  const elapsed = h("span", { class: "sn-dim sn-num", "data-role": "elapsed" });
  const controls = h("div", { class: "sn-dash-controls" });
  const banner = h("div", { class: "sn-banner" });
  const head = h("div", { class: "sn-dash-head" }, title, runId, badge, counts, elapsed, controls);

  const send = (action, value) => model.send({ type: "control", action, value });

  // live controls
  const pauseBtn = h("button", { class: "sn-btn", "data-action": "pause", text: "Pause" });
  const cancelBtn = h("button", { class: "sn-btn sn-danger", "data-action": "cancel", text: "Cancel" });
  const conc = h("input", { type: "range", min: "1", step: "1", "data-action": "concurrency" });
  const concLabel = h("span", { class: "sn-num" });
  const live = h("div", { class: "sn-ctl", "data-role": "live-controls" },
    pauseBtn, cancelBtn, h("span", { class: "sn-ctl" }, h("span", { class: "sn-dim", text: "concurrency" }), conc, concLabel));
  pauseBtn.addEventListener("click", () => send(model.get("paused") ? "resume" : "pause"));
  cancelBtn.addEventListener("click", () => send("cancel"));
  conc.addEventListener("input", () => { concLabel.textContent = conc.value; });
  conc.addEventListener("change", () => send("concurrency", Number(conc.value)));

  // replay controls
  const playBtn = h("button", { class: "sn-btn", "data-action": "play", text: "▶ Play" });
  const speed = h("select", { class: "sn-btn", "data-action": "speed", title: "playback speed (× run clock)" });
  const scrub = h("input", { type: "range", min: "0", step: "any", "data-action": "seek" });
  const scrubLabel = h("span", { class: "sn-num sn-dim" });
  const replay = h("div", { class: "sn-ctl sn-scrub", "data-role": "replay-controls" },
    playBtn, speed, scrub, scrubLabel);
  playBtn.addEventListener("click", () => {
    const r = model.get("replay") || {};
    send(r.playing ? "stop" : "play", Number(speed.value));
  });
  speed.addEventListener("change", () => send("speed", Number(speed.value)));
  let seekTimer = 0;
  scrub.addEventListener("input", () => {
    scrubLabel.textContent = fmtT(Number(scrub.value));
    clearTimeout(seekTimer);
    seekTimer = setTimeout(() => send("seek", Number(scrub.value)), 60);
  });
  controls.append(live, replay);

  const graphEl = h("div", { "data-view": "graph" });
  const timelineEl = h("div", { "data-view": "timeline" });
  const agentsEl = h("div", { "data-view": "agents" });
  const costEl = h("div", { "data-view": "cost" });
  root.append(head, banner, graphEl, timelineEl, h("div", { class: "sn-dash-row" }, agentsEl, costEl));
  el.append(root);

  function paint() {
    const status = model.get("status");
    const isLive = model.get("mode") === "live";
    root.dataset.status = status;
    root.dataset.mode = model.get("mode");
    root.dataset.paused = String(model.get("paused"));
    title.textContent = model.get("title") || "run";
    runId.textContent = model.get("run_id") || "";
    badge.textContent = model.get("paused") && status === "running" ? "paused" : status;
    const cls = { completed: "done", budget_exhausted: "retrying", pending: "queued" }[status] || status;
    badge.className = `sn-badge sn-s-${cls}`;
    const c = model.get("counts") || {};
    counts.replaceChildren(...vocabulary(model).statuses.map((s) => h("span", { class: "sn-legend-item", "data-count": s },
      h("span", { class: `sn-swatch sn-s-${s}` }), `${s} ${(c[s] || 0).toLocaleString("en-US")}`)));
    const clock = model.get("clock") === "virtual" ? " simulated" : "";
    elapsed.textContent = `${fmtT(model.get("elapsed") || 0)}${clock}`;
    banner.textContent = model.get("banner") || "";
    live.style.display = isLive ? "" : "none";
    replay.style.display = isLive ? "none" : "";
    const enabled = isLive && model.get("controllable") && status === "running";
    pauseBtn.disabled = cancelBtn.disabled = conc.disabled = !enabled;
    pauseBtn.textContent = model.get("paused") ? "Resume" : "Pause";
    pauseBtn.dataset.action = model.get("paused") ? "resume" : "pause";
    const limit = model.get("max_concurrency");
    conc.max = String(model.get("concurrency_max"));
    if (document.activeElement !== conc) conc.value = String(limit === null ? model.get("concurrency_max") : limit);
    concLabel.textContent = limit === null ? "∞" : String(limit);
    const r = model.get("replay") || {};
    if (!isLive && r.end !== undefined) {
      scrub.max = String(r.end);
      if (document.activeElement !== scrub) scrub.value = String(r.t);
      scrubLabel.textContent = `${fmtT(r.t || 0)} / ${fmtT(r.end || 0)}${clock}`;
      playBtn.textContent = r.playing ? "❚❚ Stop" : "▶ Play";
      if (speed.options.length !== (r.speeds || []).length) {
        speed.replaceChildren(...(r.speeds || []).map((v) => h("option", { value: String(v), text: `${v}×` })));
      }
      speed.value = String(r.speed);
    }
  }

  for (const name of ["status", "mode", "paused", "controllable", "max_concurrency", "concurrency_max",
    "counts", "elapsed", "clock", "banner", "replay", "title", "run_id"]) {
    model.on(`change:${name}`, paint);
  }
  paint();

  const mount = async (name, target) => {
    const ref = model.get(name);
    if (!ref || !host) return;
    const child = await host.getWidget(ref);
    await child.render({ el: target });
  };
  return Promise.all([
    mount("graph", graphEl), mount("timeline", timelineEl), mount("agents", agentsEl), mount("cost", costEl),
  ]).then(() => { root.dataset.ready = "true"; });
}

export default { render };
