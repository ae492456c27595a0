// Search: one box (text, or an image dropped on it), filters, results grouped by media — or, with
// "Group by" (a metadata key such as sku), by product: one card per product, ranked by its best
// hit — and beside them the facets of the filtered library (labels, entities, keywords, language, kind).
import { get, post, query, request, urls } from "../api.js";
import { codeBlock, matchingLines } from "../code.js";
import { clear, clock, errorBox, excerpt, h, highlight, momentHref, termsPattern, where, why } from "../dom.js";
import { activeChips, loadFacets, takeRefocus } from "./facets.js";
import { refreshBadge, signal, user } from "../user.js";
import { ABOUT, LANGUAGES, SINGLE, addedWindow, filterParams, searchHref, stateFrom } from "./filters.js";

const LIMIT = 40;
const GROUPS = 12; // products (or other groups) per grouped search
const KINDS = ["video", "audio", "image", "document", "text", "code"];

let lookAlike = null; // the image of the last look-alike search: {file, url}

export async function render(root, params) {
  const state = stateFrom(params);
  const go = (next) => {
    lookAlike = null;
    location.hash = searchHref(next);
  };
  const results = h("section", { id: "results", "aria-label": "Results" });
  const status = h("p", { id: "search-status", class: "muted", role: "status" });
  const facets = h("aside", { id: "facets", class: "facets", "aria-label": "Refine results", hidden: true });
  const form = searchForm(state, (next) => go({ ...state, ...next }),
    (file) => imageSearch(file, { ...state, ...readFilters(form) }, results, status));
  const chips = activeChips(state, go);
  root.append(h("h1", { class: "visually-hidden" }, "Search"), form,
    h("div", { class: "search-layout" }, facets, h("div", { class: "search-main" }, chips, status, results)));
  loadCollections(form);

  if (takeRefocus("chips")) (chips?.querySelector("button") || form.querySelector("#q")).focus();
  if (params.get("image") && lookAlike) {
    await imageSearch(lookAlike.file, state, results, status);
  } else if (state.q) {
    // Results first; the facets are counted after, never holding them up.
    if (await textSearch(state, results, status)) loadFacets(facets, state, go);
  } else {
    status.textContent = "Search what is said, shown or written in your media — or drop an image on the box to find look-alikes.";
  }
  if (!state.q) form.querySelector("#q").focus();
}

function searchForm(state, onSearch, onImage) {
  const q = h("input", {
    id: "q", name: "q", type: "search", value: state.q, placeholder: "Search what is said, shown or written…",
    autocomplete: "off", "aria-describedby": "drop-hint",
  });
  const fileInput = h("input", { id: "image-input", type: "file", accept: "image/*", class: "visually-hidden", tabindex: "-1" });
  fileInput.addEventListener("change", () => fileInput.files[0] && onImage(fileInput.files[0]));
  const select = (id, label, options, value) =>
    h("div", { class: "field" },
      h("label", { for: id }, label),
      h("select", { id, name: id },
        h("option", { value: "" }, "Any"),
        Object.entries(value && !(value in options) ? { ...options, [value]: value } : options)
          .map(([v, text]) => h("option", { value: v, selected: v === value }, text))));
  const form = h("form", { role: "search", class: "search-form", "aria-label": "Search media" },
    h("div", { class: "searchbox drop-target", id: "search-drop" },
      h("label", { for: "q", class: "visually-hidden" }, "Search your media"),
      q,
      h("button", { type: "button", class: "ghost icon", onclick: () => fileInput.click() }, "Search by image"),
      h("button", { type: "submit", class: "primary" }, "Search"),
      fileInput),
    h("p", { id: "drop-hint", class: "hint" }, "Tip: drop an image here to find look-alikes. Press / to jump to this box."),
    h("fieldset", { class: "filters" },
      h("legend", {}, "Filters"),
      select("kind", "Kind", Object.fromEntries(KINDS.map((k) => [k, k])), state.kind),
      h("div", { class: "field" },
        h("label", { for: "collection" }, "Collection"),
        h("input", { id: "collection", name: "collection", list: "collections", value: state.collection, placeholder: "Any" }),
        h("datalist", { id: "collections" })),
      select("language", "Language", LANGUAGES, state.language),
      h("div", { class: "field" },
        h("label", { for: "path" }, "Path (code)"),
        h("input", { id: "path", name: "path", value: state.path, placeholder: "src/* or *.py" })),
      h("div", { class: "field" }, h("label", { for: "from" }, "Added from"), h("input", { id: "from", name: "from", type: "date", value: state.from })),
      h("div", { class: "field" }, h("label", { for: "to" }, "Added until"), h("input", { id: "to", name: "to", type: "date", value: state.to })),
      h("div", { class: "field" },
        h("label", { for: "group_by" }, "Group by"),
        h("input", { id: "group_by", name: "group_by", value: state.group_by, placeholder: "e.g. sku", list: "group-keys" }),
        h("datalist", { id: "group-keys" }, h("option", { value: "sku" })))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const next = readFilters(form);
    if (next.q.trim()) onSearch(next);
    else q.focus();
  });
  for (const el of form.querySelectorAll("select, input[type=date], #group_by")) {
    el.addEventListener("change", () => form.requestSubmit());
  }
  bindDrop(form.querySelector("#search-drop"), onImage);
  return form;
}

