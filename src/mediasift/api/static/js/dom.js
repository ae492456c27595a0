// Building DOM without innerHTML (user text never becomes markup), and formatting values.

// h("a", {href: "#", class: "x", onclick: fn}, "text", child, [children])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// 75.4 -> "1:15"; 3725 -> "1:02:05"
export function clock(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "";
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hh ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

export function bytes(n) {
  if (!n && n !== 0) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n.toFixed(n < 10 && i ? 1 : 0)} ${units[i]}`;
}

export function date(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

// What a hit's modality means to a person: why it matched.
const WHY = {
  speech: "said",
  ocr: "on screen",
  text: "in document",
  note: "in speaker notes",
  frame: "looks alike",
  image: "looks alike",
  tag: "in image",
  code: "in code",
};
export function why(hit) {
  if (hit.modality === "ocr") return hit.kind === "video" ? "on screen" : hit.kind === "image" ? "in image" : "in document";
  return WHY[hit.modality] || hit.modality;
}

// Where in the media: "at 0:14", "page 3", "slide 2".
export function where(hit) {
  if (hit.cite) return hit.cite; // code: path:line_start-line_end
  if (hit.start_s !== null && hit.start_s !== undefined) return `at ${clock(hit.start_s)}`;
  if (hit.page) return `${isSlides(hit) ? "slide" : "page"} ${hit.page}`;
  return "";
}

function isSlides(hit) {
  return /\.(pptx?|key|odp)$/i.test(hit.filename || "");
}

// The hash route that opens a hit (or citation) at its moment.
export function momentHref(item) {
  const p = new URLSearchParams();
  if (item.start_s !== null && item.start_s !== undefined) p.set("t", Number(item.start_s).toFixed(2));
  else if (item.page) p.set("page", item.page);
  if (item.segment_id) p.set("seg", item.segment_id);
  const qs = p.toString();
  return `#/media/${encodeURIComponent(item.media_id)}${qs ? `?${qs}` : ""}`;
}

// --- highlighting ------------------------------------------------------------------------------
const STOP = new Set(
  "a an and are as at be by for from has have in is it its of on or that the this to was were with what when where who how al con de del el en es la las lo los por que se su un una y".split(" "),
);
const ACCENTS = { a: "aáàâä", e: "eéèêë", i: "iíìîï", o: "oóòôö", u: "uúùûü", n: "nñ", c: "cç" };

function fold(s) {
  return s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

// A regex that finds the query's content words in text: accent-insensitive, and by word stem
// (a prefix), so "temperatures" marks "temperature" and "estacion" marks "estación".
export function termsPattern(queryText) {
  const words = [...new Set(fold(queryText || "").match(/[\p{L}\p{N}]+/gu) || [])].filter((w) => w.length > 1 && !STOP.has(w));
  if (!words.length) return null;
  const parts = words.map((w) => {
    const stem = w.length > 5 ? w.slice(0, w.length - 2) : w;
    const chars = [...stem].map((ch) => (ACCENTS[ch] ? `[${ACCENTS[ch]}${ACCENTS[ch].toUpperCase()}]` : ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    return `${chars.join("")}[\\p{L}\\p{N}]*`;
  });
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${parts.join("|")})`, "giu");
}

// Text with the query's words wrapped in <mark>, as nodes.
export function highlight(text, queryText) {
  const pattern = termsPattern(queryText);
  if (!pattern || !text) return [text || ""];
  const out = [];
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(h("mark", {}, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

// A short window of text around the first match, so long chunks stay readable.
export function excerpt(text, queryText, max = 320) {
  if (!text || text.length <= max) return text || "";
  const pattern = termsPattern(queryText);
  const m = pattern ? pattern.exec(text) : null;
  const at = m ? m.index : 0;
  const start = Math.max(0, Math.min(at - Math.floor(max / 3), text.length - max));
  const end = Math.min(text.length, start + max);
  return `${start > 0 ? "…" : ""}${text.slice(start, end).trim()}${end < text.length ? "…" : ""}`;
}

export function toast(message, kind = "info") {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 5000);
}

export function errorBox(err, retry) {
  return h("div", { class: "error", role: "alert" },
    h("strong", {}, "Something went wrong: "),
    err?.message || String(err),
    retry ? h("button", { type: "button", class: "ghost", onclick: retry }, "Try again") : null);
}
