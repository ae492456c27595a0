"""How a command waits for the jobs it queued (``ingest --wait``, ``workflow apply --wait``): each
job until it ends, then the workflow steps its media's jobs queued after it, and the table of what
did not succeed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mediasift.cli.client import connect

if TYPE_CHECKING:
    from mediasift.config import Settings

TERMINAL = {"succeeded", "dead", "cancelled"}
POLL_S = 0.5  # between two looks at the jobs followed, unless one ends in-process
console = Console(stderr=True, soft_wrap=True)

Jobs = list[dict[str, Any]]


def call_and_wait(
    settings: Settings,
    tenant: str | None,
    routers: tuple[str, ...],
    call: Callable[[Any], dict[str, Any]],
    queued: Callable[[Any, dict[str, Any]], Jobs] | None,
    quiet: bool,
) -> tuple[dict[str, Any], Jobs, Jobs]:
    """``call(client)``'s answer and, with ``queued`` (a wait asked for), the jobs it names
    (``queued(client, answer)``) as they ended, then the steps after them: without a running
    server, this process's workers run them meanwhile."""
    workers = settings.workers if queued is not None else 0
    jobs: Jobs = []
    steps: Jobs = []
    client = connect(settings, tenant=tenant, workers=workers, routers=routers)
    try:
        answer = call(client)
        if queued is not None and (named := queued(client, answer)):
            jobs, steps = wait_for(client, named, quiet=quiet, unit="jobs")
    finally:
        client.close()
    return answer, jobs, steps


def wait_for(client, jobs: Jobs, quiet: bool, unit: str = "files") -> tuple[Jobs, Jobs]:  # type: ignore[no-untyped-def]
    """Until every job ends, and with it the workflow steps queued after it (a step's job is queued
    as the steps before it end, in the same transaction: a media with no job left queued, running
    or failed has run its whole workflow). Returns the jobs as they ended, then the step jobs
    their media were queued since."""
    current = {j["id"]: j for j in jobs}
    filenames = {j["media_id"]: j.get("filename") for j in jobs}
    followed: set[str] = set()  # media of a job that succeeded: the steps after it are followed
    busy: dict[str, list[dict[str, Any]]] = {}  # media → its step jobs not yet ended
    told: set[str] = set()  # jobs whose end was written as a line (no terminal)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[finished]}/{task.total:.0f} " + unit),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task("processing", total=len(current), finished=0)
        while True:
            ends = client.job_ends_seen()  # before the look: an end after it wakes the pause below
            pending = [jid for jid, j in current.items() if j["status"] not in TERMINAL]
            if pending:
                current.update(poll(client, pending))
            ingested = {j["media_id"] for j in current.values() if j["status"] == "succeeded"}
            watched = sorted(set(busy) | (ingested - followed))
            followed |= ingested
            busy = unended_steps(client, watched) if watched else {}
            running = [j for j in current.values() if j["status"] == "running"]
            running += [j for steps in busy.values() for j in steps if j["status"] == "running"]
            label = "queued"
            if running:  # a long video's stage and share done (decoded seconds / duration), live
                first = running[0]
                name = (first.get("filename") or filenames.get(first["media_id"]) or "")[:40]
                doing = first.get("step") or first["stage"] or ""
                label = f"{name}: {doing} {first.get('progress') or 0:.0%}"
            done = sum(j["status"] in TERMINAL and j["media_id"] not in busy for j in current.values())
            # the bar moves within a file too: running ingest jobs count by their progress
            moving = done + sum(min(1.0, j.get("progress") or 0.0) for j in running if j["id"] in current)
            bar.update(task, completed=moving, description=label, finished=done)
            if not quiet and not console.is_terminal:  # no bar to draw: a line as each job ends
                for j in current.values():
                    if j["status"] in TERMINAL and j["media_id"] not in busy and j["id"] not in told:
                        told.add(j["id"])
                        name = j.get("filename") or filenames.get(j["media_id"]) or j["media_id"]
                        console.print(
                            f"{len(told)}/{len(current)} {name}: {j['status']}", markup=False, soft_wrap=True
                        )
            if done == len(current):
                break
            client.wait_for_job_end(ends, POLL_S)
    since = min((j["created_at"] for j in jobs), default="")
    later = client.media_jobs(sorted(followed)) if followed else []
    # the steps these jobs led to, not the media's earlier runs (``workflow apply`` follows media
    # that ran their steps before)
    steps = [j for j in later if j["type"] == "step" and j["id"] not in current and j["created_at"] >= since]
    return [current[j["id"]] for j in jobs], steps


