// A media's page: the player at the moment asked for (?t= seconds) with the transcript beside it,
// what the media is about (summary, labels, keywords, entities), keyframes, OCR text, document
// pages (?page=), metadata and artifact downloads.
import { ApiError, get, post, request, urls } from "../api.js";
import { codeBlock } from "../code.js";
import { bytes, clear, clock, date, errorBox, h, momentHref, toast } from "../dom.js";
import { signal, user } from "../user.js";
import { aboutView } from "./about.js";
import { jobLine, watchJob } from "./jobs.js";
import { conversionsView } from "./conversions.js";
import { nutritionView } from "./nutrition.js";
import { subtitlesView } from "./subtitles.js";

export async function render(root, params, id) {
  const start = params.has("t") ? Number(params.get("t")) : null;
  const page = params.has("page") ? Number(params.get("page")) : null;
  const segmentId = params.get("seg");
  let media;
  try {
    media = await get(`/v1/media/${encodeURIComponent(id)}`);
  } catch (err) {
    root.append(h("h1", {}, "Media"), errorBox(err instanceof ApiError && err.status === 404 ? new Error("This media does not exist (it may have been deleted).") : err));
    return null;
  }
  const stops = [];
  root.append(header(media));
  if (media.status !== "ready" && media.job) {
    const line = h("p", { class: "job-line" });
    root.append(line);
    stops.push(watchJob(media.job.id, (job) => {
      clear(line, jobLine(job));
      if (job.status === "succeeded") location.reload();
    }));
  }
  if (media.error) root.append(h("p", { class: "error", role: "alert" }, media.error));

  const segments = media.segments || [];
  const by = (m) => segments.filter((s) => s.modality === m);
  let playerEl = null;
  let text = null;
  if (media.kind === "video" || media.kind === "audio") {
    const { section, el, stop } = player(media, segments, start, segmentId);
    playerEl = el;
    root.append(section);
    stops.push(stop);
    stops.push(reportPlays(el, media.id));
  }
  if (user.current()) root.append(likeBar(media));
  // (append(null) would print "null": an image without near-duplicates has no such section)
  if (media.kind === "image") root.append(...[imageView(media, segments), duplicatesView(media.duplicates || [])].filter(Boolean));
  // A moment of this media (a summary sentence, an entity's mention) shown without reloading the
  // page: the player seeks to its second, or its page and paragraph are marked and scrolled to.
  const goTo = (where) => {
    history.replaceState(null, "", momentHref({ ...where, media_id: media.id }));
    if (playerEl && where.start_s !== null && where.start_s !== undefined) {
      seek(playerEl, where.start_s, true);
      playerEl.scrollIntoView({ block: "nearest" });
      return;
    }
    const target = (text && markCurrent(text, where.page, where.segment_id))
      || root.querySelector(`.ocr-view [data-seg="${CSS.escape(where.segment_id)}"]`);
    if (target) {
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    }
  };
  const about = aboutView(media, goTo);
  if (about) root.append(about);
  if (media.status === "ready" && media.kind !== "code") { // source code holds no meal
    const nutrition = nutritionView(media, goTo); // foods, amounts, nutrients (views/nutrition.js)
    root.append(nutrition.section);
    stops.push(nutrition.stop);
  }
  if (media.kind === "document" || media.kind === "text") {
    text = documentView(media, segments);
    root.append(text);
    if (page || segmentId) {
      const target = markCurrent(text, page, segmentId);
      requestAnimationFrame(() => target?.scrollIntoView({ block: "center" }));
    }
  }
  if (media.kind === "code") root.append(codeView(segments, segmentId));
  const ocr = by("ocr");
  if (ocr.length && media.kind !== "document") root.append(ocrView(ocr, media));
  const subtitles = subtitlesView(media); // its subtitle files, added or removed (views/subtitles.js)
  if (subtitles) {
    root.append(subtitles.section);
    stops.push(subtitles.stop);
  }
  const conversions = conversionsView(media); // the media in other formats (views/conversions.js)
  if (conversions) {
    root.append(conversions.section);
    stops.push(conversions.stop);
  }
  if (media.status === "ready") root.append(similarView(media.id, params.has("similar")));
  if (media.steps && media.steps.length) root.append(stepsView(media));
  root.append(details(media));
  return () => stops.forEach((s) => s && s());
}

