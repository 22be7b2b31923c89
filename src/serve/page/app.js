// seqplan classroom: the model as JSON beside its plan. Every change
// (an edit, a scenario, a forced or forbidden move, a deadline moved, a
// red line dropped) plans again through the server's API, which answers
// with what the command line prints. Every text from a model reaches the
// page as text (textContent), never as markup.
"use strict";

const $ = (id) => document.getElementById(id);

const state = {
  force: [],   // "action@round"
  forbid: [],  // action ids
  pinned: null, // {request}: the variant kept to compare
  proposal: [], // [round, action]
  latest: 0,   // the newest refresh: older answers are dropped
  inFlight: null, // aborts the requests of the refresh before
};

function setStatus(text) { $("status").textContent = text; }

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

function button(label, onClick, title) {
  const b = el("button", label, { type: "button" });
  if (title) b.title = title;
  b.addEventListener("click", onClick);
  return b;
}

// A command of the API. A request of a refresh overtaken by another is
// aborted: its connection closes, and the server stops its solve.
async function api(command, body) {
  const signal = state.inFlight ? state.inFlight.signal : undefined;
  try {
    const response = await fetch("/api/" + command, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    return { ok: response.ok, status: response.status, text };
  } catch (e) {
    return { ok: false, status: 0, text: JSON.stringify({ error: { message: "not answered (" + e.name + ")" } }) };
  }
}

function errorOf(answer) {
  try {
    const error = JSON.parse(answer.text).error;
    return error.message + (error.path ? "  [" + error.path + "]" : "");
  } catch (_) {
    return "the server answered " + answer.status;
  }
}

// The model in the editor, parsed (null when it is not JSON).
function model() {
  try { return JSON.parse($("model-text").value); } catch (_) { return null; }
}

// Replaces the editor's model (after a deadline moved or a red line dropped).
function setModel(value) {
  $("model-text").value = JSON.stringify(value, null, 2);
  refresh();
}

function request(extra) {
  const body = { model: $("model-text").value, force: [...state.force], forbid: [...state.forbid] };
  const scenario = $("scenario").value;
  if (scenario && scenario !== "base") body.scenario = scenario;
  const objective = $("objective").value.trim();
  if (objective) body.objective = objective;
  const horizon = parseInt($("horizon").value, 10);
  if (horizon > 0) body.horizon = horizon;
  return Object.assign(body, extra || {});
}

// ---- models ----------------------------------------------------------

async function loadModels() {
  const response = await fetch("/api/models");
  const list = await response.json();
  const select = $("models");
  for (const m of list) {
    select.appendChild(el("option", m.name ? m.file + " — " + m.name : m.file, { value: m.file }));
  }
}

async function openModel(file) {
  if (!file) return;
  const response = await fetch("/api/models/" + file.split("/").map(encodeURIComponent).join("/"));
  if (!response.ok) { setStatus("cannot open " + file); return; }
  $("model-text").value = await response.text();
  state.force = []; state.forbid = []; state.proposal = []; state.pinned = null;
  $("check-result").textContent = "";
  $("compare").textContent = "";
  $("compare-hint").hidden = false;
  $("scenario").value = "base";
  $("objective").value = ""; $("horizon").value = "";
  refresh();
}

function fillPickers(m) {
  const scenario = $("scenario");
  const chosen = scenario.value || "base";
  scenario.textContent = "";
  scenario.appendChild(el("option", "base", { value: "base" }));
  for (const s of (m && m.scenarios) || []) {
    scenario.appendChild(el("option", s.id + (s.name ? " — " + s.name : ""), { value: s.id }));
  }
  scenario.value = [...scenario.options].some((o) => o.value === chosen) ? chosen : "base";
  showTimeline(m);
}

// ---- validation and planning -------------------------------------------

let timer = null;
function refresh() {
  clearTimeout(timer);
  timer = setTimeout(validateAndPlan, 350);
}

async function validateAndPlan() {
  const id = ++state.latest;
  if (state.inFlight) state.inFlight.abort();
  state.inFlight = new AbortController();
  try {
    await validateAndPlanNow(id);
  } finally {
    // How many refreshes the page has finished: what a test waits on.
    if (id === state.latest) {
      document.body.dataset.planned = String(Number(document.body.dataset.planned || 0) + 1);
    }
  }
}

async function validateAndPlanNow(id) {
  const m = model();
  // While the text is not JSON, the pickers keep what they had; moves
  // forced or forbidden that the model no longer has are let go.
  if (m) {
    fillPickers(m);
    const ids = new Set((m.actions || []).map((a) => a.id));
    state.force = state.force.filter((f) => ids.has(f.slice(0, f.lastIndexOf("@"))));
    state.forbid = state.forbid.filter((f) => ids.has(f));
  }
  const answer = await api("validate", { model: $("model-text").value });
  if (id !== state.latest) return;
  const box = $("validation");
  if (!answer.ok) {
    box.className = "bad";
    box.textContent = errorOf(answer);
    setStatus("the model is not valid");
    return;
  }
  const report = JSON.parse(answer.text);
  box.className = "good";
  box.textContent = "valid: " + report.actions + " moves, " + report.expectations +
    " expectations, " + report.red_lines + " red lines" +
    report.warnings.map((w) => "\nwarning: " + w.path + ": " + w.message).join("");
  await plan(id);
}

async function plan(id) {
  setStatus("planning…");
  renderChanges();
  const [answer, picture] = await Promise.all([
    api("plan", request({ format: "json" })),
    api("plan", request({ format: "svg" })),
  ]);
  if (id !== state.latest) return;
  if (!answer.ok) {
    setStatus(errorOf(answer));
    return;
  }
  const report = JSON.parse(answer.text);
  showPlan(report, picture.ok ? picture.text : null);
  const noPlan = report.status === "infeasible" || report.status === "unknown";
  $("diagnosis-box").hidden = !noPlan;
  const [explanation, diagnosis] = await Promise.all([
    noPlan ? null : api("explain", request({ format: "text" })),
    noPlan ? api("diagnose", request({ format: "text" })) : null,
  ]);
  if (id !== state.latest) return;
  $("explanation").textContent = explanation ? (explanation.ok ? explanation.text : errorOf(explanation)) : "";
  $("diagnosis").textContent = diagnosis ? (diagnosis.ok ? diagnosis.text : errorOf(diagnosis)) : "";
  await showComparison(report, picture.ok ? picture.text : null);
  setStatus(noPlan ? "no plan" : "planned");
}

function svgSource(svg) {
  return "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
}

function showPlan(report, svg) {
  const summary = $("summary");
  const unit = report.round || "round";
  if (report.status === "infeasible" || report.status === "unknown") {
    summary.className = "none";
    summary.textContent = report.message || "no plan";
  } else {
    summary.className = "";
    const objectives = report.objectives.map((o) => o.name + " " + o.value).join(", ");
    summary.textContent = "plan " + report.status + "; " + objectives + "; all met by " + unit + " " +
      report.met_round + "; cost " + report.cost +
      (report.success_probability ? "; chance it works " + Math.round(report.success_probability.value * 1000) / 10 + "%" : "");
  }
  const picture = $("picture");
  if (svg) { picture.src = svgSource(svg); picture.hidden = false; } else { picture.hidden = true; }
  showMoves(report.moves || []);
  showExpectations(report.expectations || []);
  showRedLines(report.red_lines || []);
}

function showMoves(moves) {
  const body = $("moves").tBodies[0];
  body.textContent = "";
  moves.forEach((m, i) => {
    const row = el("tr", null, { "data-action": m.action, "data-round": m.round });
    row.appendChild(el("td", m.round));
    row.appendChild(el("td", m.action + " (" + m.party + ")"));
    const cell = el("td");
    const input = el("input", null, { type: "number", min: "1", value: String(m.round), "aria-label": "force " + m.action + " to round" });
    input.id = "force-" + i;
    cell.appendChild(input);
    cell.appendChild(button("Force", () => {
      const round = parseInt(input.value, 10);
      if (!(round > 0)) return;
      state.force = state.force.filter((f) => !f.startsWith(m.action + "@"));
      state.force.push(m.action + "@" + round);
      refresh();
    }, "plan again with this move in that round"));
    row.appendChild(cell);
    const forbid = el("td");
    forbid.appendChild(button("Forbid", () => {
      if (!state.forbid.includes(m.action)) state.forbid.push(m.action);
      state.force = state.force.filter((f) => !f.startsWith(m.action + "@"));
      refresh();
    }, "plan again without this move"));
    row.appendChild(forbid);
    body.appendChild(row);
  });
}

function showExpectations(expectations) {
  const body = $("expectations").tBodies[0];
  body.textContent = "";
  expectations.forEach((e, i) => {
    const row = el("tr", null, { "data-expectation": e.id });
    row.appendChild(el("td", e.id));
    row.appendChild(el("td", e.met_round === null ? "never" : e.met_round));
    row.appendChild(el("td", e.by));
    const cell = el("td");
    const input = el("input", null, { type: "number", min: "1", value: String(e.by), "aria-label": "new deadline for " + e.id });
    input.id = "deadline-" + i;
    cell.appendChild(input);
    cell.appendChild(button("Set", () => {
      const m = model();
      const by = parseInt(input.value, 10);
      if (!m || !(by > 0)) return;
      const target = (m.expectations || []).find((x) => x.id === e.id);
      if (!target) return;
      target.by = by;
      setModel(m);
    }, "move this deadline in the model"));
    row.appendChild(cell);
    const drop = el("td");
    drop.appendChild(button("Drop", () => {
      const m = model();
      if (!m) return;
      m.expectations = (m.expectations || []).filter((x) => x.id !== e.id);
      setModel(m);
    }, "remove this expectation from the model"));
    row.appendChild(drop);
    body.appendChild(row);
  });
}

function showRedLines(lines) {
  const body = $("red-lines").tBodies[0];
  body.textContent = "";
  for (const r of lines) {
    const row = el("tr", null, { "data-red-line": r.id });
    row.appendChild(el("td", r.id));
    row.appendChild(el("td", r.kind));
    row.appendChild(el("td", r.closest === null ? "-" : r.closest));
    row.appendChild(el("td", r.round === null ? "-" : r.round));
    const level = el("td");
    if (r.kind === "never_below" || r.kind === "never_above" || r.kind === "cost_at_most") {
      const m = model();
      const line = m && (m.red_lines || []).find((x) => x.id === r.id);
      const key = r.kind;
      const input = el("input", null, { type: "number", step: "any", value: line ? String(line[key]) : "", "aria-label": "new level for " + r.id });
      level.appendChild(input);
      level.appendChild(button("Set", () => {
        const m = model();
        const value = parseFloat(input.value);
        const target = m && (m.red_lines || []).find((x) => x.id === r.id);
        if (!target || !Number.isFinite(value)) return;
        target[key] = value;
        setModel(m);
      }, "move this red line in the model"));
    }
    row.appendChild(level);
    const drop = el("td");
    drop.appendChild(button("Drop", () => {
      const m = model();
      if (!m) return;
      m.red_lines = (m.red_lines || []).filter((x) => x.id !== r.id);
      setModel(m);
    }, "remove this red line from the model"));
    row.appendChild(drop);
    body.appendChild(row);
  }
}

function renderChanges() {
  const list = $("changes");
  list.textContent = "";
  for (const f of state.force) {
    const item = el("li", "forced " + f + " ");
    item.appendChild(button("×", () => { state.force = state.force.filter((x) => x !== f); refresh(); }, "no longer force it"));
    list.appendChild(item);
  }
  for (const f of state.forbid) {
    const item = el("li", "forbidden " + f + " ");
    item.appendChild(button("×", () => { state.forbid = state.forbid.filter((x) => x !== f); refresh(); }, "allow it again"));
    list.appendChild(item);
  }
}

// ---- side by side --------------------------------------------------------

function pin() {
  state.pinned = { request: request() };
  refresh();
}

function column(title, report, svg) {
  const box = el("div");
  box.appendChild(el("h4", title));
  if (!report || report.status === "infeasible" || report.status === "unknown") {
    box.appendChild(el("p", report ? report.message || "no plan" : "no plan"));
    return box;
  }
  box.appendChild(el("p", "all met by " + report.met_round + ", cost " + report.cost + ", " + report.moves.length + " moves"));
  if (svg) box.appendChild(el("img", null, { src: svgSource(svg), alt: title + ": the plan as a picture" }));
  const list = el("ol");
  for (const m of report.moves) list.appendChild(el("li", m.round + ": " + m.action));
  box.appendChild(list);
  return box;
}

async function showComparison(current, currentSvg) {
  const box = $("compare");
  const id = state.latest;
  if (!state.pinned) { box.textContent = ""; return; }
  $("compare-hint").hidden = true;
  const [answer, picture] = await Promise.all([
    api("plan", Object.assign({}, state.pinned.request, { format: "json" })),
    api("plan", Object.assign({}, state.pinned.request, { format: "svg" })),
  ]);
  if (id !== state.latest) return;
  box.textContent = "";
  const pinned = answer.ok ? JSON.parse(answer.text) : null;
  box.appendChild(column("kept variant", pinned, picture.ok ? picture.text : null));
  box.appendChild(column("this variant", current, currentSvg));
}

// ---- check my plan -------------------------------------------------------

// The timeline a student places moves on: a line per move, a column per
// round of the horizon; a placed move is a pressed cell.
function showTimeline(m) {
  const table = $("timeline");
  const head = table.tHead;
  const body = table.tBodies[0];
  head.textContent = ""; body.textContent = "";
  if (!m || !Array.isArray(m.actions)) return;
  // The horizon asked for, else the scenario's, else the model's.
  const chosen = (m.scenarios || []).find((s) => s.id === $("scenario").value);
  const horizon = parseInt($("horizon").value, 10) > 0 ? parseInt($("horizon").value, 10)
    : (chosen && chosen.horizon) || m.horizon || 0;
  const known = new Set(m.actions.map((a) => a.id));
  state.proposal = state.proposal.filter((p) => known.has(p[1]) && p[0] <= horizon);
  const top = el("tr");
  top.appendChild(el("th", m.round || "round", { class: "action" }));
  for (let r = 1; r <= horizon; r++) top.appendChild(el("th", r));
  head.appendChild(top);
  for (const a of m.actions) {
    const row = el("tr");
    row.appendChild(el("th", a.id, { class: "action", scope: "row" }));
    for (let r = 1; r <= horizon; r++) {
      const cell = el("td");
      const placed = state.proposal.some((p) => p[0] === r && p[1] === a.id);
      const b = button("", () => {
        const i = state.proposal.findIndex((p) => p[0] === r && p[1] === a.id);
        if (i >= 0) state.proposal.splice(i, 1); else state.proposal.push([r, a.id]);
        b.setAttribute("aria-pressed", String(i < 0));
      }, a.id + " in " + (m.round || "round") + " " + r);
      b.setAttribute("aria-pressed", String(placed));
      b.setAttribute("aria-label", a.id + " in round " + r);
      b.dataset.action = a.id; b.dataset.round = String(r);
      cell.appendChild(b);
      row.appendChild(cell);
    }
    body.appendChild(row);
  }
}

async function check() {
  state.proposal.sort((a, b) => a[0] - b[0]);
  const plan = state.proposal.map((p) => p[0] + " " + p[1]).join("\n") + "\n";
  const body = request({ plan, format: "text" });
  delete body.force; delete body.forbid;
  const answer = await api("check", body);
  $("check-result").textContent = answer.ok ? answer.text : errorOf(answer);
}

// ---- wiring --------------------------------------------------------------

$("models").addEventListener("change", (e) => openModel(e.target.value));
$("model-text").addEventListener("input", refresh);
$("scenario").addEventListener("change", refresh);
$("objective").addEventListener("change", refresh);
$("horizon").addEventListener("change", refresh);
$("replan").addEventListener("click", refresh);
$("pin").addEventListener("click", pin);
$("proposal-check").addEventListener("click", check);
$("proposal-clear").addEventListener("click", () => {
  state.proposal = [];
  showTimeline(model());
  $("check-result").textContent = "";
});
loadModels().then(() => setStatus("choose a model"));
