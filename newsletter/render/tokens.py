"""HTML text -> a list of tokens -> HTML text, unchanged unless a token is edited.

In: the HTML that MJML compiled or an inliner wrote. Out: `Token`s (start tag,
end tag, text, comment, ...) each holding its exact source text, so joining
them gives the input back byte for byte; editing one token re-serialises only
it, with its attributes escaped for an attribute and its text for text.

This is what lets the last steps (writing service tags, preparing a document
for premailer) act on what a thing *is* in the document, never on text that
merely looks like it: a `href="` typed in a sentence is text here, not an
attribute.

Why by hand: the tokenizer follows the tokenization rules of the HTML
standard (https://html.spec.whatwg.org/multipage/parsing.html#tokenization)
for the states an email reaches: data, tag open, end tag open, tag name,
attribute name and value (double-, single- and unquoted), self-closing,
markup declarations, comments (with `--!>` and the abrupt `<!-->`), bogus
comments, and the RAWTEXT/RCDATA content of `style`, `script`, `title` and
the like. A script is read as RAWTEXT, without the standard's extra states
for `<!--` inside scripts: no email may hold a script, and the gate
refuses one wherever it stands.

The standard library's html.parser did this job first; it took about 4 ms
for a 27 KB email, run three times an issue, 40% of a batch build (see
benchmarks/results.md), because it calls back into Python for every token
and recomputes line and column positions; this takes 0.9 ms. Libraries that are fast (lexbor,
html5ever, lxml) build a tree and do not give back each token's exact
source text, which is what "unchanged unless edited" needs. Here each token
is one match of one compiled expression, with possessive quantifiers so no
match can backtrack into a reading the standard would not make; attributes
are read only when asked for. tests/test_tokens.py compares the tokens
with html5lib's tokenizer (the standard's, written out in Python) on
generated and real documents. The output gate (render/gate.py) still parses
the finished email with lexbor, so the verdict on what a reader's client
sees never rests on this module.
"""
from __future__ import annotations

import functools
import html
import html.entities
import re
import string
import unicodedata

_WS = "\\t\\n\\f\\r "
# One attribute: a name (its first character may be `=`, `"` or `<`, as the
# standard allows), then perhaps `=` and a value. A value opened by a quote
# runs to the matching quote; one never closed runs to the end, so the tag
# is unterminated, which is the standard's reading too.
_ATTRIBUTE = (f"[^{_WS}/>][^{_WS}/>=]*+"
              f"(?:[{_WS}]*+=[{_WS}]*+(?:\"[^\"]*+\"?|'[^']*+'?|[^{_WS}>\"'][^{_WS}>]*+|(?=>)))?+")


def _tag_body(closed: str) -> str:
    """The rest of a tag after its name, up to its `>`; `closed` names the `/`."""
    return f"(?:[{_WS}]++|/(?!>)|{_ATTRIBUTE})*+(?P<{closed}>/?)>"


# Elements whose content is text up to their own end tag (RAWTEXT, RCDATA,
# script data): the start tag and that text are one match. `plaintext` never ends.
_RAW_TEXT = "style|script|xmp|iframe|noembed|noframes|title|textarea"
_TOKEN = re.compile(
    # In the order of how often they come, for speed; none overlaps another.
    r"(?P<text>(?:[^<]++|<(?![a-zA-Z/!?]))++)"
    rf"|(?P<raw_element>(?P<raw_tag><(?P<raw_name>(?i:{_RAW_TEXT}))(?=[{_WS}/>]){_tag_body('raw_closed')})"
    rf"(?P<raw_text>.*?)(?=(?i:</(?P=raw_name))[{_WS}/>]|\Z))"
    rf"|(?P<plaintext>(?P<plain_tag><(?i:plaintext)(?=[{_WS}/>]){_tag_body('plain_closed')})(?P<plain_text>.*))"
    rf"|(?P<element><(?P<slash>/?)(?P<tag>[a-zA-Z][^{_WS}/>]*+){_tag_body('closed')})"
    r"|(?P<comment><!--(?:>|->|.*?(?:--!?>|\Z)))"
    r"|(?P<doctype><![dD][oO][cC][tT][yY][pP][eE][^>]*+>?)"
    # `<!x>`, `<?x>`, `</1>`: the standard's bogus comments.
    r"|(?P<bogus><(?:!|\?|/(?=[^a-zA-Z>]))[^>]*+>?)"
    r"|(?P<empty_end></>)"
    # A tag that the document ends inside: the standard drops it, so it is
    # nothing any reader sees; kept whole so that joining still gives the input.
    r"|(?P<unterminated></?[a-zA-Z].*+)"
    r"|(?P<lone><)",   # `</` at the very end
    re.DOTALL)
