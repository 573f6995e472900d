"""Pelican / MultiMarkdown files -> Raw: `Key: value` lines, a blank line, the body.

In: the file's path and text. Out: `Raw` with the keys lower-cased, as Pelican
reads them (`Title`, `Date`, `Summary`, `Status`, `Tags`, ...), each with its
line. A value may go on over lines indented by four spaces or a tab, as in
Python-Markdown's meta extension, which Pelican uses:
https://python-markdown.github.io/extensions/meta_data/
"""
from __future__ import annotations

import re
from pathlib import Path

from .common import Raw, without_controls

# A key as MultiMarkdown allows it: letters, digits, `_`, `-` and spaces.
KEY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9 _-]{0,60}):(?:[ \t]+(.*?))?[ \t]*$")
MORE = re.compile(r"^(?: {4,}|\t)[ \t]*(\S.*?)[ \t]*$")
# Keys that make a `Key: value` block metadata rather than a sentence with a colon.
SIGNS = {"title", "date"}
LISTS = {"tags", "authors", "keywords"}
# Pelican's statuses that keep an article out of the site.
HIDDEN = {"draft", "hidden", "skip"}


def _block(lines: list[str]) -> tuple[list[tuple[str, list[str], int]], int]:
    """The metadata block at the top: (key, value lines, line) each, and how
    many lines of the file it and the blank line after it take."""
    found: list[tuple[str, list[str], int]] = []
    for i, line in enumerate(lines):
        if not line.strip():
            return found, i + 1 if found else 0
        key = KEY.match(line)
        more = MORE.match(line)
        if found and more:
            found[-1][1].append(more.group(1))
        elif key:
            found.append((key.group(1).strip().lower(), [key.group(2) or ""], i + 1))
        else:
            return found, i
    return found, len(lines)


def looks_like(text: str) -> bool:
    """Whether the file starts with a metadata block naming a title or a date,
    and nothing but `Key: value` lines before its blank line."""
    head = text.split("\n", 60)[:60]
    found, used = _block(head)
    if not found:
        return False
    # A blank line must end the block: "Note: we moved." then text is prose.
    ended = used < len(head) and (used == 0 or not head[used - 1].strip())
    return ended and any(key in SIGNS for key, _, _ in found)


def read(path: Path, text: str) -> Raw:
    warnings: list[tuple[int, str, str]] = []
    lines = text.split("\n")
    found, used = _block(lines)
    meta: dict = {}
    key_lines: dict[str, list[int]] = {}
    for key, parts, line in found:
        value = without_controls(" ".join(p for p in parts if p), line, warnings)
        if key in LISTS:
            # Pelican splits on ";" when there is one, so "Smith, Jane; Doe, Jo" works.
            value = [v.strip() for v in value.split(";" if ";" in value else ",") if v.strip()]
        elif key in ("date", "modified"):
            value = _date_text(value)
        meta[key] = value
        key_lines.setdefault(key, []).append(line)
    status = str(meta.get("status", "")).strip().lower()
    return Raw("pelican", meta, key_lines, "\n".join(lines[used:]), used + 1, warnings,
               preheader_keys=("preheader", "summary", "description"),
               published=False if status in HIDDEN else None)


def _date_text(value: str) -> str:
    """Pelican's `2024/09/04 10:20` as `2024-09-04 10:20`, which the date
    reader knows; anything else is left for it to refuse at its line."""
    match = re.match(r"^(\d{4})/(\d{1,2})/(\d{1,2})\b", value)
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}{value[match.end():]}" \
        if match else value