// The form's own fields; label, entity and keyword filters live in the URL (chips, facets).
function readFilters(form) {
  const data = new FormData(form);
  return Object.fromEntries(SINGLE.map((k) => [k, (data.get(k) || "").toString()]));
}

function bindDrop(zone, onImage) {
  zone.addEventListener("dragover", (e) => {
    if ([...(e.dataTransfer?.items || [])].some((i) => i.kind === "file")) {
      e.preventDefault();
      zone.classList.add("dragging");
    }
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    const file = [...(e.dataTransfer?.files || [])].find((f) => f.type.startsWith("image/")) || e.dataTransfer?.files?.[0];
    if (file) onImage(file);
  });
}

async function loadCollections(form) {
  try {
    const { media } = await get("/v1/media?limit=1000");
    const names = [...new Set(media.map((m) => m.collection))].sort();
    clear(form.querySelector("#collections"), names.map((n) => h("option", { value: n })));
  } catch { /* suggestions only */ }
}

// True when the results were shown.
async function textSearch(state, results, status) {
  status.textContent = "Searching…";
  try {
    const grouping = state.group_by ? { group_by: state.group_by, limit: GROUPS } : { limit: LIMIT };
    const found = await get(`/v1/search?${query({ q: state.q, ...filterParams(state), ...grouping })}`);
    if (found.groups) showGroups(found.groups, state.q, results, status);
    else show(found.hits, state.q, results, status);
    if (user.current()) status.append(" ", saveButton(state));
    return true;
  } catch (err) {
    status.textContent = "";
    clear(results, errorBox(err, () => textSearch(state, results, status)));
    return false;
  }
}

async function imageSearch(file, filters, results, status) {
  if (lookAlike?.file !== file) {
    if (lookAlike) URL.revokeObjectURL(lookAlike.url);
    lookAlike = { file, url: URL.createObjectURL(file) };
  }
  if (!location.hash.includes("image=1")) history.replaceState(null, "", "#/search?image=1");
  status.replaceChildren(h("img", { src: lookAlike.url, alt: "", class: "query-image" }), ` Finding look-alikes of ${file.name}…`);
  const form = new FormData();
  form.append("image", file, file.name);
  if (filters.kind) form.append("kind", filters.kind);
  if (filters.collection) form.append("collection", filters.collection);
  for (const [k, v] of Object.entries(addedWindow(filters))) form.append(k, v);
  for (const k of ABOUT) for (const v of filters[k] || []) form.append(k, v);
  if (filters.group_by) form.append("group_by", filters.group_by);
  form.append("limit", String(filters.group_by ? GROUPS : LIMIT));
  try {
    const found = await request("/v1/search", { method: "POST", form });
    if (found.groups) showGroups(found.groups, "", results, status, `Products like ${file.name}`);
    else show(found.hits, "", results, status, `Look-alikes of ${file.name}`);
    status.prepend(h("img", { src: lookAlike.url, alt: `Query image ${file.name}`, class: "query-image" }), " ");
  } catch (err) {
    status.textContent = "";
    clear(results, errorBox(err));
  }
}

