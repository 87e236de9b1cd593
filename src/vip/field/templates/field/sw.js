// The field app's service worker (vip.field.views.service_worker; docs/field-app.md).
// It keeps the app's shell (the page and its files, no data) so the app opens without a signal.
// Answers that hold data (/field/api/...) are never kept: the app keeps its caseload itself,
// encrypted, in IndexedDB.
const CACHE = "vip-field-{{ version }}";
const SHELL = {{ files|safe }};
const API = new URL("{% url 'field:start' %}", self.location).pathname.replace(/start$/, "");

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("vip-field-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || event.request.method !== "GET" || url.pathname.startsWith(API)) {
    return; // the network, as the page asked
  }
  if (!SHELL.includes(url.pathname)) {
    return;
  }
  if (event.request.mode === "navigate") {
    event.waitUntil(wipeIfTold());
  }
  // The network first (a new release, a sign-in page when the session has ended); the kept shell
  // when there is no signal.
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() => caches.open(CACHE).then((cache) => cache.match(url.pathname)).then((kept) => kept || Response.error())),
  );
});

// Opening the app is a contact: if this device's account was deactivated, the server answers 410
// and the device discards what it keeps, even when the page itself is now the sign-in page.
async function deviceId() {
  const known = indexedDB.databases ? await indexedDB.databases() : [];
  if (!known.some((d) => d.name === "vip-field")) return null;
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open("vip-field");
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  try {
    if (!db.objectStoreNames.contains("meta")) return null;
    return await new Promise((resolve) => {
      const req = db.transaction("meta").objectStore("meta").get("device");
      req.onsuccess = () => resolve(req.result || null);
      req.onerror = () => resolve(null);
    });
  } finally {
    db.close();
  }
}

async function wipeIfTold() {
  try {
    const id = await deviceId();
    if (!id) return;
    const answer = await fetch(API + "start", { headers: { "X-Vip-Device": id }, credentials: "same-origin", cache: "no-store" });
    if (answer.status !== 410) return;
    await new Promise((resolve) => {
      const req = indexedDB.deleteDatabase("vip-field");
      req.onsuccess = req.onerror = req.onblocked = () => resolve();
    });
    for (const name of await caches.keys()) {
      if (name.startsWith("vip-field-")) await caches.delete(name);
    }
  } catch (error) {
    // No signal: the next contact asks again.
  }
}
