// The field app (docs/field-app.md): a peer support worker's caseload and field forms, working
// without a signal. Entries wait in an encrypted queue on the phone (store.js) and are sent when
// the signal returns, each with its idempotency key, the phone's time and the server's time as
// the phone reckons it. The page is built with DOM calls and textContent only: nothing received
// is ever parsed as HTML.
import { cache, meta, queue, wipe } from "./store.js";

const CONFIG = JSON.parse(document.getElementById("field-config").textContent);
const T = JSON.parse(document.getElementById("field-strings").textContent);
const view = document.getElementById("view");
const statusEl = document.getElementById("status");
const syncButton = document.getElementById("sync");
const noticeEl = document.getElementById("notice");

const state = { device: null, csrf: null, offset: 0, snapshot: null, signedOut: false, busy: false, online: navigator.onLine };

class Wiped extends Error {}

// --- small DOM helpers --------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "text") el.textContent = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let fieldCount = 0;
function field(label, input) {
  const id = `f${++fieldCount}`;
  input.id = id;
  return h("p", { class: "field" }, h("label", { for: id, text: label }), input);
}

function select(name, options, { blank = false, value = "" } = {}) {
  const el = h("select", { name });
  if (blank) el.append(h("option", { value: "", text: T.none }));
  for (const [code, label] of options) el.append(h("option", { value: code, text: label, selected: code === value }));
  return el;
}

function checkboxes(name, options, checked = []) {
  return h(
    "fieldset",
    { class: "checks" },
    options.map(([code, label]) =>
      h("label", {}, h("input", { type: "checkbox", name, value: code, checked: checked.includes(code) }), ` ${label}`),
    ),
  );
}

function localNow() {
  const now = new Date();
  now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
  return now.toISOString().slice(0, 16);
}

function label(options, code) {
  const found = (options || []).find(([c]) => c === code);
  return found ? found[1] : code;
}

function notice(text) {
  noticeEl.hidden = !text;
  noticeEl.textContent = text || "";
}

// --- talking to the server ---------------------------------------------------------------------

async function api(url, { method = "GET", body } = {}) {
  const headers = { "X-Vip-Device": state.device, Accept: "application/json" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    if (state.csrf) headers["X-CSRFToken"] = state.csrf;
  }
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  if (response.status === 410) {
    await clearPhone(T.wiped);
    throw new Wiped();
  }
  return response;
}

async function clearPhone(message) {
  await wipe();
  state.snapshot = null;
  state.csrf = null;
  state.device = crypto.randomUUID();
  await meta.set("device", state.device);
  notice(message);
  render();
}

async function contact() {
  if (state.busy) return;
  state.busy = true;
  try {
    const started = await api(CONFIG.urls.start);
    if (started.status === 401) {
      state.signedOut = true;
      return;
    }
    if (started.status === 403) {
      notice(T.notForRole);
      return;
    }
    if (!started.ok) return;
    const data = await started.json();
    const before = await meta.get("user");
    if (data.wipe || (before && before !== data.user.id)) {
      await clearPhone(T.wiped);
      state.busy = false;
      return contact();
    }
    state.signedOut = false;
    state.csrf = data.csrf;
    state.offset = Date.parse(data.server_time) - Date.now();
    await meta.set("user", data.user.id);
    await meta.set("offset", state.offset);
    await meta.set("until", Date.now() + data.offline_hours * 3600 * 1000);
    await sendQueue();
    const loaded = await api(CONFIG.urls.caseload);
    if (loaded.ok) {
      state.snapshot = await loaded.json();
      state.snapshot.loaded_at = new Date().toISOString();
      await cache.put("caseload", state.snapshot);
    }
  } catch (error) {
    if (!(error instanceof Wiped)) state.online = false;
  } finally {
    state.busy = false;
    await showStatus();
    if (!onForm()) render();
  }
}