# The element alternative's groups by number: named, each costs a lookup.
_SLASH, _TAG, _CLOSED = (_TOKEN.groupindex[name] for name in ("slash", "tag", "closed"))
# The standard lower-cases names in ASCII only: str.lower() would also turn
# `İ` into two characters (and the Kelvin sign into `k`), and a start tag's
# attributes are read from one character past its name's length.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_ATTRIBUTES = re.compile(
    f"(?P<name>[^{_WS}/>][^{_WS}/>=]*+)"
    f"(?:[{_WS}]*+=[{_WS}]*+(?:\"(?P<dq>[^\"]*+)\"|'(?P<sq>[^']*+)'|(?P<uq>[^{_WS}>\"'][^{_WS}>]*+)|(?=>)))?+")


class Token:
    """One piece of the document; `raw` is exactly its source text until edited."""
    __slots__ = ("kind", "raw", "tag", "closed", "_attrs")

    def __init__(self, kind: str, raw: str, tag: str = "", closed: bool = False):
        self.kind = kind          # start | end | text | comment | other
        self.raw = raw
        self.tag = tag            # lower case, for start and end tags
        self.closed = closed      # <br /> rather than <br>
        self._attrs: list[tuple[str, str | None]] | None = None   # read when first asked for

    @property
    def attrs(self) -> list[tuple[str, str | None]]:
        """A start tag's attributes in order: names lower-cased, values with
        character references decoded (None for a bare name)."""
        if self._attrs is None:
            self._attrs = _read_attrs(self.raw, len(self.tag) + 1) if self.kind == "start" else []
        return self._attrs

    def set_attrs(self, attrs: list[tuple[str, str | None]]) -> None:
        """Replace the attributes, writing the tag anew with each value escaped."""
        self.set_raw_attrs([(name, None if value is None else escape_attr(value))
                            for name, value in attrs])

    def set_raw_attrs(self, attrs: list[tuple[str, str | None]]) -> None:
        """The same, with values the caller has already escaped for an attribute."""
        self._attrs = [(name, None if value is None else unescape_attr(value))
                       for name, value in attrs]
        self.raw = self.written(attrs)

    def written(self, attrs: list[tuple[str, str | None]]) -> str:
        """This tag written anew with `attrs` (values already escaped); the token is unchanged."""
        parts = [self.tag] + [name if value is None else f'{name}="{value}"' for name, value in attrs]
        return "<" + " ".join(parts) + (" />" if self.closed else ">")

    def __repr__(self) -> str:
        return f"Token({self.kind!r}, {self.raw!r})"


def _lower(name: str) -> str:
    """A tag or attribute name lower-cased in ASCII. An email uses a few
    dozen names: each is translated once (a translate per tag cost as much
    as the regex); a long, hostile one is not kept."""
    return _lower_remembered(name) if len(name) <= 64 else name.translate(_ASCII_LOWER)


@functools.lru_cache(maxsize=1024)
def _lower_remembered(name: str) -> str:
    return name.translate(_ASCII_LOWER)


