/* Service worker of the signage player (scope: the /screen/ pages).

   The page stores its own copy of the page, state, scripts, fonts and media in the caches named
   below; this worker answers from them whenever the server cannot be reached, so a screen that
   reloads while offline still plays its last playlist. Pages, state and scripts go to the
   network first (changes arrive at once); media URLs carry a content hash, so they are served
   from the cache first. Socket.IO traffic is never touched. */
"use strict";

var PAGES = "signage-pages-v1";
var MEDIA = "signage-media-v1";
var NETWORK_TIMEOUT_MS = 4000;
var base = new URL("../", self.registration.scope).pathname;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (value) { clearTimeout(timer); resolve(value); },
                 function (error) { clearTimeout(timer); reject(error); });
  });
}

function networkFirst(request) {
  return withTimeout(fetch(request), NETWORK_TIMEOUT_MS).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.match(request).then(function (hit) {
      if (hit) { return hit; }
      throw error;
    });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (hit) {
    if (hit) { return hit; }
    return fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(MEDIA).then(function (cache) { return cache.put(request, copy); });
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
  var path = url.pathname;
  if (path.indexOf(base + "socket.io/") === 0) { return; }
  if (path.indexOf(base + "media/") === 0 || path === base + "qr.svg") {
    event.respondWith(cacheFirst(request));
  } else if (path.indexOf(base + "screen/") === 0 || path.indexOf(base + "static/") === 0) {
    event.respondWith(networkFirst(request));
  }
});