def unended_steps(client, media_ids: list[str]) -> dict[str, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """The jobs of these media that have not ended (queued, running, failed and to run again), by
    media: those with none have run their workflow."""
    unended: dict[str, list[dict[str, Any]]] = {}
    for job in client.media_jobs(media_ids, status="queued,running,failed"):
        unended.setdefault(job["media_id"], []).append(job)
    return unended


def poll(client, job_ids: list[str]) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The jobs' current states: one list request per 100 jobs, not one request per job."""
    found = {j["id"]: j for j in client.jobs(ids=job_ids)}
    for jid in job_ids:
        if jid not in found:  # gone (its media deleted meanwhile): the job's own error says so
            found[jid] = client.job(jid)
    return found


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


_TABLE_WIDTH = 110  # columns below which jobs are listed a line each instead of as a table


def print_jobs(jobs: list[dict[str, Any]]) -> None:
    out = Console()
    if out.width < _TABLE_WIDTH:
        # A table of seven columns on a narrow terminal cuts the job's id, which later commands
        # take, and wraps its error a word a line: a line each, the error under it.
        for j in jobs:
            shown = _status(j)
            color = _COLORS.get(shown, "white")
            work = j.get("step") or j.get("type") or ""
            name = escape(j.get("filename") or "")
            status = f"[{color}]{shown}[/{color}]"
            line = f"{name}  media {j.get('media_id', '')}  job {j['id']}  {escape(work)}  {status}"
            if j.get("stage") and j["status"] not in ("succeeded", "dead"):
                line += f" ({escape(j['stage'])})"
            if j.get("attempts", 0) > 1:
                line += f" after {j['attempts']} attempts"
            out.print(line, soft_wrap=True)
            if j.get("error"):
                out.print(
                    f"    {escape(j.get('error_code') or 'error')}: {escape(j['error'])}", soft_wrap=True
                )
        return
    table = Table("job", "file", "work", "status", "stage", "attempts", "error")
    for j in jobs:
        shown = _status(j)
        color = _COLORS.get(shown, "white")
        table.add_row(
            j["id"],
            j.get("filename") or "",
            j.get("step") or j.get("type") or "",  # a workflow step's key (convert.mp3), else the job's type
            f"[{color}]{shown}[/{color}]",
            j.get("stage") or "",
            str(j.get("attempts", 0)),
            _cut(j.get("error") or "", 80),
        )
    out.print(table)


_COLORS = {"succeeded": "green", "dead": "red", "failed": "yellow", "skipped": "dim"}


def _status(job: dict[str, Any]) -> str:
    """A job's status as a person reads it: a step job that succeeded by finding nothing to do (a
    condition that did not hold, a conversion this kind of media has none of) is "skipped"."""
    return (
        "skipped" if job["status"] == "succeeded" and job.get("step_status") == "skipped" else job["status"]
    )


def print_outcome(jobs: Jobs, steps: Jobs) -> None:
    """The jobs, and the workflow steps that did not succeed (the rest counted)."""
    print_jobs(jobs + [j for j in steps if j["status"] != "succeeded"])
    ended = [j for j in steps if j["status"] == "succeeded"]
    skipped = sum(_status(j) == "skipped" for j in ended)
    said = []
    if succeeded := len(ended) - skipped:
        said.append(f"{succeeded} workflow step{'s' if succeeded > 1 else ''} succeeded")
    if skipped:
        said.append(
            f"{skipped} skipped (not for their media: a condition that did not hold, "
            "a conversion its kind has none of)"
        )
    if said:
        console.print("and " + ", ".join(said))


def all_succeeded(jobs: Jobs) -> bool:
    return all(j["status"] == "succeeded" for j in jobs)
