"""Errors and problems, each tied to a file and a line.

Errors stop a build; problems (warnings, infos) are collected and reported
together, like MkDocs' (errors, warnings) with --strict.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import click


def display_path(path) -> str:
    """A path as the user would type it: relative to where they are, if inside."""
    text = str(path)
    if not os.path.isabs(text):
        return text
    try:
        rel = os.path.relpath(text)
    except ValueError:   # another drive on Windows
        return text
    return text if rel.startswith("..") else rel


class NewsletterError(click.ClickException):
    """A failure the user can fix; click prints it as `Error: ...` and exits 1."""

    exit_code = 1


class UsageError(NewsletterError, click.UsageError):
    """Options that contradict each other: click shows the usage and exits 2."""

    exit_code = 2


class IssueError(NewsletterError):
    """A problem in one input file, reported as `path:line: message`."""

    def __init__(self, path, line: int | None, message: str):
        self.path = display_path(path)
        self.line = line
        self.detail = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


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
        self.append(Problem(display_path(path), line, "warning", id, message))

    def info(self, path, line, id: str, message: str) -> None:
        self.append(Problem(display_path(path), line, "info", id, message))

    def error(self, path, line, id: str, message: str) -> None:
        self.append(Problem(display_path(path), line, "error", id, message))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self if p.level == "warning"]


# Every id a problem can carry, for checking `ignore` lists; the README
# lists each with its level and an example (tests hold both to the code).
# The build, config and digest emit the ids not found in checks/.
IDS = ("input", "config-key", "markup", "link-scheme", "relative-link", "event-date",
       "front-matter-type", "platform-tag", "size",
       "link-text", "http-link", "link-mailto", "link-broken", "link-space", "link-paren",
       "link-duplicate", "image-alt", "image-size", "event-past", "date-past",
       "leftover-liquid", "leftover-todo", "leftover-heading", "leftover-item",
       "subject-length", "preheader", "front-matter-key",
       "postal-address", "required-tag", "template-syntax", "digest", "unsafe-output",
       "placeholder", "control-character", "event-title", "calendar", "leftover-sample",
       "date-weekday", "issue-format", "bidi-control")


def ignore_list(value) -> list[str]:
    """An `ignore` setting (one id or a list) as a list of patterns."""
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def unknown_id(id: str) -> str:
    """A message when `id` (or a pattern like link-*) names no check, else ''."""
    import difflib   # only for `ignore` lists: `newsletter --help` goes without
    import fnmatch

    if any(fnmatch.fnmatchcase(known, id) for known in IDS):
        return ""
    close = difflib.get_close_matches(id, list(IDS), n=1)
    return f"unknown check id '{id}'" + (f"; did you mean '{close[0]}'?" if close else "")


def summary(problems: Problems, files: int) -> str:
    """`2 errors, 1 warning, 0 info in 3 files`."""
    def count(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 or word == "info" else "s")
    infos = sum(p.level == "info" for p in problems)
    return (f"{count(len(problems.errors), 'error')}, {count(len(problems.warnings), 'warning')}, "
            f"{count(infos, 'info')} in {count(files, 'file')}")
