"""Jekyll files -> Raw: YAML front matter between `---` lines, then the body.

In: the file's path and text. Out: `Raw` with the front matter's values and
each key's lines (a key written twice keeps both, as YAML silently keeps the
last). Hugo's YAML front matter is read here too (readers/hugo.py).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ...errors import IssueError
from ..yaml_errors import plain_yaml_error
from ..yaml_load import LenientDates, TooBig, check_aliases, fast_load, lines_of
from .common import Raw, without_controls

CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(\s|$)")


def read(path: Path, text: str) -> Raw:
    """Today's issue files: `published: false` is a draft, and the title and
    date must be written (the date may instead start the file name)."""
    raw = read_yaml(path, text, "jekyll")
    raw.strict = True
    return raw


def read_yaml(path: Path, text: str, format: str) -> Raw:
    front, body, body_line = split_front_matter(path, text)
    warnings: list[tuple[int, str, str]] = []
    if front is None:
        return Raw(format, {}, {}, body, body_line, warnings)
    meta, key_lines = parse_front_matter(path, without_controls(front, 2, warnings))
    return Raw(format, meta, key_lines, body, body_line, warnings)


def split_front_matter(path: Path, text: str) -> tuple[str | None, str, int]:
    """Return (front matter, body, line where body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, text, 1
    for i, line in enumerate(lines[1:], start=1):
        if CONFLICT.match(line):
            raise IssueError(path, i + 1, "merge-conflict marker in front matter; "
                             "keep one side of the conflict and delete the markers")
        if line.rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    raise IssueError(path, 1, "front matter starts with '---' but has no closing '---'")


def _key_lines(front: str) -> dict[str, list[int]]:
    """Each key's lines in the file; more than one when it is written twice,
    which YAML allows silently, keeping the last."""
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    return lines_of(node)


class _Loader(LenientDates, yaml.SafeLoader):
    """SafeLoader, except that an impossible date such as 2026-13-45 stays a
    string (see LenientDates), and aliases may not make the front matter much
    bigger, or contain themselves."""

    def compose_document(self):
        node = super().compose_document()
        if node is not None:
            check_aliases(node)
        return node


_Loader.add_constructor("tag:yaml.org,2002:timestamp", LenientDates.construct_yaml_timestamp)


def parse_front_matter(path: Path, front: str) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The front matter's values, and the lines each key is written on."""
    try:
        fast = fast_load(front)
    except TooBig as exc:
        raise IssueError(path, exc.line, str(exc)) from None
    if fast is not None:
        meta, key_lines = fast
        if meta is None:
            return {}, {}
        if not isinstance(meta, dict):
            raise IssueError(path, 2, "front matter must be 'key: value' lines")
        return {str(k): v for k, v in meta.items()}, key_lines
    # libyaml refused it: the pure-Python loader reads it again, for messages
    # and lines that say what is wrong.
    loader = _Loader(front)
    try:
        meta = loader.get_single_data()
    except TooBig as exc:
        raise IssueError(path, exc.line, str(exc)) from None
    except RecursionError:
        # PyYAML composes nested values recursively: `a: [[[[...` 1,000 deep.
        raise IssueError(path, loader.line + 2, "front matter is nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark else 1
        if isinstance(exc, yaml.reader.ReaderError):
            # A character YAML can't read has a position, not a mark.
            line = front.count("\n", 0, exc.position) + 2
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None) or ""
        plain, line = plain_yaml_error(problem, context, line, exc)
        raise IssueError(path, line, f"front matter is not valid YAML: {plain}"
                         f"{' (YAML says: ' + problem + ')' if plain != problem else ''}") from None
    finally:
        loader.dispose()
    if meta is None:
        return {}, {}
    if not isinstance(meta, dict):
        raise IssueError(path, 2, "front matter must be 'key: value' lines")
    return {str(k): v for k, v in meta.items()}, _key_lines(front)
