/* SIPOLI kiosk service worker (served at /kiosk-sw.js, scope /kiosk).
 *
 * Keeps the kiosk shell (page, script, style) so that a kiosk reloading while the server is
 * unreachable still comes up, says "Layanan sedang gangguan, silakan ke loket" and keeps
 * retrying (kiosk.js does that). Network first: a reachable server always gives the fresh
 * shell. API calls are never cached: tickets come from the server or not at all.
 */
"use strict";
var CACHE = "sipoli-kiosk-v2";
var SHELL = ["/kiosk", "/assets/kiosk.js", "/assets/kiosk-self.js", "/assets/kiosk.css"];
var OFFLINE =
  '<!doctype html><html lang="id"><meta charset="utf-8"><title>SIPOLI</title>' +
  '<body style="font:32px sans-serif;text-align:center;padding:20vh 5vw">' +
  '<p role="alert"><b>Layanan sedang gangguan, silakan ke loket.</b><br>' +
  'Service is disrupted, please go to the registration counter.</p>' +
  '<script>setInterval(function(){fetch("/healthz",{cache:"no-store"}).then(function(r){if(r.ok)location.reload();},function(){});},5000);</script>';

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  var isShell = (req.mode === "navigate" && url.pathname === "/kiosk") || SHELL.slice(1).indexOf(url.pathname) >= 0;
  if (!isShell) return; // the API goes straight to the network
  e.respondWith(fetch(req).then(function (res) {
    if (res.ok) {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { return c.put(req, copy); });
    }
    return res;
  }).catch(function () {
    return caches.match(req)
      .then(function (hit) { return hit || caches.match(url.pathname); })
      .then(function (hit) { return hit || new Response(OFFLINE, { headers: { "Content-Type": "text/html; charset=utf-8" } }); });
  }));
});
