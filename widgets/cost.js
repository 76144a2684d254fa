// swarmnb CostView — tokens in/out, dollars vs budget, dollars per minute of run clock.

const SVGNS = "http://www.w3.org/2000/svg";

function money(v) {
  if (v === null || v === undefined) return "—";
  if (v === 0) return "$0";
  if (v >= 100) return `$${v.toFixed(0)}`;
  if (v >= 1) return `$${v.toFixed(2)}`;
  if (v >= 0.01) return `$${v.toFixed(4)}`;
  return `$${v.toPrecision(3)}`;
}

function count(n) {
  return (n || 0).toLocaleString("en-US");
}

function render({ model, el }) {
  const root = h("div", { class: "sn-root sn-panel sn-cost" });
  const note = h("span", { class: "sn-dim" });
  root.append(h("div", { class: "sn-panel-head" }, h("span", { class: "sn-panel-title", text: "Cost" }), note));
  const body = h("div", { class: "sn-cost-body" });
  root.append(body);
  el.append(root);

  function stat(label, value, key) {
    return h("div", { class: "sn-stat", "data-stat": key },
      h("div", { class: "sn-stat-label", text: label }), h("div", { class: "sn-stat-value", text: value }));
  }

  function bar(label, spent, cap, fmt) {
    const frac = cap > 0 ? spent / cap : 0;
    const fill = h("div", { class: `sn-bar-fill${frac >= 1 ? " sn-over" : frac >= 0.8 ? " sn-warn" : ""}` });
    fill.style.width = `${Math.min(100, frac * 100).toFixed(1)}%`;
    return h("div", { class: "sn-bar-row", "data-budget": label },
      h("span", { class: "sn-dim", text: label }),
      h("div", { class: "sn-bar", title: `${(frac * 100).toFixed(1)}% of budget` }, fill),
      h("span", { class: "sn-num", text: `${fmt(spent)} / ${fmt(cap)}` }));
  }

  function spark(series, budgetUsd, elapsed) {
    const svg = document.createElementNS(SVGNS, "svg");
    const W = 300, H = 56;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("class", "sn-spark");
    const tEnd = Math.max(elapsed || 0, series.length ? series[series.length - 1][0] : 0) || 1;
    let top = series.length ? series[series.length - 1][1] : 0;
    if (budgetUsd) top = Math.max(top, budgetUsd);
    top = top > 0 ? top * 1.05 : 1;
    const x = (t) => (t / tEnd) * W;
    const y = (v) => H - 2 - (v / top) * (H - 4);
    let d = `M0 ${y(0)}`;
    for (const [t, v] of series) d += `L${x(t).toFixed(1)} ${y(v).toFixed(1)}`;
    const last = series.length ? series[series.length - 1][1] : 0;
    d += `L${W} ${y(last).toFixed(1)}`;
    const area = document.createElementNS(SVGNS, "path");
    area.setAttribute("class", "sn-spark-area");
    area.setAttribute("d", `${d}L${W} ${H}L0 ${H}Z`);
    const line = document.createElementNS(SVGNS, "path");
    line.setAttribute("class", "sn-spark-line");
    line.setAttribute("d", d);
    line.setAttribute("vector-effect", "non-scaling-stroke");
    svg.append(area, line);
    if (budgetUsd) {
      const b = document.createElementNS(SVGNS, "line");
      b.setAttribute("class", "sn-spark-budget");
      b.setAttribute("x1", "0"); b.setAttribute("x2", String(W));
      b.setAttribute("y1", String(y(budgetUsd))); b.setAttribute("y2", String(y(budgetUsd)));
      b.setAttribute("vector-effect", "non-scaling-stroke");
      svg.append(b);
    }
    return svg;
  }

  function paint() {
    const c = model.get("cost") || {};
    const budget = c.budget || {};
    const virtual = c.clock === "virtual";
    note.textContent = virtual ? "rates per simulated minute" : "rates per minute";
    const children = [
      h("div", { class: "sn-stats" },
        stat("tokens in", count(c.tokens_in), "tokens_in"),
        stat("tokens out", count(c.tokens_out), "tokens_out"),
        stat("spent", money(c.cost_usd), "cost_usd"),
        stat("$/min (run)", money(c.usd_per_min), "usd_per_min"),
        stat("$/min (60 s)", money(c.usd_per_min_recent), "usd_per_min_recent")),
    ];
    if (budget.usd !== undefined) children.push(bar("$", c.cost_usd || 0, budget.usd, money));
    else children.push(h("div", { class: "sn-dim", text: "no dollar budget set" }));
    if (budget.tokens !== undefined) {
      children.push(bar("tokens", (c.tokens_in || 0) + (c.tokens_out || 0), budget.tokens, count));
    }
    if (budget.steps !== undefined) children.push(bar("steps", c.steps || 0, budget.steps, count));
    if (budget.seconds !== undefined) {
      children.push(bar(virtual ? "sim. s" : "seconds", c.elapsed || 0, budget.seconds, (v) => `${(+v).toFixed(1)}`));
    }
    children.push(h("div", { class: "sn-dim", text: "cumulative $ over time" + (budget.usd !== undefined ? " (dashed: budget)" : "") }));
    children.push(spark(c.series || [], budget.usd, c.elapsed));
    body.replaceChildren(...children);
    root.dataset.costUsd = String(c.cost_usd || 0);
  }

  model.on("change:cost", paint);
  paint();
}

export default { render };
