// What a media is about, on its page: the summary's sentences, labels, keywords and entities from
// its enrichment (GET /v1/media/{id}). Sentences and mentions go to their moment on the same page
// (goTo seeks the player or shows the page); labels and keywords open a search filtered by them.
import { clock, excerpt, h, highlight, momentHref, termsPattern } from "../dom.js";
import { ENTITY_TYPES } from "./facets.js";
import { searchHref } from "./filters.js";

const MOMENTS_SHOWN = 12; // an entity's mentions listed before "Show all"

export function aboutView(media, goTo) {
  const enrichment = media.enrichment;
  const section = (...children) => h("section", { class: "about", id: "about", "aria-labelledby": "about-title" },
    h("h2", { id: "about-title" }, "What it is about"), children);
  if (!enrichment) {
    if (media.status !== "ready") return null; // it comes with processing
    return section(h("p", { class: "muted about-missing" },
      "No summary, keywords, entities or labels yet: this media was processed before enrichment existed, ",
      "or with it turned off. ", h("code", {}, "mediasift reindex --enrich"), " adds them from what was already ",
      "extracted, without processing the file again."));
  }
  const segments = new Map((media.segments || []).map((s) => [s.id, s]));
  const parts = [
    summaryPart(media, segments, goTo),
    h("div", { class: "about-grid" }, labelsPart(media), keywordsPart(media), entitiesPart(media, segments, goTo)),
  ];
  const empty = !media.summary?.length && !media.labels?.length && !media.keywords?.length && !media.entities?.length;
  if (empty && !enrichment.error) return null; // nothing to say (no text in it): no empty box
  return section(
    empty ? null : parts,
    enrichment.error ? h("p", { class: "error-text", role: "note" },
      `Enrichment failed (${enrichment.error}); the media is searchable all the same. `,
      h("code", {}, "mediasift reindex --enrich"), " tries again.") : null,
    enrichment.notes?.length ? h("p", { class: "muted small" }, enrichment.notes.join("; ")) : null);
}

// A link to a moment of this media: a real href (it opens in a new tab, it can be shared) that on a
// plain click goes there on this page instead of loading it again.
function momentLink(media, where, goTo, ...children) {
  return h("a", {
    class: "moment", href: momentHref({ ...where, media_id: media.id }),
    dataset: { seg: where.segment_id, startS: where.start_s ?? "", page: where.page ?? "" },
    onclick: (e) => {
      if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      goTo(where);
    },
  }, children);
}

function place(media, where, n) {
  if (where.start_s !== null && where.start_s !== undefined) return clock(where.start_s);
  if (where.page) return `${/\.(pptx?|odp|key)$/i.test(media.filename) ? "slide" : "p."} ${where.page}`;
  return n === undefined ? "" : `#${n + 1}`;
}

// --- the second within a speech segment ------------------------------------------------------------
// A speech segment is a 15–30 s chunk whose start is all an occurrence or a summary sentence
// carries; its meta.parts are the recogniser's timed pieces, joined with spaces into its text.
// So a place in the text (a character offset) maps to the start of the part holding it, the
// second those words are said, as search hits do (services/moment.py).

function partOffsets(segment) {
  const parts = segment?.meta?.parts;
  if (!Array.isArray(parts) || !segment.text) return [];
  const out = [];
  let cursor = 0;
  for (const part of parts) {
    const text = (part.text || "").trim();
    const at = text && part.start_s != null ? segment.text.indexOf(text, cursor) : -1;
    if (at < 0) continue;
    out.push({ at, start_s: part.start_s });
    cursor = at + text.length;
  }
  return out;
}

// The where (segment, second, page) of a place in the segment's text: the part's second when known.
function whereAt(where, segment, offset) {
  let start = null;
  for (const p of partOffsets(segment)) if (p.at <= offset) start = p.start_s;
  return start === null ? where : { ...where, start_s: start };
}