async function sendQueue() {
  const entries = (await queue.all()).filter((e) => e.state === "pending");
  if (!entries.length) return;
  const response = await api(CONFIG.urls.sync, {
    method: "POST",
    body: { entries: entries.map(({ key, kind, device_time, server_time, data }) => ({ key, kind, device_time, server_time, data })) },
  });
  if (response.status === 401) {
    state.signedOut = true;
    return;
  }
  if (response.status === 409) {
    await clearPhone(T.wiped);
    throw new Wiped();
  }
  if (!response.ok) return;
  const answer = await response.json();
  const byKey = Object.fromEntries(entries.map((e) => [e.key, e]));
  for (const result of answer.results) {
    const entry = byKey[result.key];
    if (!entry) continue;
    if (result.status === "stored" || result.status === "duplicate") {
      await queue.remove(entry.key);
    } else if (result.status === "conflict") {
      await queue.put({ ...entry, state: "conflict", current: result.current, message: result.message });
    } else {
      await queue.put({ ...entry, state: "refused", message: result.message });
    }
  }
  state.online = true;
}

async function record(kind, data, what) {
  const now = Date.now();
  const entry = {
    key: crypto.randomUUID(),
    kind,
    device_time: new Date(now).toISOString(),
    server_time: new Date(now + state.offset).toISOString(),
    data,
    what,
    state: "pending",
  };
  await queue.put(entry);
  notice(T.kept);
  location.hash = "#/queue";
  await showStatus();
  if (navigator.onLine) contact();
}

async function showStatus() {
  const waiting = (await queue.all()).filter((e) => e.state === "pending").length;
  const online = navigator.onLine && state.online !== false;
  statusEl.textContent = `${online ? T.online : T.offline}${waiting ? ` · ${T.waiting}: ${waiting}` : ""}`;
  statusEl.className = `status ${online ? "on" : "off"}`;
  syncButton.hidden = !(waiting && online);
  syncButton.textContent = T.syncNow;
}

// --- the screens ----------------------------------------------------------------------------------

function person(id) {
  return (state.snapshot?.people || []).find((p) => String(p.id) === String(id));
}

function screenCaseload() {
  const people = state.snapshot?.people;
  if (!people) return [h("h1", { text: T.caseload }), h("p", { text: T.notLoaded })];
  const list = h("ul", { class: "people" });
  const fill = (words) => {
    list.replaceChildren(
      ...people
        .filter((p) => [p.name, ...p.nicknames].join(" ").toLowerCase().includes(words.toLowerCase()))
        .map((p) =>
          h("li", {}, h("a", { href: `#/person/${p.id}` }, h("strong", { text: p.name }), p.nicknames.length ? ` (${p.nicknames.join(", ")})` : "", h("span", { class: "muted", text: p.area ? ` · ${p.area}` : "" }))),
        ),
    );
    if (!list.children.length) list.append(h("li", { text: T.noPeople }));
  };
  fill("");
  const search = h("input", { type: "search", autocomplete: "off", oninput: (e) => fill(e.target.value) });
  const until = state.until ? new Date(state.until).toLocaleString() : "";
  return [
    h("h1", { text: T.caseload }),
    field(T.search, search),
    list,
    h("p", { class: "muted" }, `${T.loadedAt}: ${new Date(state.snapshot.loaded_at || state.snapshot.generated_at).toLocaleString()}`, until ? ` · ${T.keptUntil} ${until}` : ""),
  ];
}

