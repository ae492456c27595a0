"""What every CLI command prints the same way: JSON on stdout, an error line on stderr (exit 2)."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

from mediasift.errors import MediasiftError

console = Console(stderr=True)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def fail(exc: MediasiftError) -> NoReturn:
    console.print(f"[red]error[/red] {getattr(exc, 'code', 'error')}: {exc.message}")
    raise typer.Exit(2)
