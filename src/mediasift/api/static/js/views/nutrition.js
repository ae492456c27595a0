// A media's nutrition on its page (GET /v1/media/{id}/nutrition): each food with its amount,
// nutrients and evidence — every evidence a link to the player at its second — then the totals and
// the values per serving. A row can be corrected (PATCH): another food of the table (searched in
// /v1/foods), another amount, or "not in this media"; the totals recompute on the server.
// Not analysed yet: one line with a button that queues the analysis (POST) and waits for it.
import { ApiError, get, post, request } from "../api.js";
import { clear, clock, h, momentHref, toast } from "../dom.js";
import { jobLine, watchJob } from "./jobs.js";

const COLUMNS = [["kcal", "kcal"], ["protein_g", "Protein g"], ["fat_g", "Fat g"], ["carbs_g", "Carbs g"], ["fiber_g", "Fibre g"]];
const SOURCE = { speech: "said", ocr: "on screen", text: "written", frame: "seen" };

export function nutritionView(media, goTo) {
  const section = h("section", { class: "about nutrition", id: "nutrition", "aria-labelledby": "nutrition-title" },
    h("h2", { id: "nutrition-title" }, "Nutrition"));
  const body = h("div", { class: "nutrition-body", "aria-live": "polite" }, h("p", { class: "muted" }, "Loading…"));
  section.append(body);
  const stops = [];
  const path = `/v1/media/${encodeURIComponent(media.id)}/nutrition`;

  const notAnalysed = () => clear(body, h("p", { class: "muted" }, "Not analysed for nutrition. ",
    h("button", { type: "button", class: "ghost", onclick: analyse }, "Analyse nutrition")));
  const load = async () => {
    // A ready media never analysed (the media says so) has nothing to fetch: asking would be a 404
    // in the browser's console on every media page.
    if (media.nutrition === "none" && media.status === "ready" && !analysing) return notAnalysed();
    try {
      show(await get(path));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 409) {
        clear(body, h("p", { class: "muted" }, "Analysing what is eaten or cooked in it… ", err.message));
        setTimeout(load, 2000);
      } else if (err.status === 404 && media.status === "ready") {
        notAnalysed();
      } else {
        section.hidden = true;
      }
    }
  };
  let analysing = false; // once asked for, the results are fetched whatever the media said
  const analyse = async () => {
    analysing = true;
    try {
      const job = await post(path);
      const line = h("p", { class: "job-line" });
      clear(body, line);
      stops.push(watchJob(job.id, (j) => {
        clear(line, jobLine(j));
        if (j.status === "succeeded") load();
        if (j.status === "dead" || j.status === "cancelled") toast(`Nutrition analysis ${j.status}: ${j.error || ""}`, "error");
      }));
    } catch (err) {
      toast(err.message, "error");
    }
  };
  const show = (results) => clear(body, table(media, results, goTo, correct), notes(results, correct));
  const correct = async (patch) => {
    try {
      show(await request(path, { method: "PATCH", json: patch }));
      toast("Corrected; totals recomputed.");
    } catch (err) {
      toast(err.message, "error");
    }
  };
  load();
  return { section, stop: () => stops.forEach((s) => s && s()) };
}

function table(media, results, goTo, correct) {
  const per = results.servings > 1 ? `per serving (${results.servings})` : "per serving";
  const rows = results.foods.map((food) => foodRow(media, food, goTo, correct));
  return h("div", { class: "table-wrap" }, h("table", { class: "nutrition-table" },
    h("caption", { class: "muted small" }, results.foods.length
      ? `${results.foods.length} foods; nutrients are the food table's values × the amount` : "No food found in this media."),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Food"), h("th", { scope: "col" }, "Amount g"),
      COLUMNS.map(([, label]) => h("th", { scope: "col" }, label)), h("th", { scope: "col", class: "evidence" }, "Evidence"), h("th", {}, ""))),
    h("tbody", {}, rows),
    h("tfoot", {},
      h("tr", {}, h("th", { scope: "row" }, "Total"), h("td", {}), COLUMNS.map(([k]) => h("td", {}, num(results.totals[k]))), h("td", {}), h("td", {})),
      h("tr", { class: "per-serving" }, h("th", { scope: "row" }, per), h("td", {}),
        COLUMNS.map(([k]) => h("td", {}, num(results.per_serving[k]))), h("td", {}), h("td", {})))));
}