function header(media) {
  const info = [media.kind, media.duration_s ? clock(media.duration_s) : null, media.pages ? `${media.pages} pages` : null,
    media.width && media.height ? `${media.width}×${media.height}` : null, media.language, bytes(media.bytes)].filter(Boolean);
  return h("header", { class: "media-header" },
    h("p", {}, h("a", { href: "#/library" }, "← Library")),
    h("h1", {}, media.filename),
    h("p", { class: "muted" }, h("span", { class: `badge status-${media.status}` }, media.status), " ", info.join(" · ")),
    qualityPart(media),
    h("div", { class: "actions" },
      h("a", { class: "button ghost", href: urls.original(media.id), download: media.filename }, "Download original"),
      h("button", { type: "button", class: "ghost", onclick: () => reprocess(media) }, "Reprocess"),
      h("button", { type: "button", class: "ghost danger", onclick: () => remove(media) }, "Delete")));
}

// The quality badge (docs/quality.md) and, under it, the reasons that lowered the score.
function qualityPart(media) {
  const q = media.quality;
  if (!q) return null;
  const level = q.overall >= 0.8 ? "good" : q.overall >= 0.5 ? "fair" : "poor";
  const reasons = q.reasons.map((r) => r.message);
  return h("div", { class: "quality" },
    h("span", { class: `badge quality-${level}`, title: reasons.join("\n") || "no defect found" },
      `quality ${q.overall.toFixed(2)}`),
    reasons.length ? h("ul", { class: "quality-reasons" }, reasons.map((m) => h("li", {}, m))) : null);
}

async function reprocess(media) {
  try {
    await post(`/v1/media/${encodeURIComponent(media.id)}/reprocess`);
    toast("Reprocessing started");
    location.reload();
  } catch (err) {
    toast(err.message, "error");
  }
}

async function remove(media) {
  if (!confirm(`Delete ${media.filename} and everything extracted from it?`)) return;
  try {
    await request(`/v1/media/${encodeURIComponent(media.id)}`, { method: "DELETE" });
    toast(`${media.filename} deleted`);
    location.hash = "#/library";
  } catch (err) {
    toast(err.message, "error");
  }
}

// --- personalization: like / hide, seconds played, more like this ---------------------------------

function likeBar(media) {
  const like = h("button", { type: "button", class: "ghost small", id: "like-media" }, "👍 Like");
  const hide = h("button", { type: "button", class: "ghost small", id: "hide-media" }, "Show me less of this");
  like.addEventListener("click", async () => { await signal(media.id, "like"); like.textContent = "👍 Liked"; });
  hide.addEventListener("click", async () => { await signal(media.id, "hide"); hide.textContent = "Shown less"; });
  return h("div", { class: "personal-actions" }, like, hide);
}

// Seconds actually played (not the position: seeking is not watching), sent when playback pauses,
// ends or the page is left.
function reportPlays(el, mediaId) {
  let played = 0;
  let last = null;
  const tick = () => {
    if (!el.paused && last !== null) played += Math.max(0, Math.min(2, el.currentTime - last));
    last = el.currentTime;
  };
  const flush = () => {
    tick();
    last = null;
    if (played >= 1) signal(mediaId, "play", { value: Math.round(played) });
    played = 0;
  };
  el.addEventListener("timeupdate", tick);
  el.addEventListener("seeking", () => { last = null; });
  el.addEventListener("pause", flush);
  el.addEventListener("ended", flush);
  return flush;
}