// Every place the entity is written in the text: the exact spelling first, else its words.
function mentionOffsets(text, entityText) {
  const exact = new RegExp(entityText.trim().replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s+"), "giu");
  let found = [...text.matchAll(exact)].map((m) => m.index);
  if (!found.length) {
    const words = termsPattern(entityText);
    found = words ? [...text.matchAll(words)].map((m) => m.index) : [];
  }
  return found;
}

// A window of text around a character offset.
function around(text, at, max = 140) {
  if (text.length <= max) return text;
  const start = Math.max(0, Math.min(at - Math.floor(max / 3), text.length - max));
  const end = Math.min(text.length, start + max);
  return `${start > 0 ? "…" : ""}${text.slice(start, end).trim()}${end < text.length ? "…" : ""}`;
}

// --- the parts ---------------------------------------------------------------------------------

function summaryPart(media, segments, goTo) {
  if (!media.summary?.length) return null;
  const at = (s) => {
    const segment = segments.get(s.segment_id);
    const offset = segment?.text ? segment.text.indexOf(s.text.slice(0, 40)) : -1;
    return offset >= 0 ? whereAt(s, segment, offset) : s;
  };
  return h("div", { class: "about-summary" },
    h("h3", {}, "Summary"),
    h("ol", { class: "summary" }, media.summary.map((s) => {
      const where = at(s);
      return h("li", {}, momentLink(media, where, goTo,
        place(media, where) ? h("span", { class: "line-time" }, place(media, where)) : null, h("span", {}, s.text)));
    })));
}

function labelsPart(media) {
  if (!media.labels?.length) return null;
  return h("div", { class: "about-labels" },
    h("h3", {}, "Labels"),
    h("ul", { class: "labels" }, media.labels.map((l) => h("li", {},
      h("a", {
        href: searchHref({ q: l.label, label: [`${l.taxonomy}:${l.label}`] }),
        dataset: { label: `${l.taxonomy}:${l.label}` },
        "aria-label": `${l.taxonomy}: ${l.label}, score ${l.score.toFixed(2)}; search media with this label`,
      }, h("span", { class: "label-taxonomy" }, l.taxonomy), " ", l.label),
      h("meter", { min: 0, max: 1, value: l.score, "aria-hidden": "true" }),
      h("span", { class: "label-score", "aria-hidden": "true" }, l.score.toFixed(2))))));
}

function keywordsPart(media) {
  if (!media.keywords?.length) return null;
  return h("div", { class: "about-keywords" },
    h("h3", {}, "Keywords"),
    h("ul", { class: "tags keywords" }, media.keywords.map((k) => h("li", {},
      h("a", { href: searchHref({ q: k.text, keyword: [k.text] }), title: `relevance ${k.score.toFixed(2)}` }, k.text)))));
}

function entitiesPart(media, segments, goTo) {
  if (!media.entities?.length) return null;
  const byType = new Map();
  for (const e of media.entities) {
    if (!byType.has(e.type)) byType.set(e.type, []);
    byType.get(e.type).push(e);
  }
  const order = [...Object.keys(ENTITY_TYPES), ...byType.keys()].filter((t, i, all) => byType.has(t) && all.indexOf(t) === i);
  return h("div", { class: "about-entities" },
    h("h3", {}, "Entities"),
    order.map((type) => h("div", { class: "entity-group", dataset: { type } },
      h("h4", {}, ENTITY_TYPES[type] || type),
      h("ul", { class: "entities" }, byType.get(type).map((e) => h("li", {}, entityItem(media, e, segments, goTo)))))));
}

// An entity opens to the list of its mentions, each a link to its moment with the words around it:
// every part of a speech segment that says it, else the segment (a page, a paragraph).
function mentions(entity, segments) {
  const out = [];
  for (const o of entity.occurrences) {
    const text = segments.get(o.segment_id)?.text || "";
    const offsets = mentionOffsets(text, entity.text);
    if (!offsets.length) {
      out.push({ where: o, text: text ? excerpt(text, entity.text, 140) : entity.text });
      continue;
    }
    const seen = new Set();
    for (const offset of offsets) {
      const where = whereAt(o, segments.get(o.segment_id), offset);
      if (seen.has(where.start_s)) continue; // one link per second said (per part)
      seen.add(where.start_s);
      out.push({ where, text: around(text, offset) });
    }
  }
  return out;
}

function entityItem(media, entity, segments, goTo) {
  const all = mentions(entity, segments);
  const n = all.length;
  const mention = ({ where, text }, i) => h("li", {}, momentLink(media, where, goTo,
    h("span", { class: "line-time" }, place(media, where, i)),
    h("span", {}, highlight(text, entity.text))));
  const list = h("ol", { class: "moments" }, all.slice(0, MOMENTS_SHOWN).map(mention));
  let more = null;
  if (n > MOMENTS_SHOWN) {
    more = h("button", { type: "button", class: "ghost small more" }, `Show all ${n}`);
    more.addEventListener("click", () => {
      list.append(...all.slice(MOMENTS_SHOWN).map((m, i) => mention(m, i + MOMENTS_SHOWN)));
      more.remove();
      list.children[MOMENTS_SHOWN]?.querySelector("a")?.focus();
    });
  }
  return h("details", { class: "entity", dataset: { type: entity.type, text: entity.text } },
    h("summary", {}, h("span", { class: "entity-text" }, entity.text), " ",
      h("span", { class: "muted small" }, `${n} mention${n === 1 ? "" : "s"}`)),
    list, more,
    h("a", { class: "small", href: searchHref({ q: entity.text, entity: [`${entity.type}:${entity.text}`] }) },
      `Other media naming ${entity.text}`));
}
