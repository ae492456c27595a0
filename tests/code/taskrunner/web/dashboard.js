// The status dashboard: a table of jobs that refreshes itself.

/**
 * Format a number of milliseconds for people: 950 ms, 12.5 s, 3 min 20 s, 2 h 5 min.
 */
export function formatDuration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Build the rows of the jobs table, one per job, newest first. */
export function renderJobTable(tbody, jobs) {
  tbody.replaceChildren();
  for (const job of [...jobs].sort((a, b) => b.createdAt - a.createdAt)) {
    const row = tbody.insertRow();
    row.insertCell().textContent = job.id;
    row.insertCell().textContent = job.status;
    row.insertCell().textContent = formatDuration(job.elapsedMs);
  }
}

export class PollingClient {
  constructor(baseUrl, intervalMs = 5000) {
    this.baseUrl = baseUrl;
    this.intervalMs = intervalMs;
    this.timer = null;
  }

  /**
   * Ask the server for the latest job states again and again, every intervalMs, handing each
   * answer to onUpdate, until stop() is called.
   */
  poll(onUpdate) {
    const tick = async () => {
      const response = await fetch(`${this.baseUrl}/jobs?status=active`);
      if (response.ok) onUpdate(await response.json());
      this.timer = setTimeout(tick, this.intervalMs);
    };
    tick();
  }

  stop() {
    clearTimeout(this.timer);
  }
}