function foodRow(media, food, goTo, correct) {
  const nutrients = food.nutrients || {};
  const name = h("span", {}, food.name, food.name_es ? h("span", { class: "muted small" }, ` · ${food.name_es}`) : null,
    food.status === "unmatched" ? h("span", { class: "badge" }, "not in table") : null,
    food.corrected ? h("span", { class: "badge", title: detected(food) }, "corrected") : null);
  const row = h("tr", { dataset: { key: food.key } },
    h("th", { scope: "row" }, name),
    h("td", { title: food.amount_text || food.amount_basis }, num(food.amount_g)),
    COLUMNS.map(([k]) => h("td", {}, num(nutrients[k]))),
    h("td", { class: "evidence" }, evidenceLinks(media, food, goTo)),
    h("td", {}, h("button", { type: "button", class: "ghost", "aria-label": `Correct ${food.name}`,
      onclick: () => row.after(editor(food, correct, () => row.nextElementSibling?.remove())) }, "Correct")));
  return row;
}

function evidenceLinks(media, food, goTo) {
  const seen = new Set();
  const links = [];
  for (const e of food.evidence) {
    const label = `${e.start_s !== null && e.start_s !== undefined ? `${clock(e.start_s)} ` : ""}${SOURCE[e.source] || e.source}`;
    if (seen.has(label)) continue;
    seen.add(label);
    if (e.start_s === null || e.start_s === undefined) {
      links.push(h("span", { title: e.text }, label));
      continue;
    }
    const where = { media_id: media.id, start_s: e.start_s };
    links.push(h("a", { class: "moment", href: momentHref(where), title: e.text, onclick: (ev) => {
      if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      goTo(where);
    } }, label));
  }
  return links.flatMap((l, i) => (i ? [", ", l] : [l]));
}

// The correction form, in a row under the food: another food (a search of the table), another
// amount, or not in this media; "Undo corrections" drops this row's corrections.
function editor(food, correct, close) {
  const listId = `foods-${Math.random().toString(36).slice(2)}`;
  const options = h("datalist", { id: listId });
  const choice = new Map();
  const foodInput = h("input", { type: "search", placeholder: "Another food (English or Spanish)", list: listId,
    "aria-label": "Food", oninput: async () => {
      const q = foodInput.value.trim();
      if (q.length < 2) return;
      const found = await get(`/v1/foods?q=${encodeURIComponent(q)}&limit=10`);
      choice.clear();
      clear(options, found.foods.map((f) => {
        const label = f.name_es ? `${f.name} (${f.name_es})` : f.name;
        choice.set(label, f.food_id);
        return h("option", { value: label });
      }));
    } });
  const amount = h("input", { type: "number", min: "1", max: "5000", step: "any", value: food.amount_g ?? "",
    "aria-label": "Amount in grams" });
  const removed = h("input", { type: "checkbox", checked: Boolean(food.removed) });
  const save = (e) => {
    e.preventDefault();
    const patch = { key: food.key };
    const picked = foodInput.value.trim();
    if (picked) {
      if (choice.has(picked)) patch.food_id = choice.get(picked);
      else patch.name = picked;
    }
    if (amount.value && Number(amount.value) !== food.amount_g) patch.amount_g = Number(amount.value);
    if (removed.checked) patch.removed = true;
    if (Object.keys(patch).length === 1) { close(); return; }
    correct(patch);
  };
  const form = h("form", { class: "nutrition-editor", onsubmit: save },
    foodInput, options, h("label", {}, "Grams ", amount), h("label", {}, removed, " Not in this media"),
    h("button", { type: "submit", class: "primary" }, "Save"),
    food.corrected ? h("button", { type: "button", class: "ghost", onclick: () => correct({ key: food.key, reset: true }) }, "Undo corrections") : null,
    h("button", { type: "button", class: "ghost", onclick: close }, "Cancel"));
  return h("tr", { class: "editor-row" }, h("td", { colspan: String(COLUMNS.length + 4) }, form));
}

function notes(results, correct) {
  const removed = results.removed_foods || [];
  return [
    removed.length ? h("p", { class: "muted small" }, "Removed by you: ", removed.map((f) => [
      f.name, " ", h("button", { type: "button", class: "ghost", onclick: () => correct({ key: f.key, removed: false }) }, "put back"), " "])) : null,
    h("p", { class: "muted small" }, results.servings_stated ? `${results.servings} servings, as the media says or you corrected.`
      : "Servings not stated: counted as 1.", " Food table: ", results.model_versions.food_table || ""),
  ];
}

function detected(food) {
  const was = food.detected || {};
  return `Detected: ${was.name || "?"}${was.amount_g !== null && was.amount_g !== undefined ? `, ${num(was.amount_g)} g` : ""}`;
}

function num(v) {
  if (v === null || v === undefined) return "–";
  return Math.abs(v) >= 10 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString();
}
