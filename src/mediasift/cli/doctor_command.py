"""``mediasift doctor [--json] [--skip-models]``: the checks of ``doctor.py`` as a table or JSON.

Exit status: 0 when every required check passed (warnings allowed), 1 when one failed.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from mediasift.cli.output import stdout_console

if TYPE_CHECKING:
    from mediasift.cli.doctor import Check

STATUS_STYLE = {"ok": "[green]ok[/green]", "warn": "[yellow]warn[/yellow]", "fail": "[red]FAIL[/red]"}


def doctor_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as one JSON object")] = False,
    skip_models: Annotated[
        bool, typer.Option("--skip-models", help="Skip loading the models (the slowest checks)")
    ] = False,
) -> None:
    """Check this install: Python, PyAV codecs, Tesseract, data directory, backends, models."""
    # Imported here: the checks import every backend's factory, which `mediasift --help` needs not.
    from mediasift.cli.doctor import exit_code, report, run_checks

    checks = run_checks(models=not skip_models)
    if as_json:
        sys.stdout.write(json.dumps(report(checks), ensure_ascii=False, indent=2) + "\n")
    else:
        print_table(checks, stdout_console())
    raise typer.Exit(exit_code(checks))


def print_table(checks: list[Check], console: Console) -> None:
    table = Table(title="mediasift doctor")
    with_fixes = any(check.fix for check in checks)  # no empty column on a healthy install
    for column in ("check", "status", "detail", "fix") if with_fixes else ("check", "status", "detail"):
        table.add_column(column, overflow="fold")
    for check in checks:
        row = [check.name, STATUS_STYLE[check.status], check.detail]
        table.add_row(*row, check.fix) if with_fixes else table.add_row(*row)
    console.print(table)
    failed = [c.name for c in checks if c.status == "fail"]
    warned = [c.name for c in checks if c.status == "warn"]
    if failed:
        console.print(f"[red]{len(failed)} required check(s) failed[/red]: {', '.join(failed)}")
    else:
        console.print("[green]every required check passed[/green]")
    if warned:
        console.print(f"[yellow]optional, missing[/yellow]: {', '.join(warned)}")
