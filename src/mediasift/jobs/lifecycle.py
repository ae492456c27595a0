"""A job's life in one place: every change of its state, and the event each ending raises.

::

    created ──► queued ──lease──► running ──┬──► succeeded
                  ▲                          ├──► failed ──backoff──► delivered again
                  │                          ├──► dead       permanent error, out of attempts,
                  │                          │               media gone, or its worker lost
                  │                          └──► cancelled  by request
                  └─────── retry ◄──── dead | failed | cancelled
    purge: dead jobs go, with their media

The catalog's job row (``catalog/jobs.py``) is where a job's state is visible; the queue
(``queue/``) carries the deliveries: it leases, extends, acks, retries and dead-letters them. A
transition writes the row and tells the queue, in the order that leaves a consistent state when
the second step fails. Each attempt that ends raises one event (``_ended``): a metric, a log line
and the tenant's webhooks, all best-effort.

Every delivery counts an attempt, whoever ends it. A job whose error is permanent (``errors.py``:
empty, unsupported, corrupt, encrypted, over a limit) is dead on its first attempt; other errors
retry until ``max_attempts``. A job delivered once more after its last allowed attempt ended
without an outcome (its worker died in it, as under a job that kills its process) is not run: it
is dead with ``worker_lost``.

A waiting job is cancelled at once and never delivered again (an SQS message that still arrives
is acknowledged and dropped by ``begin``); a running one learns it at its next progress report,
where ``record_progress`` raises ``Cancelled`` and the worker calls ``finish_cancelled``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mediasift import meters
from mediasift.catalog import conversions as conversion_rows
from mediasift.catalog import jobs as job_rows
from mediasift.catalog import nutrition as nutrition_rows
from mediasift.catalog import repo
from mediasift.catalog.models import Job, Media, utcnow
from mediasift.domain import JobStatus, JobType, MediaStatus
from mediasift.errors import (
    Cancelled,
    Conflict,
    MediasiftError,
    NotFound,
    WorkerLost,
    public_message,
)
from mediasift.jobs import notify, steps
from mediasift.nutrition.corrections import apply_corrections
from mediasift.nutrition.table import load_food_table
from mediasift.ops.tracing import remember_trace
from mediasift.store.base import media_prefixes

if TYPE_CHECKING:
    from mediasift.catalog.db import Session
    from mediasift.queue.base import Delivery, Lease
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.jobs")

_ENDED = (JobStatus.SUCCEEDED.value, JobStatus.DEAD.value, JobStatus.CANCELLED.value)
_CANCELLABLE = (JobStatus.QUEUED.value, JobStatus.FAILED.value, JobStatus.RUNNING.value)
# The jobs that rewrite a media's segments and points: one of a media runs at a time, the next
# coming back after ``BUSY_DEFER_S`` (not counted as an attempt).
_ONE_AT_A_TIME = (JobType.INGEST.value, JobType.REPROCESS.value)
BUSY_DEFER_S = 5.0
_RETRYABLE = (JobStatus.DEAD.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value)
# outcome of an attempt → the webhook event it raises
EVENTS = {
    "succeeded": "media.succeeded",
    "failed": "media.failed",
    "dead": "media.dead",
    "cancelled": "media.cancelled",
}
# a job that does not make its media (``_makes_media``) → outcome → the event it raises, if any
STEP_EVENTS = {
    JobType.NUTRITION.value: {"succeeded": "media.nutrition_ready"},
    JobType.CONVERT.value: {"succeeded": "media.conversion_ready", "dead": "media.conversion_failed"},
}


# -- created ---------------------------------------------------------------------------------------


def submit(rt: Runtime, job_id: str) -> None:
    """Make a created (queued) job deliverable."""
    # The trace context goes on the job row before the message exists, so the worker that
    # receives it always finds the trace to continue.
    remember_trace(rt, job_id)
    rt.queue.send(job_id)


def reprocess(rt: Runtime, tenant_id: str, media_id: str) -> Job:
    """A new job that runs a media's pipeline again; it replaces the media's results. One that is
    queued already (an upload's, a reprocess asked before) is answered instead: it reads the
    media as it is when it runs, so a second could only do the same work again."""
    with rt.catalog.session() as s:
        repo.get_media(s, tenant_id, media_id)
        waiting = job_rows.waiting_job(s, media_id, (JobType.INGEST, JobType.REPROCESS))
        if waiting is not None:
            s.expunge(waiting)
            return waiting
        job = job_rows.add_job(s, tenant_id, media_id, JobType.REPROCESS, rt.settings.max_attempts)
    submit(rt, job.id)
    return job


def relabel(rt: Runtime, tenant_id: str) -> list[str]:
    """A relabel job for every ready media of the tenant (one that has one waiting already gets no
    second: it reads the taxonomies when it runs). Returns the new jobs' ids."""
    with rt.catalog.session() as s:
        waiting = job_rows.waiting_media(s, tenant_id, JobType.RELABEL)
        jobs = [
            job_rows.add_job(s, tenant_id, media_id, JobType.RELABEL, rt.settings.max_attempts)
            for media_id, _ in repo.ready_media(s, tenant_id)
            if media_id not in waiting
        ]
        job_ids = [job.id for job in jobs]
    for job_id in job_ids:
        submit(rt, job_id)
    return job_ids


def analyse_nutrition(rt: Runtime, tenant_id: str, media_id: str) -> Job:
    """A new job that analyses a media's nutrition from its stored segments and keyframes."""
    with rt.catalog.session() as s:
        repo.get_media(s, tenant_id, media_id)
        job = job_rows.add_job(s, tenant_id, media_id, JobType.NUTRITION, rt.settings.max_attempts)
    submit(rt, job.id)
    return job


# -- running ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attempt:
    """A delivered job to run now."""

    job_id: str
    tenant_id: str
    media_id: str
    type: str  # a JobType value


def begin(rt: Runtime, lease: Lease) -> Attempt | None:
    """Start the attempt a delivery brings: the job is running. None when there is nothing to run,
    and the delivery is then settled: the job had ended (acked), its media was deleted (acked),
    or its last allowed attempt lost its worker (the job is dead)."""
    busy = None
    try:
        with rt.catalog.session() as s:
            job = job_rows.get_job(s, lease.job_id)
            ended, lost = job.status in _ENDED, lease.attempts > job.max_attempts
            if not ended and not lost and job.type in _ONE_AT_A_TIME:
                # Two runs of one media's pipeline at once (a reprocess asked while its ingest
                # ran, on another worker) wrote its segments and index points over each other.
                busy = job_rows.running_alongside(
                    s, job, _ONE_AT_A_TIME, time.time(), rt.settings.visibility_timeout_s
                )
            orphaned = job.status == JobStatus.RUNNING.value and job.started_at is not None
            if not ended and not lost and busy is None:
                job.status, job.attempts, job.stage, job.progress = (
                    JobStatus.RUNNING.value,
                    lease.attempts,
                    None,
                    0.0,
                )
                job.started_at = utcnow()
                steps.follow(s, job, job.max_attempts)
            attempt = Attempt(job.id, job.tenant_id, job.media_id, job.type)
            max_attempts = job.max_attempts
    except NotFound:  # the job's media was deleted while the message waited
        ended, lost = True, False
    if ended:
        rt.queue.ack(lease)
        return None
    if busy is not None:  # only looked for where the attempt was not lost
        log.debug("job %s waits for job %s of the same media to end", lease.job_id, busy.id)
        rt.queue.defer(lease, BUSY_DEFER_S)
        return None
    if lost:
        # An attempt that ends records its outcome, and the last allowed one makes the job dead;
        # so the last one ended without any: its process died under it (killed, out of memory, a
        # native crash). Running it again would most likely take this worker too.
        exc = WorkerLost(
            f"attempt {max_attempts} of {max_attempts} ended without an outcome: its worker died "
            "(killed, out of memory or crashed), so the job is not run again"
        )
        _end_attempt(rt, lease, exc, permanent=True, attempts=max_attempts)
        return None
    if orphaned:
        # Delivered again while it still read running: the worker of its last attempt stopped
        # without a word (killed), and its lease ran out. Nothing had said so.
        log.warning(
            "job %s: attempt %d of %d starts here: the last one's worker stopped without an outcome "
            "(killed?) and its lease ran out",
            lease.job_id, lease.attempts, max_attempts,
        )  # fmt: skip
    return attempt


@contextmanager
def heartbeat(rt: Runtime, lease: Delivery) -> Iterator[None]:
    """Extend the lease every ``heartbeat_s`` while the body runs, so that a long job (or a
    notification of thousands of objects) is not delivered to another worker under it."""
    done = threading.Event()
    name = f"heartbeat-{_named(lease)}"
    beats = threading.Thread(target=_beat, args=(rt, lease, done), name=name, daemon=True)
    beats.start()
    try:
        yield
    finally:
        done.set()
        beats.join(timeout=5)


def _named(lease: Delivery) -> str:
    job_id = getattr(lease, "job_id", None)  # a bucket-event delivery has none
    return f"job {job_id}" if job_id else "bucket events"


def _beat(rt: Runtime, lease: Delivery, done: threading.Event) -> None:
    settings = rt.settings
    while not done.wait(settings.heartbeat_s):
        try:
            if not rt.queue.extend(lease, settings.visibility_timeout_s):
                if not done.is_set():  # else the attempt ended meanwhile and gave its lease back
                    log.warning("%s: lease lost to another worker", _named(lease))
                return
        except Exception:
            if not done.is_set():
                log.exception("%s: heartbeat failed", _named(lease))


def record_progress(rt: Runtime, job_id: str, stage: str, fraction: float) -> None:
    """Write a running job's stage and its progress in it (0..1); raises ``Cancelled`` when the
    job has been cancelled meanwhile, which is how a running job learns it."""
    with rt.catalog.session() as s:
        job = job_rows.find_job(s, job_id)
        if job is None:
            return
        if job.status == JobStatus.CANCELLED.value:
            raise Cancelled(f"job {job_id} was cancelled")
        job.stage, job.progress = stage, round(max(0.0, min(1.0, fraction)), 4)


def release(rt: Runtime, lease: Lease) -> None:
    """Give a running job back to the queue, deliverable at once (its worker is stopping): the
    next delivery runs it again, not counted as another attempt where the queue can say so (the
    database queue; SQS counts every receive)."""
    rt.queue.give_back(lease)


# -- an attempt ends -------------------------------------------------------------------------------


def succeed(rt: Runtime, lease: Lease) -> None:
    """The attempt produced the media's results (a workflow step's followers are queued)."""
    followers: list[str] = []
    superseded: list[str] = []
    with rt.catalog.session() as s:
        job = job_rows.find_job(s, lease.job_id)
        if job is not None and job.status != JobStatus.CANCELLED.value:
            job.status, job.stage, job.progress = JobStatus.SUCCEEDED.value, "done", 1.0
            job.error = job.error_code = None
            job.finished_at = utcnow()
            followers = steps.follow(s, job, rt.settings.max_attempts)
            if job.type in _READS:
                superseded = job_rows.drop_dead_jobs(s, job.media_id, _READS, before=job.id)
    rt.queue.ack(lease)
    if superseded:
        # The media's earlier reads that died (a corrupt version, an index down) are answered by
        # this one: their dead letters had kept a "DLQ > 0" alarm on for a media that is fine.
        rt.queue.drop_dead_letters(superseded)
    _submit_all(rt, followers)
    _ended(rt, lease.job_id, "succeeded")


_READS = (JobType.INGEST.value, JobType.REPROCESS.value)  # jobs that read a media whole


def _submit_all(rt: Runtime, job_ids: Sequence[str]) -> None:
    for job_id in job_ids:
        submit(rt, job_id)


def fail(rt: Runtime, lease: Lease, exc: Exception) -> None:
    """The attempt raised ``exc``. The job is dead when the error is permanent or this was its
    last attempt, and then dead-lettered; else it is failed and delivered again after a backoff."""
    permanent = isinstance(exc, MediasiftError) and not exc.retryable
    _end_attempt(rt, lease, exc, permanent=permanent)


def media_gone(rt: Runtime, lease: Lease, exc: NotFound) -> None:
    """The media (or its original) vanished while the attempt ran: dead, since retrying cannot
    help. A job deleted with its media has no row left to record it on; its delivery is dropped."""
    followers: list[str] = []
    with rt.catalog.session() as s:
        job = job_rows.find_job(s, lease.job_id)
        if job is not None:
            job.status, job.error, job.error_code = JobStatus.DEAD.value, exc.message, exc.code
            job.finished_at = utcnow()
            followers = steps.follow(s, job, rt.settings.max_attempts)
    if job is None:
        rt.queue.ack(lease)
        return
    rt.queue.dead_letter(lease, exc.code)
    _submit_all(rt, followers)
    _ended(rt, lease.job_id, "dead")


def clear_leftovers(rt: Runtime, tenant_id: str, media_id: str) -> None:
    """A media deleted while its job ran: what the job wrote after the deletion (a recording's
    transcripts, its frames, index points) goes too, so none of a deleted media's words stay."""
    try:
        with rt.catalog.read_session() as s:
            if s.get(Media, media_id) is not None:
                return  # the media stands (at most its original went missing): its files too
        for prefix in media_prefixes(tenant_id, media_id):
            rt.store.delete_prefix(prefix)
        rt.index.delete_media(tenant_id, media_id)
        log.info("media %s was deleted while its job ran: what the job wrote since is gone too", media_id)
    except Exception:  # run after every attempt: a backend down must not take the worker with it
        log.warning(
            "media %s: could not clear what its job wrote after its deletion", media_id, exc_info=True
        )


def finish_cancelled(rt: Runtime, lease: Lease) -> None:
    """The running attempt stopped because the job was cancelled: end the job and its delivery."""
    followers: list[str] = []
    with rt.catalog.session() as s:
        job = job_rows.find_job(s, lease.job_id)
        if job is not None:
            job.status, job.finished_at = JobStatus.CANCELLED.value, utcnow()
            if _makes_media(job):
                _settle_cancelled_media(job_rows.job_media(s, job), repo.count_segments(s, job.media_id))
            followers = steps.follow(s, job, rt.settings.max_attempts)
    rt.queue.ack(lease)
    _submit_all(rt, followers)
    _ended(rt, lease.job_id, "cancelled")


def backoff_s(attempts: int, base: float, cap: float) -> float:
    """Seconds before the next attempt: exponential, with ±20% jitter so that retried jobs do not
    stampede together."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.8, 1.2)


def _end_attempt(
    rt: Runtime, lease: Lease, exc: Exception, *, permanent: bool, attempts: int | None = None
) -> None:
    """Record an attempt that ended in ``exc`` on the job and its media, then settle its delivery.
    ``attempts``: the count to record when it is not the lease's receive count."""
    code = exc.code if isinstance(exc, MediasiftError) else "internal"
    said = exc.message if isinstance(exc, MediasiftError) else f"{type(exc).__name__}: {exc}"
    message = said if getattr(exc, "public", False) else public_message(said)
    followers: list[str] = []
    with rt.catalog.session() as s:
        job = job_rows.find_job(s, lease.job_id)
        if job is not None:
            dead = permanent or lease.attempts >= job.max_attempts
            job.status = JobStatus.DEAD.value if dead else JobStatus.FAILED.value
            job.error, job.error_code = message, code
            if attempts is not None:
                job.attempts = attempts
            if dead:
                job.finished_at = utcnow()
            media = job_rows.job_media(s, job)
            stale = False
            if media is not None and _makes_media(job):
                media.error = message
                media.status = MediaStatus.FAILED.value if dead else MediaStatus.PENDING.value
                # A new version that cannot be read: nothing read of the older bytes stands for it
                # (a file emptied by mistake had stayed found by its old words, as a failed media).
                if stale := dead and repo.is_new_version(media):
                    repo.drop_results(s, media)
                elif dead and repo.count_segments(s, media.id):
                    # The same bytes read before (a reprocess that died in an outage): those
                    # results still stand and are found, so the media is ready, its error kept.
                    media.status = MediaStatus.READY.value
            followers = steps.follow(s, job, rt.settings.max_attempts)
    if job is None:  # its media was deleted while it ran: nothing is left to retry or to letter
        rt.queue.ack(lease)
        return
    if stale:
        rt.index.delete_media(job.tenant_id, job.media_id)
        rt.invalidate_tenant(job.tenant_id)
    _ended(rt, lease.job_id, "dead" if dead else "failed")
    if dead:
        rt.queue.dead_letter(lease, code)
        _submit_all(rt, followers)
    else:
        settings = rt.settings
        rt.queue.retry(lease, backoff_s(lease.attempts, settings.backoff_base_s, settings.backoff_max_s))


# -- by request ------------------------------------------------------------------------------------


def cancel(rt: Runtime, job_id: str, tenant_id: str | None) -> Job:
    """Cancel a queued, waiting-to-retry or running job; 409 if it has already ended. A running
    job stops at its next progress report."""
    with rt.catalog.session() as s:
        job = job_rows.get_job(s, job_id, tenant_id)
        if job.status not in _CANCELLABLE:
            raise Conflict(f"job {job_id} is {job.status}; only queued or running jobs can be cancelled")
        was_running = job.status == JobStatus.RUNNING.value
        job.status, job.error, job.error_code = JobStatus.CANCELLED.value, "cancelled by request", "cancelled"
        followers: list[str] = []
        if not was_running:
            job.finished_at = utcnow()
            if _makes_media(job):
                _settle_cancelled_media(job_rows.job_media(s, job), repo.count_segments(s, job.media_id))
            followers = steps.follow(s, job, rt.settings.max_attempts)
    _submit_all(rt, followers)
    if not was_running:
        _ended(rt, job_id, "cancelled")
    return job


def retry(rt: Runtime, job_ids: Sequence[str], tenant_id: str | None) -> list[Job]:
    """Send dead, failed or cancelled jobs back to the queue with a fresh set of attempts (409 if
    any is in another state, as cancelling a job that ended is); the queue's dead letters of the
    dead ones are dropped in one go."""
    with rt.catalog.session() as s:
        jobs = [job_rows.get_job(s, job_id, tenant_id) for job_id in job_ids]
        for job in jobs:
            if job.status not in _RETRYABLE:
                raise Conflict(f"job {job.id} is {job.status}; only dead, failed or cancelled jobs retry")
        dead = [job.id for job in jobs if job.status == JobStatus.DEAD.value]
    if dead:
        # First, so that a queue that cannot be reached leaves the jobs dead, as they were.
        rt.queue.drop_dead_letters(dead)
    retried = []
    with rt.catalog.session() as s:
        for job_id in job_ids:
            job = job_rows.get_job(s, job_id, tenant_id)
            job.status, job.attempts, job.error, job.error_code = JobStatus.QUEUED.value, 0, None, None
            job.stage, job.progress, job.finished_at = None, 0.0, None
            media = job_rows.job_media(s, job)
            if media is not None and _makes_media(job):
                media.status, media.error = MediaStatus.PENDING.value, None
            steps.follow(s, job, rt.settings.max_attempts)
            retried.append(job)
    for job in retried:
        submit(rt, job.id)
    return retried


def purge_dead(rt: Runtime, tenant_id: str | None, delete_media: Callable[[str, str], None]) -> int:
    """Delete every dead job (of one tenant, or all) with its media: the dead-letter queue's purge.
    ``delete_media(tenant_id, media_id)`` removes a media everywhere, its jobs included; the dead
    letters are dropped here first, in one scan. A dead job that does not make its media (a
    conversion, a relabel), or whose media is ready (its results stand: a reprocess that died, a
    run that succeeded since), goes alone, its conversion with it: the media stays. Returns how
    many media went."""
    with rt.catalog.session() as s:
        dead = job_rows.list_jobs(s, tenant_id, status=JobStatus.DEAD.value, limit=100_000)
        # A media whose results stand (a reprocess died in an outage; a later run succeeded) is
        # kept: only its dead job goes. Purging to clear the alert had deleted such media whole.
        standing = {
            j.media_id
            for j in dead
            if _makes_media(j)
            and (m := job_rows.job_media(s, j)) is not None
            and m.status == MediaStatus.READY.value
        }
        owners = [j for j in dead if _makes_media(j) and j.media_id not in standing]
        targets = list(dict.fromkeys((j.tenant_id, j.media_id) for j in owners))
        job_ids = [j.id for j in dead]
        side_jobs = [j.id for j in dead if not _makes_media(j) or j.media_id in standing]
    if job_ids:
        rt.queue.drop_dead_letters(job_ids)
    if side_jobs:
        with rt.catalog.session() as s:
            job_rows.delete_jobs(s, side_jobs)
    for tenant, media_id in targets:
        delete_media(tenant, media_id)
    return len(targets)


# -- what the ends have in common ------------------------------------------------------------------


def _makes_media(job: Job) -> bool:
    """Whether the job produces the media's results, so that its media's status follows it. A
    relabel job only refreshes the labels of a ready media, a nutrition job adds its nutrition, a
    convert job writes a copy of it in another format, and a step job runs one step of its
    collection's workflow (``jobs/steps.py``): whatever happens to them, the media keeps its
    status, and their outcomes raise only the events of ``STEP_EVENTS`` (a conversion's state is
    its job's)."""
    return job.type not in (
        JobType.RELABEL.value,
        JobType.NUTRITION.value,
        JobType.CONVERT.value,
        JobType.STEP.value,
    )


def _settle_cancelled_media(media: Media | None, segments: int) -> None:
    # A media keeps the results of an earlier run (a cancelled reprocess); one that never had
    # any is failed, so it does not look like it is still on its way.
    if media is None or media.status == MediaStatus.READY.value:
        return
    if segments:
        media.status = MediaStatus.READY.value
    else:
        media.status, media.error = MediaStatus.FAILED.value, "processing was cancelled"


def _ended(rt: Runtime, job_id: str, outcome: str) -> None:
    """Record an attempt's ``outcome`` (succeeded, failed, dead or cancelled) everywhere it shows:
    a metric, a log line and the tenant's webhooks; then wakes whoever in this process waits for
    a job to end (``Runtime.job_ends``). Never raises: a broken notification must not change what
    happened to the job."""
    try:
        _publish_end(rt, job_id, outcome)
    finally:
        rt.job_ends.mark()


def _publish_end(rt: Runtime, job_id: str, outcome: str) -> None:
    try:
        with rt.catalog.session() as s:
            job = job_rows.find_job(s, job_id)
            if job is None:
                return
            media = job_rows.job_media(s, job)
            started = job.started_at
            seconds = (utcnow() - started).total_seconds() if started else None
            kind = media.kind if media else None
            tenant, stage, code = job.tenant_id, job.stage, job.error_code
            data = {
                "tenant": tenant,
                "job_id": job.id,
                "media_id": job.media_id,
                "filename": media.filename if media else None,
                "kind": kind,
                "status": outcome,
                "attempts": job.attempts,
                "stage": stage,
                "error": job.error,
                "error_code": code,
            }
            makes_media = _makes_media(job)
            runs = _runs_as(s, job)
            event = EVENTS[outcome] if makes_media else STEP_EVENTS.get(runs, {}).get(outcome)
            if runs == JobType.NUTRITION.value:
                _nutrition_ended(s, job, outcome, data)
            elif runs == JobType.CONVERT.value and event is not None:
                _conversion_ended(s, job, data)
            if job.type == JobType.STEP.value and not ({"nutrition", "conversion"} & data.keys()):
                event = None  # a step that made nothing (skipped: not for this kind of media)
        meters.record_job(kind, outcome, seconds, stage, code)
        # What went wrong is in the line, so an operator reading logs sees why a job failed or died.
        said = {
            "outcome": outcome,
            "tenant": tenant,
            "media_id": data["media_id"],
            "attempts": data["attempts"],
        }
        if outcome in ("failed", "dead"):
            said.update(stage=stage, error=data["error"], error_code=code)
        level = logging.WARNING if outcome == "dead" else logging.INFO
        log.log(level, "job %s %s", job_id, outcome, extra=said)
        if event is not None:
            notify.publish(rt, tenant, event, data)
    except Exception:
        log.exception("could not record the end of job %s", job_id)


def _runs_as(s: Session, job: Job) -> str:
    """The job type whose events a job raises: a workflow's ``convert`` or ``nutrition`` step is
    a conversion or a nutrition analysis as their own jobs are (``media.conversion_ready``…)."""
    if job.type != JobType.STEP.value:
        return job.type
    ref = job_rows.step_keys(s, [job]).get(job.id)
    return ref.key.split(".", 1)[0] if ref else job.type


def _conversion_ended(s: Session, job: Job, data: dict[str, Any]) -> None:
    """The conversion a convert job made, in its event's data: what and where to download it."""
    row = conversion_rows.find_by_job(s, job.id)
    if row is None:  # went with its media
        return
    url = f"/v1/media/{row.media_id}/conversions/{row.id}"
    data["conversion"] = {
        "id": row.id,
        "target": row.target,
        "options": row.options or {},
        "url": url,
        "file_url": f"{url}/file" if row.key else None,
        "bytes": row.bytes,
    }


def _nutrition_ended(s: Session, job: Job, outcome: str, data: dict[str, Any]) -> None:
    """A nutrition job's end as its media's nutrition row and event see it: a dead one records
    its error there; a successful one puts the results' summary (corrections applied) in the
    event's data."""
    if outcome == "dead":
        nutrition_rows.record_failure(s, job.tenant_id, job.media_id, job.error or "the analysis failed")
        return
    row = nutrition_rows.get_nutrition(s, job.tenant_id, job.media_id)
    if outcome != "succeeded" or row is None or not row.results:
        return
    shown = apply_corrections(row.results, row.corrections or {}, load_food_table())
    data["nutrition"] = {
        "url": f"/v1/media/{job.media_id}/nutrition",
        "schema_version": shown.get("schema_version"),
        "foods": len(shown["foods"]),
        "servings": shown.get("servings"),
        "totals": shown["totals"],
        "per_serving": shown["per_serving"],
    }
