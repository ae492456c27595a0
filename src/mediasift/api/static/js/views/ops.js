// Operations: queue depth, running jobs, the dead-letter list with retry, and model status.
// Uses the admin key when one is set (it is asked for when an admin route answers 401/403).
import { features, get, post } from "../api.js";
import { auth } from "../auth.js";
import { clear, clock, date, errorBox, h, toast } from "../dom.js";

const REFRESH_MS = 4000;

export async function render(root) {
  const body = h("div", { class: "ops", id: "ops-body" });
  const keyInput = h("input", { id: "admin-key", type: "password", autocomplete: "off", value: auth.adminKey(), spellcheck: "false" });
  root.append(
    h("h1", {}, "Operations"),
    h("form", { class: "field inline", "aria-label": "Admin key", onsubmit: (e) => {
      e.preventDefault();
      auth.setAdminKey(keyInput.value.trim());
      toast(keyInput.value.trim() ? "Admin key saved for this tab" : "Admin key cleared");
      load();
    } },
    h("label", { for: "admin-key" }, "Admin key"), keyInput,
    h("button", { type: "submit", class: "ghost" }, "Use"),
    h("span", { class: "muted" }, "kept in this tab only; needed when API keys are enabled")),
    body);
  let timer = null;
  let stopped = false;
  // The admin routes (every tenant) when this server has them; else the caller's own jobs.
  const admin = new Set((await features()).admin);
  const hasAdmin = admin.has("/v1/admin/queue") && admin.has("/v1/admin/dlq");
  const load = async () => {
    clearTimeout(timer);
    try {
      const [health, running, dead, queue] = await Promise.all([
        get("/health", { admin: true }),
        get("/v1/jobs?status=running&limit=50", { admin: true }),
        get(hasAdmin ? "/v1/admin/dlq?limit=100" : "/v1/jobs?status=dead&limit=100", { admin: true }),
        hasAdmin ? get("/v1/admin/queue", { admin: true }) : null,
      ]);
      clear(body, queueCard(queue || health.queue || {}), systemCard(health), modelsCard(health), runningCard(running.jobs),
        deadCard(dead.jobs, load, admin.has("/v1/admin/dlq/retry")));
    } catch (err) {
      clear(body, errorBox(err, load));
    }
    if (!stopped) timer = setTimeout(load, REFRESH_MS);
  };
  await load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function card(title, ...children) {
  const id = `card-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), children);
}

function stat(label, value, cls = "") {
  return h("div", { class: `stat ${cls}` }, h("dt", {}, label), h("dd", {}, String(value ?? "—")));
}

function queueCard(q) {
  const known = ["depth", "in_flight", "dead", "oldest_age_s", "jobs_by_status"];
  return card("Queue",
    h("dl", { class: "stats" },
      stat("Waiting", q.depth, q.depth > 0 ? "busy" : ""),
      stat("Running", q.in_flight),
      stat("Dead letters", q.dead, q.dead > 0 ? "bad" : ""),
      stat("Oldest waiting", q.oldest_age_s ? clock(q.oldest_age_s) : "—"),
      Object.entries(q).filter(([k]) => !known.includes(k)).map(([k, v]) => stat(k.replaceAll("_", " "), v))),
    q.jobs_by_status ? h("p", { class: "muted" }, "All jobs: ",
      Object.entries(q.jobs_by_status).map(([k, v]) => `${k} ${v}`).join(" · ") || "none") : null);
}

function systemCard(health) {
  return card("System",
    h("dl", { class: "stats" },
      stat("Status", health.status, health.status === "ok" ? "ok" : "bad"),
      stat("Catalog", health.catalog_status, health.catalog_status === "ok" ? "ok" : "bad"),
      stat("Index", health.index_status, health.index_status === "ok" ? "ok" : "bad"),
      stat("CPU", health.cpu_percent != null ? `${Math.round(health.cpu_percent)}%` : "—"),
      stat("Memory", health.memory_percent != null ? `${Math.round(health.memory_percent)}%` : "—"),
      stat("Disk", health.disk_percent != null ? `${Math.round(health.disk_percent)}%` : "—"),
      stat("Version", health.version),
      health.uptime_s != null ? stat("Up for", clock(health.uptime_s)) : null));
}

function modelsCard(health) {
  const models = health.models_loaded ?? health.models;
  const entries = Array.isArray(models) ? models.map((m) => [typeof m === "string" ? m : m.id || JSON.stringify(m), "loaded"])
    : Object.entries(models || {}).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]);
  return card("Models",
    entries.length
      ? h("ul", { class: "models" }, entries.map(([name, state]) => h("li", {}, h("span", { class: "badge status-ready" }, state), " ", name)))
      : h("p", { class: "muted" }, "No model loaded yet (they load on first use)."));
}

function jobRow(job, ...extra) {
  return h("tr", { dataset: { jobId: job.id } },
    h("th", { scope: "row" }, job.media_id ? h("a", { href: `#/media/${encodeURIComponent(job.media_id)}` }, job.filename || job.media_id) : job.id,
      job.tenant ? h("span", { class: "muted small" }, ` (${job.tenant})`) : null),
    h("td", {}, job.step || job.type),
    h("td", {}, job.stage || ""),
    h("td", {}, `${job.attempts}/${job.max_attempts}`),
    extra);
}

function runningCard(jobs) {
  return card(`Running jobs (${jobs.length})`,
    jobs.length
      ? h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, ["File", "Type", "Stage", "Attempts", "Progress", "Started"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, jobs.map((j) => jobRow(j,
          h("td", {}, h("progress", { max: 1, value: j.progress || 0, "aria-label": `${j.filename} progress` })),
          h("td", {}, date(j.started_at)))))))
      : h("p", { class: "muted" }, "Nothing running."));
}

function deadCard(jobs, reload, adminRetry) {
  const retry = async (ids) => {
    try {
      if (adminRetry) await post("/v1/admin/dlq/retry", { job_ids: ids }, { admin: true });
      else await Promise.all(ids.map((id) => post(`/v1/jobs/${encodeURIComponent(id)}/retry`, undefined, { admin: true })));
      toast(`${ids.length} job${ids.length === 1 ? "" : "s"} sent back to the queue`);
      reload();
    } catch (err) {
      toast(err.message, "error");
    }
  };
  return card(`Dead letters (${jobs.length})`,
    jobs.length
      ? [h("button", { type: "button", class: "ghost", onclick: () => retry(jobs.map((j) => j.id)) }, "Retry all"),
        h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, ["File", "Type", "Stage", "Attempts", "Error", "Failed", ""].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, jobs.map((j) => jobRow(j,
            h("td", { class: "error-text" }, j.error || "", j.error_code ? h("span", { class: "muted" }, ` (${j.error_code})`) : null),
            h("td", {}, date(j.finished_at)),
            h("td", {}, h("button", { type: "button", class: "retry", "aria-label": `Retry ${j.filename || j.id}`, onclick: () => retry([j.id]) }, "Retry")))))))]
      : h("p", { class: "muted" }, "No dead letters."));
}
