// API keys: asked for when the server answers 401, kept in sessionStorage (this tab only), and
// handed to the service worker so that <video>, <img> and <track> requests carry them too.
const USER = "mediasift.key";
const ADMIN = "mediasift.adminKey";

let pending = null; // one dialog at a time; concurrent 401s wait for the same answer

function dialog() {
  return document.getElementById("key-dialog");
}

async function registerWorker() {
  if (!("serviceWorker" in navigator) || !auth.key()) return;
  try {
    await navigator.serviceWorker.register("/static/sw.js", { scope: "/" });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      // First registration: wait (briefly) until the worker controls this page (clients.claim).
      await new Promise((resolve) => {
        navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true });
        setTimeout(resolve, 3000);
      });
    }
  } catch (err) {
    console.warn("service worker unavailable; media bytes will not carry the key", err);
  }
}

// The worker asks the page for the key when it needs one (it has no sessionStorage of its own).
navigator.serviceWorker?.addEventListener("message", (event) => {
  if (event.data?.type === "mediasift-key?") event.ports[0]?.postMessage({ key: auth.key() });
});

export const auth = {
  key: () => sessionStorage.getItem(USER) || "",
  adminKey: () => sessionStorage.getItem(ADMIN) || "",
  setKey(value) {
    if (value) sessionStorage.setItem(USER, value);
    else sessionStorage.removeItem(USER);
    refreshButton();
    return registerWorker();
  },
  setAdminKey(value) {
    if (value) sessionStorage.setItem(ADMIN, value);
    else sessionStorage.removeItem(ADMIN);
  },
  // Opens the key dialog; resolves true when the user gave a key to try.
  ask(which = "user", reason = "") {
    pending ??= new Promise((resolve) => {
      const dlg = dialog();
      const input = document.getElementById("key-input");
      document.getElementById("key-dialog-title").textContent = which === "admin" ? "Admin key needed" : "API key needed";
      if (reason) {
        const text = reason.charAt(0).toUpperCase() + reason.slice(1);
        document.getElementById("key-dialog-reason").textContent = `${text}. The key is kept in this browser tab only.`;
      }
      input.value = "";
      let settled = false;
      const done = (value) => {
        if (settled) return;
        settled = true;
        pending = null;
        if (dlg.open) dlg.close();
        resolve(value);
      };
      dlg.onclose = () => done(false);
      document.getElementById("key-form").onsubmit = async (e) => {
        e.preventDefault();
        const value = input.value.trim();
        if (which === "admin") auth.setAdminKey(value);
        else await auth.setKey(value);
        done(Boolean(value));
      };
      document.getElementById("key-cancel").onclick = () => done(false);
      document.getElementById("key-forget").onclick = () => {
        auth.setKey("");
        auth.setAdminKey("");
        done(false);
      };
      dlg.showModal();
      input.focus();
    });
    return pending;
  },
  init() {
    refreshButton();
    document.getElementById("key-button").addEventListener("click", () => auth.ask("user"));
    return registerWorker();
  },
};

function refreshButton() {
  const button = document.getElementById("key-button");
  if (!button) return;
  button.hidden = !auth.key();
  button.textContent = auth.key() ? "API key ✓" : "API key";
}
