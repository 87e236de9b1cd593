// What the field app keeps on the phone (docs/field-app.md), all of it in one IndexedDB database:
//   meta:   the device's id, whose it is, until when it may be kept, the server clock's offset
//           (no person data);
//   keys:   the AES-GCM key, a non-extractable CryptoKey made on this phone (WebCrypto keeps it:
//           no script, this one included, can read its bytes);
//   queue:  the entries waiting to be sent, each sealed with that key;
//   cache:  the caseload snapshot, sealed with that key.
// Clearing the phone deletes the database (the key with it) and the service worker's caches.

const DB_NAME = "vip-field";
const VERSION = 1;
const STORES = ["meta", "keys", "queue", "cache"];

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

let dbPromise = null;

export function openDatabase() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, VERSION);
      req.onupgradeneeded = () => {
        for (const name of STORES) {
          if (!req.result.objectStoreNames.contains(name)) {
            req.result.createObjectStore(name);
          }
        }
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error("blocked"));
    });
  }
  return dbPromise;
}

async function tx(store, mode, work) {
  const db = await openDatabase();
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const result = work(t.objectStore(store));
    t.oncomplete = () => resolve(result && "result" in result ? result.result : result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

export const meta = {
  get: (name) => tx("meta", "readonly", (s) => s.get(name)),
  set: (name, value) => tx("meta", "readwrite", (s) => s.put(value, name)),
};

// --- the key and sealing ----------------------------------------------------------------------

async function key() {
  let found = await tx("keys", "readonly", (s) => s.get("data"));
  if (!found) {
    found = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    await tx("keys", "readwrite", (s) => s.put(found, "data"));
  }
  return found;
}

export async function seal(value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(value));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await key(), plain);
  return { iv, data: new Uint8Array(sealed) };
}

export async function unseal(box) {
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv }, await key(), box.data);
  return JSON.parse(new TextDecoder().decode(plain));
}

// --- the queue of entries -----------------------------------------------------------------------

export const queue = {
  async put(entry) {
    const box = await seal(entry);
    await tx("queue", "readwrite", (s) => s.put(box, entry.key));
  },
  async all() {
    const db = await openDatabase();
    const boxes = await new Promise((resolve, reject) => {
      const out = [];
      const cursor = db.transaction("queue").objectStore("queue").openCursor();
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (c) {
          out.push(c.value);
          c.continue();
        } else {
          resolve(out);
        }
      };
      cursor.onerror = () => reject(cursor.error);
    });
    const entries = [];
    for (const box of boxes) {
      entries.push(await unseal(box));
    }
    return entries.sort((a, b) => a.device_time.localeCompare(b.device_time));
  },
  count: () => tx("queue", "readonly", (s) => s.count()),
  remove: (k) => tx("queue", "readwrite", (s) => s.delete(k)),
};

// --- the caseload snapshot ------------------------------------------------------------------------

export const cache = {
  async put(name, value) {
    const box = await seal(value);
    await tx("cache", "readwrite", (s) => s.put(box, name));
  },
  async get(name) {
    const box = await tx("cache", "readonly", (s) => s.get(name));
    return box ? unseal(box) : null;
  },
};

// --- clearing the phone ------------------------------------------------------------------------------

export async function wipe() {
  if (dbPromise) {
    const db = await dbPromise;
    db.close();
    dbPromise = null;
  }
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(DB_NAME);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
  if (self.caches) {
    for (const name of await caches.keys()) {
      if (name.startsWith("vip-field-")) {
        await caches.delete(name);
      }
    }
  }
}