function screenPerson(id) {
  const p = person(id);
  if (!p) return screenCaseload();
  const plans = p.plans.length ? h("ul", {}, p.plans.map((plan) => h("li", { text: plan.planned_on }))) : h("p", { text: T.none });
  return [
    h("p", {}, h("a", { href: "#/", text: `← ${T.back}` })),
    h("h1", { text: p.name }),
    h(
      "dl",
      { class: "facts" },
      p.nicknames.length ? [h("dt", { text: T.nicknames }), h("dd", { text: p.nicknames.join(", ") })] : [],
      p.phone ? [h("dt", { text: T.phone }), h("dd", {}, h("a", { href: `tel:${p.phone}`, text: p.phone }))] : [],
      p.address ? [h("dt", { text: T.address }), h("dd", { text: p.address })] : [],
      p.area ? [h("dt", { text: T.area }), h("dd", { text: p.area })] : [],
      h("dt", { text: T.safetyPlan }),
      h("dd", { text: p.safety_plan ? `${T.version} ${p.safety_plan.current}` : T.noSafetyPlan }),
    ),
    h("h2", { text: T.plans }),
    plans,
    h(
      "p",
      { class: "actions" },
      h("a", { class: "button", href: `#/person/${p.id}/attempt`, text: T.recordAttempt }),
      h("a", { class: "button", href: `#/person/${p.id}/contact`, text: T.recordContact }),
      h("a", { class: "button", href: `#/person/${p.id}/note`, text: T.writeNote }),
      p.safety_plan ? h("a", { class: "button", href: `#/person/${p.id}/check-in`, text: T.checkIn }) : null,
    ),
  ];
}

function form(title, back, fields, submit) {
  const el = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const values = new FormData(event.target);
        await submit(values, event.target);
      },
    },
    fields,
    h("p", { class: "actions" }, h("button", { type: "submit", class: "primary", text: T.save }), h("a", { href: back, text: T.cancel })),
  );
  return [h("p", {}, h("a", { href: back, text: `← ${T.back}` })), h("h1", { text: title }), el];
}

const iso = (local) => new Date(local).toISOString();

function screenAttempt(p) {
  const c = state.snapshot.choices;
  return form(`${T.recordAttempt}: ${p.name}`, `#/person/${p.id}`, [
    field(T.when, h("input", { type: "datetime-local", name: "when", required: true, value: localNow() })),
    field(T.notification, select("notification", p.plans.map((x) => [String(x.id), x.planned_on]), { blank: true, value: p.plans.length ? String(p.plans[0].id) : "" })),
    field(T.outcome, select("outcome", c.attempt_outcome)),
    h("p", { class: "field" }, h("span", { class: "label", text: T.team }), checkboxes("team", c.team, ["peer_support"])),
    field(T.notes, h("textarea", { name: "notes", rows: 3 })),
  ], (v) =>
    record("attempt", { person: p.id, notification: v.get("notification") || null, attempted_at: iso(v.get("when")), outcome: v.get("outcome"), team: v.getAll("team"), notes: v.get("notes") }, p.name),
  );
}

function screenContact(p) {
  const c = state.snapshot.choices;
  return form(`${T.recordContact}: ${p.name}`, `#/person/${p.id}`, [
    field(T.when, h("input", { type: "datetime-local", name: "when", required: true, value: localNow() })),
    field(T.kind, select("kind", c.contact_kind)),
    field(T.minutes, h("input", { type: "number", name: "minutes", min: 0, max: 1440, inputmode: "numeric" })),
    field(T.summary, h("textarea", { name: "summary", rows: 4 })),
  ], (v) =>
    record("contact", { person: p.id, contacted_at: iso(v.get("when")), kind: v.get("kind"), minutes: v.get("minutes") ? Number(v.get("minutes")) : null, summary: v.get("summary") }, p.name),
  );
}

function screenNote(p) {
  return form(`${T.writeNote}: ${p.name}`, `#/person/${p.id}`, [field(T.text, h("textarea", { name: "text", rows: 8, required: true }))], (v) =>
    record("case_note", { person: p.id, text: v.get("text") }, p.name),
  );
}

function screenCheckIn(p) {
  const c = state.snapshot.choices;
  return form(`${T.checkIn}: ${p.name}`, `#/person/${p.id}`, [
    field(T.when, h("input", { type: "datetime-local", name: "when", required: true, value: localNow() })),
    field(T.status, select("status", c.check_in_status)),
    field(T.planFits, select("fits", [["", T.unknown], ["yes", T.yes], ["no", T.no]])),
    field(T.notes, h("textarea", { name: "note", rows: 4 })),
  ], (v) =>
    record("check_in", { person: p.id, checked_at: iso(v.get("when")), status: v.get("status"), plan_still_fits: v.get("fits") === "" ? null : v.get("fits") === "yes", note: v.get("note") }, p.name),
  );
}

