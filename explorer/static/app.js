// framewatch explorer. Text from the network only ever enters the page
// through textContent (el() below), never innerHTML; links only for http(s).
// Wrapped in a function: the Vega bundle is a classic script whose
// top-level names (e.g. `el`) are globals that must not be shadowed.
(() => {
"use strict";

let META = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}
function safeUrl(u) { return /^https?:\/\//i.test(u || "") ? u : null; }
function link(url, text) {
  const u = safeUrl(url);
  return u ? el("a", {href: u, target: "_blank", rel: "noopener noreferrer", text}) : el("span", {text});
}
function nameOf(label) {
  return (META && META.framings[label]) || {mixed: "Mixed", neither: "Neither framing", off_topic: "Off topic"}[label] || label;
}
function chip(label) {
  return el("span", {class: "label-chip", style: `background:${(META && META.colours[label]) || "#555"}`, "data-label": label, text: nameOf(label)});
}
function pct(x) { return x === null || x === undefined ? "" : `${Math.round(x * 100)}%`; }
function showError(msg) { const e = document.getElementById("error"); e.hidden = !msg; e.textContent = msg || ""; }

async function api(path, opts) {
  const r = await fetch(path, opts);
  let body = null;
  try { body = await r.json(); } catch (_) { /* not JSON */ }
  if (!r.ok) throw new Error((body && (body.detail || body.error)) || `${r.status} ${r.statusText}`);
  return body;
}

function filterParams() {
  const p = new URLSearchParams();
  p.set("grain", document.getElementById("grain").value);
  for (const id of ["start", "end"]) { const v = document.getElementById(id).value; if (v) p.set(id, v); }
  p.set("labels", document.getElementById("labelmode").value);
  for (const [box, key] of [["f-sources", "source"], ["f-framings", "framing"], ["f-labels", "label"]]) {
    const all = [...document.querySelectorAll(`#${box} input`)];
    const on = all.filter(i => i.checked).map(i => i.value);
    if (on.length && on.length < all.length) on.forEach(v => p.append(key, v));
  }
  return p;
}

function checks(id, items) {
  const box = document.getElementById(id);
  box.replaceChildren(...items.map(([value, text]) =>
    el("label", {}, el("input", {type: "checkbox", value, checked: "", onchange: refresh}), " ", text)));
}

// ------------------------------------------------------------------ overview
async function loadOverview() {
  const data = await api(`/api/overview?${filterParams()}`);
  document.getElementById("labelmode-note").textContent = `Labels shown: ${data.label_mode}.`;
  const share = await vegaEmbed("#share-chart", data.share_spec, {renderer: "svg", actions: {export: true, source: false, compiled: false, editor: false}});
  share.view.addEventListener("click", (_ev, item) => {
    const d = item && item.datum;
    if (d && d.period && d.label && d.n !== undefined) drill(d.period, d.label, `${nameOf(d.label)}: ${d.k} of ${d.n} on-topic stories`);
  });
  const vol = await vegaEmbed("#volume-chart", data.volume_spec, {renderer: "svg", actions: false});
  vol.view.addEventListener("click", (_ev, item) => {
    const d = item && item.datum;
    if (d && d.period && d.label && d.stories !== undefined) drill(d.period, d.label, `${nameOf(d.label)}: ${d.stories} stories`);
  });
  const head = el("tr", {}, ...["period", "framing", "stories with it (k)", "on-topic stories (n)", "share", "95% interval", ""].map(h => el("th", {text: h})));
  const rows = data.table.map(r => el("tr", {},
    el("td", {text: r.bucket}), el("td", {}, chip(r.label)), el("td", {text: r.k}), el("td", {text: r.n}),
    el("td", {text: pct(r.share)}), el("td", {text: r.n ? `${pct(r.lo)}–${pct(r.hi)}` : ""}),
    el("td", {}, el("button", {class: "small", onclick: () => drill(r.bucket, r.label, `${nameOf(r.label)}: ${r.k} of ${r.n} on-topic stories`), text: "stories"}))));
  document.getElementById("share-table").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
}

async function drill(bucket, label, what) {
  try { await drillInto(bucket, label, what); } catch (e) { showError(e.message); }
}

async function drillInto(bucket, label, what) {
  const p = filterParams(); p.set("bucket", bucket); p.set("story_label", label);
  const data = await api(`/api/stories?${p}`);
  const box = document.getElementById("drill");
  const grain = document.getElementById("grain").value;
  box.replaceChildren(el("h3", {id: "drill-heading", text: `${grain} of ${bucket} — ${what}`}),
    ...storyCards(data), moreNote(data));
  box.scrollIntoView({behavior: "smooth", block: "start"});
}

function moreNote(data) { return data.total > data.shown ? el("p", {class: "muted", text: `${data.shown} of ${data.total} shown.`}) : null; }

function storyCards(data) {
  if (!data.stories.length) return [el("p", {class: "muted", text: "No stories."})];
  return data.stories.map(story);
}

function story(s) {
  const card = el("div", {class: "story", "data-article-id": s.article_id});
  card.append(el("div", {class: "title"}, link(s.url, s.title || s.url || s.article_id)));
  const labelBits = [chip(s.label)];
  if (s.correction) labelBits.push(el("span", {class: "corrected", "data-corrected": s.correction.label,
    text: ` corrected to ${nameOf(s.correction.label)} by ${s.correction.corrected_by}` + (s.correction.note ? ` (“${s.correction.note}”)` : "") +
          ` — classifier said ${nameOf(s.classifier_label)}`}));
  card.append(el("div", {class: "meta"}, `${s.source_name} · ${s.date || "undated"} · `, ...labelBits,
    ` · confidence ${s.confidence === null ? "?" : s.confidence.toFixed(2)} · ${s.copies} cop${s.copies === 1 ? "y" : "ies"}`));
  const scores = Object.entries(s.scores || {}).map(([f, v]) => `${nameOf(f)} ${v.toFixed(2)}`).join(" · ");
  if (scores) card.append(el("div", {class: "scores", text: `scores: ${scores}`}));
  for (const e of (s.evidence || []).filter(e => e.rank === 1)) {
    card.append(el("div", {class: "ev"}, `${nameOf(e.framing)} (${e.similarity}): `, el("q", {text: e.article_sentence}),
      " ↔ ", el("q", {text: e.reference_sentence})));
  }
  if ((s.copy_list || []).length > 1) {
    card.append(el("details", {}, el("summary", {text: `${s.copy_list.length} copies`}),
      el("ul", {}, ...s.copy_list.map(c => el("li", {}, link(c.url, c.url), ` — ${c.source_name}, ${c.published_at || "undated"}${c.is_original ? " (original)" : ""}`)))));
  }
  card.append(correctForm(s));
  return card;
}

function correctForm(s) {
  const sel = el("select", {name: "label"}, ...META.labels.map(l => el("option", {value: l, text: nameOf(l)})));
  sel.value = s.label;
  const note = el("input", {name: "note", placeholder: "note (optional)", size: 30});
  const who = el("input", {name: "corrected_by", value: META.user, size: 12, title: "your name"});
  const msg = el("span", {class: "muted"});
  const form = el("form", {class: "correct-form"}, "Label is wrong? Right label: ", sel, " ", note, " by ", who, " ",
    el("button", {class: "small", text: "Save correction"}), " ", msg);
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    try {
      const r = await api("/api/corrections", {method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({article_id: s.article_id, label: sel.value, note: note.value, corrected_by: who.value})});
      msg.textContent = `saved: ${nameOf(r.label)} (by ${r.corrected_by})`;
      msg.setAttribute("data-saved", r.label);
    } catch (e) { msg.textContent = `not saved: ${e.message}`; }
  });
  return el("details", {}, el("summary", {class: "muted", text: "correct this label"}), form);
}

