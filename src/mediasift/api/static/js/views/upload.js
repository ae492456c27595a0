// Upload: drop many files; each shows its upload progress, then its job live until searchable.
// Uploads keep going while the user looks at other pages; this view shows them when it is open.
import { features, post, upload } from "../api.js";
import { bytes, clear, h } from "../dom.js";
import { describe, retryJob, watchJob } from "./jobs.js";

const PARALLEL = 3;
const items = []; // {file, subtitles, collection, row, progress, phase, media, job, error, stop}
let active = 0;
let canCancel = false;
features().then((f) => { canCancel = f.paths.includes("/v1/jobs/{job_id}/cancel"); });

export function render(root) {
  const input = h("input", { id: "file-input", type: "file", multiple: true, class: "visually-hidden" });
  // the server's rule, checked before anything is sent: a name it refuses failed every file, and
  // each one's Retry sent the same name again
  const collection = h("input", {
    id: "upload-collection", name: "collection", placeholder: "default", autocomplete: "off",
    "aria-describedby": "collection-hint",
  });
  const hint = h("p", { id: "collection-hint", class: "muted" }, "Letters (any alphabet), digits, '_', '-' and '.'; empty: default.");
  const chosen = () => {
    const name = collection.value.trim();
    if (name && !COLLECTION.test(name)) {
      hint.className = "upload-error";
      hint.textContent = `"${name}" is no collection name: use letters, digits, '_', '-' or '.' (no spaces), up to 200.`;
      collection.focus();
      return null;
    }
    hint.className = "muted";
    hint.textContent = "Letters, digits, '_', '-' and '.'; empty: default.";
    return name;
  };
  collection.addEventListener("input", chosen);
  const zone = h("div", {
    class: "dropzone drop-target", id: "dropzone", role: "button", tabindex: "0",
    "aria-describedby": "dropzone-hint", "aria-label": "Choose files to upload, or drop them here",
  },
  h("p", { class: "dropzone-title" }, "Drop files here"),
  h("p", { id: "dropzone-hint", class: "muted" }, "Video, audio, images, PDFs, slide decks, documents — as many as you like. Or press Enter to choose files."));
  const open = () => input.click();
  zone.addEventListener("click", open);
  zone.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      open();
    }
  });
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    const name = chosen();
    if (name !== null) addFiles([...(e.dataTransfer?.files || [])], name);
  });
  input.addEventListener("change", () => {
    const name = chosen();
    if (name !== null) addFiles([...input.files], name);
    input.value = "";
  });
  const list = h("ol", { id: "uploads", class: "uploads", "aria-live": "polite", "aria-label": "Uploads" }, items.map((it) => it.row));
  root.append(
    h("h1", {}, "Upload"),
    h("div", { class: "field inline" }, h("label", { for: "upload-collection" }, "Collection"), collection),
    hint,
    zone,
    input,
    items.length ? null : h("p", { class: "muted", id: "uploads-empty" }, "Nothing uploaded in this session yet."),
    list,
  );
  return null;
}

// A collection's name as the API takes it (services/ingest.py).
const COLLECTION = /^[\p{L}\p{N}\p{M}_.\-]{1,200}$/u; // domain.COLLECTION_PATTERN: any alphabet's letters

// Audio and video a subtitle file can go with, and the subtitle formats, by extension.
const TIMED = /\.(mp4|m4v|mov|mkv|webm|avi|ts|m2ts|mts|flv|wmv|mpg|mpeg|mp3|wav|m4a|ogg|oga|opus|flac|mka)$/i;
const SUBTITLES = /\.(srt|vtt)$/i;

// The subtitle files among `files` named for one of its videos or audio files, as players pair them
// ("talk.mp4": "talk.srt", "talk.es.srt"), by that media; the longest name that is a media's wins.
function subtitlesBeside(files) {
  const media = new Map(files.filter((f) => TIMED.test(f.name)).map((f) => [f.name.replace(/\.[^.]*$/, "").toLowerCase(), f]));
  const beside = new Map();
  for (const f of files.filter((f) => SUBTITLES.test(f.name))) {
    const words = f.name.toLowerCase().split(".").slice(0, -1);
    for (let end = words.length; end > 0; end -= 1) {
      const owner = media.get(words.slice(0, end).join("."));
      if (owner) {
        beside.set(owner, [...(beside.get(owner) || []), f]);
        break;
      }
    }
  }
  return beside;
}