// Saves the query with its filters: new media that match it raise an alert (the badge, #/saved).
function saveButton(state) {
  const button = h("button", { type: "button", class: "ghost small", id: "save-search" }, "Save this search");
  button.addEventListener("click", async () => {
    const filters = Object.fromEntries(Object.entries({
      kinds: state.kind ? [state.kind] : null,
      collections: state.collection ? [state.collection] : null,
      languages: state.language ? [state.language] : null,
      labels: state.label?.length ? state.label : null,
      entities: state.entity?.length ? state.entity : null,
      keywords: state.keyword?.length ? state.keyword : null,
    }).filter(([, v]) => v));
    try {
      await post("/v1/saved-searches", { query: state.q, filters });
      button.textContent = "Saved ✓";
      button.disabled = true;
      refreshBadge();
    } catch (err) {
      button.textContent = `Not saved: ${err.message}`;
    }
  });
  return button;
}

// What the user does with a result: opening it is a signal; like and hide are buttons on the card.
function personalActions(first) {
  if (!user.current()) return null;
  const like = h("button", { type: "button", class: "ghost small", "aria-pressed": "false", "aria-label": `Like ${first.filename}` }, "👍 Like");
  // "hide" sinks the media in this user's results and keeps it out of their recommendations; it is
  // not removed (an exact match still finds it), so the button says what it does
  const hide = h("button", { type: "button", class: "ghost small", "aria-label": `Show less of ${first.filename}` }, "Less like this");
  like.addEventListener("click", async () => {
    await signal(first.media_id, "like", { segmentId: first.segment_id });
    like.setAttribute("aria-pressed", "true");
    like.textContent = "👍 Liked";
  });
  hide.addEventListener("click", async () => {
    await signal(first.media_id, "hide", { segmentId: first.segment_id });
    hide.closest(".result-card")?.classList.add("hidden-by-user");
    hide.textContent = "Shown less";
  });
  return h("div", { class: "personal-actions" }, like, hide,
    h("a", { href: `#/media/${encodeURIComponent(first.media_id)}?similar=1`, class: "more-like-this" }, "More like this"));
}

function show(hits, q, results, status, title) {
  const groups = new Map();
  for (const hit of hits) {
    if (!groups.has(hit.media_id)) groups.set(hit.media_id, []);
    groups.get(hit.media_id).push(hit);
  }
  status.textContent = hits.length
    ? `${title ? `${title}: ` : ""}${hits.length} match${hits.length === 1 ? "" : "es"} in ${groups.size} file${groups.size === 1 ? "" : "s"}`
    : `${title ? `${title}: ` : ""}No matches. Try other words, fewer filters, or check that uploads have finished in the Library.`;
  clear(results, [...groups.values()].map((group) => mediaCard(group, q)));
  results.onclick = (e) => {
    const link = e.target.closest?.("a[href^='#/media/']");
    const card = e.target.closest?.(".result-card");
    if (link && card && !link.classList.contains("more-like-this")) {
      signal(card.dataset.mediaId, "open", { segmentId: link.dataset.segmentId });
    }
  };
}

// One card per group: the metadata value (a product's sku), its best score, and its best hits'
// pictures side by side, each a link to its moment.
function showGroups(groups, q, results, status, title) {
  const prefix = title ? `${title}: ` : "";
  status.textContent = groups.length
    ? `${prefix}${groups.length} ${groups[0].key === "sku" ? "product" : "group"}${groups.length === 1 ? "" : "s"} by ${groups[0].key}`
    : `${prefix}No matches with that metadata key. Try another key, or search without grouping.`;
  clear(results, groups.map((group) => groupCard(group, q)));
}

function groupCard(group, q) {
  const pictures = group.hits.filter((hit) => hit.thumbnail_url || ["image", "video"].includes(hit.kind));
  return h("article", { class: "result-card product-card", dataset: { groupKey: group.key, groupValue: group.value } },
    h("div", { class: "product-pictures" }, pictures.map((hit) => h("a", { href: momentHref(hit), title: hit.filename },
      frameImage(hit.thumbnail_url || urls.artifact(hit.media_id, "thumb.jpg"))))),
    h("div", { class: "result-body" },
      h("h2", {},
        h("span", { class: "group-key" }, `${group.key} `), h("span", { class: "group-value" }, group.value),
        h("span", { class: "badge" }, `best ${group.score > 0 && group.score <= 1 ? `${Math.round(group.score * 100)}%` : group.score.toFixed(3)}`)),
      hitList(group.hits, q)));
}