// ------------------------------------------------------------------ search
async function search() {
  const q = document.getElementById("q").value.trim();
  const out = document.getElementById("search-results");
  if (!q) { out.replaceChildren(); return; }
  const p = filterParams(); p.set("q", q);
  const data = await api(`/api/stories?${p}`);
  out.replaceChildren(el("h3", {id: "search-heading", text: `${data.total} stor${data.total === 1 ? "y" : "ies"} match “${q}”`}),
    ...storyCards(data), moreNote(data));
  const total = data.mix.reduce((a, m) => a + m.stories, 0);
  document.getElementById("search-mix").replaceChildren(el("h3", {text: "Framing mix of the hits"}),
    el("table", {id: "mix-table"}, ...data.mix.map(m => el("tr", {}, el("td", {}, chip(m.label)), el("td", {text: m.stories}),
      el("td", {text: pct(total ? m.stories / total : null)})))));
}

// ------------------------------------------------------------------ sources, alerts, corrections
async function loadSources() {
  const data = await api("/api/sources");
  const cols = ["name", "status", ...(data.has_diagnosis ? ["diagnosis"] : []), "stories", "stories_last_30_days_of_data",
                "labels", "last_new_item_at", "last_success_at", "consecutive_failures", "errors_7d", "last_error"];
  const head = el("tr", {}, ...cols.map(c => el("th", {text: c.replaceAll("_", " ")})));
  const rows = data.sources.map(s => el("tr", {}, ...cols.map(c => {
    if (c === "labels") return el("td", {}, ...Object.entries(s.labels).map(([l, n]) => el("span", {}, chip(l), ` ${n} `)));
    return el("td", {text: s[c] === null || s[c] === undefined ? "" : s[c]});
  })));
  document.getElementById("sources-table").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
}

