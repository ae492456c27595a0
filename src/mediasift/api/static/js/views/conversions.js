// A media in other formats, on its page (docs/conversions.md): pick a target (those its kind has),
// optionally a time range for audio and video, and Convert (POST /v1/media/{id}/conversions); the
// list below (GET) shows each conversion's state and, once written, a download link.
import { ApiError, get, post } from "../api.js";
import { bytes, clear, h, toast } from "../dom.js";

const AUDIO = ["mp3", "wav", "opus", "m4a"];
const TRANSCRIPT = ["srt", "vtt", "txt", "json", "docx"];
const TARGETS = {
  video: ["mp4", "webm", ...AUDIO, "gif", "webp", "contact-sheet", ...TRANSCRIPT],
  audio: [...AUDIO, ...TRANSCRIPT],
  image: ["jpeg", "png", "webp", "avif"],
  document: ["txt", "md", "json"],
  text: ["txt", "md", "json"],
};
const PAGED = ["application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/vnd.oasis.opendocument.text", "application/rtf",
  "application/msword", "application/vnd.ms-powerpoint", "application/vnd.oasis.opendocument.presentation"];
const BUSY = new Set(["queued", "running", "failed"]); // "failed" will retry

export function conversionsView(media) {
  const targets = [...(TARGETS[media.kind] || [])];
  if (PAGED.includes(media.mime)) targets.push("png");
  if (PAGED.slice(1).includes(media.mime)) targets.push("pdf");
  if (!targets.length || media.status !== "ready") return null;
  const path = `/v1/media/${encodeURIComponent(media.id)}/conversions`;
  const list = h("ul", { class: "conversions", "aria-live": "polite" });
  const timed = media.kind === "video" || media.kind === "audio";
  const select = h("select", { id: "convert-to", name: "to" }, targets.map((t) => h("option", { value: t }, t)));
  const start = h("input", { id: "convert-start", name: "start", type: "number", min: "0", step: "0.1", placeholder: "0" });
  const end = h("input", { id: "convert-end", name: "end", type: "number", min: "0", step: "0.1", placeholder: "end" });
  let timer = null;

  const load = async () => {
    clearTimeout(timer);
    try {
      const { conversions } = await get(path);
      clear(list, conversions.map(item));
      if (conversions.some((c) => BUSY.has(c.status))) timer = setTimeout(load, 1500);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      clear(list, h("li", { class: "error-text" }, err.message));
    }
  };
  const form = h("form", { class: "convert-form", onsubmit: async (e) => {
    e.preventDefault();
    const options = {};
    if (timed && start.value) options.start = Number(start.value);
    if (timed && end.value) options.end = Number(end.value);
    try {
      const made = await post(path, { to: select.value, options });
      if (made.duplicate) toast(`Already converted to ${made.target}.`);
      await load();
    } catch (err) {
      toast(err.message, "error");
    }
  } },
  h("label", { for: "convert-to" }, "To "), select,
  timed ? [" ", h("label", { for: "convert-start" }, "from (s) "), start, " ", h("label", { for: "convert-end" }, "to (s) "), end] : null,
  " ", h("button", { type: "submit" }, "Convert"));
  load();
  const section = h("section", { class: "about conversions-view", id: "conversions", "aria-labelledby": "conversions-title" },
    h("h2", { id: "conversions-title" }, "Convert"), form, list);
  return { section, stop: () => clearTimeout(timer) };
}

function item(c) {
  const range = c.options?.start != null || c.options?.end != null
    ? ` ${c.options.start ?? 0}–${c.options.end ?? "end"} s` : "";
  const name = `${c.target}${range}`;
  return h("li", { dataset: { target: c.target, status: c.status } },
    c.file_url && c.status === "succeeded"
      ? h("a", { href: c.file_url, download: "" }, `Download ${name}`)
      : h("span", {}, name),
    " ", h("span", { class: `badge status-${c.status}` }, c.status),
    c.bytes ? h("span", { class: "muted small" }, ` ${bytes(c.bytes)}`) : null);
}
