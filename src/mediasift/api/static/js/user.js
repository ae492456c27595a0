// Who the page acts as, for personalization: in open mode a user picked in the switcher (kept in
// localStorage, sent as X-Mediasift-User by api.js); with a key, the key's user. Signals (open,
// play, like, hide) go to /v1/feedback only when there is a user; the saved-search badge counts
// the user's unseen alerts.
import { get, post } from "./api.js";
import { h, clear } from "./dom.js";

const KEY = "mediasift.user";
const KNOWN = "mediasift.users";
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
let me = { user: null, key_user: false, open_mode: true };

export const user = {
  current: () => me.user,
  async refresh() {
    try { me = await get("/v1/users/me"); } catch { me = { user: null, key_user: false, open_mode: false }; }
    renderBox();
    refreshBadge();
    return me;
  },
};

// Best effort: a signal that fails (rate limit, a media deleted meanwhile) must not break the page.
export function signal(mediaId, kind, { value, segmentId } = {}) {
  if (!me.user) return Promise.resolve(null);
  const body = { media_id: mediaId, signal: kind };
  if (value !== undefined) body.value = value;
  if (segmentId) body.segment_id = segmentId;
  return post("/v1/feedback", body).catch(() => null);
}

export async function refreshBadge() {
  const badge = document.getElementById("saved-badge");
  if (!badge) return;
  if (!me.user) { badge.hidden = true; return; }
  try {
    const { unseen } = await get("/v1/saved-searches");
    badge.textContent = String(unseen);
    badge.hidden = unseen === 0;
    badge.setAttribute("aria-label", `${unseen} new match${unseen === 1 ? "" : "es"} for your saved searches`);
  } catch { badge.hidden = true; }
}

function renderBox() {
  const box = document.getElementById("user-box");
  if (!box) return;
  if (!me.open_mode) {
    clear(box, me.user ? h("span", { class: "user-name", title: "The user of this API key" }, `User: ${me.user}`) : null);
    return;
  }
  const known = JSON.parse(localStorage.getItem(KNOWN) || "[]");
  const input = h("input", {
    id: "user-input", list: "user-list", value: me.user || "", placeholder: "who are you?",
    "aria-label": "User (open mode): personalizes search for them", size: 12, spellcheck: "false",
  });
  const form = h("form", { class: "user-switcher", onsubmit: async (e) => {
    e.preventDefault();
    const value = input.value.trim();
    if (value && !USER_ID.test(value)) {
      input.setCustomValidity("1-64 letters, digits, _ - . @");
      input.reportValidity();
      return;
    }
    input.setCustomValidity("");
    if (value) {
      localStorage.setItem(KEY, value);
      localStorage.setItem(KNOWN, JSON.stringify([value, ...known.filter((k) => k !== value)].slice(0, 10)));
    } else localStorage.removeItem(KEY);
    await user.refresh();
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } },
  h("label", { for: "user-input" }, "User"), input,
  h("datalist", { id: "user-list" }, known.map((k) => h("option", { value: k }))),
  h("button", { type: "submit", class: "ghost small" }, "Switch"));
  clear(box, form);
}
