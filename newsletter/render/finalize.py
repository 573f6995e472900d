"""Text or HTML holding markers -> the same with the service's tags written in.

In: a rendered part (the text part, the subject, the HTML, the MJML) and the
service's Platform. Out: that part as the service must receive it, and the
placeholders the service has no tag for. This is the only place a service's
tag syntax is written, and it is written last:

- a Placeholder becomes the service's tag, byte for byte (tags and fallbacks
  hold no `"`, `&`, `<` or `>`, so they need no escaping in HTML);
- a Literal (text from the content that looks like template syntax) comes
  out as readers should see it: in HTML with `{ } % | $ * # [ ]` as character
  references, which no template engine reads; in text with the service's
  own escape, or an invisible ZWNJ inside each opener;
- any template-like text that reached a part unmarked (joined from two
  pieces by the text renderer, or from newsletter.toml) is escaped the same
  way, so the output, not only the input, is what is guarded;
- a character of the content touching a tag (`{` before `{{ x }}`) is
  separated from it, so the two can't join into other syntax.

HTML is handled as tokens (render/tokens.py): only text and attribute values
are touched, each escaped for where it stands.
"""
from __future__ import annotations

import re

from ..content.placeholders import BRACKETED, LITERAL, MARKER, PLACEHOLDER, Literal, value_of
from .platforms import ZWNJ, Platform, evaluated, tag_for
from .tokens import escape_attr, tokenize

# Characters that, next to a tag's first or last character, could make syntax.
TOUCH_BEFORE = set("{*|%$#[")
TOUCH_AFTER = set("}*|%#]")
# In HTML, every character that starts or ends some service's syntax, as a
# character reference: `&#123;&#123; x &#125;&#125;` reads `{{ x }}` on screen.
_HTML_SPECIAL = {ord(c): f"&#{ord(c)};" for c in "{}%|$*#[]"}
_SPECIAL_OR_REF = re.compile(r"&#?\w{1,32};|[{}%|$*#\[\]]")
# Raw (unescaped) content text that is, or touches, template syntax.
# A lone `*|` or `{$` too: next to a tag it could pair with the tag's own closer.
_UNMARKED = re.compile(LITERAL.pattern + "|" + PLACEHOLDER.pattern + "|" + BRACKETED.pattern
                       + r"|\*\||\{\$")
SKIP_TEXT_IN = {"style", "script", "mj-style", "mj-raw"}


def literal_text(platform: Platform, text: str) -> str:
    """Template-like text from the content, as this service prints it in text."""
    if text.startswith("[["):
        return "[" + ZWNJ + text[1:]   # our own syntax, typed to be shown
    if not evaluated(platform, text):
        return text
    if platform.text_escape:
        table = platform.text_escape
        pattern = re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True))))
        return pattern.sub(lambda m: table[m.group(0)], text)
    # No documented escape: a ZWNJ after every character that starts an
    # opener, so `{{{` can't keep a `{{` either.
    return re.sub(platform.breaks, "\\1" + ZWNJ, text)


def literal_html(text: str) -> str:
    """Text, escaped for HTML text or a double-quoted attribute, syntax characters too."""
    return escape_attr(text).translate(_HTML_SPECIAL)


