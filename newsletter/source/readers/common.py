"""What every reader shares: `Raw`, the shape each one returns, and the
fall-backs for files that don't say their title or date.

In: the text a reader has split off (metadata, body) and the file's path.
Out: `Raw`; a leading heading taken out as the title; a readable title made
from the file name; a `YYYY-MM-DD` found in the file name or its folder.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...config_values import CONTROL

ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
DATE_ANYWHERE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


@dataclass
class Raw:
    """One file as a reader found it, before titles and dates are settled."""
    format: str                               # jekyll, pelican, hugo or markdown
    meta: dict[str, Any]
    key_lines: dict[str, list[int]]           # key -> the lines it is written on
    body: str
    body_line: int                            # line of the file where `body` starts
    warnings: list[tuple[int, str, str]] = field(default_factory=list)
    # Keys that give the preheader, best first.
    preheader_keys: tuple[str, ...] = ("preheader", "description")
    published: bool | None = None             # None: `published` in meta decides
    # Jekyll keeps today's rules: title and date must be written down. The
    # other formats fall back on the first heading, the file name, its time.
    strict: bool = False


def named_controls(text: str) -> str:
    found = sorted(set(CONTROL.findall(text)))
    return ("control character " if len(found) == 1 else "control characters ") + \
        ", ".join(f"U+{ord(c):04X}" for c in found)


def without_controls(front: str, first_line: int, warnings: list) -> str:
    """Metadata as typed, less control characters, each line's reported.
    YAML and TOML refuse them, so they go before parsing."""
    if not CONTROL.search(front):
        return front
    lines = front.split("\n")
    for i, line in enumerate(lines):
        if CONTROL.search(line):
            warnings.append((first_line + i, "control-character",
                             f"{named_controls(line)} removed from the front matter"))
            lines[i] = CONTROL.sub("", line)
    return "\n".join(lines)


def leading_heading(body: str, body_line: int) -> tuple[str, int, str, int] | None:
    """(title, its line, the body after it, where that starts) when the body's
    first text is a heading (`# Title`, or `Title` over `===`), else None."""
    lines = body.split("\n")
    i = next((n for n, line in enumerate(lines) if line.strip()), None)
    if i is None:
        return None
    atx = ATX.match(lines[i])
    if atx and (atx.group(2) or "").strip():
        return atx.group(2).strip(), body_line + i, "\n".join(lines[i + 1:]), body_line + i + 1
    if i + 1 < len(lines) and SETEXT.match(lines[i + 1]) and not lines[i].startswith((" " * 4, "\t")) \
            and not re.match(r"^\s*([-*+]|\d+[.)])\s", lines[i]):
        return lines[i].strip(), body_line + i, "\n".join(lines[i + 2:]), body_line + i + 2
    return None


def readable_name(path: Path) -> str:
    """`issue-402.markdown` -> "Issue 402"; a date in the name is left out,
    so `2018-01-14.md` gives "" (the caller names it after its date)."""
    words = " ".join(w for w in re.split(r"[-_\s.]+", DATE_ANYWHERE.sub(" ", path.stem)) if w)
    return words[:1].upper() + words[1:]


def date_in_path(path: Path) -> tuple[dt.date, str] | None:
    """A `YYYY-MM-DD` anywhere in the file name, else in its folder's name:
    (the date, "file name" or "folder name")."""
    for text, where in ((path.name, "file name"), (path.parent.name, "folder name")):
        for match in DATE_ANYWHERE.finditer(text):
            try:
                return dt.date(*map(int, match.groups())), where
            except ValueError:
                continue
    return None