function similarView(mediaId, focus) {
  const section = h("section", { id: "similar", "aria-label": "More like this" }, h("h2", {}, "More like this"));
  get(`/v1/media/${encodeURIComponent(mediaId)}/similar?limit=6`).then(({ items }) => {
    section.append(items.length
      ? h("ul", { class: "similar" }, items.map((i) => h("li", {}, h("a", { href: `#/media/${encodeURIComponent(i.media_id)}` }, i.filename))))
      : h("p", { class: "muted" }, "Nothing alike yet (media without text have no text to compare)."));
    if (focus) section.scrollIntoView({ block: "start" });
  }).catch((err) => section.append(errorBox(err)));
  return section;
}

// --- player + transcript -----------------------------------------------------------------------

// A subtitle track read beside the transcript (a translation) marks its speech segments with
// meta.track: its lines are offered in the player, not mixed into the transcript's.
const besideTranscript = (seg) => seg.meta?.track !== undefined && seg.meta?.track !== null;

// Lines of speech segments: the recogniser's own segments (meta.parts) when a chunk has them.
function speechLines(segments) {
  const lines = [];
  for (const seg of segments) {
    const parts = Array.isArray(seg.meta?.parts) && seg.meta.parts.length ? seg.meta.parts : [seg];
    for (const p of parts) lines.push({ start: p.start_s ?? 0, end: p.end_s ?? p.start_s ?? 0, text: (p.text || "").trim(), seg: seg.id });
  }
  return lines.filter((l) => l.text).sort((a, b) => a.start - b.start);
}

function transcriptLines(segments) {
  return speechLines(segments.filter((s) => s.modality === "speech" && !besideTranscript(s)));
}

// The tracks beside the transcript, one <track> each, as WebVTT made from their lines.
function besideTracks(segments) {
  const byTrack = new Map();
  for (const seg of segments.filter((s) => s.modality === "speech" && besideTranscript(s))) {
    // files beside the media share one track number (-1): their languages tell them apart
    const key = `${seg.meta.track}:${seg.language || ""}`;
    if (!byTrack.has(key)) byTrack.set(key, { language: seg.language || "", segments: [] });
    byTrack.get(key).segments.push(seg);
  }
  return [...byTrack.values()].map(({ language, segments: segs }) => {
    const cues = speechLines(segs).map((l) => `${vttTime(l.start)} --> ${vttTime(Math.max(l.end, l.start + 0.5))}\n${cueText(l.text)}`);
    const vtt = `WEBVTT\n\n${cues.join("\n\n")}\n`;
    const label = language ? `Subtitles (${language})` : "Subtitles";
    return h("track", { kind: "subtitles", src: URL.createObjectURL(new Blob([vtt], { type: "text/vtt" })), srclang: language || undefined, label });
  });
}

// A cue's text as WebVTT holds it: no blank line (it would end the cue), no arrow.
const cueText = (text) => text.replace(/\s*\n\s*/g, "\n").replaceAll("-->", "→");

function vttTime(seconds) {
  const ms = Math.round(Math.max(0, seconds) * 1000);
  const two = (n) => String(n).padStart(2, "0");
  return `${two(Math.floor(ms / 3600000))}:${two(Math.floor(ms / 60000) % 60)}:${two(Math.floor(ms / 1000) % 60)}.${String(ms % 1000).padStart(3, "0")}`;
}

