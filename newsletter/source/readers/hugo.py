"""Hugo files -> Raw: TOML front matter between `+++` lines, or YAML between
`---` lines with Hugo's keys (`draft`, `description`, `summary`, `lastmod`).

In: the file's path and text. Out: `Raw` with the keys lower-cased (Hugo reads
front matter keys without regard to case), each with its line; `draft = true`
makes a draft. https://gohugo.io/content-management/front-matter/
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ...errors import IssueError
from .common import Raw, without_controls
from .jekyll import read_yaml

# Keys only Hugo's YAML front matter uses; Jekyll's has none of them.
HUGO_KEYS = {"draft", "lastmod", "publishdate", "expirydate", "summary", "weight", "aliases",
             "linktitle"}
SHORTCODE = re.compile(r"\{\{[<%]")
TOP_KEY = re.compile(r"^[ \t]*(\"[^\"\n]*\"|'[^'\n]*'|[A-Za-z0-9_-]+)[ \t]*[.=]")
TABLE = re.compile(r"^[ \t]*\[\[?[ \t]*(\"[^\"\n]*\"|'[^'\n]*'|[A-Za-z0-9_-]+)")
YAML_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:", re.M)


def looks_like_yaml(text: str) -> bool:
    """`---` front matter that names a key only Hugo uses, or a body with a
    Hugo shortcode (`{{< figure >}}`, `{{% note %}}`)."""
    end = text.find("\n---", 3)
    front = text[:end] if end > 0 else ""
    keys = {key.lower() for key in YAML_KEY.findall(front)}
    return bool(keys & HUGO_KEYS) or bool(SHORTCODE.search(text))


def read(path: Path, text: str) -> Raw:
    first = text.split("\n", 1)[0].rstrip()
    if first == "+++":
        raw = _read_toml(path, text)
    elif first == "---":
        raw = read_yaml(path, text, "hugo")
    else:   # Hugo builds a page without front matter; so do we
        raw = Raw("hugo", {}, {}, text, 1)
    raw.meta = {key.lower(): value for key, value in raw.meta.items()}
    lowered: dict[str, list[int]] = {}
    for key, lines in raw.key_lines.items():
        lowered.setdefault(key.lower(), []).extend(lines)
    raw.key_lines = {key: sorted(lines) for key, lines in lowered.items()}
    draft = raw.meta.get("draft")
    if draft is True or (isinstance(draft, str) and draft.strip().lower() == "true"):
        raw.published = False
    raw.preheader_keys = ("preheader", "description", "summary")
    return raw


def _read_toml(path: Path, text: str) -> Raw:
    lines = text.split("\n")
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.rstrip() == "+++"), None)
    if end is None:
        raise IssueError(path, 1, "front matter starts with '+++' but has no closing '+++'")
    warnings: list[tuple[int, str, str]] = []
    front = without_controls("\n".join(lines[1:end]), 2, warnings)
    try:
        meta = tomllib.loads(front + "\n")
    except tomllib.TOMLDecodeError as exc:
        # tomllib says where as "(at line 3, column 7)", counted in the front
        # matter, or "(at end of document)": the closing `+++` line.
        where = re.search(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$", str(exc))
        line = (int(where.group(1)) + 1 if where.group(1) else end + 1) if where else 1
        message = str(exc)[:where.start()] if where else str(exc)
        raise IssueError(path, line, f"front matter is not valid TOML: {message}") from None
    return Raw("hugo", meta, _key_lines(lines[1:end]), "\n".join(lines[end + 1:]), end + 2,
               warnings)


def _key_lines(front: list[str]) -> dict[str, list[int]]:
    """The line of each top-level key, and of each table's header. tomllib
    keeps no positions, and refuses a key written twice, so one line each."""
    found: dict[str, list[int]] = {}
    in_table = False
    multiline = None   # the quote that opened a multi-line string
    for i, line in enumerate(front):
        if multiline:
            if line.count(multiline) % 2:
                multiline = None
            continue
        table = TABLE.match(line)
        if table:
            in_table = True
            found.setdefault(table.group(1).strip("\"'"), [i + 2])
            continue
        key = TOP_KEY.match(line)
        if key and not in_table:
            found.setdefault(key.group(1).strip("\"'"), [i + 2])
        for quote in ('"""', "'''"):
            if line.count(quote) % 2:
                multiline = quote
    return found
