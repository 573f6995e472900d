"""Placeholders and template-like text -> markers that nothing can forge.

In: text from an issue (its body, front matter, event fields) or a template.
Out: the same text in which each `[[name|fallback]]` the writer typed, and
each piece of text that looks like a mailing service's template syntax
(`{{ x }}`, `{% x %}`, `*|X|*`, `{$x}`), is a marker: one word of letters and
digits that carries the typed value (`Placeholder` or `Literal`). Nothing here
knows which service is used; render/platforms.py turns markers into that
service's tags, escaped for where they land, as the very last step.

A marker survives Markdown, Jinja autoescaping, MJML, either CSS inliner and
line wrapping untouched, because it is a plain word. It is unforgeable because
it carries NONCE, a random value made once per process: text that merely looks
like a marker (`PHQ...QHP` from an older version, or a guess) is not decoded,
and an input that contains the nonce itself is refused by `refuse_nonce`.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from ..errors import IssueError

NAMES = ("unsubscribe_url", "view_online_url", "first_name")
# One line only: an unterminated `[[first_name|` must never reach the footer's
# `]]` and swallow what lies between (unsubscribe link included).
# Each part is bounded and no two neighbours can match the same text (the
# fallback's spaces are stripped in code), so the scan stays linear.
PLACEHOLDER = re.compile(r"\[\[[ \t]{0,20}([a-z_]{1,40})[ \t]{0,20}(?:\|([^\]|\n]{0,200}))?\]\]")
# A `[[` that starts a known name; unterminated when no PLACEHOLDER covers it.
STARTS = re.compile(r"\[\[[ \t]{0,20}(?:%s)\b" % "|".join(NAMES))
# The template syntax of every supported service. Bounded repetitions keep
# the scan linear on a megabyte-long line full of `{{`: an unbounded `.*?`
# would rescan the rest of the line from every opener.
LITERAL = re.compile(r"\{\{(?:(?!\}\})[^\n]){0,200}\}\}|\{%(?:(?!%\})[^\n]){0,200}%\}"
                     r"|\{\{|\{%|\{#|\*\|[A-Z][A-Z0-9_:]{0,60}\|\*|\{\$[A-Za-z_][^{}\n]{0,60}\}")
# A square-bracketed tag as Sendy writes them ([Email], [unsubscribe],
# [Company,fallback=friend]): a word starting with a letter, or a name with
# `,fallback=` (Sendy's custom fields; the closing `]` optional, as the name
# and `,fallback=` are what would be read). Only looked for in text that has
# been parsed, or in a one-line field: in raw Markdown `[text](url)` is a link.
BRACKETED = re.compile(r"\[(?:[^\[\]\n,\u200c]{1,60},[ \t]{0,5}fallback=[^\[\]\n]{0,100}\]?"
                       r"|[A-Za-z][\w-]{0,40}\])")
ANY_LITERAL = re.compile(LITERAL.pattern + "|" + BRACKETED.pattern)
# An opener or closer of any service's syntax, on its own.
OPENER = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}|\*\||\|\*|\{\$")
# A fallback is written inside each service's quoting; these would end it.
UNSAFE_FALLBACK = re.compile(r"[\"'{}\[\]*|%$\\`<>&\x00-\x1f\x7f]")

NONCE = secrets.token_hex(8)
MARKER = re.compile(r"PHQ" + NONCE + r"([0-9a-f]+)QHP")


@dataclass(frozen=True)
class Placeholder:
    """`[[name|fallback]]`: a service's merge tag, chosen when rendering."""
    name: str
    fallback: str | None = None

    @property
    def seen(self) -> str:
        """What a reader with no data for the tag sees (for measuring lengths)."""
        return self.fallback if self.fallback is not None else self.name


@dataclass(frozen=True)
class Literal:
    """Text from the content that a service would try to evaluate."""
    text: str

    @property
    def seen(self) -> str:
        return self.text


@dataclass(frozen=True)
class Found:
    """Where the writer put a placeholder or template-like text, for messages."""
    value: Placeholder | Literal
    path: str
    line: int | None
    source: str          # as typed, e.g. "[[first_name|friend]]"


def mark(value: Placeholder | Literal) -> str:
    kind = "l" if isinstance(value, Literal) else "p"
    raw = value.text if isinstance(value, Literal) else \
        value.name + ("" if value.fallback is None else "|" + value.fallback)
    return f"PHQ{NONCE}{(kind + raw).encode().hex()}QHP"


def value_of(marker_hex: str) -> Placeholder | Literal:
    raw = bytes.fromhex(marker_hex).decode()
    kind, raw = raw[0], raw[1:]
    if kind == "l":
        return Literal(raw)
    name, bar, fallback = raw.partition("|")
    return Placeholder(name, fallback if bar else None)


def readable(text: str) -> str:
    """`text` with each marker as a reader might see it, for measuring lengths."""
    return MARKER.sub(lambda m: value_of(m.group(1)).seen, text)


def plain(text: str) -> str:
    """`text` as typed, for places no service templates (calendar files and links)."""
    def typed(match: re.Match) -> str:
        value = value_of(match.group(1))
        return value.text if isinstance(value, Literal) else (value.fallback or "")
    return MARKER.sub(typed, text)


