"""What every CLI command prints the same way: JSON on stdout, an error line on stderr (exit 2)."""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

from mediasift.errors import MediasiftError

# Messages are not wrapped at 80 columns where stderr is a file or a pipe (a log, a grep): a
# terminal wraps them itself.
console = Console(stderr=True, soft_wrap=True)
PIPE_WIDTH = 200  # columns of a table written to a file or a pipe


def stdout_console() -> Console:
    """Standard output for tables and hits: a terminal's width, else (a file, a pipe) wide enough
    that a table's cells are not cut to fit 80 columns; ``COLUMNS`` decides where it is set."""
    out = Console()
    if out.is_terminal or os.environ.get("COLUMNS"):
        return out
    return Console(width=PIPE_WIDTH)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def fail(exc: MediasiftError) -> NoReturn:
    console.print(f"[red]error[/red] {getattr(exc, 'code', 'error')}: {exc.message}")
    raise typer.Exit(2)


def announce(message: str, *, markup: str | None = None, level: int = logging.INFO) -> None:
    """A long-running command's line about itself (``serve``'s address, open mode, ``worker``'s
    threads): where the log goes anywhere but a terminal, a log record like the others, in the
    log's format (JSON by default), so a log shipper reads every line of the stream (two plain
    lines had opened every JSON log, and a console log's had no time); for a person at a
    terminal, ``markup`` (``message`` styled)."""
    if not sys.stderr.isatty():
        logging.getLogger("mediasift.cli").log(level, message)
    else:
        console.print(markup or message)
