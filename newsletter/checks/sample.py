"""Sample text left over from `newsletter new` (the `leftover-sample` check).

`newsletter new` writes the `issue.md` template: a few sample sentences and
links, every link under `https://example.org/sample/`. Those are the marks:
an issue that still holds one of the template's body lines, or any link
under `/sample/` on an example domain (in the body or in front matter, such
as an uncommented `RSVP-link`), gets a warning at that line. The template is
read as `new` reads it, a theme's own `issue.md` first, so a group's own
sample text is found too. Headings are left alone ("More to read" is a fair
heading to keep).
"""
from __future__ import annotations

import functools
import re

from ..config import Config
from ..render.html import template_env
from .context import Ctx

SAMPLE_LINK = re.compile(r"https?://(?:www\.)?example\.(?:org|com|net)/sample/[^\s)\]>\"'|]*")
LINK = re.compile(r"https?://[^\s)\]>\"']+")


def sample_body(config: Config) -> tuple[frozenset[str], frozenset[str]]:
    """(the template's sample lines, its links), each line with its spaces collapsed."""
    return _sample_of(template_env(config).get_template("issue.md"))


@functools.lru_cache(maxsize=8)
def _sample_of(template) -> tuple[frozenset[str], frozenset[str]]:
    # By the template object: Jinja makes a new one when the file changes,
    # and rendering the same one again gives the same text.
    return _sample_body(template.render(title='"Sample"', date="2000-01-01", offset="+00:00"))


@functools.lru_cache(maxsize=8)
def _sample_body(text: str) -> tuple[frozenset[str], frozenset[str]]:
    parts = text.split("\n---\n", 1) if text.startswith("---") else ["", text]
    body = parts[-1]
    lines = {" ".join(line.split()) for line in body.splitlines()}
    lines = {line for line in lines if len(line) > 3 and not line.startswith("#")}
    return frozenset(lines), frozenset(LINK.findall(body))


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def leftover_sample(ctx: Ctx) -> None:
    lines, urls = sample_body(ctx.config)
    for i, raw in enumerate(ctx.body):
        line = " ".join(raw.split())
        where = ctx.issue.body_line + i
        if line in lines:
            ctx.add("warning", where, "leftover-sample",
                    f"sample text from newsletter new is still here: {_short(line)!r}; "
                    "replace it or delete it")
            continue
        found = [u for u in LINK.findall(raw) if u in urls or SAMPLE_LINK.fullmatch(u)]
        if found:
            ctx.add("warning", where, "leftover-sample",
                    f"sample link {found[0]} from newsletter new is still here; "
                    "link the real page")
    for key, value in ctx.issue.meta.items():
        if isinstance(value, str) and SAMPLE_LINK.search(value):
            ctx.add("warning", ctx.issue.line_of(key), "leftover-sample",
                    f"{key} is the sample link {SAMPLE_LINK.search(value).group(0)} from "
                    "newsletter new; link the real page")
