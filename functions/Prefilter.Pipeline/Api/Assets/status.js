"use strict";
(() => {
  // The page is opened as /api/status?code=KEY (the function key, as Azure Functions accepts it); its own data
  // requests carry the key in the header the host also accepts, so it does not end up in more URLs than this one.
  const key = new URLSearchParams(location.search).get("code");
  const colors = ["#0b57d0", "#a50e0e", "#1e6b24", "#6a1b9a", "#8a4b00", "#00695c"];
  const dashes = ["", "6 3", "2 3", "8 3 2 3", "4 4", "1 2"];
  const $ = (id) => document.getElementById(id);
  let release = null;

  function el(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    return node;
  }

  function svg(tag, attributes) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
    return node;
  }

  async function api(path, options) {
    const headers = Object.assign({ "Accept": "application/json" }, (options && options.headers) || {});
    if (key) headers["x-functions-key"] = key;
    const response = await fetch("/api/" + path, Object.assign({}, options, { headers }));
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = body && body.detail ? body.detail : response.statusText;
      throw new Error(`${response.status} ${detail}`);
    }
    return body;
  }

  // TimeSpan as .NET writes it: [-][d.]hh:mm:ss[.fffffff]
  function ms(span) {
    if (typeof span !== "string") return 0;
    const m = /^(-)?(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(span);
    if (!m) return 0;
    const value = (((Number(m[2] || 0) * 24 + Number(m[3])) * 60 + Number(m[4])) * 60 + Number(m[5])) * 1000;
    return m[1] ? -value : value;
  }

  const number = (value, digits) => Number(value).toLocaleString("en", { maximumFractionDigits: digits === undefined ? 0 : digits });
  const msText = (value) => `${number(value, value < 10 ? 2 : 1)} ms`;
  const time = (iso) => new Date(iso).toISOString().replace("T", " ").slice(0, 19);
  const clock = (iso) => new Date(iso).toISOString().slice(11, 16);
  const ref = (set) => set ? set.version : "none";

  function duration(milliseconds) {
    const minutes = Math.max(0, Math.round(milliseconds / 60000));
    if (minutes < 60) return `${minutes} min`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  function replaceRows(table, rows) {
    const body = table.tBodies[0];
    body.replaceChildren(...rows);
  }

  function row(cells, header) {
    const tr = el("tr");
    cells.forEach((cell, index) => {
      const node = index === 0 && header ? el("th", null, { scope: "row" }) : el("td");
      if (cell instanceof Node) node.append(cell); else node.textContent = cell;
      if (typeof cell === "number") node.className = "num";
      tr.append(node);
    });
    return tr;
  }

  function headRow(names) {
    const head = el("thead"), tr = el("tr");
    names.forEach((name) => tr.append(el("th", name, { scope: "col" })));
    head.append(tr);
    return head;
  }

  function renderRelease(status, report) {
    const state = status.state;
    const sets = [["Active", state.active], ["Canary", state.canary ? state.canary.set : null], ["Last known good", state.lastKnownGood]];
    replaceRows($("sets"), sets.map(([role, set]) => row([role, set ? set.version : "none", set ? el("span", set.digest, { class: "digest" }) : "—"], true)));

    const canary = state.canary;
    if (canary) {
      const stages = status.stages || [];
      const left = report && report.canaryBakedAt ? new Date(report.canaryBakedAt) - new Date(report.at) : 0;
      $("canary-stage").textContent = `Canary ${canary.set.version}: stage ${canary.stage + 1} of ${stages.length}, ${number(canary.sharePercent, 2)} % of mail, since ${time(canary.since)} UTC; ` +
        (left > 0 ? `bake time left ${duration(left)}.` : "baked; the watchdog moves it on at its next run.");
    } else {
      $("canary-stage").textContent = "No canary runs.";
    }

    const decision = report && report.watchdog;
    $("watchdog").textContent = decision ? `Watchdog, ${time(decision.at)} UTC: ${decision.summary}` : "The watchdog has not run yet.";

    const target = state.lastKnownGood || state.active;
    const button = $("rollback");
    button.disabled = !(state.lastKnownGood || canary);
    button.dataset.target = target ? target.version : "";
  }

  function renderGate(report) {
    const gate = $("gate");
    const stored = report && report.gateReport;
    if (!stored) { gate.replaceChildren(el("p", "No set has been gated yet.")); return; }
    const r = stored.report;
    const parts = [el("p", `${stored.version}, gated ${time(stored.at)} UTC on ${r.sampleMessages} sampled and ${r.adversarialMessages} adversarial mails: `)];
    parts[0].append(el("strong", r.passed ? "passed" : "refused", { class: r.passed ? "ok" : "error" }));
    if (r.p99CostRatio !== null && r.p99CostRatio !== undefined) parts.push(el("p", `p99 scan time ${number(r.p99CostRatio, 2)}× the active set's.`));
    if (r.refusals.length) {
      parts.push(el("h3", "Refusals"));
      const list = el("ul");
      r.refusals.forEach((refusal) => list.append(el("li", refusal)));
      parts.push(list);
    }
    parts.push(el("h3", "Rules blamed"));
    if (r.blamed.length) {
      const list = el("ul", null, { id: "blamed" });
      r.blamed.forEach((rule) => { const item = el("li"); item.append(el("code", rule)); list.append(item); });
      parts.push(list);
    } else {
      parts.push(el("p", "None."));
    }
    gate.replaceChildren(...parts);
  }

  async function renderRules(state) {
    const serving = state.canary ? state.canary.set : state.active;
    const target = $("rules");
    if (!serving) { target.replaceChildren(el("p", "No set serves yet.")); return; }
    const version = await api(`patterns/versions/${encodeURIComponent(serving.version)}`);
    const rules = version.gateReport ? version.gateReport.topRules : [];
    if (!rules.length) { target.replaceChildren(el("p", `The gate measured no rule cost for ${serving.version}.`)); return; }
    const table = el("table", null, { id: "rule-costs" });
    table.append(el("caption", `Costliest rules of ${serving.version} on the gate's costliest tenth of mail`));
    table.append(headRow(["Rule", "Cost", "Extra over the active set"]), el("tbody"));
    replaceRows(table, rules.map((rule) => row([el("code", rule.ruleId), msText(ms(rule.cost)), msText(ms(rule.extraOverActive))], true)));
    const wrap = el("div", null, { class: "table-wrap" });
    wrap.append(table);
    target.replaceChildren(wrap);
  }

  function renderMail(report) {
    const mail = report.mail;
    $("mail-caption").textContent = `Mail received since ${time(report.since)} UTC`;
    replaceRows($("mail"), [["Received", mail.received], ["Scanned", mail.scanned], ["Delivered", mail.delivered], ["Quarantined", mail.quarantined], ["Dead-lettered", mail.deadLettered], ["In flight", mail.inFlight]]
      .map(([name, value]) => row([name, value], true)));
    const dead = report.deadLetters;
    $("dead-letter-depth").textContent = `${dead.atLeast ? "At least " : ""}${dead.depth} message${dead.depth === 1 ? "" : "s"} in the dead-letter queue${dead.newest.length ? "; the newest:" : "."}`;
    $("dead-letters").replaceChildren(...dead.newest.map((message) =>
      el("li", `${time(message.enqueuedTime)} UTC — ${message.reason || "no reason"}${message.description ? ": " + message.description : ""} (${message.messageId})`)));
  }

  function renderHistory(state) {
    const history = state.history.slice().reverse();
    replaceRows($("history"), history.length
      ? history.map((change) => row([time(change.at), change.action, ref(change.from), ref(change.to), change.actor || "", change.reason || ""]))
      : [row(["No changes yet.", "", "", "", "", ""])]);
  }

  // One chart: an SVG drawn from the series, with a legend and the same figures as a table.
  function chart(id, title, unit, series, from, to, kind) {
    const figure = el("figure", null, { id });
    const captionId = `${id}-caption`;
    figure.append(el("figcaption", title, { id: captionId }));
    const width = 640, height = 220, left = 56, right = 12, top = 12, bottom = 28;
    const image = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-labelledby": captionId, "aria-describedby": `${id}-summary` });
    const values = series.flatMap((s) => s.points.map((p) => p.value));
    // All zeros (no deadline hit, nothing flagged) still gets an axis of distinct labels.
    const highest = Math.max(0, ...values);
    const max = highest > 0 ? highest * 1.1 : 1;
    const x = (t) => left + ((t - from) / Math.max(1, to - from)) * (width - left - right);
    const y = (v) => top + (1 - v / max) * (height - top - bottom);
    for (let i = 0; i <= 4; i++) {
      const v = (max / 4) * i;
      image.append(svg("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), stroke: "#c4c4c4" }));
      const label = svg("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end" });
      label.textContent = number(v, v < 10 ? 2 : 0);
      image.append(label);
    }
    for (let i = 0; i <= 4; i++) {
      const t = from + ((to - from) / 4) * i;
      const label = svg("text", { x: x(t), y: height - 8, "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle" });
      label.textContent = clock(new Date(t).toISOString());
      image.append(label);
    }
    series.forEach((s, index) => {
      const color = colors[index % colors.length];
      const points = s.points.map((p) => [x(p.at), y(p.value)]);
      if (kind === "line" && points.length > 1) {
        image.append(svg("polyline", { points: points.map((p) => p.join(",")).join(" "), fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": dashes[index % dashes.length] }));
      }
      s.points.forEach((p, i) => {
        const dot = svg("circle", { cx: points[i][0], cy: points[i][1], r: 4, fill: color, "data-point": "" });
        const tip = svg("title");
        tip.textContent = `${s.name}, ${clock(new Date(p.at).toISOString())}: ${number(p.value, 3)} ${unit}`;
        dot.append(tip);
        image.append(dot);
      });
    });
    figure.append(image);
    const legend = el("ul", null, { class: "legend", "aria-hidden": "true" });
    series.forEach((s, index) => {
      const item = el("li");
      const swatch = el("span", null, { class: "swatch" });
      swatch.style.background = colors[index % colors.length];
      item.append(swatch, document.createTextNode(s.name));
      legend.append(item);
    });
    figure.append(legend);
    const total = series.reduce((n, s) => n + s.points.length, 0);
    figure.append(el("p", `${total} data point${total === 1 ? "" : "s"} over ${series.length} version${series.length === 1 ? "" : "s"}: ` +
      series.map((s) => `${s.name} up to ${number(Math.max(0, ...s.points.map((p) => p.value)), 3)} ${unit}`).join("; ") + ".", { id: `${id}-summary`, class: "summary" }));
    const details = el("details");
    details.append(el("summary", `${title} as a table`));
    const table = el("table");
    table.append(el("caption", `${title} (${unit})`));
    table.append(headRow(["Interval from (UTC)", "Version", unit]), el("tbody"));
    replaceRows(table, series.flatMap((s) => s.points.map((p) => row([time(new Date(p.at).toISOString()), s.name, number(p.value, 3)]))));
    const wrap = el("div", null, { class: "table-wrap" });
    wrap.append(table);
    details.append(wrap);
    figure.append(details);
    return figure;
  }

  function renderCharts(report) {
    const from = new Date(report.since).getTime(), to = new Date(report.at).getTime();
    const withScans = report.versions.filter((v) => v.points.length);
    const target = $("charts");
    const totals = el("table", null, { id: "version-totals" });
    totals.append(el("caption", `All scans since ${time(report.since)} UTC, per version`));
    totals.append(headRow(["Version", "Role", "Scans", "p50", "p99", "Deadline hits", "Delivered", "Tagged", "Quarantined"]), el("tbody"));
    replaceRows(totals, report.versions.map((v) => row([v.version, v.role, v.total.count, msText(ms(v.total.p50)), msText(ms(v.total.p99)), v.total.deadlineHits, v.total.deliverCount, v.total.tagCount, v.total.quarantineCount], true)));
    const wrap = el("div", null, { class: "table-wrap" });
    wrap.append(totals);
    if (!withScans.length) {
      target.replaceChildren(wrap, el("p", "No scans recorded in this range yet (instances write their figures every 30 s by default)."));
      return;
    }
    const series = (pick) => withScans.map((v) => ({ name: `${v.version} (${v.role})`, points: v.points.map((p) => ({ at: new Date(p.start).getTime(), value: pick(p.stats) })) }));
    const share = (s, n) => s.count ? (100 * n) / s.count : 0;
    target.replaceChildren(
      wrap,
      chart("chart-p50", "Scan time p50", "ms", series((s) => ms(s.p50)), from, to, "line"),
      chart("chart-p99", "Scan time p99", "ms", series((s) => ms(s.p99)), from, to, "line"),
      chart("chart-deadline", "Deadline hits", "scans", series((s) => s.deadlineHits), from, to, "line"),
      chart("chart-flagged", "Verdict mix: mail tagged or quarantined", "%", series((s) => share(s, s.tagCount + s.quarantineCount)), from, to, "line"),
      chart("chart-quarantined", "Verdict mix: mail quarantined", "%", series((s) => share(s, s.quarantineCount)), from, to, "line"));
  }

  let loading = 0;

  async function load() {
    const hours = $("hours").value;
    // Screen readers wait for a busy region; the sections are replaced one by one while a load runs.
    loading++;
    $("main").setAttribute("aria-busy", "true");
    try {
      const [status, report] = await Promise.all([api("patterns"), api(`status?hours=${encodeURIComponent(hours)}`)]);
      release = status;
      renderRelease(status, report);
      renderGate(report);
      renderCharts(report);
      renderMail(report);
      renderHistory(status.state);
      await renderRules(status.state);
      $("load-error").hidden = true;
      $("updated").textContent = `Updated ${time(report.at)} UTC.`;
    } catch (error) {
      $("load-error").textContent = `Could not read the status: ${error.message}`;
      $("load-error").hidden = false;
    } finally {
      loading--;
      if (loading === 0) $("main").setAttribute("aria-busy", "false");
    }
  }

  // A range in the address (?hours=24) is kept, so a bookmark opens the same view.
  const asked = new URLSearchParams(location.search).get("hours");
  if (asked && [...$("hours").options].some((option) => option.value === asked)) $("hours").value = asked;

  $("controls").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  $("hours").addEventListener("change", load);

  $("rollback").addEventListener("click", () => {
    const state = release ? release.state : null;
    const target = $("rollback").dataset.target;
    $("confirm-text").textContent = state && state.canary
      ? `This stops canary ${state.canary.set.version} and makes ${target} serve all mail.`
      : `This makes ${target} serve all mail instead of ${state ? ref(state.active) : "the active set"}.`;
    $("confirm").showModal();
  });

  $("confirm").addEventListener("close", async () => {
    const dialog = $("confirm");
    if (dialog.returnValue !== "confirm") { $("rollback").focus(); return; }
    const result = $("rollback-result");
    result.className = "";
    result.textContent = "Rolling back…";
    try {
      const body = await api("patterns/rollback", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ reason: $("reason").value || null }) });
      result.className = "ok";
      result.textContent = body.outcome === "alreadyThere"
        ? `Nothing to roll back: ${body.active.version} already serves all mail.`
        : `Rolled back: ${body.active.version} serves all mail${body.cancelledCanary ? `; canary ${body.cancelledCanary.set.version} stopped` : ""}.`;
    } catch (error) {
      result.className = "error";
      result.textContent = `Rollback failed: ${error.message}`;
    }
    await load();
    $("rollback").focus();
  });

  load();
})();