def _read_attrs(raw: str, start: int) -> list[tuple[str, str | None]]:
    attrs = []
    # The tag's closing `>` or `/>` can't start a name, so it is never read as one.
    for match in _ATTRIBUTES.finditer(raw, start):
        value = match.group("dq")
        if value is None:
            value = match.group("sq")
        if value is None:
            value = match.group("uq")
        if value is None and "=" in match.group(0)[len(match.group("name")):]:
            value = ""   # `a=` before `>`: an empty value
        attrs.append((_lower(match.group("name")),
                      None if value is None else unescape_attr(value)))
    return attrs


_REFERENCE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|([A-Za-z][A-Za-z0-9]*)(;?))")


def unescape_attr(value: str) -> str:
    """An attribute value with its character references decoded as the HTML
    standard decodes them in attributes: html.unescape would also read the
    `&copy` of `?a=1&copy=2` (or of `&copyx`) as ©, which in an attribute
    browsers leave as typed."""
    if "&" not in value:
        return value

    def one(match: re.Match) -> str:
        name, semicolon = match.group(1), match.group(2)
        if name is None:   # numeric: decoded, with or without `;`
            return html.unescape(match.group(0))
        if semicolon:
            return html.entities.html5.get(name + ";", match.group(0))
        # Without `;` only the legacy names count, and not before `=` or a
        # letter or digit (the regex took those into the name already).
        if name in html.entities.html5 and not value.startswith("=", match.end()):
            return html.entities.html5[name]
        return match.group(0)

    return _REFERENCE.sub(one, value)


def escape_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def tokenize(source: str) -> list[Token]:
    """The document's tokens; "".join(t.raw for t in tokens) == source."""
    tokens: list[Token] = []
    append = tokens.append
    for match in _TOKEN.finditer(source):   # the alternatives cover every position
        kind = match.lastgroup
        if kind == "element":
            raw, slash, tag, closed = match.group(0, _SLASH, _TAG, _CLOSED)
            name = _lower(tag)
            if slash:
                append(Token("end", raw, name))
            else:
                append(Token("start", raw, name, closed == "/"))
        elif kind == "text" or kind == "lone":
            if tokens and tokens[-1].kind == "text":   # a lone `<` and what follows: one run
                tokens[-1].raw += match[0]
            else:
                append(Token("text", match[0]))
        elif kind == "raw_element" or kind == "plaintext":
            prefix = "raw" if kind == "raw_element" else "plain"
            start_tag, closed, text = match.group(f"{prefix}_tag", f"{prefix}_closed",
                                                  f"{prefix}_text")
            name = "plaintext" if prefix == "plain" else match["raw_name"].lower()
            append(Token("start", start_tag, name, closed=bool(closed)))
            if text:
                append(Token("text", text))
        elif kind == "comment" or kind == "bogus":
            append(Token("comment", match[0]))
        else:   # doctype, `</>`, a tag the document ends inside
            append(Token("other", match[0]))
    return tokens


def join(tokens: list[Token]) -> str:
    return "".join(t.raw for t in tokens)


# A quoted value holding a line break or tab. Each run stops at the first of
# them, so no value is backtracked through.
_BREAK_IN_VALUE = re.compile(r"""=\s*"[^"\n\t\r]*+[\n\t\r]|=\s*'[^'\n\t\r]*+[\n\t\r]""")


# Characters other than line breaks, tabs and the printable ASCII that
# _debug_escaped passes (all but the backslash).
_NOT_PLAIN = re.compile(r"[^\n\t\r\x20-\x5b\x5d-\x7e]")


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

    # Most emails have nothing to protect: skip the tokenizing when no
    # character but line breaks and tabs would be escaped, and none of those
    # is inside a quoted value. Only a shortcut: any doubt tokenizes. Only
    # the characters that aren't plainly printable ASCII are judged (set(mjml)
    # took 0.1 ms).
    if not any(map(_debug_escaped, set(_NOT_PLAIN.findall(mjml)))) and \
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