function screenMediations() {
  const items = state.snapshot?.mediations;
  if (!items) return [h("h1", { text: T.mediations }), h("p", { text: T.notLoaded })];
  return [
    h("h1", { text: T.mediations }),
    h("p", {}, h("a", { class: "button primary", href: "#/mediation/new", text: T.recordMediation })),
    items.length
      ? h("ul", { class: "people" }, items.map((m) => h("li", {}, h("strong", { text: m.occurred_on }), ` · ${m.area || ""} · ${m.outcome_label} `, h("a", { href: `#/mediation/${m.id}/outcome`, text: T.updateOutcome }))))
      : h("p", { text: T.noMediations }),
  ];
}

function screenMediationNew() {
  const c = state.snapshot.choices;
  const people = state.snapshot.people.map((p) => [String(p.id), p.name]);
  const outside = [0, 1, 2].map((i) =>
    h("p", { class: "pair" }, h("input", { name: `outside_name_${i}`, "aria-label": `${T.name} ${i + 1}`, placeholder: T.name }), h("input", { name: `outside_phone_${i}`, type: "tel", "aria-label": `${T.phone} ${i + 1}`, placeholder: T.phone })),
  );
  const today = localNow().slice(0, 10);
  return form(T.recordMediation, "#/mediations", [
    field(T.day, h("input", { type: "date", name: "day", required: true, value: today, max: today })),
    field(T.area, select("area", c.area, { blank: true })),
    h("div", { class: "field" }, h("span", { class: "label", text: T.topics }), checkboxes("topics", c.mediation_topic)),
    field(T.outcome, select("outcome", c.mediation_outcome)),
    h("div", { class: "field" }, h("span", { class: "label", text: T.parties }), checkboxes("people", people)),
    h("div", { class: "field" }, h("span", { class: "label", text: T.outside }), outside),
    field(T.summary, h("textarea", { name: "summary", rows: 4 })),
  ], (v) => {
    const others = [0, 1, 2].map((i) => ({ name: (v.get(`outside_name_${i}`) || "").trim(), phone: (v.get(`outside_phone_${i}`) || "").trim() })).filter((o) => o.name);
    return record("mediation", { occurred_on: v.get("day"), area: v.get("area"), topics: v.getAll("topics"), outcome: v.get("outcome"), people: v.getAll("people").map(Number), outside: others, summary: v.get("summary") }, v.get("day"));
  });
}

function screenMediationOutcome(id) {
  const m = (state.snapshot?.mediations || []).find((x) => String(x.id) === String(id));
  if (!m) return screenMediations();
  return form(`${T.updateOutcome}: ${m.occurred_on}`, "#/mediations", [field(T.outcome, select("outcome", state.snapshot.choices.mediation_outcome, { value: m.outcome }))], (v) =>
    record("mediation_update", { mediation: m.id, base_version: m.version, outcome: v.get("outcome") }, m.occurred_on),
  );
}

async function screenQueue() {
  const entries = await queue.all();
  const c = state.snapshot?.choices || {};
  if (!entries.length) return [h("h1", { text: T.queue }), h("p", { text: T.queueEmpty })];
  return [
    h("h1", { text: T.queue }),
    h(
      "ul",
      { class: "queue" },
      entries.map((e) => {
        const head = h("p", {}, h("strong", { text: T.kinds[e.kind] || e.kind }), ` · ${e.what || ""} · ${new Date(e.device_time).toLocaleString()}`);
        if (e.state === "conflict") {
          return h(
            "li",
            { class: "conflict" },
            head,
            h("p", { text: T.conflict }),
            h("p", {}, `${T.theirs}: `, h("strong", { text: e.current?.outcome_label || "" })),
            h("p", {}, `${T.yours}: `, h("strong", { text: label(c.mediation_outcome, e.data.outcome) })),
            h(
              "p",
              { class: "actions" },
              h("button", { type: "button", class: "primary", text: T.keepMine, onclick: () => resolve(e, true) }),
              h("button", { type: "button", text: T.takeTheirs, onclick: () => resolve(e, false) }),
            ),
          );
        }
        if (e.state === "refused") {
          return h("li", { class: "refused" }, head, h("p", {}, `${T.refused}: `, e.message || ""), h("button", { type: "button", text: T.dismiss, onclick: async () => { await queue.remove(e.key); render(); } }));
        }
        return h("li", {}, head, h("p", { class: "muted", text: T.waiting }));
      }),
    ),
  ];
}

