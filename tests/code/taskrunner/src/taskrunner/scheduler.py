"""Periodic jobs from five-field cron expressions."""

from __future__ import annotations

from datetime import datetime, timedelta

FIELDS = ("minute", "hour", "day", "month", "weekday")
RANGES = {"minute": (0, 59), "hour": (0, 23), "day": (1, 31), "month": (1, 12), "weekday": (0, 6)}


def parse_cron(expression: str) -> dict[str, set[int]]:
    """The allowed values of each field of a cron expression such as ``*/15 2 * * 1-5``."""
    parts = expression.split()
    if len(parts) != len(FIELDS):
        raise ValueError(f"a cron expression has five fields, got {len(parts)}")
    allowed = {}
    for name, part in zip(FIELDS, parts, strict=True):
        low, high = RANGES[name]
        values: set[int] = set()
        for item in part.split(","):
            body, _, step = item.partition("/")
            start, end = (low, high) if body == "*" else _bounds(body)
            values.update(range(start, end + 1, int(step or 1)))
        allowed[name] = values
    return allowed


def _bounds(body: str) -> tuple[int, int]:
    first, _, last = body.partition("-")
    return int(first), int(last or first)


def next_run(expression: str, after: datetime) -> datetime:
    """The first minute after ``after`` at which the schedule fires."""
    allowed = parse_cron(expression)
    moment = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(366 * 24 * 60):
        if (
            moment.minute in allowed["minute"]
            and moment.hour in allowed["hour"]
            and moment.day in allowed["day"]
            and moment.month in allowed["month"]
            and moment.weekday() in allowed["weekday"]
        ):
            return moment
        moment += timedelta(minutes=1)
    raise ValueError(f"{expression!r} never fires")
