// A video's or audio file's subtitle files, on its page (docs/concepts.md, "Subtitle tracks"):
// those it has, more added (POST /v1/media/{id}/subtitles: a file that came without them, or a
// duplicate upload whose files were not kept), one or all removed; a change processes the media again,
// followed here until it is searchable.
import { ApiError, get, request } from "../api.js";
import { clear, h, toast } from "../dom.js";
import { jobLine, watchJob } from "./jobs.js";

export function subtitlesView(media) {
  if (media.kind !== "video" && media.kind !== "audio") return null;
  const path = `/v1/media/${encodeURIComponent(media.id)}/subtitles`;
  const list = h("ul", { class: "subtitle-files", "aria-live": "polite" });
  const line = h("p", { class: "job-line" });
  const input = h("input", { id: "subtitles-add", type: "file", accept: ".srt,.vtt", multiple: true });
  const removeAll = h("button", { type: "button", class: "ghost danger", hidden: true }, "Remove all");
  let stop = null;

  const show = (files) => {
    clear(list, files.length
      ? files.map((f) => h("li", { dataset: { name: f.name } }, f.language || "language not named",
        f.forced ? " (forced)" : "", f.hearing_impaired ? " (for the hearing impaired)" : "",
        h("span", { class: "muted small" }, ` ${f.name} `), removeOne(f)))
      : h("li", { class: "muted" }, "None. A SubRip (.srt) or WebVTT (.vtt) file named for its language (talk.es.srt) can be added."));
    removeAll.hidden = !files.length;
  };
  const follow = (job) => {
    stop?.();
    stop = watchJob(job.id, (now) => {
      clear(line, jobLine(now));
      if (now.status === "succeeded") location.reload(); // its transcript and tracks, read again
    });
  };
  const removeOne = (f) => {
    const button = h("button", { type: "button", class: "ghost danger small", "aria-label": `Remove ${f.name}` }, "Remove");
    button.addEventListener("click", () => {
      if (confirm(`Remove ${f.name}? ${media.filename} is processed again without it.`)) {
        send({ method: "DELETE" }, `${path}/${encodeURIComponent(f.name)}`);
      }
    });
    return button;
  };
  const send = async (init, url = path) => {
    try {
      const body = await request(url, init);
      show(body.files);
      if (body.job) follow(body.job);
      else toast("This media has those subtitles already.");
    } catch (err) {
      toast(err.message, "error");
    }
  };
  input.addEventListener("change", () => {
    if (!input.files.length) return;
    const form = new FormData();
    for (const file of input.files) form.append("subtitles", file, file.name);
    input.value = "";
    send({ method: "POST", form });
  });
  removeAll.addEventListener("click", () => {
    if (confirm(`Remove every subtitle file of ${media.filename}? It is processed again without them.`)) send({ method: "DELETE" });
  });
  get(path).then((body) => show(body.files), (err) => {
    if (!(err instanceof ApiError)) throw err;
    clear(list, h("li", { class: "error-text" }, err.message));
  });
  const section = h("section", { class: "about subtitles-view", id: "subtitles", "aria-labelledby": "subtitles-title" },
    h("h2", { id: "subtitles-title" }, "Subtitles"), list,
    h("p", {}, h("label", { for: "subtitles-add" }, "Add subtitle files "), input, " ", removeAll), line);
  return { section, stop: () => stop?.() };
}