async function loadAlerts() {
  const data = await api("/api/alerts");
  const box = document.getElementById("alerts-list");
  if (!data.alerts.length) { box.replaceChildren(el("p", {text: "No alerts so far."})); return; }
  box.replaceChildren(...data.alerts.map(a => {
    const status = el("span", {class: "status", "data-status": a.status, text: a.status});
    const card = el("div", {class: `alert ${a.status}`, "data-alert-id": a.alert_id},
      el("div", {}, el("strong", {text: a.summary || a.kind}), " — ", status),
      a.framing ? el("div", {}, chip(a.framing), ` ${a.direction === "up" ? "rose" : "fell"}`) : null,
      el("div", {class: "muted", text: `${a.kind} · window ${(a.window_start || "").slice(0, 10)} .. ${(a.window_end || "").slice(0, 10)}` +
        (a.baseline_share !== null && a.baseline_share !== undefined ? ` · baseline ${pct(a.baseline_share)} → ${pct(a.current_share)}` : "") +
        (a.acknowledged_at ? ` · acknowledged ${a.acknowledged_at}` : "")}));
    if (a.status !== "acknowledged") {
      const msg = el("span", {class: "muted"});
      card.append(el("button", {class: "small ack", text: "Acknowledge", onclick: async () => {
        try { await api(`/api/alerts/${encodeURIComponent(a.alert_id)}/ack`, {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"}); loadAlerts(); }
        catch (e) { msg.textContent = e.message; }
      }}), " ", msg);
    }
    if (a.stories.length) {
      card.append(el("h4", {text: "Stories that drove it"}), el("ul", {}, ...a.stories.map(s => el("li", {},
        `${(s.published_at || "").slice(0, 10)} `, chip(s.label), " ", link(s.url, s.title || s.story_id),
        s.evidence ? el("div", {class: "ev"}, el("q", {text: s.evidence})) : null))));
    }
    return card;
  }));
}

async function loadCorrections() {
  const data = await api("/api/corrections");
  document.getElementById("pending").textContent = data.pending
    ? `${data.pending} correction(s) not yet in the warehouse (saved; merged when no run holds it${data.merge_error ? ": " + data.merge_error : ""}).`
    : "Every correction is in the warehouse.";
  const cols = ["corrected_at", "corrected_by", "article_id", "original_label", "label", "note", "url"];
  const head = el("tr", {}, ...cols.map(c => el("th", {text: c.replaceAll("_", " ")})));
  const rows = data.corrections.slice().reverse().map(c => el("tr", {}, ...cols.map(k =>
    k === "url" ? el("td", {}, link(c.url, c.url || "")) :
    (k === "label" || k === "original_label") && c[k] ? el("td", {}, chip(c[k])) : el("td", {text: c[k] || ""}))));
  document.getElementById("corrections-table").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
}

// ------------------------------------------------------------------ wiring
let current = "overview";
const LOADERS = {overview: loadOverview, search, sources: loadSources, alerts: loadAlerts, corrections: loadCorrections};

async function refresh() {
  showError(null);
  try { await LOADERS[current](); document.body.setAttribute("data-ready", current); }
  catch (e) { showError(e.message); }
}

function show(tab) {
  current = tab;
  document.querySelectorAll("#tabs button").forEach(b => b.classList.toggle("active", b.dataset.tab === tab));
  document.querySelectorAll(".tab").forEach(s => { s.hidden = s.id !== `tab-${tab}`; });
  document.getElementById("filters").hidden = !["overview", "search"].includes(tab);
  document.body.removeAttribute("data-ready");
  refresh();
}

async function start() {
  try { META = await api("/api/meta"); } catch (e) { showError(e.message); return; }
  document.getElementById("snapinfo").textContent =
    `${META.stories} stories, ${META.first_date} .. ${META.last_date} · snapshot published ${(META.published_at || "?").slice(0, 16).replace("T", " ")} UTC · ${META.classifier}` +
    (META.loading_newer ? " · a newer snapshot is loading (reload in a moment)" : "");
  checks("f-sources", Object.entries(META.sources).sort((a, b) => a[1].localeCompare(b[1])));
  checks("f-framings", Object.keys(META.framings).map(f => [f, nameOf(f)]));
  checks("f-labels", META.labels.map(l => [l, nameOf(l)]));
  for (const id of ["grain", "start", "end", "labelmode"]) document.getElementById(id).addEventListener("change", refresh);
  // Tabs are addressable (/#alerts): a link or the back button opens the tab.
  document.querySelectorAll("#tabs button").forEach(b => b.addEventListener("click", () => { location.hash = b.dataset.tab; }));
  window.addEventListener("hashchange", () => { const t = location.hash.slice(1); if (t in LOADERS) show(t); });
  document.getElementById("search-form").addEventListener("submit", ev => { ev.preventDefault(); refresh(); });
  show(location.hash.slice(1) in LOADERS ? location.hash.slice(1) : "overview");
}
start();
})();
