// The facets beside search results: how many media carry each label, entity, keyword, language and
// kind (GET /v1/facets, one request per field), and the active filters as removable chips.
// A facet value is a search filter as it is: clicking one adds it to the URL and searches again.
import { features, get, query } from "../api.js";
import { clear, h } from "../dom.js";
import { ABOUT, LANGUAGES, filterParams } from "./filters.js";

// Facet field → the search filter it becomes, in the order the panel shows them.
const FIELDS = [
  { field: "labels", param: "label", title: "Labels" },
  { field: "entities", param: "entity", title: "Entities" },
  { field: "keywords", param: "keyword", title: "Keywords" },
  { field: "language", param: "language", title: "Language" },
  { field: "kind", param: "kind", title: "Kind" },
];
export const ENTITY_TYPES = {
  PER: "People", ORG: "Organisations", LOC: "Places", DATE: "Dates",
  QUANTITY: "Quantities", PRODUCT: "Products", MISC: "Other",
};
const ENTITY_ONE = {
  PER: "Person", ORG: "Organisation", LOC: "Place", DATE: "Date", QUANTITY: "Quantity", PRODUCT: "Product", MISC: "Entity",
};
const PER_FIELD = 20; // values asked for per field
const SHOWN = 6; // values shown per group before "Show more"

// Where focus goes once the search the user asked for has re-rendered the page: the facet they
// clicked ("facet:<param>:<value>") or the chips ("chips"), so keyboard users keep their place.
let refocus = null;
export function takeRefocus(key) {
  if (refocus !== key) return false;
  refocus = null;
  return true;
}

// The state with one filter value added, or removed when it is there. Label, entity and keyword
// hold several values (any of them matches); kind and language one, as the form's selects do.
function toggled(state, param, value) {
  if (ABOUT.includes(param)) {
    const now = state[param] || [];
    return { ...state, [param]: now.includes(value) ? now.filter((v) => v !== value) : [...now, value] };
  }
  return { ...state, [param]: state[param] === value ? "" : value };
}

// --- chips ------------------------------------------------------------------------------------

function chipText(param, value) {
  const [head, ...rest] = value.split(":");
  const tail = rest.join(":");
  switch (param) {
    case "label": return ["Label", `${head}: ${tail}`];
    case "entity": return [ENTITY_ONE[head] || head, tail];
    case "keyword": return ["Keyword", value];
    case "language": return ["Language", LANGUAGES[value] || value];
    case "kind": return ["Kind", value];
    case "collection": return ["Collection", value];
    case "from": return ["Added from", value];
    case "to": return ["Added until", value];
    default: return [param, value];
  }
}

// Every active filter as a chip that removes it; null when there is none.
export function activeChips(state, go) {
  const active = [];
  for (const param of ["kind", "language", "collection", "from", "to"]) if (state[param]) active.push([param, state[param]]);
  for (const param of ABOUT) for (const value of state[param] || []) active.push([param, value]);
  if (!active.length) return null;
  const remove = (param, value) => {
    refocus = "chips";
    go(ABOUT.includes(param) ? toggled(state, param, value) : { ...state, [param]: "" });
  };
  const clearAll = () => {
    refocus = "chips";
    go({ q: state.q });
  };
  return h("div", { class: "chips", id: "active-filters" },
    h("h2", { class: "visually-hidden" }, "Active filters"),
    h("ul", {}, active.map(([param, value]) => {
      const [name, text] = chipText(param, value);
      return h("li", {}, h("button", {
        type: "button", class: "chip", dataset: { param, value },
        "aria-label": `Remove filter ${name}: ${text}`, onclick: () => remove(param, value),
      }, h("span", { class: "chip-name" }, name), " ", text, h("span", { class: "chip-x", "aria-hidden": "true" }, " ×")));
    }),
    active.length > 1 ? h("li", {}, h("button", { type: "button", class: "ghost small", onclick: clearAll }, "Clear all")) : null));
}

// --- the panel ----------------------------------------------------------------------------------

