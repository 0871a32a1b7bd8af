"""Shared console helpers: output goes to stdout, progress, logs and warnings to stderr (DESIGN 3.7)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import NoReturn

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)


class OutputFormat(StrEnum):
    """``--format``: ``json`` puts the document alone on stdout (DESIGN 3.7); ``table`` is for people."""

    json = "json"
    table = "table"


out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def print_json(document: object) -> None:
    """``--format json``: the document alone on stdout, indented (DESIGN 3.7)."""
    typer.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` as an error, as it is (a path or a URL with ``[...]`` in it is not markup), and exit."""
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def new_progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


@contextmanager
def step_progress(description: str) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar driven by ``callback(label, done, total)`` calls from library code."""
    with new_progress() as progress:
        task = progress.add_task(description, total=None)

        def callback(label: str, done: int, total: int) -> None:
            progress.update(task, description=f"{description}: {label}", completed=done, total=total)

        yield callback