class _Writer:
    """Writes one part, collecting the placeholders the service lacks."""

    def __init__(self, platform: Platform, config, html: bool):
        self.platform = platform
        self.config = config
        self.html = html
        self.missing: list[str] = []

    def value(self, match: re.Match) -> tuple[str, bool]:
        """What a marker becomes, and whether it is a service's tag."""
        value = value_of(match.group(1))
        if isinstance(value, Literal):
            return self.literal(value.text), False
        tag = tag_for(self.platform, value.name, value.fallback, self.config)
        if self.platform.filled:
            seen = tag if tag is not None else ("" if value.name == "first_name" else "#")
            return (escape_attr(seen) if self.html else seen), False
        if tag is None:
            if value.name not in self.missing:
                self.missing.append(value.name)
            # A first name nobody can fill is better blank than a visible [[...]].
            return ("" if value.name == "first_name" else f"[[{value.name}]]"), False
        if self.platform.tags.get(value.name) is None:
            # A configured URL or a plain fallback is data, not a tag.
            return (escape_attr(tag) if self.html else tag), False
        return tag, True

    def plain(self, text: str) -> str:
        """Content text between markers (already escaped, in HTML)."""
        if "{" not in text and "*|" not in text and "[" not in text:
            return text
        return _UNMARKED.sub(lambda m: self.literal(m.group(0), escaped=True), text)

    def literal(self, text: str, escaped: bool = False) -> str:
        """Template-like text as readers should see it; `escaped`: already HTML."""
        if not text.startswith("[[") and not evaluated(self.platform, text):
            return text if escaped or not self.html else escape_attr(text)
        if not self.html:
            return literal_text(self.platform, text)
        if not escaped:
            return literal_html(text)
        # Already HTML: leave its character references (`&#39;`) whole.
        return _SPECIAL_OR_REF.sub(lambda m: m.group(0).translate(_HTML_SPECIAL)
                                   if len(m.group(0)) == 1 else m.group(0), text)

    def write(self, text: str, escape_plain=None) -> str:
        """`text` with each marker written; `escape_plain` escapes the text between."""
        escape = escape_plain or (lambda piece: piece)
        segments: list[list] = []     # [is a tag or text-part value, written]
        at = 0
        for match in MARKER.finditer(text):
            segments.append([False, self.plain(escape(text[at:match.start()]))])
            written, is_tag = self.value(match)
            segments.append([is_tag or not self.html, written])
            at = match.end()
        segments.append([False, self.plain(escape(text[at:]))])
        for i, (touchy, written) in enumerate(segments):
            if not touchy or not written:
                continue
            before, after = segments[i - 1], segments[i + 1]
            if before[1] and before[1][-1] in TOUCH_BEFORE and not before[0]:
                last = before[1][-1]
                before[1] = before[1][:-1] + (f"&#{ord(last)};" if self.html else last + ZWNJ)
            if after[1] and after[1][0] in TOUCH_AFTER and not after[0]:
                first = after[1][0]
                after[1] = (f"&#{ord(first)};" if self.html else ZWNJ + first) + after[1][1:]
        return "".join(written for _, written in segments)


def finalize_text(text: str, platform: Platform, config) -> tuple[str, list[str]]:
    """A text part, subject or preheader with the service's tags written in."""
    writer = _Writer(platform, config, html=False)
    return writer.write(text), writer.missing


def finalize_html(document: str, platform: Platform, config) -> tuple[str, list[str]]:
    """The HTML (or MJML) with each marker written for where it stands.

    Only tokens holding a marker or template-like text are rewritten; the
    rest stays byte for byte as the compiler and inliner wrote it. Markers
    anywhere else (a comment, a tag name) are left for the gate, which
    refuses them.
    """
    return finalize_tokens(tokenize(document), platform, config)


def finalize_tokens(tokens: list, platform: Platform, config) -> tuple[str, list[str]]:
    """finalize_html for a document already tokenized (and perhaps edited).

    The tokens are left as they are, so the same ones can be written again
    for another platform (the web version, the preview's filled tags).
    """
    writer = _Writer(platform, config, html=True)
    out = []
    append = out.append
    parent = ""
    for token in tokens:
        raw = token.raw
        kind = token.kind
        if kind == "text":
            # Text with no marker and none of `{ *| [` comes out of write() as
            # it went in, and most does: skip the call.
            if parent not in SKIP_TEXT_IN and _needs(raw):
                raw = writer.write(raw)
        elif kind == "start":
            parent = token.tag
            # The raw tag first: a template engine reads the bytes, so a `{`
            # written as `&#123;` is no syntax, and most tags hold nothing to write.
            if _needs(raw) and any(v and _needs(v) for _, v in token.attrs):
                raw = token.written([(name, None if value is None else
                                      writer.write(value, escape_plain=escape_attr))
                                     for name, value in token.attrs])
        elif kind == "end":
            parent = ""
        append(raw)
    return "".join(out), writer.missing


def _needs(value: str) -> bool:
    return "PHQ" in value or "{" in value or "*|" in value or "[" in value
