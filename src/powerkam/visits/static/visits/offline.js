/* PowerKAM offline visit capture — the page's part (docs/visits.md, "Offline capture").

   On the visit pages (the pick list and the form) it
   - registers the service worker (/visits/sw.js) and asks it to keep the form of each of the
     manager's accounts, so they open without a connection;
   - sends the form itself: with a connection the visit is recorded at once and the page opens it;
     without one (or when the server cannot be reached) the visit — fields and photos — is put in
     IndexedDB on this phone and the page says "saved on this phone, will be sent";
   - sends what is queued when the connection comes back (the "online" event, and on every visit
     page opened with a connection), each visit with its idempotency key `client_key`: a visit
     whose answer was lost and is sent again is recognised by the server and recorded once.
   Words come from the server in the user's language (<script type="application/json"
   id="offline-strings">); nothing here is inline script (the Content-Security-Policy forbids it). */
(function () {
  "use strict";

  var root = document.querySelector("[data-offline]");
  if (!root) { return; }
  var words = JSON.parse((document.getElementById("offline-strings") || { textContent: "{}" }).textContent);
  var user = root.dataset.user || "";
  var DB = "powerkam-visits";
  var STORE = "outbox";
  var SENT_KEPT_MS = 24 * 3600 * 1000;  // a sent visit is listed for a day, without its fields

  // ---- keys ---------------------------------------------------------------------------------------
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  // ---- IndexedDB ----------------------------------------------------------------------------------
  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "client_key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }

  function all() { return tx("readonly", function (s) { return s.getAll(); }); }
  function put(entry) { return tx("readwrite", function (s) { s.put(entry); }); }
  function remove(key) { return tx("readwrite", function (s) { s.delete(key); }); }

  // ---- the list of visits on this phone -----------------------------------------------------------
  var box = document.querySelector("[data-outbox]");

  function render() {
    if (!box) { return Promise.resolve(); }
    return all().then(function (entries) {
      var now = Date.now();
      entries = entries.filter(function (e) {
        if (e.state === "sent" && now - e.sent_at > SENT_KEPT_MS) { remove(e.client_key); return false; }
        return true;
      }).sort(function (a, b) { return a.saved_at < b.saved_at ? -1 : 1; });
      var list = box.querySelector("ul");
      list.textContent = "";
      entries.forEach(function (e) {
        var li = document.createElement("li");
        li.dataset.state = e.state;
        li.dataset.clientKey = e.client_key;
        li.setAttribute("data-testid", "outbox-item");
        var what = document.createElement("span");
        what.textContent = e.account + " · " + e.visited_on;
        var state = document.createElement("span");
        state.className = "badge " + (e.state === "sent" ? "badge-ok" : e.state === "refused" ? "badge-danger" : "badge-warn");
        state.setAttribute("data-testid", "outbox-state");
        var text = {
          queued: words.queued, sending: words.sending, sent: words.sent, login: words.login, refused: words.refused
        }[e.state] || e.state;
        if (e.user !== user && e.state !== "sent") { text = words.other_user; }
        state.textContent = text;
        li.appendChild(what);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(state);
        if (e.state === "refused" && e.reason) {
          var reason = document.createElement("span");
          reason.className = "muted";
          reason.textContent = " " + e.reason;
          li.appendChild(reason);
        }
        if (e.state === "sent" && e.record_url) {
          var link = document.createElement("a");
          link.href = e.record_url;
          link.textContent = " " + words.open;
          li.appendChild(link);
        }
        list.appendChild(li);
      });
      box.hidden = entries.length === 0;
      var note = document.querySelector("[data-offline-saved]");
      var waiting = entries.some(function (e) { return e.state === "queued" || e.state === "sending"; });
      if (note && !waiting) { note.hidden = true; }  // "will be sent" no longer holds
    });
  }

  // ---- queueing and sending -----------------------------------------------------------------------
  function fieldsOf(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File && !value.name && !value.size) { return; }  // no file chosen
      fields.push([name, value]);
    });
    return fields;
  }

  function queue(form) {
    var key = form.querySelector("[name=client_key]").value;
    var heading = document.querySelector("[data-testid=visit-account]");
    var entry = {
      client_key: key,
      user: user,
      url: form.action || location.href,
      account: heading ? heading.firstChild.textContent.trim() : "",
      visited_on: (form.querySelector("[name=visited_on]") || {}).value || "",
      saved_at: new Date().toISOString(),
      state: "queued",
      fields: fieldsOf(form)
    };
    return put(entry).then(function () {
      form.reset();
      fresh(form);
      var note = document.querySelector("[data-offline-saved]");
      if (note) { note.textContent = words.saved; note.hidden = false; }
      window.scrollTo(0, 0);  // the note and the list of waiting visits are at the top
      return render();
    });
  }

  function csrfFrom(html) {
    var match = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html);
    return match ? match[1] : null;
  }

  function post(url, fields, token, queued) {
    var body = new FormData();
    fields.forEach(function (pair) {
      if (pair[0] === "csrfmiddlewaretoken") { return; }
      body.append(pair[0], pair[1]);
    });
    body.append("csrfmiddlewaretoken", token);
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: queued ? { "Accept": "application/json", "X-CSRFToken": token, "X-Visit-Queued": "1" }
        : { "Accept": "application/json", "X-CSRFToken": token }
    });
  }

  function errorsText(payload) {
    var errors = (payload && payload.errors) || {};
    return Object.keys(errors).map(function (name) { return errors[name].join(" "); }).join(" ");
  }

  var sending = false;

  function sendQueued() {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    sending = true;
    return all().then(function (entries) {
      var mine = entries.filter(function (e) { return e.user === user && e.state !== "sent" && e.state !== "refused"; });
      return mine.reduce(function (chain, entry) {
        return chain.then(function (go) { return go === false ? false : sendOne(entry); });
      }, Promise.resolve(true));
    }).catch(function () { return false; }).then(function () { sending = false; return render(); });
  }

  // One queued visit: a fresh CSRF token from its form page (the one kept on the phone may be
  // stale after a new login), then the visit itself. Answers false when there is no connection.
  function sendOne(entry) {
    entry.state = "sending";
    return put(entry).then(render).then(function () {
      return fetch(entry.url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" } });
    }).then(function (page) {
      if (page.redirected && /\/login\//.test(page.url)) { entry.state = "login"; return put(entry).then(function () { return false; }); }
      return page.text().then(function (html) {
        var token = csrfFrom(html);
        if (!token) { entry.state = "login"; return put(entry).then(function () { return false; }); }
        return post(entry.url, entry.fields, token, true).then(function (response) {
          var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
          if (response.ok && json) {
            return response.json().then(function (payload) {
              return put({
                client_key: entry.client_key, user: entry.user, account: entry.account,
                visited_on: entry.visited_on, saved_at: entry.saved_at, state: "sent",
                sent_at: Date.now(), record_url: payload.url
              });
            });
          }
          if (response.status === 400 && json) {
            return response.json().then(function (payload) {
              entry.state = "refused";
              entry.reason = errorsText(payload);
              return put(entry);
            });
          }
          entry.state = response.status === 403 || response.redirected ? "login" : "queued";
          return put(entry).then(function () { return false; });
        });
      });
    }).catch(function () {
      entry.state = "queued";
      return put(entry).then(function () { return false; });
    });
  }

  // ---- the form -----------------------------------------------------------------------------------
  function fresh(form) {
    var key = form.querySelector("[name=client_key]");
    if (key) { key.value = newKey(); }
    var day = form.querySelector("[name=visited_on]");
    if (day) { day.value = today(); }
  }

  var form = document.querySelector("form[data-offline-form]");
  if (form) {
    var bound = form.querySelector(".errorlist, .message-error");
    if (!bound) { fresh(form); }  // a form page kept on the phone carries an old key and day
    form.addEventListener("submit", function (event) {
      if (form.dataset.native) { return; }
      event.preventDefault();
      var button = form.querySelector("[type=submit]");
      if (button) { button.disabled = true; }
      var done = function () { if (button) { button.disabled = false; } };
      if (!navigator.onLine) { queue(form).then(done, done); return; }
      var token = (form.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";
      post(form.action || location.href, fieldsOf(form), token).then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.ok && json) {
          return response.json().then(function (payload) { location.assign(payload.url); });
        }
        if (response.status === 400 && json) {  // the server says what is wrong: show it next to the fields
          form.dataset.native = "1";
          form.submit();
          return null;
        }
        return queue(form).then(function () { done(); sendQueued(); });
      }, function () {
        return queue(form).then(done);
      });
    });
  }

  var offlineNote = document.querySelector("[data-offline-note]");
  function connection() {
    if (offlineNote) { offlineNote.hidden = navigator.onLine; }
    if (navigator.onLine) { sendQueued(); }
  }
  window.addEventListener("online", connection);
  window.addEventListener("offline", connection);

  // ---- the service worker -------------------------------------------------------------------------
  if ("serviceWorker" in navigator && root.dataset.sw) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (!navigator.onLine || !registration.active) { return; }
      var urls = [root.dataset.pick, location.href];
      document.querySelectorAll("[data-testid=pick-list] a").forEach(function (a) { urls.push(a.href); });
      document.querySelectorAll("link[rel=stylesheet], script[src], link[rel=icon]").forEach(function (el) {
        urls.push(el.href || el.src);
      });
      registration.active.postMessage({ type: "precache", urls: urls });
    }).catch(function () { /* no worker (a plain http address): the form still works online */ });
  }

  render().then(connection);
})();
