/* Yizhan's service worker (served at /sw.js, scope /): the map page usable offline.
 *
 * - Installing caches the app shell: the map page, its scripts and styles (hashed URLs),
 *   Leaflet and its images, the icons, the manifest and the offline page. The cache is
 *   named for a version made from the assets' hashes: a new version installs a new cache
 *   and, once active, deletes the old ones.
 * - Pages: the network first; offline, the cached map page, or for any other page the
 *   offline page (Chinese first) instead of the browser's error page.
 * - Hashed static files: the cache first (they never change under one URL); plain
 *   names the network first.
 * - The basemap's tiles (/tiles/…), the public station listings (/api/v1/stations?bbox=…)
 *   and the OGC collections the map reads (the stations' extent, districts, main streets):
 *   the network first, each answer kept (at most DATA_MAX, the oldest dropped); offline, the
 *   kept answer, for a listing not kept the last listing, for a tile not kept an empty tile.
 *   So a phone that has seen the map once still draws our basemap and the stations offline.
 * - The API (and OGC): the network; every nearest-stations answer is kept (the last one only) for
 *   the map page to show offline with its time; offline, a 503 with a Chinese and English
 *   message, and the page is told so.
 * self.YIZHAN_SW = {version, shell: [...], offline: "/offline"} is written above this
 * file by the server.
 */
"use strict";

var CFG = self.YIZHAN_SW;
var SHELL = "yizhan-shell-" + CFG.version;
var LAST = "yizhan-last";
var LAST_URL = "/offline/last-nearest";
var NEAREST = "/api/v1/stations/nearest";
var HASHED = /\.[0-9a-f]{10}\.[A-Za-z0-9]+$/;
var DATA = "yizhan-data";
var DATA_MAX = 3000;
var LISTING = "/api/v1/stations";
var LAST_LISTING_URL = "/offline/last-stations";
var kept = 0;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(CFG.shell);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("yizhan-shell-") === 0 && k !== SHELL;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function tellOffline(clientId) {
  if (!clientId) { return; }
  self.clients.get(clientId).then(function (client) {
    if (client) { client.postMessage({ type: "yizhan-offline" }); }
  });
}

function offlineAnswer() {
  var body = JSON.stringify({
    code: "offline",
    message: "当前离线，无法连接驿站服务器。请连接网络后重试。",
    message_en: "You are offline: the Yizhan server cannot be reached. Connect and try again."
  });
  return new Response(body, { status: 503, headers: { "Content-Type": "application/json" } });
}

function page(request) {
  var url = new URL(request.url);
  var isMap = url.pathname === "/";
  return fetch(request).then(function (response) {
    if (isMap && response.ok) {
      var copy = response.clone();
      caches.open(SHELL).then(function (cache) { cache.put("/", copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(SHELL).then(function (cache) {
      return (isMap ? cache.match("/") : Promise.resolve(undefined)).then(function (hit) {
        return hit || cache.match(CFG.offline);
      });
    }).then(function (hit) {
      return hit || new Response("当前离线 · You are offline", {
        status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" }
      });
    });
  });
}

function api(event, url) {
  return fetch(event.request).then(function (response) {
    if (url.pathname === NEAREST && response.ok) {
      var copy = response.clone();
      copy.text().then(function (text) {
        return caches.open(LAST).then(function (cache) {
          return cache.put(LAST_URL, new Response(text, {
            headers: { "Content-Type": "application/json" }
          }));
        });
      });
    }
    return response;
  }).catch(function () {
    tellOffline(event.clientId);
    return offlineAnswer();
  });
}

// Keep an answer in the data cache; now and then drop the oldest beyond DATA_MAX.
function keep(key, response) {
  return caches.open(DATA).then(function (cache) {
    return cache.put(key, response).then(function () {
      kept += 1;
      if (kept % 50) { return undefined; }
      return cache.keys().then(function (keys) {
        return Promise.all(keys.slice(0, Math.max(0, keys.length - DATA_MAX)).map(function (k) {
          return cache.delete(k);
        }));
      });
    });
  }).catch(function () { return undefined; });  // a full disk loses a copy, not the answer
}

function data(event, url) {
  var listing = url.pathname === LISTING;
  return fetch(event.request).then(function (response) {
    if (response.ok) {
      keep(event.request, response.clone());
      if (listing) { keep(LAST_LISTING_URL, response.clone()); }
    }
    return response;
  }).catch(function () {
    tellOffline(event.clientId);
    return caches.open(DATA).then(function (cache) {
      return cache.match(event.request).then(function (hit) {
        return hit || (listing ? cache.match(LAST_LISTING_URL) : undefined);
      });
    }).then(function (hit) {
      if (hit) { return hit; }
      var tile = url.pathname.indexOf("/tiles/") === 0;
      return tile ? new Response(null, { status: 204 }) : offlineAnswer();
    });
  });
}

function asset(request) {
  if (!HASHED.test(new URL(request.url).pathname)) {  // plain names: the network first
    return fetch(request).catch(function () {
      return caches.match(request).then(function (hit) { return hit || Response.error(); });
    });
  }
  return caches.match(request).then(function (hit) {
    if (hit) { return hit; }
    return fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.indexOf("/static/") === 0 || CFG.shell.indexOf(url.pathname) >= 0) {
    event.respondWith(asset(request));
  } else if (url.pathname.indexOf("/tiles/") === 0 || url.pathname === LISTING ||
             url.pathname.indexOf("/ogc/collections/") === 0) {
    event.respondWith(data(event, url));
  } else {
    event.respondWith(api(event, url));
  }
});
