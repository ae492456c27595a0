// The single page: a hash router over the views. Each view's render(root, params) may return a
// cleanup function (timers, players), called when the user navigates away.
import { features } from "./api.js";
import { auth } from "./auth.js";
import * as ask from "./views/ask.js";
import * as library from "./views/library.js";
import * as media from "./views/media.js";
import * as ops from "./views/ops.js";
import * as saved from "./views/saved.js";
import { refreshBadge, user } from "./user.js";
import * as search from "./views/search.js";
import * as upload from "./views/upload.js";
import * as workflow from "./views/workflow.js";

const VIEWS = { search, ask, upload, library, ops, media, saved, workflow };
const TITLES = {
  search: "Search", ask: "Ask", upload: "Upload", library: "Library", ops: "Operations", media: "Media",
  saved: "For you", workflow: "Workflows",
};
let cleanup = null;
let current = 0; // the latest navigation; a slower earlier render must not touch the page

function parse() {
  const raw = location.hash.replace(/^#\/?/, "") || "search";
  const [path, qs = ""] = raw.split("?");
  const [name, ...rest] = path.split("/");
  return { name: VIEWS[name] ? name : "search", arg: rest.map(decodeURIComponent).join("/"), params: new URLSearchParams(qs) };
}

async function route() {
  const { name, arg, params } = parse();
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  const token = ++current;
  const view = document.getElementById("view");
  // Each navigation renders into its own container, so a stale render only fills a detached one.
  const root = document.createElement("div");
  view.replaceChildren(root);
  view.dataset.view = name;
  document.title = `${TITLES[name]} · mediasift`;
  for (const a of document.querySelectorAll("nav a[data-view]")) {
    if (a.dataset.view === name) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const stop = await VIEWS[name].render(root, params, arg);
  if (token !== current) {
    if (typeof stop === "function") stop();
    return;
  }
  cleanup = stop;
  // Move focus to the new view for keyboard and screen-reader users, except where the view put
  // it somewhere useful itself (the search box).
  if (!view.contains(document.activeElement)) view.focus({ preventScroll: true });
}

async function start() {
  await auth.init();
  await user.refresh();
  setInterval(refreshBadge, 60_000); // new matches of saved searches arrive as media are ingested
  const f = await features();
  for (const el of document.querySelectorAll("[data-feature]")) el.hidden = !f[el.dataset.feature];
  window.addEventListener("hashchange", route);
  document.addEventListener("keydown", (e) => {
    // "/" jumps to search from anywhere that is not a text field.
    if (e.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName)) {
      e.preventDefault();
      const box = document.getElementById("q");
      if (box) box.focus();
      else location.hash = "#/search";
    }
  });
  await route();
  document.body.dataset.ready = "true";
}

start();