// Fill the panel with the facets of the state's filters. Within one field values are alternatives,
// so each field is counted without its own selection (the other fields' filters all apply): its
// other values stay visible, with the media each would add.
export async function loadFacets(panel, state, go) {
  if (!(await features()).paths.includes("/v1/facets")) return;
  const groups = h("div", { class: "facet-groups", id: "facet-groups" }, h("p", { class: "muted" }, "Counting…"));
  const toggle = h("button", {
    type: "button", class: "ghost facets-toggle", "aria-expanded": "false", "aria-controls": "facet-groups",
  }, "Refine results");
  toggle.addEventListener("click", () => {
    const open = panel.dataset.open !== "true";
    panel.dataset.open = String(open);
    toggle.setAttribute("aria-expanded", String(open));
  });
  clear(panel, h("h2", { class: "facets-title" }, "Refine"), toggle, groups);
  panel.hidden = false;
  panel.setAttribute("aria-busy", "true");
  const base = filterParams(state);
  const answers = await Promise.all(FIELDS.map(async (f) => {
    const params = { ...base, [f.param]: undefined, field: f.field, limit: PER_FIELD };
    try {
      return { ...f, answer: await get(`/v1/facets?${query(params)}`) };
    } catch (err) {
      return { ...f, error: err };
    }
  }));
  panel.setAttribute("aria-busy", "false");
  const pick = (param, value) => {
    refocus = `facet:${param}:${value}`;
    go(toggled(state, param, value));
  };
  const sections = answers.map((a) => fieldSection(a, state, pick)).filter(Boolean);
  const failed = answers.find((a) => a.error);
  clear(groups,
    sections.length ? sections : h("p", { class: "muted" }, "Nothing to count among these media yet."),
    failed ? h("p", { class: "error-text small" }, `Some counts are missing: ${failed.error.message}`) : null,
    answers.some((a) => a.answer?.truncated) ? h("p", { class: "muted small" }, "Counted over the most recently added media only.") : null,
    h("p", { class: "muted small" }, "Counts are media matching the filters, whatever the words."));
  if (refocus?.startsWith("facet:")) {
    const key = refocus;
    refocus = null;
    const button = [...groups.querySelectorAll("button.facet")].find((b) => `facet:${b.dataset.param}:${b.dataset.value}` === key);
    if (button) {
      if (getComputedStyle(groups).display === "none") toggle.click(); // narrow screen: reopen the panel
      button.focus();
    }
  }
}

function fieldSection({ field, param, title, answer }, state, pick) {
  const values = answer?.values || [];
  if (!values.length) return null;
  const selected = (value) => (ABOUT.includes(param) ? (state[param] || []).includes(value) : state[param] === value);
  const button = ({ value, count }, text) => h("button", {
    type: "button", class: "facet", dataset: { param, value }, "aria-pressed": String(selected(value)),
    onclick: () => pick(param, value),
  }, h("span", { class: "facet-name" }, text), " ",
  h("span", { class: "facet-count" }, String(count), h("span", { class: "visually-hidden" }, " media")));
  // The active values first, so "Show more" never hides one.
  const ordered = [...values.filter((v) => selected(v.value)), ...values.filter((v) => !selected(v.value))];
  let parts;
  if (field === "labels" || field === "entities") {
    // "taxonomy:label" by taxonomy, "TYPE:text" by type (in the order of ENTITY_TYPES).
    const by = new Map();
    for (const v of ordered) {
      const cut = v.value.indexOf(":");
      const group = v.value.slice(0, cut);
      if (!by.has(group)) by.set(group, []);
      by.get(group).push([v, v.value.slice(cut + 1)]);
    }
    const order = field === "entities" ? Object.keys(ENTITY_TYPES).filter((t) => by.has(t)) : [...by.keys()].sort();
    parts = order.map((group) => h("div", { class: "facet-subgroup" },
      h("h4", {}, field === "entities" ? ENTITY_TYPES[group] || group : group),
      valueList(by.get(group), button)));
  } else {
    const text = (v) => (field === "language" ? LANGUAGES[v] || v : v);
    parts = valueList(ordered.map((v) => [v, text(v.value)]), button);
  }
  return h("section", { class: "facet-group", dataset: { field } }, h("h3", {}, title), parts);
}

function valueList(items, button) {
  const list = h("ul", { class: "facet-values" }, items.slice(0, SHOWN).map(([v, text]) => h("li", {}, button(v, text))));
  if (items.length <= SHOWN) return list;
  const more = h("button", { type: "button", class: "ghost small more" }, `Show ${items.length - SHOWN} more`);
  more.addEventListener("click", () => {
    list.append(...items.slice(SHOWN).map(([v, text]) => h("li", {}, button(v, text))));
    more.remove();
    list.children[SHOWN]?.querySelector("button")?.focus();
  });
  return [list, more];
}