function mediaCard(group, q) {
  const first = group[0];
  return h("article", { class: "result-card", dataset: { mediaId: first.media_id } },
    thumbnail(first, group),
    h("div", { class: "result-body" },
      h("h2", {},
        h("a", { href: `#/media/${encodeURIComponent(first.media_id)}` }, first.filename),
        h("span", { class: `badge kind-${first.kind}` }, first.kind),
        first.collection && first.collection !== "default" ? h("span", { class: "badge" }, first.collection) : null),
      hitList(group, q),
      personalActions(first)));
}

// The best few hits of a media; the rest behind a button, so one long video does not bury the others.
const SHOWN = 4;
function hitList(group, q) {
  const list = h("ol", { class: "hits" }, group.slice(0, SHOWN).map((hit) => hitItem(hit, q)));
  if (group.length <= SHOWN) return list;
  const more = h("button", { type: "button", class: "ghost small more", "aria-expanded": "false" }, `Show ${group.length - SHOWN} more`);
  more.addEventListener("click", () => {
    list.append(...group.slice(SHOWN).map((hit) => hitItem(hit, q)));
    more.remove();
    list.children[SHOWN]?.querySelector("a")?.focus();
  });
  return [list, more];
}

// The top hit's picture of its moment: the API gives every timed video hit, speech included, the
// keyframe on screen at its second. Without one, an image or video shows its thumb.jpg.
function thumbnail(first, group) {
  let src = first.thumbnail_url;
  if (!src && ["image", "video"].includes(first.kind)) src = urls.artifact(first.media_id, "thumb.jpg");
  const label = first.kind === "document" || first.kind === "text" ? (group.find((x) => x.page) ? where(group.find((x) => x.page)) : first.kind) : first.kind;
  const box = h("a", { class: `thumb kind-${first.kind}`, href: momentHref(first), tabindex: "-1", "aria-hidden": "true" });
  if (src) {
    const img = h("img", { src, alt: "" });
    img.addEventListener("error", () => box.replaceChildren(h("span", { class: "thumb-label" }, label)));
    box.append(img);
    if (first.thumbnail_url && first.start_s != null) box.append(h("span", { class: "thumb-time" }, clock(first.start_s)));
  } else {
    box.append(h("span", { class: "thumb-label" }, label));
  }
  return box;
}

function frameImage(src) {
  const img = h("img", { class: "hit-frame", src, alt: "" });
  img.addEventListener("error", () => img.remove());
  return img;
}

// A code hit: its lines, numbered as in the file and coloured, the lines with the query's words marked.
function codeText(hit, q) {
  const start = hit.line_start ?? 1;
  return codeBlock(hit.text, {
    lineStart: start, language: hit.language || "", marked: matchingLines(hit.text, start, termsPattern(q)),
    label: `${hit.cite || hit.path || ""}${hit.symbol ? ` ${hit.symbol}` : ""}`,
  });
}

function hitItem(hit, q) {
  const place = where(hit);
  if (hit.kind === "code" && hit.modality === "code") {
    return h("li", { class: "code-hit" },
      h("a", { class: "hit", href: momentHref(hit), dataset: { segmentId: hit.segment_id, lineStart: hit.line_start ?? "" } },
        h("span", { class: "hit-where" }, place),
        h("span", { class: "why why-code" }, hit.symbol ? `${hit.meta?.symbol_kind || "code"} ${hit.symbol}` : why(hit))),
      codeText(hit, q));
  }
  const playable = hit.start_s !== null && hit.start_s !== undefined && ["video", "audio"].includes(hit.kind);
  return h("li", {},
    h("a", { class: "hit", href: momentHref(hit), dataset: { segmentId: hit.segment_id, startS: hit.start_s ?? "", page: hit.page ?? "" } },
      h("span", { class: "hit-where" }, playable ? `▶ ${place}` : place || (hit.kind === "image" ? "view" : "read")),
      h("span", { class: `why why-${hit.modality}` }, why(hit)),
      h("span", { class: "hit-text" }, hit.text ? highlight(excerpt(hit.text, q), q) : h("em", {}, `visually similar${hit.score > 0 && hit.score <= 1 ? ` (${Math.round(hit.score * 100)}%)` : ""}`)),
      hit.thumbnail_url ? frameImage(hit.thumbnail_url) : null),
    hit.language ? h("span", { class: "visually-hidden" }, `language ${hit.language}`) : null);
}

