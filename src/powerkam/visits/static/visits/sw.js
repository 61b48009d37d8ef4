/* PowerKAM offline visit capture — the service worker (docs/visits.md, "Offline capture").
   Served from /visits/sw.js, so it controls the pages under /visits/ only.

   What it does: every page, style and script a visit page reads is answered from the network when
   there is one (and the answer is kept), from the kept copy when there is none. The visit form page
   asks it (a "precache" message) to keep the form of each of the manager's accounts and the pick
   list, so all of them open without a connection. It never touches POST requests: a visit saved
   without a connection is queued by the page itself (visits/offline.js), in IndexedDB. */
"use strict";

var CACHE = "powerkam-visits-v1";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("powerkam-visits-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function keep(request, response) {
  // Only whole, same-origin answers: never a redirect to the login page, never an error.
  if (!response || response.status !== 200 || response.type !== "basic" || response.redirected) {
    return response;
  }
  var copy = response.clone();
  caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
  return response;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var isPage = request.mode === "navigate";
  var isVisitPage = url.pathname.indexOf("/visits/new/") === 0;
  var isStatic = url.pathname.indexOf("/static/") === 0;
  if (!isVisitPage && !isStatic && !isPage) { return; }
  event.respondWith(
    fetch(request).then(function (response) {
      return (isVisitPage || isStatic) ? keep(request, response) : response;
    }).catch(function () {
      // ignoreVary: Django's answers vary on Cookie and Accept-Language, which a request the
      // browser makes offline does not repeat exactly; the cache is this phone's user's own.
      return caches.match(request, { ignoreVary: true }).then(function (hit) {
        if (hit) { return hit; }
        if (isPage) { return caches.match(new URL("/visits/new/", self.location.origin).href, { ignoreVary: true }); }
        return Response.error();
      });
    })
  );
});

// The page lists the addresses it wants kept: the form of each of the manager's accounts, the pick
// list, the styles and scripts. Those kept already are left as they are (each visit refreshes its
// own page anyway), so opening the pick list does not render every form again.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "precache" && Array.isArray(data.urls)) {
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return Promise.all(data.urls.map(function (address) {
        var request = new Request(address, { credentials: "same-origin" });
        return cache.match(request, { ignoreVary: true }).then(function (hit) {
          if (hit && !data.refresh) { return null; }
          return fetch(request).then(function (response) {
            if (response.status === 200 && response.type === "basic" && !response.redirected) {
              return cache.put(request, response);
            }
            return null;
          }).catch(function () { return null; });
        });
      }));
    }).then(function () {
      if (event.source) { event.source.postMessage({ type: "precached" }); }
    }));
  }
  if (data.type === "forget") {  // logging out: nothing of the customers stays in the cache
    event.waitUntil(caches.delete(CACHE));
  }
});
