// Following a job: polling /v1/jobs/{id} until it is searchable (succeeded) or has given up.
import { get, post } from "../api.js";
import { h } from "../dom.js";

export const TERMINAL = new Set(["succeeded", "dead", "cancelled"]);

const STAGES = {
  probe: "checking the file",
  extract: "reading what is inside",
  speech: "transcribing speech",
  frames: "picking keyframes",
  ocr: "reading text on screen",
  embed: "understanding it",
  index: "making it searchable",
};

// Calls onUpdate(job) on every change until the job ends; returns a function that stops polling.
export function watchJob(jobId, onUpdate, { intervalMs = 1000 } = {}) {
  let stopped = false;
  let timer = null;
  let last = "";
  let delay = intervalMs;
  const tick = async () => {
    if (stopped) return;
    try {
      const job = await get(`/v1/jobs/${encodeURIComponent(jobId)}`);
      const sig = `${job.status}|${job.stage}|${job.progress}|${job.attempts}|${job.error}`;
      if (sig !== last) {
        last = sig;
        onUpdate(job);
      }
      if (TERMINAL.has(job.status)) return;
      delay = intervalMs;
    } catch {
      delay = Math.min(delay * 2, 10000); // server restarting: back off, keep watching
    }
    if (!stopped) timer = setTimeout(tick, delay);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export const retryJob = (jobId) => post(`/v1/jobs/${encodeURIComponent(jobId)}/retry`);

// A human sentence for a job's state.
export function describe(job) {
  switch (job.status) {
    case "queued":
      return job.attempts ? `waiting to try again (attempt ${job.attempts + 1} of ${job.max_attempts})` : "waiting in the queue";
    case "running": {
      const stage = STAGES[job.stage] || job.stage || "working";
      return `${stage}${job.progress ? ` — ${Math.round(job.progress * 100)}%` : ""}`;
    }
    case "succeeded":
      return "searchable";
    case "failed":
      return `attempt ${job.attempts} of ${job.max_attempts} failed; it will be retried`;
    case "dead":
      return "failed";
    case "cancelled":
      return "cancelled";
    default:
      return job.status;
  }
}

export function jobLine(job) {
  return [
    h("span", { class: `badge status-${job.status}` }, job.status === "succeeded" ? "ready" : job.status),
    " ",
    describe(job),
  ];
}
