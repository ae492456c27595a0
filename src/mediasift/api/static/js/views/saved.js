// "For you" (#/saved): the user's recommendations, their saved searches with the new media that
// matched each (the badge in the top bar counts them), and buttons to mark them seen or delete.
import { get, post, request } from "../api.js";
import { h, clear, errorBox } from "../dom.js";
import { refreshBadge, user } from "../user.js";

export async function render(root) {
  root.append(h("h1", {}, "For you"));
  if (!user.current()) {
    root.append(h("p", {}, "Pick a user in the top bar (or use a key that belongs to one) to get recommendations and saved searches."));
    return null;
  }
  const recs = h("section", { "aria-label": "Recommendations" }, h("h2", {}, "Recommended"));
  const saved = h("section", { "aria-label": "Saved searches" }, h("h2", {}, "Saved searches"));
  root.append(recs, saved);
  await Promise.all([showRecommendations(recs), showSaved(saved)]);
  return null;
}

async function showRecommendations(section) {
  try {
    const { items } = await get("/v1/recommendations?limit=10");
    section.append(items.length
      ? h("ol", { class: "recommendations" }, items.map((item) => h("li", {},
        h("a", { href: `#/media/${encodeURIComponent(item.media_id)}` }, item.filename), " ",
        h("span", { class: "muted" }, item.reason))))
      : h("p", {}, "Nothing yet: open, play and like results, and recommendations appear here."));
  } catch (err) {
    section.append(errorBox(err));
  }
}

async function showSaved(section) {
  const body = h("div");
  section.append(body);
  const reload = async () => {
    try {
      const { saved_searches: items } = await get("/v1/saved-searches");
      const { alerts } = await get("/v1/saved-searches/alerts");
      clear(body, items.length ? h("ul", { class: "saved-searches" }, items.map((s) => savedItem(s, alerts, reload)))
        : h("p", {}, "No saved searches: search, then “Save this search” to be told when new media match."));
      refreshBadge();
    } catch (err) {
      clear(body, errorBox(err));
    }
  };
  await reload();
}

function savedItem(s, alerts, reload) {
  const mine = alerts.filter((a) => a.saved_search_id === s.id);
  const search = `#/search?q=${encodeURIComponent(s.query)}`;
  return h("li", { dataset: { savedId: s.id } },
    h("a", { href: search }, s.name), " ",
    s.unseen ? h("span", { class: "badge new" }, `${s.unseen} new`) : null,
    mine.length ? h("ul", {}, mine.map((a) => h("li", { class: a.seen ? "seen" : "unseen" },
      h("a", { href: `#/media/${encodeURIComponent(a.media_id)}` }, a.filename)))) : null,
    s.unseen ? h("button", { type: "button", class: "ghost small", onclick: async () => {
      await post(`/v1/saved-searches/${encodeURIComponent(s.id)}/seen`, {});
      await reload();
    } }, "Mark seen") : null,
    h("button", { type: "button", class: "ghost small", onclick: async () => {
      await request(`/v1/saved-searches/${encodeURIComponent(s.id)}`, { method: "DELETE" });
      await reload();
    } }, "Delete"));
}
