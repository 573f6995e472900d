"""How a batch build shows itself: a rich progress bar in a terminal, plain lines otherwise.

In: the number of issues to build, then the problems of each issue as
they are found and each issue as it is done. Out: on a terminal, rich's progress bar on
stderr with each problem printed above it as it comes; elsewhere (a log, CI,
a pipe) one line per issue on stdout and each problem on stderr, so nothing
waits for the end.
"""
from __future__ import annotations

import sys
from typing import Callable


class Lines:
    """One line per issue: `[12/916] built build/x/` or `[13/916] failed issues/y.md`."""

    def __init__(self, total: int, echo: Callable[..., None]):
        self.total, self.done, self.echo = total, 0, echo

    def problems(self, texts: list[str]) -> None:
        for text in texts:
            self.echo(text, err=True)

    def finished(self, text: str) -> None:
        self.done += 1
        self.echo(f"[{self.done}/{self.total}] {text}")

    def close(self) -> None:
        pass


class Bar:
    """rich's progress bar on stderr; problems are printed above it."""

    def __init__(self, total: int):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn)

        self.console = Console(stderr=True, highlight=False)
        self.progress = Progress(TextColumn("building"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=self.console, transient=True)
        self.task = self.progress.add_task("build", total=total)
        self.progress.start()

    def problems(self, texts: list[str]) -> None:
        # One print for an issue's problems, not one each: every print redraws
        # the bar below it, and that was most of the parent's CPU (a core's
        # 7% while two workers build; the corpus has ~7,500 problems).
        if texts:
            self.console.print("\n".join(texts), markup=False, soft_wrap=True)

    def finished(self, text: str) -> None:
        self.progress.advance(self.task)

    def close(self) -> None:
        self.progress.stop()


def reporter(total: int, echo: Callable[..., None], terminal: bool | None = None):
    """The bar when stderr is a terminal, else lines."""
    if terminal is None:
        terminal = sys.stderr.isatty()
    return Bar(total) if terminal and total else Lines(total, echo)
