/* The program's page script (loaded by vip/base.html with defer; no inline script anywhere).
 *
 * 1. The header's menu folds behind a "Menu" button on a phone (aria-expanded).
 * 2. Tables become cards under 600 px: every cell is labelled with its column's header
 *    (data-label, shown by the CSS); tables marked keep-table stay tables and scroll sideways.
 * 3. A warning before the idle limit (body data-idle-seconds, data-warn-seconds) with
 *    "Stay signed in" (POST to the keep-alive endpoint: 204).
 * 4. Form drafts kept in this tab's sessionStorage, so that nothing typed is lost when the
 *    session ends: never passwords, codes or tokens, never the sign-in and security forms.
 */
(function () {
  "use strict";

  var body = document.body;
  document.documentElement.classList.add("js");

  // ---- 1. The menu -------------------------------------------------------------------------
  function setUpMenu() {
    var toggle = document.querySelector("header.site .menu-toggle");
    var header = document.querySelector("header.site");
    if (!toggle || !header) return;
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("menu-open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        header.classList.remove("menu-open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  // ---- 2. Tables as cards ------------------------------------------------------------------
  function headerTexts(table) {
    var row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    var texts = [];
    if (!row) return texts;
    Array.prototype.forEach.call(row.cells, function (cell) {
      var span = cell.colSpan || 1;
      var text = (cell.getAttribute("data-label") || cell.textContent || "").replace(/\s+/g, " ").trim();
      for (var i = 0; i < span; i++) texts.push(text);
    });
    return texts;
  }

  function labelTables(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var tables = Array.prototype.slice.call(scope.querySelectorAll("table"));
    if (scope.tagName === "TABLE") tables.push(scope);
    tables.forEach(function (table) {
      if (table.classList.contains("keep-table")) {
        var parent = table.parentElement;
        if (parent && !parent.classList.contains("table-scroll")) {
          var wrapper = document.createElement("div");
          wrapper.className = "table-scroll";
          wrapper.tabIndex = 0; // a scrolling region is reachable from the keyboard
          parent.insertBefore(wrapper, table);
          wrapper.appendChild(table);
        }
        return;
      }
      var texts = headerTexts(table);
      if (!texts.length) return;
      table.classList.add("cards");
      Array.prototype.forEach.call(table.tBodies, function (tbody) {
        Array.prototype.forEach.call(tbody.rows, function (tr) {
          var column = 0;
          Array.prototype.forEach.call(tr.cells, function (cell) {
            if (!cell.hasAttribute("data-label") && texts[column]) cell.setAttribute("data-label", texts[column]);
            column += cell.colSpan || 1;
          });
        });
      });
    });
  }

  // ---- 3. The warning before the idle limit ---------------------------------------------------
  function setUpSessionWarning() {
    var left = parseInt(body.getAttribute("data-idle-seconds") || "", 10);
    var box = document.getElementById("session-warning");
    if (isNaN(left) || !box) return;
    var warnBefore = parseInt(body.getAttribute("data-warn-seconds") || "120", 10);
    var form = box.querySelector("form.keep-alive");
    var text = document.getElementById("session-warning-text");
    var ended = box.querySelector(".ended-actions");
    var warnTimer = null;
    var endTimer = null;

    function schedule(seconds) {
      clearTimeout(warnTimer);
      clearTimeout(endTimer);
      box.hidden = true;
      // Warn warnBefore seconds before the end (at once when less is left).
      var warnIn = Math.max(seconds - warnBefore, 0);
      warnTimer = setTimeout(function () {
        box.hidden = false;
        var button = form && form.querySelector("button");
        if (button) button.focus();
      }, warnIn * 1000);
      endTimer = setTimeout(function () {
        box.hidden = false;
        if (form) form.hidden = true;
        if (ended) ended.hidden = false;
        if (text && text.getAttribute("data-ended")) text.textContent = text.getAttribute("data-ended");
      }, seconds * 1000);
    }

    // The whole idle limit, after "Stay signed in" (the server has just stamped the clock).
    var limit = parseInt(body.getAttribute("data-idle-limit") || "", 10);
    if (isNaN(limit)) limit = left;
    schedule(left);
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          redirect: "manual",
        }).then(function (response) {
          schedule(response.status === 204 ? limit : 0);
        }).catch(function () { /* offline: the warning stays; the user may try again */ });
      });
    }
    // An htmx request (search as you type, a row's action) restarts the idle clock too; the server
    // stamps it at most once a minute, so count a minute less, never to warn late.
    body.addEventListener("htmx:afterRequest", function () { schedule(Math.max(limit - 60, 0)); });
  }

  // ---- 4. Form drafts ---------------------------------------------------------------------------
  var DRAFT_PREFIX = "vip-draft:";
  var PENDING = "vip-draft-pending";
  var NEVER_NAMES = /(password|passwd|code|token|secret|otp|csrf)/i;
  var SAVED_TYPES = { text: 1, email: 1, tel: 1, date: 1, "datetime-local": 1, time: 1, number: 1, url: 1, month: 1, radio: 1 };

  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  function draftForms() {
    var forms = Array.prototype.slice.call(document.querySelectorAll("main form"));
    return forms.filter(function (form) {
      if (form.hasAttribute("data-no-draft")) return false;
      if (form.hasAttribute("data-draft")) return true;
      if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return false;
      if (form.querySelector("input[type=password]")) return false;
      var action = form.getAttribute("action") || window.location.pathname;
      // The sign-in and security pages: never kept.
      if (/^\/accounts\//.test(new URL(action, window.location.href).pathname)) return false;
      if (/^\/accounts\//.test(window.location.pathname)) return false;
      return true;
    });
  }

  function draftKey(form, index) {
    var user = body.getAttribute("data-user") || "anon";
    var name = form.getAttribute("data-draft") || (form.getAttribute("action") || "") + "#" + index;
    return DRAFT_PREFIX + user + ":" + window.location.pathname + ":" + name;
  }

  function savedFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.disabled || NEVER_NAMES.test(el.name) || NEVER_NAMES.test(el.id || "")) return false;
      if (el.getAttribute("autocomplete") === "one-time-code") return false;
      if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
      return el.tagName === "INPUT" && SAVED_TYPES[(el.type || "text").toLowerCase()] === 1;
    });
  }

  function collect(form) {
    var values = {};
    savedFields(form).forEach(function (el) {
      if (el.type === "radio") {
        if (el.checked) values[el.name] = el.value;
      } else if (el.tagName === "SELECT" && el.multiple) {
        // not kept: several values
      } else if (el.value !== "") {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function restore(form, values) {
    savedFields(form).forEach(function (el) {
      if (!(el.name in values)) return;
      var value = values[el.name];
      if (el.type === "radio") {
        var group = form.querySelectorAll('input[type=radio][name="' + el.name.replace(/"/g, '\\"') + '"]');
        var any = Array.prototype.some.call(group, function (r) { return r.checked; });
        if (!any && el.value === value) el.checked = true;
      } else if (el.tagName === "SELECT") {
        if (el.value === "" || el.selectedIndex <= 0) {
          var known = Array.prototype.some.call(el.options, function (o) { return o.value === value; });
          if (known) el.value = value;
        }
      } else if (el.value === "") {
        el.value = value;
      }
    });
  }

  function setUpDrafts() {
    var store = storage();
    if (!store) return;
    // The sign-out button: nothing typed stays behind in the tab.
    document.querySelectorAll("form.sign-out").forEach(function (form) {
      form.addEventListener("submit", function () { clearAll(store); });
    });
    // A form sent from the previous page: its draft goes, unless the answer is the sign-in page
    // (the session had ended: what was typed must survive to be sent again).
    var pending = store.getItem(PENDING);
    if (pending) {
      store.removeItem(PENDING);
      if (!/^\/accounts\/login\//.test(window.location.pathname)) store.removeItem(pending);
    }
    draftForms().forEach(function (form, index) {
      var key = draftKey(form, index);
      var saved = store.getItem(key);
      if (saved) {
        try {
          restore(form, JSON.parse(saved));
          form.classList.add("draft-restored");
        } catch (e) { store.removeItem(key); }
      }
      var save = function () {
        var values = collect(form);
        if (Object.keys(values).length) store.setItem(key, JSON.stringify(values));
        else store.removeItem(key);
      };
      form.addEventListener("input", save);
      form.addEventListener("change", save);
      form.addEventListener("submit", function () {
        save();
        store.setItem(PENDING, key);
      });
    });
  }

  function clearAll(store) {
    var keys = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && (key.indexOf(DRAFT_PREFIX) === 0 || key === PENDING)) keys.push(key);
    }
    keys.forEach(function (key) { store.removeItem(key); });
  }

  setUpMenu();
  labelTables(document);
  setUpSessionWarning();
  setUpDrafts();
  body.addEventListener("htmx:load", function (event) { labelTables(event.detail && event.detail.elt); });
})();
