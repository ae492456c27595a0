// Shapes the dashboard receives from the API.

export type JobState = "queued" | "running" | "succeeded" | "failed" | "dead";

export interface JobStatus {
  id: string;
  state: JobState;
  attempts: number;
  elapsedMs: number;
}

/** Whether a job has stopped for good and will not change any more. */
export function isTerminal(state: JobState): boolean {
  return state === "succeeded" || state === "dead";
}
