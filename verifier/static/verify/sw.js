/* creditbank verify page: service worker. Keeps the page (with its embedded trust
 * bundle), its scripts and style sheet so that verification works offline.
 * The scripts and style sheet are served from the cache at once and refreshed in the
 * background. The page (and so the bundle) is revalidated first with If-None-Match: an
 * unchanged bundle costs a 304 and the cached copy is served, a new one (a revocation, a
 * key event) is served and cached, so an online visit never judges with an old bundle.
 * When the network does not answer within PAGE_WAIT_MS (offline, a weak signal), the
 * cached copy is served at once and the revalidation finishes in the background; should
 * it bring a new bundle, the open pages are told and reload once from the new copy.
 * The status lists of the page bundle (docs/formats.md §3.6) live in a cache of their
 * own, kept across releases: verify.js puts each list it fetched there once its digest
 * checked out, and after a verdict the page sends this worker the directory
 * ({url, sha256} of every list), which it then fills in the background, fetching only
 * the lists whose cached copy is missing or has another digest, so that after one
 * online visit every credential checks offline. Only same-origin files are ever touched.
 */
"use strict";
// The server replaces this name by one derived from the page files (issuer/api/verify_page.py).
const CACHE = "creditbank-verify-dev";
// How long the page waits for the network before it is served from the cache.
const PAGE_WAIT_MS = 1500;
// The lists' cache (verify.js LIST_CACHE), and how many lists are fetched at once.
const LISTS = "creditbank-verify-lists";
const LIST_FETCHES = 4;
const FILES = [
  "/v1",
  "/v1/verify.js",
  "/v1/page.js",
  "/v1/photo.js",
  "/v1/formats.js",
  "/v1/record.js",
  "/v1/camera.js",
  "/v1/jwt.js",
  "/v1/sdjwt.js",
  "/v1/logo.png",
  "/v1/verify.css",
  "/v1/manifest.webmanifest",
  "/v1/vendor/jsQR.js",
  "/v1/ldp.js",
  "/v1/vendor/jsonld.min.js",
  "/v1/contexts/credentials-v2.jsonld",
  "/v1/contexts/ob-v3p0-3.0.3.json",
  "/v1/contexts/clr-v2p0-2.0.1.json",
  "/v1/contexts/creditbank-v1.jsonld",
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
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE && k !== LISTS).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// ``served.late``: the page was served from the cache before its revalidation came back.
async function refreshPage(cache, hit, served) {
  const etag = hit ? hit.headers.get("ETag") : null;
  const response = await fetch("/v1", { cache: "no-store", headers: etag ? { "If-None-Match": etag } : {} });
  if (hit && (response.status === 304 || !response.ok)) return hit;
  if (response.ok) {
    await cache.put("/v1", response.clone());
    if (hit && served.late && response.headers.get("ETag") !== etag) {
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
    event.respondWith(
      caches.open(CACHE).then(async (cache) => {
        const hit = await cache.match(url.pathname);
        const served = { late: false };
        const fresh = refreshPage(cache, hit, served);
        if (!hit) return fresh.catch(() => Response.error());
        event.waitUntil(fresh.catch(() => undefined));
        // The newest page when the network answers in time, else the cached copy now.
        const late = new Promise((resolve) => setTimeout(() => resolve(null), PAGE_WAIT_MS));
        const first = await Promise.race([fresh.then((r) => r, () => hit), late]);
        if (first) return first;
        served.late = true;
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

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether ``url`` is held with digest ``sha256``; else fetched, checked and kept. */
async function keepList(cache, { url, sha256 }) {
  const hit = await cache.match(url);
  if (hit && (await sha256Hex(await hit.arrayBuffer())) === sha256) return true;
  try {
    const response = await fetch(url, { cache: "no-store", credentials: "omit" });
    if (!response.ok) return false;
    const bytes = await response.arrayBuffer();
    // A list that is not the one the signed directory names is never kept.
    if ((await sha256Hex(bytes)) !== sha256) return false;
    await cache.put(url, new Response(bytes, { headers: { "Content-Type": "application/json" } }));
    return true;
  } catch (e) {
    return false; // offline: the cached copy, if any, stays for the next visit
  }
}

/** Fill the lists' cache from a directory; drop the lists it no longer names. */
async function keepLists(lists) {
  const cache = await caches.open(LISTS);
  const named = new Set(lists.map((l) => new URL(l.url, self.location.origin).href));
  for (const request of await cache.keys()) {
    if (!named.has(request.url)) await cache.delete(request);
  }
  let kept = 0;
  let next = 0;
  const worker = async () => {
    while (next < lists.length) {
      const list = lists[next++];
      if (await keepList(cache, list)) kept++;
    }
  };
  await Promise.all(Array.from({ length: LIST_FETCHES }, worker));
  return kept;
}

self.addEventListener("message", (event) => {
  const data = event.data;
  if (!data || data.type !== "creditbank-keep-lists" || !Array.isArray(data.lists)) return;
  const lists = data.lists.filter(
    (l) => l && typeof l.url === "string" && l.url.startsWith("/v1/") && /^[0-9a-f]{64}$/.test(l.sha256),
  );
  event.waitUntil(
    keepLists(lists).then(
      (kept) => event.source && event.source.postMessage({ type: "creditbank-lists-kept", kept, total: lists.length }),
      () => undefined,
    ),
  );
});