async function resolve(entry, keepMine) {
  if (keepMine) {
    await queue.put({ ...entry, state: "pending", data: { ...entry.data, base_version: entry.current.version }, current: undefined });
  } else {
    await queue.remove(entry.key);
    const m = (state.snapshot?.mediations || []).find((x) => x.id === entry.data.mediation);
    if (m && entry.current) Object.assign(m, entry.current);
  }
  notice("");
  await showStatus();
  render();
  if (navigator.onLine) contact();
}

function onForm() {
  const route = location.hash.replace(/^#\/?/, "").split("/");
  return (route[0] === "person" && route.length > 2) || (route[0] === "mediation" && route.length > 1);
}

async function render() {
  const route = location.hash.replace(/^#\/?/, "").split("/");
  let content;
  if (state.signedOut) {
    notice("");
    noticeEl.hidden = false;
    noticeEl.replaceChildren(document.createTextNode(`${T.signIn} `), h("a", { href: CONFIG.urls.login, text: T.signInLink }));
  }
  if (route[0] === "person" && person(route[1])) {
    const p = person(route[1]);
    const forms = { attempt: screenAttempt, contact: screenContact, note: screenNote, "check-in": screenCheckIn };
    content = route[2] && forms[route[2]] ? forms[route[2]](p) : screenPerson(route[1]);
  } else if (route[0] === "mediations") content = screenMediations();
  else if (route[0] === "mediation" && route[1] === "new" && state.snapshot) content = screenMediationNew();
  else if (route[0] === "mediation" && route[2] === "outcome") content = screenMediationOutcome(route[1]);
  else if (route[0] === "queue") content = await screenQueue();
  else content = screenCaseload();
  view.replaceChildren(...[content].flat());
  const heading = view.querySelector("h1");
  if (heading) document.title = `${heading.textContent} · ${document.title.split(" · ").pop()}`;
}

async function signOut() {
  const waiting = await queue.count();
  if (waiting && !window.confirm(T.signOutWaiting)) return;
  try {
    await api(CONFIG.urls.signOut, { method: "POST", body: {} });
  } catch (error) {
    // No signal: the phone is cleared all the same; the server ends the session at its limit.
  }
  await wipe();
  location.href = CONFIG.urls.login;
}

async function boot() {
  if (!window.isSecureContext || !window.crypto?.subtle || !window.indexedDB) {
    view.replaceChildren(h("p", { text: T.noCrypto }));
    return;
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(CONFIG.urls.serviceWorker, { scope: CONFIG.urls.scope }).catch(() => {});
  }
  const until = await meta.get("until");
  if (until && Date.now() > until) {
    await wipe();
    notice(T.expired);
  }
  state.device = (await meta.get("device")) || crypto.randomUUID();
  await meta.set("device", state.device);
  state.offset = (await meta.get("offset")) || 0;
  state.until = await meta.get("until");
  state.snapshot = await cache.get("caseload");
  window.addEventListener("hashchange", render);
  window.addEventListener("online", () => { state.online = true; showStatus(); contact(); });
  window.addEventListener("offline", () => { state.online = false; showStatus(); });
  syncButton.addEventListener("click", () => contact());
  document.getElementById("sign-out").addEventListener("click", signOut);
  document.getElementById("sign-out").title = T.signOut;
  await showStatus();
  await render();
  document.documentElement.dataset.ready = "true";
  await contact();
  state.until = await meta.get("until");
  setInterval(() => navigator.onLine && contact(), 60 * 1000);
}

boot();