function player(media, segments, start, segmentId) {
  const isVideo = media.kind === "video";
  const el = h(isVideo ? "video" : "audio", {
    id: "player", controls: true, preload: "auto", src: urls.original(media.id),
    "aria-label": `${media.kind} player: ${media.filename}`,
  });
  if ((media.artifacts || []).includes("transcript.vtt")) {
    el.append(h("track", { kind: "subtitles", src: urls.transcript(media.id, "vtt"), srclang: media.language || "en", label: "Transcript", default: true }));
  }
  const beside = besideTracks(segments);
  el.append(...beside);
  const lines = transcriptLines(segments);
  const list = h("ol", { class: "transcript-lines" });
  const buttons = lines.map((line) => {
    const b = h("button", { type: "button", class: "line", dataset: { start: line.start, seg: line.seg } },
      h("span", { class: "line-time" }, clock(line.start)), h("span", {}, line.text));
    b.addEventListener("click", () => seek(el, line.start, true));
    list.append(h("li", {}, b));
    return b;
  });
  const transcript = h("aside", { class: "transcript", "aria-label": "Transcript" },
    h("h2", {}, "Transcript"),
    lines.length ? list : h("p", { class: "muted" }, "No speech was found in this media."),
    beside.length ? h("p", { class: "muted beside-tracks" },
      `Also subtitles in ${beside.map((t) => t.srclang || "another language").join(", ")}: choose them in the player's captions menu.`) : null);

  let active = -1;
  const sync = () => {
    const t = el.currentTime;
    let i = -1;
    for (let k = 0; k < lines.length && lines[k].start <= t + 0.05; k += 1) i = k;
    if (i === active) return;
    buttons[active]?.removeAttribute("aria-current");
    active = i;
    const b = buttons[i];
    if (!b) return;
    b.setAttribute("aria-current", "true");
    // Scroll the transcript box only (never the page), keeping the line in view.
    const box = list.parentElement;
    const top = b.offsetTop - box.offsetTop;
    if (top < box.scrollTop || top + b.offsetHeight > box.scrollTop + box.clientHeight) {
      box.scrollTo({ top: Math.max(0, top - box.clientHeight / 3), behavior: "smooth" });
    }
  };
  el.addEventListener("timeupdate", sync);
  el.addEventListener("seeked", sync);

  const target = start ?? (segmentId ? lines.find((l) => l.seg === segmentId)?.start : null);
  if (target !== null && target !== undefined && !Number.isNaN(target)) {
    el.dataset.start = String(target);
    const go = () => seek(el, target, true);
    if (el.readyState >= 1) go();
    else el.addEventListener("loadedmetadata", go, { once: true });
  }
  const frames = keyframeStrip(media, segments, (t) => seek(el, t, true));
  const section = h("section", { class: "player-section", "aria-label": "Player" },
    h("div", { class: "player-layout" }, h("div", { class: `player ${isVideo ? "" : "audio"}` }, el), transcript),
    frames);
  return { section, el, stop: () => { el.pause(); el.removeAttribute("src"); el.load(); beside.forEach((t) => URL.revokeObjectURL(t.src)); } };
}

// Seek and play; autoplay with sound may be refused until the user interacts, which is fine:
// the player then waits at the right second.
function seek(el, t, play) {
  el.currentTime = Math.max(0, t);
  if (play) el.play().catch(() => {});
}

function keyframeStrip(media, segments, onPick) {
  let frames = segments.filter((s) => s.modality === "frame" && s.frame_key).map((s) => ({ t: s.start_s, src: urls.frame(media.id, s.frame_key) }));
  if (!frames.length) {
    frames = (media.artifacts || []).filter((a) => /^frames\/\d+\.jpg$/.test(a))
      .map((a) => ({ t: Number(a.match(/\d+/)[0]) / 1000, src: urls.artifact(media.id, a) }));
  }
  if (!frames.length) return null;
  frames.sort((a, b) => a.t - b.t);
  return h("section", { class: "keyframes", "aria-label": "Keyframes" },
    h("h2", {}, "Keyframes"),
    h("ol", { class: "strip" }, frames.map((f) =>
      h("li", {}, h("button", { type: "button", class: "frame", onclick: () => onPick(f.t), "aria-label": `Play from ${clock(f.t)}` },
        h("img", { src: f.src, alt: "", loading: "lazy" }), h("span", {}, clock(f.t)))))));
}

// --- other kinds -------------------------------------------------------------------------------

function imageView(media, segments) {
  const tags = [...new Set(segments.filter((s) => s.modality === "tag").flatMap((s) => (s.text || "").split(/[,;]\s*/)).map((t) => t.trim()).filter(Boolean))];
  const labels = segments.find((s) => s.modality === "image")?.meta?.labels || [];
  const names = tags.length ? tags : labels.map((l) => (typeof l === "string" ? l : l.label || l.name)).filter(Boolean);
  return h("section", { class: "image-view", "aria-label": "Image" },
    h("img", { src: urls.original(media.id), alt: names.length ? `Image showing ${names.slice(0, 3).join(", ")}` : media.filename }),
    names.length ? h("div", {}, h("h2", {}, "What it shows"), h("ul", { class: "tags" }, names.slice(0, 12).map((n) => h("li", {}, n)))) : null);
}

