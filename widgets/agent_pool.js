// swarmnb AgentPoolView — one tile per agent (or worker lane), updated in place.

function compact(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

function money(v) {
  if (!v) return "$0";
  if (v >= 1) return `$${v.toFixed(2)}`;
  if (v >= 0.01) return `$${v.toFixed(3)}`;
  return `$${v.toPrecision(2)}`;
}

function render({ model, el }) {
  const root = h("div", { class: "sn-root sn-panel sn-pool" });
  const summary = h("span", { class: "sn-dim sn-num" });
  const toggle = h("input", { type: "checkbox" });
  const head = h("div", { class: "sn-panel-head" },
    h("span", { class: "sn-panel-title", text: "Agents" }), summary,
    h("label", { class: "sn-legend-item sn-dim", style: "margin-left:auto" }, toggle, "show finished"));
  const grid = h("div", { class: "sn-pool-grid" });
  root.append(head, grid);
  el.append(root);

  const fields = model.get("fields");
  const col = Object.fromEntries(fields.map((f, i) => [f, i]));
  const rows = new Map();
  const tiles = new Map();

  function tileFor(id) {
    let tile = tiles.get(id);
    if (!tile) {
      tile = h("div", { class: "sn-agent", "data-agent": id });
      tile.innerHTML = "";
      tile.append(
        h("div", { class: "sn-agent-name" }),
        h("div", { class: "sn-agent-line" }),
        h("div", { class: "sn-agent-task" }),
        h("div", { class: "sn-agent-line sn-num" }),
        h("div", { class: "sn-agent-line sn-num" }),
        h("div", { class: "sn-agent-line sn-num sn-agent-health" }),
      );
      tiles.set(id, tile);
      grid.append(tile);
    }
    return tile;
  }

  function paint(id) {
    const row = rows.get(id);
    if (!row) return;
    const tile = tileFor(id);
    const state = row[col.state];
    tile.dataset.state = state;
    const [name, line, task, work, usage, health] = tile.children;
    name.textContent = row[col.name];
    name.title = row[col.name];
    const who = [row[col.profile], row[col.role]].filter(Boolean).join(" · ");
    line.textContent = `${state}${who ? ` · ${who}` : ""}`;
    task.textContent = row[col.task] ? `▶ ${row[col.task]}` : (state === "finished" ? "left the pool" : "—");
    work.textContent = `${row[col.tasks_done]} done · ${compact(row[col.steps])} steps`;
    usage.textContent = `${compact(row[col.tokens_in] + row[col.tokens_out])} tokens · ${money(row[col.cost_usd])}`;
    usage.title = `${row[col.tokens_in]} tokens in, ${row[col.tokens_out]} out, $${row[col.cost_usd]}`;
    paintHealth(tile, health, row);
    tile.style.display = state === "finished" && !showFinished() ? "none" : "";
  }

  // supervised agents (a registry): health, heartbeat age, restarts, quarantine, denied calls
  function paintHealth(tile, cell, row) {
    const hb = row[col.health];
    if (hb === null || hb === undefined) { cell.style.display = "none"; return; }
    cell.style.display = "";
    const quarantined = Boolean(row[col.quarantined]);
    tile.dataset.health = quarantined ? "quarantined" : hb;
    const last = row[col.last_heartbeat];
    const age = last === null || last === undefined ? "—" : `${Math.max(0, model.get("clock") - last).toFixed(1)}s`;
    const parts = [quarantined ? "quarantined" : hb, `♥ ${age} ago`, `${row[col.restarts]} restarts`];
    if (row[col.denied]) parts.push(`${row[col.denied]} denied`);
    cell.textContent = parts.join(" · ");
  }

  // finished agents leave the pool live; once nobody is left (a finished run) show them all
  function showFinished() {
    if (model.get("show_finished")) return true;
    for (const row of rows.values()) if (row[col.state] !== "finished") return false;
    return true;
  }

  function updateSummary() {
    let busy = 0, idle = 0, finished = 0;
    for (const row of rows.values()) {
      const st = row[col.state];
      if (st === "busy") busy++; else if (st === "idle") idle++; else finished++;
    }
    summary.textContent = `${rows.size} · ${busy} busy · ${idle} idle · ${finished} finished`;
    root.dataset.agents = String(rows.size);
  }

  followChannel(
    model, "agents",
    (items) => {
      rows.clear(); tiles.clear(); grid.replaceChildren();
      for (const [id, row] of Object.entries(items || {})) { rows.set(id, row); paint(id); }
      updateSummary();
    },
    (items) => {
      const before = showFinished();
      for (const [id, row] of Object.entries(items)) { rows.set(id, row); paint(id); }
      if (showFinished() !== before) for (const id of rows.keys()) paint(id);
      updateSummary();
    },
  )();

  model.on("change:clock", () => {
    for (const [id, row] of rows) if (row[col.health] != null) paintHealth(tileFor(id), tileFor(id).children[5], row);
  });

  toggle.checked = model.get("show_finished");
  toggle.addEventListener("change", () => { model.set("show_finished", toggle.checked); model.save_changes(); });
  model.on("change:show_finished", () => { toggle.checked = model.get("show_finished"); for (const id of rows.keys()) paint(id); });
  const sizeGrid = () => { grid.style.maxHeight = `${model.get("height")}px`; };
  model.on("change:height", sizeGrid);
  sizeGrid();
}

export default { render };
