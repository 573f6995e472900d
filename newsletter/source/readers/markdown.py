"""Plain Markdown files -> Raw: no metadata at all, the whole file is the body.

In: the file's path and text. Out: `Raw` with no keys; source/issue.py then
takes the title from a leading heading or the file name, and the date from
the file name, its folder or its modification time.
"""
from __future__ import annotations

from pathlib import Path

from ...errors import IssueError
from .common import Raw


def read(path: Path, text: str) -> Raw:
    if not text.strip():
        raise IssueError(path, 1, "the file is empty")
    return Raw("markdown", {}, {}, text, 1)