function duplicatesView(duplicates) {
  if (!duplicates.length) return null;
  return h("section", { class: "ocr-view", "aria-label": "Near duplicates" },
    h("h2", {}, "Near-duplicates in your library"),
    h("ul", {}, duplicates.map((d) => h("li", {},
      h("a", { href: `#/media/${encodeURIComponent(d.media_id)}` }, d.filename || d.media_id),
      h("span", { class: "muted" }, d.distance === 0 ? " (identical picture)" : ` (${d.distance} bits apart)`)))));
}

function documentView(media, segments) {
  const parts = segments.filter((s) => ["text", "note", "ocr"].includes(s.modality));
  const pages = new Map();
  for (const s of parts) {
    const key = s.page ?? 0;
    if (!pages.has(key)) pages.set(key, []);
    pages.get(key).push(s);
  }
  const slides = /\.(pptx?|odp|key)$/i.test(media.filename);
  return h("section", { class: "document-view", "aria-label": "Document text" },
    h("h2", {}, "Text"),
    [...pages.entries()].sort((a, b) => a[0] - b[0]).map(([n, segs]) => {
      const label = n ? `${slides ? "Slide" : "Page"} ${n}` : "Text";
      return h("article", { class: "page", id: `page-${n}`, tabindex: "-1", dataset: { page: n } },
        n ? h("h3", {}, label, " ", h("a", { class: "small", href: `${urls.original(media.id)}#page=${n}`, target: "_blank", rel: "noopener" }, "open original")) : null,
        segs.map((s) => h("p", { tabindex: "-1", dataset: { seg: s.id } },
          s.modality !== "text" ? h("span", { class: `why why-${s.modality}` }, s.modality === "note" ? "speaker notes" : "in picture") : null, " ", s.text)));
    }));
}

// Mark the page (and the paragraph of the segment) asked for as current, unmarking the last one;
// returns the element to bring into view, or null when neither is in the text.
function markCurrent(section, page, segmentId) {
  const paragraph = segmentId ? section.querySelector(`p[data-seg="${CSS.escape(segmentId)}"]`) : null;
  const article = paragraph?.closest("article.page") || (page ? section.querySelector(`#page-${page}`) : null);
  if (!article) return null;
  for (const el of section.querySelectorAll("article.page.current")) {
    el.classList.remove("current");
    el.removeAttribute("aria-current");
  }
  for (const el of section.querySelectorAll("p.cited")) el.classList.remove("cited");
  article.classList.add("current");
  article.setAttribute("aria-current", "true");
  paragraph?.classList.add("cited");
  return paragraph || article;
}

// A repository (or one source file): its files, each opened on demand, with its chunks as numbered,
// coloured code; the cited chunk's file is open and the cited lines marked and scrolled to.
function codeView(segments, segmentId) {
  const files = new Map();
  for (const s of segments.filter((x) => x.meta?.path)) {
    const key = s.meta.cell != null ? `${s.meta.path}#cell${s.meta.cell}` : s.meta.path;
    if (!files.has(key)) files.set(key, []);
    files.get(key).push(s);
  }
  const cited = segments.find((s) => s.id === segmentId);
  const section = h("section", { class: "code-view", "aria-label": "Source files" },
    h("h2", {}, files.size === 1 ? "Code" : `Code: ${files.size} files`),
    [...files.entries()].sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true })).map(([name, segs]) => {
      const open = segs.includes(cited);
      const details = h("details", { class: "code-file", open: open || files.size === 1 || null }, h("summary", {}, name));
      const fill = () => {
        if (details.dataset.filled) return;
        details.dataset.filled = "1";
        details.append(...segs.sort((a, b) => a.meta.line_start - b.meta.line_start).map((s) => {
          const marked = new Set();
          if (s === cited) for (let n = s.meta.line_start; n <= s.meta.line_end; n++) marked.add(n);
          const title = s.meta.symbol ? `${s.meta.symbol_kind || ""} ${s.meta.symbol}`.trim() : null;
          return h("figure", { class: s === cited ? "code-chunk cited" : "code-chunk", dataset: { seg: s.id } },
            title ? h("figcaption", {}, title, h("span", { class: "muted" }, ` lines ${s.meta.line_start}-${s.meta.line_end}`)) : null,
            codeBlock(s.text, { lineStart: s.meta.line_start, language: s.modality === "code" ? s.language || "" : "", marked }));
        }));
      };
      details.addEventListener("toggle", () => details.open && fill());
      if (details.open) fill();
      return details;
    }));
  if (cited) requestAnimationFrame(() => section.querySelector(".code-chunk.cited .marked")?.scrollIntoView({ block: "center" }));
  return section;
}

