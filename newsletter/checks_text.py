"""Checks that read the issue's text line by line: stale dates and leftovers.

Split from checks.py, which holds `Ctx` and runs every check; these only use
the `Ctx` they are given (its visible body lines, `add` and `all_blocks`).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from . import platforms
from .content import Item
from .markup import Element, text_of, walk

if TYPE_CHECKING:
    from .checks import Ctx

LIQUID = re.compile(r"\{%-?\s*(.*?)\s*-?%\}|\{\{-?\s*(.*?)\s*-?\}\}")
TODO = re.compile(r"\b(TODO|TK|XXX+|FIXME)\b|\b(?i:lorem ipsum)\b")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
_MONTH = r"(%s|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?" % "|".join(MONTHS)
DATE = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!:|\d)"
                  rf"(?:\s*(?:-|–|—|to|through|until)\s*(?:{_MONTH}\s+)?(\d{{1,2}})\b)?"
                  r"(?:,?\s+(\d{4})\b)?")
# Words that say a sentence looks back on purpose ("thanks to all who came").
RECAP = re.compile(r"\b(was|were|held|happened|attended|came|joined|thanks?|recap|last|ago|"
                   r"took place|did|had)\b", re.I)
DATE_WINDOW = 60   # days: older dates are history, not a stale announcement


# -- dates -------------------------------------------------------------------

def date_past(ctx: Ctx) -> None:
    today = ctx.issue.day
    for i, text in enumerate(ctx.text):
        for match in DATE.finditer(text):
            # A range counts by its end: "July 24-26", "July 30 - August 2".
            month = _month(match.group(3) or match.group(1))
            day = int(match.group(4) or match.group(2))
            year = int(match.group(5)) if match.group(5) else today.year
            try:
                when = dt.date(year, month, day)
            except ValueError:
                continue
            sentence = re.split(r"(?<=[.!?])\s", text[:match.start()])[-1] + \
                re.split(r"[.!?](\s|$)", text[match.start():])[0]
            if 0 < (today - when).days <= DATE_WINDOW and not RECAP.search(sentence):
                ctx.add("info", ctx.issue.body_line + i, "date-past",
                        f"{match.group(0).strip()!r} is before the issue date "
                        f"({today:%B} {today.day}); is it still news?")


def _month(name: str) -> int:
    return next(n for n, full in enumerate(MONTHS, 1) if full.lower().startswith(name[:3].lower()))


# -- leftovers ---------------------------------------------------------------

def leftovers(ctx: Ctx) -> None:
    tags = {tag: name for p in platforms.PROFILES.values() for name, tag in p.tags.items() if tag}
    for i, text in enumerate(ctx.text):
        line = ctx.issue.body_line + i
        for match in LIQUID.finditer(text):
            name = tags.get(match.group(0).strip())
            hint = f"; write [[{name}]] instead" if name else ""
            ctx.add("warning", line, "leftover-liquid",
                    f"template tag {match.group(0)[:50]!r} will show as text in the email{hint}")
        for match in TODO.finditer(text):
            ctx.add("warning", line, "leftover-todo", f"{match.group(0)!r} left in the text")
    for key in ("title", "subject", "preheader", "description"):
        value = ctx.issue.meta.get(key)
        if isinstance(value, str) and TODO.search(value):
            ctx.add("warning", ctx.issue.line_of(key), "leftover-todo",
                    f"{TODO.search(value).group(0)!r} left in {key}")
    if ctx.content is None:
        return
    for block in ctx.all_blocks():
        if block.kind == "heading" and not text_of(block.nodes).strip():
            ctx.add("warning", block.line, "leftover-heading", "empty heading")
        for item in block.items:
            if not _has_content(item):
                ctx.add("warning", item.line, "leftover-item", "empty list item")


def _has_content(item: Item) -> bool:
    return bool(re.search(r"\w", text_of(item.nodes))) or any(
        isinstance(el, Element) and el.tag == "img" for el in walk(item.nodes))
