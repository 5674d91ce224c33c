/* creditbank verify page: service worker. Keeps the page (with its embedded trust
 * bundle), its scripts and style sheet so that verification works offline.
 * Every file, the page (and so the bundle) included, is served from the cache at once and
 * refreshed in the background; the page is asked for with If-None-Match, so an unchanged
 * bundle costs a 304. When the refreshed page differs (a new bundle: a revocation, a key
 * event), the open pages are told, and reload once from the new copy.
 * Only these same-origin files are ever touched.
 */
"use strict";
// The server replaces this name by one derived from the page files (issuer/api/verify_page.py).
const CACHE = "creditbank-verify-dev";
const FILES = [
  "/v1",
  "/v1/verify.js",
  "/v1/page.js",
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

async function refreshPage(cache, hit) {
  const etag = hit ? hit.headers.get("ETag") : null;
  const response = await fetch("/v1", { cache: "no-store", headers: etag ? { "If-None-Match": etag } : {} });
  if (response.status === 304 && hit) return hit;
  if (response.ok) {
    await cache.put("/v1", response.clone());
    if (hit && response.headers.get("ETag") !== etag) {
      const pages = await self.clients.matchAll({ type: "window" });
      pages.forEach((page) => page.postMessage({ type: "creditbank-trust-updated" }));
    }
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!FILES.includes(url.pathname)) return;
  if (url.pathname === "/v1") {
    // The page carries the trust bundle: the cached copy at once (a verdict offline and
    // without waiting for the network), the newest one fetched behind it.
    event.respondWith(
      caches.open(CACHE).then(async (cache) => {
        const hit = await cache.match(url.pathname);
        const fresh = refreshPage(cache, hit);
        if (!hit) return fresh.catch(() => Response.error());
        event.waitUntil(fresh.catch(() => undefined));
        return hit;
      }),
    );
    return;
  }
  const fresh = fetch(event.request, { cache: "no-store" }).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      event.waitUntil(caches.open(CACHE).then((cache) => cache.put(url.pathname, copy)));
    }
    return response;
  });
  // Scripts and style sheet: the cached copy at once, refreshed in the background.
  event.waitUntil(fresh.catch(() => undefined));
  event.respondWith(caches.match(url.pathname).then((hit) => hit || fresh));
});
