// A search's state as the URL hash holds it (#/search?q=…&kind=…&label=…&label=…), and the
// filters the API takes from it. Search, its facets and the media page's links all write it here.
import { query } from "../api.js";

export const SINGLE = ["q", "kind", "collection", "language", "path", "from", "to", "group_by"];
// What a media is about: repeatable filters, each value as /v1/facets writes it (taxonomy:label,
// TYPE:text, a keyword). Values of one are alternatives (any of them); different filters all apply.
export const ABOUT = ["label", "entity", "keyword"];
// Spoken and written languages, and the programming languages code search knows.
export const LANGUAGES = {
  en: "English", es: "Spanish", python: "Python", javascript: "JavaScript", typescript: "TypeScript", go: "Go",
  rust: "Rust", java: "Java", c: "C", cpp: "C++", sql: "SQL", shell: "Shell",
};

export function stateFrom(params) {
  return {
    ...Object.fromEntries(SINGLE.map((k) => [k, params.get(k) || ""])),
    ...Object.fromEntries(ABOUT.map((k) => [k, params.getAll(k).filter(Boolean)])),
  };
}

export function searchHref(state) {
  return `#/search?${query(state)}`;
}

// The filters a search of this state sends, all but its words: /v1/search and /v1/facets take the same.
export function filterParams(state) {
  return {
    kind: state.kind, collection: state.collection, language: state.language, path: state.path, ...addedWindow(state),
    ...Object.fromEntries(ABOUT.map((k) => [k, state[k] || []])),
  };
}

// The date inputs are local days; the API takes instants, so send the local day's bounds in UTC.
export function addedWindow({ from, to }) {
  const out = {};
  if (from) out.added_after = new Date(`${from}T00:00:00`).toISOString();
  if (to) out.added_before = new Date(`${to}T23:59:59.999`).toISOString();
  return out;
}
