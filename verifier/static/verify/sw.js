/* creditbank verify page: service worker. Keeps the page (with its embedded trust
 * bundle), its scripts and style sheet so that verification works offline.
 * The page (and so the bundle) network first, the other files from the cache and
 * refreshed in the background. Only these same-origin files are ever touched.
 */
"use strict";
// The server replaces this name by one derived from the page files (issuer/api/verify_page.py).
const CACHE = "creditbank-verify-dev";
const FILES = [
  "/v1",
  "/v1/verify.js",
  "/v1/page.js",
  "/v1/photo.js",
  "/v1/formats.js",
  "/v1/record.js",
  "/v1/camera.js",
  "/v1/logo.png",
  "/v1/verify.css",
  "/v1/manifest.webmanifest",
  "/v1/vendor/jsQR.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!FILES.includes(url.pathname)) return;
  const fresh = fetch(event.request, { cache: "no-store" }).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      event.waitUntil(caches.open(CACHE).then((cache) => cache.put(url.pathname, copy)));
    }
    return response;
  });
  if (url.pathname === "/v1") {
    // The page carries the trust bundle: network first, so that online visits always
    // see the newest bundle; offline, the last copy (whose age the page shows).
    event.respondWith(fresh.catch(() => caches.match(url.pathname).then((hit) => hit || Response.error())));
    return;
  }
  // Scripts and style sheet: the cached copy at once, refreshed in the background.
  event.waitUntil(fresh.catch(() => undefined));
  event.respondWith(caches.match(url.pathname).then((hit) => hit || fresh));
});