function ocrView(ocr, media) {
  return h("section", { class: "ocr-view", "aria-label": "Text on screen" },
    h("h2", {}, media.kind === "video" ? "On screen" : "Text in image"),
    h("ol", {}, ocr.map((s) => h("li", { tabindex: "-1", dataset: { seg: s.id } },
      s.start_s != null ? h("a", { href: `#/media/${encodeURIComponent(media.id)}?t=${s.start_s}`, class: "line-time" }, clock(s.start_s)) : null,
      " ", s.text))));
}

function details(media) {
  const rows = [
    ["Kind", media.kind], ["MIME type", media.mime], ["Size", bytes(media.bytes)], ["Collection", media.collection],
    ["Language", media.language], ["Duration", media.duration_s ? clock(media.duration_s) : null], ["Pages", media.pages],
    ["Dimensions", media.width ? `${media.width} × ${media.height} px` : null], ["Added", date(media.created_at)],
    ["Updated", date(media.updated_at)], ["SHA-256", media.sha256], ["ID", media.id],
  ].filter(([, v]) => v !== null && v !== undefined && v !== "");
  const own = Object.entries(media.metadata || {}).filter(([k]) => k !== "extracted");
  const extracted = media.metadata?.extracted;
  const artifacts = media.artifacts || [];
  const downloadable = artifacts.filter((a) => !a.startsWith("frames/"));
  return h("section", { class: "details", "aria-label": "Details" },
    h("div", {},
      h("h2", {}, "Details"),
      h("dl", {}, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))]), own.map(([k, v]) => [h("dt", {}, k), h("dd", {}, typeof v === "object" ? JSON.stringify(v) : String(v))])),
      extracted ? h("details", {}, h("summary", {}, "Extracted metadata"), h("pre", {}, JSON.stringify(extracted, null, 2))) : null),
    h("div", {},
      h("h2", {}, "Downloads"),
      downloadable.length
        ? h("ul", { class: "artifacts" }, downloadable.map((a) => h("li", {}, h("a", { href: urls.artifact(media.id, a), download: a.replaceAll("/", "_") }, a))))
        : h("p", { class: "muted" }, "No artifacts yet."),
      artifacts.length > downloadable.length ? h("p", { class: "muted" }, `${artifacts.length - downloadable.length} keyframe images`) : null,
      // What it is about, to keep or send: made on demand (GET /v1/media/{id}/report).
      h("p", { class: "report-links" }, "Report: ",
        [["html", "HTML"], ["md", "Markdown"], ["json", "JSON"]].map(([fmt, name], i) => [
          i ? " · " : null,
          h("a", { href: urls.report(media.id, fmt), target: "_blank", rel: "noopener", dataset: { format: fmt } }, name),
        ]))));
}


// The media's workflow steps (docs/workflows.md), each with its status and job.
function stepsView(media) {
  return h("section", { class: "card", id: "steps", "aria-labelledby": "steps-title" },
    h("h2", { id: "steps-title" }, `Workflow steps (version ${media.workflow_version})`),
    h("ul", { class: "steps" }, ...media.steps.map((s) => h("li", { "data-status": s.status },
      h("code", {}, s.key), ` ${s.status}`, s.error ? h("span", { class: "error" }, ` — ${s.error}`) : ""))));
}
