// The HTTP API as the page uses it: JSON requests with the caller's key, uploads with progress,
// server-sent events, and the URLs of bytes the browser fetches by itself (<video>, <img>).
import { auth } from "./auth.js";

export class ApiError extends Error {
  constructor(status, code, message, errors = []) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || "error";
    this.errors = errors; // a workflow document's problems: [{path, line, message}]
  }
}

function headers(extra = {}, { admin = false } = {}) {
  const h = { Accept: "application/json", ...extra };
  const key = admin ? auth.adminKey() || auth.key() : auth.key();
  if (key) h.Authorization = `Bearer ${key}`;
  // Open mode: the user picked in the switcher (user.js); with a key, the key's user is the server's to know.
  const named = localStorage.getItem("mediasift.user");
  if (!auth.key() && named) h["X-Mediasift-User"] = named;
  return h;
}

async function errorOf(response) {
  let body = {};
  try { body = await response.json(); } catch { /* not JSON: keep the status */ }
  return new ApiError(response.status, body.code, body.message || body.detail || response.statusText, body.errors || []);
}

// One request; on 401 the key dialog opens and the request is tried once more with the new key.
export async function request(path, { method = "GET", json, form, text, contentType, admin = false, signal, retried = false } = {}) {
  const init = { method, signal, headers: headers({}, { admin }) };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form) {
    init.body = form;
  } else if (text !== undefined) {
    init.headers["Content-Type"] = contentType || "text/plain";
    init.body = text;
  }
  const response = await fetch(path, init);
  // 401: no key or a wrong one; 403 on an admin call: this key lacks the admin scope.
  if ((response.status === 401 || (response.status === 403 && admin)) && !retried) {
    const ok = await auth.ask(admin ? "admin" : "user", (await errorOf(response)).message);
    if (ok) return request(path, { method, json, form, text, contentType, admin, signal, retried: true });
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

export const get = (path, opts) => request(path, opts);
export const post = (path, json, opts = {}) => request(path, { ...opts, method: "POST", json });

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      if (item !== undefined && item !== null && item !== "") q.append(k, item);
    }
  }
  return q.toString();
}

// Which optional parts this server has (they land independently): read once from /openapi.json.
let featuresPromise;
export function features() {
  featuresPromise ??= fetch("/openapi.json", { headers: headers() })
    .then((r) => (r.ok ? r.json() : { paths: {} }))
    .then((spec) => {
      const paths = Object.keys(spec.paths || {});
      const has = (p) => paths.includes(p);
      return {
        ask: has("/v1/ask"),
        chats: has("/v1/chats/{chat_id}/messages"),
        admin: paths.filter((p) => p.startsWith("/v1/admin/")),
        paths,
      };
    })
    .catch(() => ({ ask: false, chats: false, admin: [], paths: [] }));
  return featuresPromise;
}

// Upload one file with XHR, because fetch cannot report upload progress.
// onProgress(fraction 0..1); resolves with {status, body}; rejects with ApiError.
// subtitles: SubRip or WebVTT files sent with a video, as its subtitle tracks.
export function upload(file, { collection, subtitles = [], onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/media");
    for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText || "{}"); } catch { /* keep {} */ }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(1);
        resolve({ status: xhr.status, body });
      } else {
        reject(new ApiError(xhr.status, body.code, body.message || xhr.statusText));
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "network", "network error: the upload did not reach the server")));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "aborted", "upload cancelled")));
    // The server streams the file as it arrives and reads fields only before it (a field after the
    // file is refused), and FormData sends its entries in the order they were appended.
    const form = new FormData();
    if (collection) form.append("collection", collection);
    for (const sub of subtitles) form.append("subtitles", sub, sub.name);
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

// POST that answers with server-sent events; onEvent(name, data) for each. Resolves when the
// stream ends. A JSON error before the stream starts rejects with ApiError.
export async function stream(path, json, onEvent, { signal } = {}) {
  const response = await fetch(path, {
    method: "POST",
    signal,
    headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
    body: JSON.stringify(json),
  });
  if (response.status === 401 && (await auth.ask("user"))) return stream(path, json, onEvent, { signal });
  if (!response.ok) throw await errorOf(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

// URLs of bytes; with a key, the service worker adds the Authorization header to these.
export const urls = {
  original: (id) => `/v1/media/${encodeURIComponent(id)}/original`,
  artifact: (id, name) => `/v1/media/${encodeURIComponent(id)}/artifacts/${name.split("/").map(encodeURIComponent).join("/")}`,
  transcript: (id, fmt) => `/v1/media/${encodeURIComponent(id)}/transcript.${fmt}`,
  report: (id, fmt) => `/v1/media/${encodeURIComponent(id)}/report?format=${fmt}`,
  // frame keys are processed/{tenant}/{media}/{artifact name}
  frame: (id, frameKey) => urls.artifact(id, frameKey.split("/").slice(3).join("/")),
};
