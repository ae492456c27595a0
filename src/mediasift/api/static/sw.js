// Adds "Authorization: Bearer <key>" to same-origin API requests that the browser makes on its own
// (<video src>, <img src>, <track src>, download links), which cannot carry headers otherwise.
// Registered only once the page has a key; asks the page for it, since workers have no
// sessionStorage. Requests that already carry a header, navigations and other origins pass through.
const API = /^\/(v1\/|health$|metrics$)/;

async function keyFor(clientId) {
  const client = clientId && (await self.clients.get(clientId));
  const candidates = client ? [client] : await self.clients.matchAll({ type: "window" });
  for (const c of candidates) {
    const key = await new Promise((resolve) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => resolve(""), 500);
      channel.port1.onmessage = (e) => {
        clearTimeout(timer);
        resolve(e.data?.key || "");
      };
      c.postMessage({ type: "mediasift-key?" }, [channel.port2]);
    });
    if (key) return key;
  }
  return "";
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !API.test(url.pathname)) return;
  if (request.mode === "navigate" || request.headers.has("authorization")) return;
  event.respondWith(
    (async () => {
      const key = await keyFor(event.clientId);
      if (!key) return fetch(request);
      const headers = new Headers();
      for (const name of ["range", "accept", "if-range", "if-none-match"]) {
        if (request.headers.has(name)) headers.set(name, request.headers.get(name));
      }
      headers.set("authorization", `Bearer ${key}`);
      // A new same-origin request: media requests are "no-cors", which forbids adding headers.
      return fetch(url.href, { method: request.method, headers, mode: "same-origin", credentials: "same-origin" });
    })(),
  );
});