function addFiles(files, collection) {
  document.getElementById("uploads-empty")?.remove();
  // A video's subtitle files go with it (the server reads them as its tracks), not as files of their own.
  const beside = subtitlesBeside(files);
  const paired = new Set([...beside.values()].flat());
  for (const file of files.filter((f) => !paired.has(f))) {
    const subtitles = beside.get(file) || [];
    const item = { file, subtitles, collection, row: h("li", { class: "upload-item" }), progress: 0, phase: "waiting" };
    items.unshift(item);
    document.getElementById("uploads")?.prepend(item.row);
    paint(item);
  }
  pump();
}

function pump() {
  while (active < PARALLEL) {
    const next = [...items].reverse().find((it) => it.phase === "waiting");
    if (!next) return;
    active += 1;
    send(next).finally(() => {
      active -= 1;
      pump();
    });
  }
}

async function send(item) {
  Object.assign(item, { phase: "uploading", progress: 0, error: null, job: null });
  paint(item);
  try {
    const { body } = await upload(item.file, {
      collection: item.collection,
      subtitles: item.subtitles,
      onProgress: (f) => {
        item.progress = f;
        paint(item);
      },
    });
    item.media = body.media;
    item.job = body.job;
    item.duplicate = body.duplicate;
    item.phase = "processing";
    paint(item);
    if (item.job) follow(item);
  } catch (err) {
    item.phase = "upload-failed";
    item.error = err.message;
    paint(item);
  }
}

function follow(item) {
  item.stop?.();
  item.stop = watchJob(item.job.id, (job) => {
    item.job = job;
    paint(item);
  });
}

async function cancel(item) {
  try {
    item.job = await post(`/v1/jobs/${encodeURIComponent(item.job.id)}/cancel`);
    paint(item);
  } catch (err) {
    item.error = `cancel failed: ${err.message}`;
    paint(item);
  }
}

async function retry(item) {
  if (item.phase === "upload-failed") {
    item.phase = "waiting";
    paint(item);
    pump();
    return;
  }
  try {
    item.job = await retryJob(item.job.id);
    item.error = null;
    paint(item);
    follow(item);
  } catch (err) {
    item.error = `retry failed: ${err.message}`;
    paint(item);
  }
}

// One file's row: name, size, progress bar, status, error and actions.
function paint(item) {
  const job = item.job;
  let state = item.phase;
  let text = "";
  let error = item.error;
  if (item.phase === "waiting") text = "waiting to upload";
  else if (item.phase === "uploading") text = `uploading — ${Math.round(item.progress * 100)}%`;
  else if (item.phase === "upload-failed") text = "upload failed";
  else if (item.duplicate && (!job || job.status === "succeeded")) {
    state = "done";
    text = "already in your library";
  } else if (job) {
    state = { succeeded: "done", dead: "failed", cancelled: "failed", failed: "retrying" }[job.status] || "processing";
    text = describe(job);
    if (["failed", "dead"].includes(job.status)) error = job.error || item.media?.error || "processing failed";
  }
  const canRetry = item.phase === "upload-failed" || (job && ["dead", "failed", "cancelled"].includes(job.status));
  const mediaId = item.media?.id;
  const value = item.phase === "uploading" || item.phase === "waiting" ? item.progress : 1;
  const progressId = `p-${items.indexOf(item)}-${item.file.name.replace(/\W/g, "")}`;
  item.row.dataset.state = state;
  item.row.dataset.filename = item.file.name;
  if (job) item.row.dataset.jobId = job.id;
  clear(item.row,
    h("div", { class: "upload-head" },
      h("span", { class: "upload-name", id: `${progressId}-name` }, item.file.name),
      item.subtitles?.length ? h("span", { class: "muted upload-subtitles" }, `with ${item.subtitles.map((f) => f.name).join(", ")}`) : null,
      h("span", { class: "muted" }, bytes(item.file.size))),
    h("progress", { max: 1, value, "aria-labelledby": `${progressId}-name`, class: state === "failed" || state === "upload-failed" ? "bad" : "" }),
    h("p", { class: "upload-status" }, text,
      state === "done" && mediaId ? [" · ", h("a", { href: `#/media/${encodeURIComponent(mediaId)}` }, "open")] : null),
    error ? h("p", { class: "upload-error", role: "alert" }, error, job?.error_code ? h("span", { class: "muted" }, ` (${job.error_code})`) : null) : null,
    canRetry ? h("button", { type: "button", class: "retry", "aria-label": `Retry ${item.file.name}`, onclick: () => retry(item) }, "Retry") : null,
    canCancel && job && ["queued", "running"].includes(job.status)
      ? h("button", { type: "button", class: "ghost", "aria-label": `Cancel ${item.file.name}`, onclick: () => cancel(item) }, "Cancel")
      : null);
}
