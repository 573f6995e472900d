"""Errors and problems, each tied to a file and a line.

Errors stop a build; problems (warnings, infos) are collected and reported
together, like MkDocs' (errors, warnings) with --strict.
"""
from __future__ import annotations

from dataclasses import dataclass

import click


class NewsletterError(click.ClickException):
    """A failure the user can fix; click prints it as `Error: ...` and exits 1."""

    exit_code = 1


class IssueError(NewsletterError):
    """A problem in one input file, reported as `path:line: message`."""

    def __init__(self, path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.detail = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


LEVELS = ("error", "warning", "info")


@dataclass(frozen=True)
class Problem:
    """One finding about an input file. `id` is stable so it can be silenced."""

    path: str
    line: int | None
    level: str
    id: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.level}: {self.message} [{self.id}]"

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "level": self.level,
                "id": self.id, "message": self.message}


class Problems(list):
    """A list of Problem with helpers for the common cases."""

    def warn(self, path, line, id: str, message: str) -> None:
        self.append(Problem(str(path), line, "warning", id, message))

    def info(self, path, line, id: str, message: str) -> None:
        self.append(Problem(str(path), line, "info", id, message))

    def error(self, path, line, id: str, message: str) -> None:
        self.append(Problem(str(path), line, "error", id, message))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self if p.level == "warning"]