def preview(text: str) -> str:
    """Text for the inbox preview: a first name stays a marker, links go."""
    def keep(match: re.Match) -> str:
        value = value_of(match.group(1))
        if isinstance(value, Literal):
            return match.group(0)
        return match.group(0) if value.name == "first_name" else ""
    return MARKER.sub(keep, text)


def refuse_nonce(issue) -> None:
    """An input that holds this process's nonce could forge a marker: refuse it."""
    line = None
    if NONCE in issue.body:
        line = issue.body_line + issue.body[:issue.body.index(NONCE)].count("\n")
    else:
        line = next((issue.line_of(key) for key, value in issue.meta.items()
                     if NONCE in repr(value)), None)
        if line is None and NONCE not in repr(issue.meta):
            return
    raise IssueError(issue.display, line or 1, "this file contains the build's internal "
                     "marker value; rename that text (this is almost certainly an attack)")


def _fallback(raw: str | None) -> str | None:
    return None if raw is None else raw.strip(" \t")


def mark_template(text: str) -> str:
    """A template's `[[name]]` placeholders as markers; unknown names stay text."""
    def swap(match: re.Match) -> str:
        name, fallback = match.group(1), _fallback(match.group(2))
        return mark(Placeholder(name, fallback)) if name in NAMES else match.group(0)
    return PLACEHOLDER.sub(swap, text)


class Marker:
    """Marks the placeholders and literals of one issue's text, recording each.

    Unknown names and unsafe fallbacks are errors with the file's line; an
    unterminated `[[name` is left as text, with a warning.
    """

    def __init__(self, path: str, problems):
        self.path = path
        self.problems = problems
        self.found: list[Found] = []

    def placeholders(self, text: str, line_at) -> str:
        """`line_at(offset)` gives the file line of a position in `text`."""
        closed = {match.start() for match in PLACEHOLDER.finditer(text)}
        for match in STARTS.finditer(text):
            if match.start() not in closed:
                self.problems.warn(self.path, line_at(match.start()), "placeholder",
                                   f"{match.group(0)!r} is not closed with ]] on the same "
                                   "line; it is left as text")

        def swap(match: re.Match) -> str:
            name, fallback = match.group(1), _fallback(match.group(2))
            line = line_at(match.start())
            if name not in NAMES:
                raise IssueError(self.path, line, f"unknown placeholder {match.group(0)}; "
                                 "use one of: " + ", ".join(f"[[{n}]]" for n in NAMES))
            if fallback and UNSAFE_FALLBACK.search(fallback):
                raise IssueError(self.path, line, f"the fallback in {match.group(0)} "
                                 "can't contain quotes, brackets, braces or * | % $ \\ ` < > &")
            value = Placeholder(name, fallback)
            self.found.append(Found(value, self.path, line, match.group(0)))
            return mark(value)
        return PLACEHOLDER.sub(swap, text)

    def literals(self, text: str, line: int | None, typed: bool = False,
                 brackets: bool = True) -> str:
        """Template-like text in an already parsed string as Literal markers.

        `typed`: the text has been parsed, so a `[[name]]` in it was typed to
        be shown (as `\\[\\[name\\]\\]` or `&#91;&#91;`), not to be filled in.
        `brackets`: look for `[Email]`-like tags too; False for raw Markdown.
        """
        def swap(match: re.Match) -> str:
            found = match.group(0)
            inside = MARKER.search(found)
            if inside and found.startswith("["):
                # `[Company,fallback=[[first_name]]]`: the placeholder stays
                # one; the custom-field syntax before it is text.
                found, rest = found[:inside.start()], found[inside.start():]
                if len(found) < 2:
                    return match.group(0)
                self.found.append(Found(Literal(found), self.path, line, found))
                return mark(Literal(found)) + rest
            if inside:
                # `{{ [[first_name]] }}`: the placeholder stays one; only the
                # syntax around it is text.
                return OPENER.sub(lambda m: mark(Literal(m.group(0))), found)
            self.found.append(Found(Literal(found), self.path, line, found))
            return mark(Literal(found))
        if typed and "[[" in text:
            text = PLACEHOLDER.sub(lambda m: mark(Literal(m.group(0))), text)
        if brackets and "[" in text:
            return ANY_LITERAL.sub(swap, text)
        return LITERAL.sub(swap, text) if ("{" in text or "*|" in text) else text

    def nodes(self, nodes: list, line: int | None) -> list:
        """Literals in parsed nodes' text and attribute values, in place.

        Parsing decodes `&#123;&#123;` and `\\{\\{` to `{{`, so template-like
        text is looked for again after parsing, in what readers will see.
        """
        stack = [nodes]
        while stack:
            children = stack.pop()
            for i, node in enumerate(children):
                if isinstance(node, str):
                    children[i] = self.literals(node, line, typed=True)
                else:
                    node.attrs = {k: self.literals(v, line) for k, v in node.attrs.items()}
                    stack.append(node.children)
        return nodes

    def both(self, text: str, line: int | None) -> str:
        """A one-line field (title, location, ...): placeholders, then literals."""
        return self.literals(self.placeholders(text, lambda _: line), line)
