"""``mediasift nutrition MEDIA_ID``: a media's foods, amounts and nutrients, with their evidence.

``--wait`` analyses on demand: a media never analysed gets a nutrition job (``POST``), and the
command waits for it (or for one already running, or for the media's own ingest in a nutrition
collection) before printing the results.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.table import Table

from mediasift.cli.client import connect
from mediasift.cli.output import fail, print_json, stdout_console
from mediasift.cli.taxonomy import JsonOpt, TenantOpt
from mediasift.config import Settings
from mediasift.errors import MediasiftError

POLL_S = 0.5
ENDED = {"succeeded", "dead", "cancelled"}
COLUMNS = ("kcal", "protein_g", "fat_g", "carbs_g", "fiber_g")


def nutrition_command(
    media_id: Annotated[str, typer.Argument(help="The media (its id)")],
    wait: Annotated[
        bool,
        typer.Option("--wait", help="Analyse it now when it has no results yet, and wait for them"),
    ] = False,
    timeout_s: Annotated[float, typer.Option("--timeout", help="With --wait: give up after (s)")] = 1800.0,
    as_json: JsonOpt = False,
    tenant: TenantOpt = None,
) -> None:
    """What a food video contains: each food, its amount and nutrients, where it is said or seen."""
    settings = Settings()
    try:
        client = connect(
            settings, tenant=tenant, workers=settings.workers if wait else 0, routers=("nutrition", "jobs")
        )
        try:
            results = _results(client, media_id, wait, timeout_s)
        finally:
            client.close()
    except MediasiftError as exc:
        fail(exc)
    if as_json:
        print_json(results)
    else:
        print_table(results)


def _results(client: Any, media_id: str, wait: bool, timeout_s: float) -> dict[str, Any]:
    """The results; with ``wait``, analysed first when there are none and waited for."""
    deadline, job = time.monotonic() + timeout_s, None
    while True:
        try:
            return client.nutrition(media_id)
        except MediasiftError as exc:
            if not wait or exc.status not in (404, 409) or time.monotonic() > deadline:
                raise
            if exc.status == 404:
                job = _analyse(client, media_id, job)
        time.sleep(POLL_S)


def _analyse(client: Any, media_id: str, job: dict[str, Any] | None) -> dict[str, Any] | None:
    """Ask for an analysis once; after that, a 404 means it ended without results."""
    if job is None:
        try:
            return client.analyse_nutrition(media_id)
        except MediasiftError as exc:
            if exc.status == 409:  # not ready yet (still being ingested): ask again later
                return None
            raise
    state = client.job(job["id"])
    if state["status"] in ENDED:
        raise MediasiftError(f"the nutrition job {job['id']} ended {state['status']}: {state.get('error')}")
    return job


def print_table(results: dict[str, Any]) -> None:
    from mediasift.nutrition.facts import evidence_summary  # the food tables' code: not for `--help`

    servings = results.get("servings") or 1
    table = Table(
        "food", "amount g", "kcal", "protein", "fat", "carbs", "fibre", "evidence",
        title=f"{len(results['foods'])} foods, {servings} serving{'s' if servings != 1 else ''}",
    )  # fmt: skip
    for food in results["foods"]:
        nutrients = food.get("nutrients") or {}
        name = food["name"] + ("" if food["status"] == "matched" else " (unmatched)")
        name += " *" if food.get("corrected") else ""
        table.add_row(
            name,
            _num(food.get("amount_g")),
            *(_num(nutrients.get(k)) for k in COLUMNS),
            evidence_summary(food),
        )
    table.add_section()
    table.add_row("total", "", *(_num(results["totals"].get(k)) for k in COLUMNS), "")
    table.add_row("per serving", "", *(_num(results["per_serving"].get(k)) for k in COLUMNS), "")
    stdout_console().print(table)
    if any(f.get("corrected") for f in results["foods"]):
        stdout_console().print("* corrected by a user")


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"
