"""HTML text -> a list of tokens -> HTML text, unchanged unless a token is edited.

In: the HTML that MJML compiled or an inliner wrote. Out: `Token`s (start tag,
end tag, text, comment, ...) each holding its exact source text, so joining
them gives the input back byte for byte; editing one token re-serialises only
it, with its attributes escaped for an attribute and its text for text.

This is what lets the last steps (writing service tags, preparing a document
for premailer) act on what a thing *is* in the document, never on text that
merely looks like it: a `href="` typed in a sentence is text here, not an
attribute. html.parser from the standard library does the tokenising; its
getpos() gives each token's exact source span.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Token:
    kind: str                     # start | end | text | comment | other
    raw: str                      # exactly as in the source
    tag: str = ""
    attrs: list[tuple[str, str | None]] = field(default_factory=list)
    closed: bool = False          # <br /> rather than <br>

    def set_attrs(self, attrs: list[tuple[str, str | None]]) -> None:
        """Replace the attributes, writing the tag anew with each value escaped."""
        self.set_raw_attrs([(name, None if value is None else escape_attr(value))
                            for name, value in attrs])


    def set_raw_attrs(self, attrs: list[tuple[str, str | None]]) -> None:
        """The same, with values the caller has already escaped for an attribute."""
        self.attrs = attrs
        parts = [self.tag] + [name if value is None else f'{name}="{value}"' for name, value in attrs]
        self.raw = "<" + " ".join(parts) + (" />" if self.closed else ">")


def escape_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


class _Tokenizer(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.tokens: list[Token] = []
        # Offsets of each line's start, to turn getpos() into a string index.
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    # HTMLParser calls these with getpos() at the token's start; `tokenize`
    # cuts the source at the next token's start.
    def handle_starttag(self, tag, attrs):
        self._mark("start", tag=tag, attrs=attrs)

    def handle_startendtag(self, tag, attrs):
        self._mark("start", tag=tag, attrs=attrs, closed=True)

    def handle_endtag(self, tag):
        self._mark("end", tag=tag)

    def handle_data(self, data):
        self._mark("text")

    def handle_entityref(self, name):
        self._mark("text")

    def handle_charref(self, name):
        self._mark("text")

    def handle_comment(self, data):
        self._mark("comment")

    def handle_decl(self, decl):
        self._mark("other")

    def unknown_decl(self, data):
        self._mark("other")

    def handle_pi(self, data):
        self._mark("other")

    def _mark(self, kind: str, **extra) -> None:
        self.tokens.append(Token(kind, "", **extra))
        self.tokens[-1].start = self._offset()   # type: ignore[attr-defined]


def tokenize(source: str) -> list[Token]:
    parser = _Tokenizer(source)
    parser.feed(source)
    parser.close()
    tokens = parser.tokens
    # Each token runs from its start to the next token's start.
    starts = [t.start for t in tokens] + [len(source)]   # type: ignore[attr-defined]
    merged: list[Token] = []
    if tokens and starts[0] > 0:
        merged.append(Token("text", source[:starts[0]]))
    for token, start, end in zip(tokens, starts, starts[1:]):
        token.raw = source[start:end]
        if token.kind == "text" and merged and merged[-1].kind == "text":
            merged[-1].raw += token.raw      # entities and data: one text run
        else:
            merged.append(token)
    return merged


def join(tokens: list[Token]) -> str:
    return "".join(t.raw for t in tokens)


_BREAK_IN_VALUE = re.compile(r"""=\s*"[^"]*[\n\t\r]|=\s*'[^']*[\n\t\r]""")


def _debug_escaped(ch: str) -> bool:
    # What Rust's char::escape_debug rewrites: a backslash, combining marks
    # (grapheme extenders such as a Hindi virama or an emoji's variation
    # selector) and characters that aren't printable (no-break space, ZWJ,
    # direction marks, tab, newline).
    return ch == "\\" or (ch != " " and (not ch.isprintable()
                                           or unicodedata.category(ch) in ("Mn", "Me")))


def protect_attributes(mjml: str) -> str:
    """MJML whose attribute values hold no character mjml-python would mangle.

    mjml-python (1.4.2) writes attribute values through Rust's escape_debug,
    so `alt="cafe\u0301"` comes out as the literal text `cafe\\u{301}` and a
    backslash doubles; the text of <mj-title> becomes the body's aria-label
    the same way. It keeps numeric character references as they are, and
    browsers decode those, so each such character is written as one.
    """
    def refs(text: str) -> str:
        return "".join(f"&#{ord(c)};" if _debug_escaped(c) else c for c in text)

    # Most emails have nothing to protect, and tokenizing costs 4 ms: skip it
    # when no character but line breaks and tabs would be escaped, and none
    # of those is inside a quoted value. Only a shortcut: any doubt tokenizes.
    if not any(map(_debug_escaped, set(mjml) - {"\n", "\t", "\r"})) and \
            not _BREAK_IN_VALUE.search(mjml):
        return mjml
    tokens = tokenize(mjml)
    changed = False
    in_title = False
    for token in tokens:
        if token.kind in ("start", "end") and token.tag == "mj-title":
            in_title = token.kind == "start"
        elif in_title and token.kind == "text" and any(map(_debug_escaped, token.raw)):
            token.raw = refs(token.raw)
            changed = True
        if token.kind == "start" and any(value and any(map(_debug_escaped, value))
                                         for _, value in token.attrs):
            token.set_raw_attrs([(name, None if value is None else refs(escape_attr(value)))
                                 for name, value in token.attrs])
            changed = True
    return join(tokens) if changed else mjml
