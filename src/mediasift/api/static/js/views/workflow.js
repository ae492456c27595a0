// A collection's workflow: load it into an editor, check it as it is typed with the server's own
// validation (PUT ?dry_run=true: every problem with its line), and save it as a new version.
import { request } from "../api.js";
import { clear, date, h, toast } from "../dom.js";

const CHECK_DELAY_MS = 400;
const YAML = "application/yaml";

export async function render(root, _params, arg) {
  const nameInput = h("input", { id: "wf-collection", name: "collection", required: true, spellcheck: "false", value: arg || "" });
  const editor = h("textarea", { id: "wf-editor", rows: "18", spellcheck: "false", "aria-label": "Workflow document (YAML or JSON)", class: "code" });
  const state = h("p", { id: "wf-state", class: "muted", role: "status" });
  const problems = h("ul", { id: "wf-errors", class: "errors", "aria-live": "polite" });
  const steps = h("ol", { id: "wf-steps", class: "steps" });
  const save = h("button", { type: "button", id: "wf-save", class: "primary", disabled: true }, "Save");
  let timer = null;
  let checked = 0;

  const path = () => `/v1/collections/${encodeURIComponent(nameInput.value.trim())}/workflow`;
  const showSteps = (list) => clear(steps, ...list.map((s) => h("li", {},
    h("code", {}, s.key), s.needs.length ? h("span", { class: "muted" }, ` after ${s.needs.join(", ")}`) : "")));

  const load = async () => {
    if (!nameInput.value.trim()) return;
    location.hash = `#/workflow/${encodeURIComponent(nameInput.value.trim())}`;
    try {
      const wf = await request(path());
      editor.value = wf.source;
      state.textContent = wf.default ? "No workflow set: this is the default one (version 0)."
        : `Version ${wf.version}, saved ${date(wf.created_at)}.`;
      clear(problems);
      showSteps(wf.steps);
      save.disabled = false;
    } catch (err) {
      state.textContent = err.message;
    }
  };

  const check = async () => {
    const mine = ++checked;
    try {
      const result = await request(`${path()}?dry_run=true`, { method: "PUT", text: editor.value, contentType: YAML });
      if (mine !== checked) return;
      clear(problems);
      showSteps(result.steps);
      save.disabled = false;
    } catch (err) {
      if (mine !== checked) return;
      const listed = err.errors.length ? err.errors : [{ path: "", line: null, message: err.message }];
      clear(problems, ...listed.map((e) => h("li", { class: "error" },
        e.line ? h("strong", {}, `line ${e.line}`) : "", e.line ? " " : "", e.path ? h("code", {}, e.path) : "",
        e.path ? ": " : "", e.message)));
      save.disabled = true;
    }
  };

  editor.addEventListener("input", () => {
    clearTimeout(timer);
    save.disabled = true;
    timer = setTimeout(check, CHECK_DELAY_MS);
  });
  save.addEventListener("click", async () => {
    try {
      const wf = await request(path(), { method: "PUT", text: editor.value, contentType: YAML });
      state.textContent = `Saved as version ${wf.version}. Media added from now on run it; ` +
        "`mediasift workflow apply --rerun-changed` brings the others up to it.";
      showSteps(wf.steps);
      toast(`Workflow of ${wf.collection}: version ${wf.version}`);
    } catch (err) {
      state.textContent = err.message;
    }
  });

  root.append(
    h("h1", {}, "Workflows"),
    h("p", { class: "muted" }, "What happens to media added to a collection. ",
      h("a", { href: "/docs" }, "API"), " · schema: docs/schemas/workflow-v1.schema.json"),
    h("form", { class: "field inline", "aria-label": "Collection", onsubmit: (e) => { e.preventDefault(); load(); } },
      h("label", { for: "wf-collection" }, "Collection"), nameInput,
      h("button", { type: "submit", class: "ghost", id: "wf-load" }, "Load")),
    state, editor, problems, h("div", { class: "actions" }, save),
    h("h2", {}, "Steps"), steps);
  if (arg) await load();
  return () => clearTimeout(timer);
}
