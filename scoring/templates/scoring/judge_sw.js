{% load static %}/* The judge pages' service worker: the pages and their data work offline.
 * Pages and the live data are fetched from the network first and kept; without a network the
 * kept copy answers (marked X-From-Cache). Static files are named by content, so the cached
 * copy is always right. Writes are never touched: the page's outbox owns them. */
const CACHE = "hoithi-judge-{{ user.pk|default:'anonymous' }}-v1";
const PRECACHE = [
  "{% static 'css/app.css' %}",
  "{% static 'js/site.js' %}",
  "{% static 'js/common.js' %}",
  "{% static 'js/judge.js' %}",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith("hoithi-judge-") && key !== CACHE)
            .map((key) => caches.delete(key))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("{% get_static_prefix %}")) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.startsWith("/judge/") && !url.pathname.endsWith("/sw.js")) {
    event.respondWith(networkFirst(request));
  }
});

// Only this worker's own cache: never a page kept for another judge.
const ownCache = () => caches.open(CACHE);

async function cacheFirst(request) {
  const cached = await (await ownCache()).match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) (await ownCache()).put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    // A redirect to the login page is not the judge's page: never keep it in its place.
    if (response.ok && !response.redirected) {
      (await ownCache()).put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await (await ownCache()).match(request, { ignoreVary: true });
    if (!cached) throw error;
    const headers = new Headers(cached.headers);
    headers.set("X-From-Cache", "1");
    return new Response(await cached.blob(), { status: cached.status, headers: headers });
  }
}
