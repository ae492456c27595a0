// Library: every media with its status, kind, length, language and tags; filters by kind, status
// and collection. Refreshes itself while anything is still processing.
import { get, query } from "../api.js";
import { bytes, clear, clock, date, errorBox, h } from "../dom.js";

const PAGE = 100;

export async function render(root, params) {
  const state = { kind: params.get("kind") || "", status: params.get("status") || "", collection: params.get("collection") || "" };
  const body = h("div", { id: "library-body" });
  const select = (id, label, values) =>
    h("div", { class: "field" }, h("label", { for: `lib-${id}` }, label),
      h("select", { id: `lib-${id}`, name: id, onchange: (e) => {
        state[id] = e.target.value;
        location.hash = `#/library?${query(state)}`;
      } }, h("option", { value: "" }, "Any"), values.map((v) => h("option", { value: v, selected: v === state[id] }, v))));
  root.append(
    h("h1", {}, "Library"),
    h("form", { class: "filters inline-filters", "aria-label": "Library filters", onsubmit: (e) => e.preventDefault() },
      select("kind", "Kind", ["video", "audio", "image", "document", "text"]),
      select("status", "Status", ["pending", "processing", "ready", "failed"]),
      h("div", { class: "field" }, h("label", { for: "lib-collection" }, "Collection"),
        h("input", { id: "lib-collection", value: state.collection, placeholder: "Any", onchange: (e) => {
          state.collection = e.target.value.trim();
          location.hash = `#/library?${query(state)}`;
        } }))),
    body);
  let timer = null;
  let offset = 0;
  const load = async () => {
    try {
      const { media } = await get(`/v1/media?${query({ ...state, limit: PAGE, offset })}`);
      clear(body, media.length ? table(media) : h("p", { class: "muted" }, offset ? "No more media." : "No media yet — upload some files."),
        pager(media.length, offset, (o) => { offset = o; load(); }));
      if (media.some((m) => m.status === "pending" || m.status === "processing")) timer = setTimeout(load, 3000);
    } catch (err) {
      clear(body, errorBox(err, load));
    }
  };
  await load();
  return () => clearTimeout(timer);
}

function pager(count, offset, go) {
  if (!offset && count < PAGE) return null;
  return h("nav", { class: "pager", "aria-label": "Pages" },
    offset ? h("button", { type: "button", class: "ghost", onclick: () => go(Math.max(0, offset - PAGE)) }, "← Previous") : null,
    count === PAGE ? h("button", { type: "button", class: "ghost", onclick: () => go(offset + PAGE) }, "Next →") : null);
}

function length(m) {
  if (m.duration_s) return clock(m.duration_s);
  if (m.pages) return `${m.pages} p.`;
  if (m.width) return `${m.width}×${m.height}`;
  return "";
}

function tags(m) {
  const meta = m.metadata || {};
  const own = Object.entries(meta).filter(([k, v]) => k !== "extracted" && typeof v !== "object").map(([k, v]) => `${k}: ${v}`);
  const labels = meta.extracted?.labels || meta.extracted?.tags || [];
  return [...own, ...labels.map((l) => (typeof l === "string" ? l : l.label || l.name)).filter(Boolean)].slice(0, 6);
}

function table(media) {
  return h("div", { class: "table-wrap" }, h("table", { class: "library" },
    h("caption", { class: "visually-hidden" }, "Media in your library"),
    h("thead", {}, h("tr", {}, ["Name", "Status", "Kind", "Length", "Language", "Collection", "Tags", "Size", "Added"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, media.map((m) =>
      h("tr", { dataset: { mediaId: m.id } },
        h("th", { scope: "row" }, h("a", { href: `#/media/${encodeURIComponent(m.id)}` }, m.filename)),
        h("td", {}, h("span", { class: `badge status-${m.status}`, title: m.error || "" }, m.status)),
        h("td", {}, m.kind || "—"),
        h("td", {}, length(m)),
        h("td", {}, m.language || ""),
        h("td", {}, m.collection),
        h("td", {}, h("ul", { class: "tags" }, tags(m).map((t) => h("li", {}, t)))),
        h("td", { class: "num" }, bytes(m.bytes)),
        h("td", {}, h("time", { datetime: m.created_at }, date(m.created_at))))))));
}
