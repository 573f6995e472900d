"""A finished Email -> the reasons it must not be written, if any.

The last line of defence, not the first: the renderer escapes everything it
writes, so a violation found here is a bug in newsletter, and the build
refuses to write rather than send it to every subscriber. The HTML is parsed
by lexbor (selectolax), an HTML5-spec parser that reads markup as browsers
and mail clients do, about fifty times faster than html5lib (0.3 ms against
16 ms for a 21 KB email), which the tests keep as an independent second reader.

What it guarantees of an email that passes, in both parts:
- no script, iframe, object, embed, form, base or meta refresh, no `on*`
  attribute, no javascript:, vbscript: or non-image data: URL, also inside
  Outlook's conditional comments;
- the footer is whole: the configured postal address and the service's
  unsubscribe tag (in an href in the HTML) are there;
- every link of the content is there;
- no marker of ours, no `[[placeholder]]` the service could have filled, and
  no template syntax of the service other than its own tags;
- no control characters other than tab, CR and LF.
"""
from __future__ import annotations

import functools
import re
from urllib.parse import unquote

from ..content.placeholders import NAMES, NONCE, UNSAFE_FALLBACK
from .email import Email
from .finalize import finalize_text
from .platforms import Platform, tag_for

FORBIDDEN = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
             "base", "noembed",
             # Containers whose content parsers read differently (as text, as
             # inert markup, or not at all): one could hide markup from this
             # gate that another reader sees as live.
             "template", "noscript", "noframes", "xmp", "plaintext"}
URL_ATTRS = {"href", "src", "action", "formaction", "background", "poster", "data", "lowsrc",
             "dynsrc", "xlink:href", "srcset"}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|livescript|data):", re.I)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _AnyCase:
    """A pattern (written in lower case) searched in any case. ASCII text,
    which an email's style sheets and comments are, is lower-cased and
    searched as it is: the same matches as re.I, five times as fast; any
    other text is searched with re.I (which also folds `İ` and `K`)."""

    def __init__(self, pattern: str):
        self.exact = re.compile(pattern)
        self.folding = re.compile(pattern, re.I)
        self._remembered = functools.lru_cache(maxsize=1024)(self._hit)

    def search(self, text: str):
        return self.exact.search(text.lower()) if text.isascii() else self.folding.search(text)

    def found(self, text: str) -> bool:
        """Whether search() finds anything, remembered for short texts: MJML
        writes the same few comments and inlined styles into every email
        (15 distinct comments and 99 styles in 150 corpus emails), and
        searching each anew was a third of the gate's time."""
        return self._remembered(text) if len(text) <= 1024 else self._hit(text)

    def _hit(self, text: str) -> bool:
        return self.search(text) is not None


SUSPECT = _AnyCase(r"<\s*/?\s*(script|iframe|frame|object|embed|applet|form|base|meta|noembed)"
                   r"|\son[a-z]+\s*=|(javascript|vbscript|livescript|data)\s*:|expression\s*\(|behavior\s*:")
STYLE_SCRIPT = _AnyCase(r"javascript:|expression\s*\(|behavior\s*:")
URL_SPACE = re.compile(r"[\x00-\x20]")
UNRESOLVED = re.compile(r"\[\[[ \t]*(%s)[ \t]*(?:\|[^\]|\n]{0,200})?\]\]" % "|".join(NAMES))


def violations(email: Email, platform: Platform, config,
               allow_missing_unsubscribe: bool = False) -> list[str]:
    found: list[str] = []
    parts = {"HTML": email.html, "text": email.text, "subject": email.subject,
             "preheader": email.preheader}
    for name, value in parts.items():
        if CONTROL.search(value):
            found.append(f"a control character in the {name}")
        if NONCE in value:
            found.append(f"an internal marker left in the {name}")
        for match in UNRESOLVED.finditer(value):
            if match.group(1) not in email.missing:   # those were reported, with how to fix
                found.append(f"an unresolved {match.group(0)} in the {name}")
        leftover = foreign_syntax(value, platform, config, text_part=name != "HTML")
        if leftover:
            found.append(f"{platform.name} template syntax {leftover!r} in the {name}")
    tree = _parse(email.html)
    found += unsafe_markup(tree)
    hrefs = {_norm(el.attributes.get("href") or "") for el in _elements(tree) if el.tag == "a"}
    # --allow-missing-unsubscribe says the service adds its own footer, which
    # carries the address (Mailchimp's does); otherwise ours must be whole.
    if config.postal_address and not allow_missing_unsubscribe:
        # The words readers see, gathered only when there is an address to find.
        words = " ".join(" ".join(_text(tree)).split())
        text_words = " ".join(email.text.split())
        address = " ".join(config.postal_address.split())
        if address not in words:
            found.append("the postal address is missing from the HTML footer")
        # The text part prints template-like text in the address with the
        # service's escape (finalize.py), so that is how it reads there.
        written = " ".join(finalize_text(config.postal_address, platform, config)[0].split())
        if address not in text_words and written not in text_words:
            found.append("the postal address is missing from the text part")
    unsubscribe = tag_for(platform, "unsubscribe_url", None, config)
    if unsubscribe and not allow_missing_unsubscribe:
        if _norm(unsubscribe) not in hrefs:
            found.append(f"no link to {unsubscribe} (unsubscribe) in the HTML")
        if unsubscribe not in email.text:
            found.append(f"no {unsubscribe} (unsubscribe) in the text part")
    for link in _checkable(email.links):
        if _norm(link) not in hrefs:
            found.append(f"the link {link} is missing from the HTML")
    for link in _checkable(email.text_links):
        if link not in email.text and link.removeprefix("mailto:") not in email.text:
            found.append(f"the link {link} is missing from the text part")
    return list(dict.fromkeys(found))


def _checkable(links: list[str]) -> list[str]:
    # A link holding a marker is written by the service; it is checked as a
    # tag above, not as a URL.
    return [link for link in links if "PHQ" not in link]


def _norm(url: str) -> str:
    return unquote(url.strip())


def foreign_syntax(value: str, platform: Platform, config, text_part: bool) -> str:
    """The first piece of the service's template syntax that isn't its own tag."""
    if platform.pattern is None:
        return ""
    rest = _allowed(platform, text_part).sub("", value)
    found = platform.pattern.search(rest)
    return rest[found.start():found.start() + 40] if found else ""


def _allowed(platform: Platform, text_part: bool) -> re.Pattern:
    pieces = [re.escape(tag) for tag in platform.tags.values() if tag]
    if platform.fallback:
        safe = UNSAFE_FALLBACK.pattern.replace("[", "[^", 1)
        pieces.append(re.escape(platform.fallback).replace(re.escape("{fallback}"), safe + "*"))
    if text_part and platform.text_escape:
        pieces += [re.escape(escaped) for escaped in platform.text_escape.values()]
    return re.compile("|".join(sorted(pieces, key=len, reverse=True)))


# -- markup -----------------------------------------------------------------------

def _parse(document: str):
    from selectolax.lexbor import LexborHTMLParser   # late: keeps `newsletter --help` fast
    return LexborHTMLParser(document)


def _elements(tree, include_text: bool = False):
    """Every node of the document: from its first node, so that a comment
    before <html> or after </html> is read too."""
    if tree.root is None:
        return iter(())
    top = tree.root.parent if tree.root.parent is not None else tree.root
    # lexbor's own iterator, not wrapped in a generator: one Python frame
    # less for each of the email's ~300 nodes, read three times.
    return top.traverse(include_text=include_text)


def _text(tree) -> list[str]:
    """The text readers see: not the style sheets, the title or a script's text."""
    out = []
    for node in _elements(tree, include_text=True):
        if node.tag == "-text" and node.parent is not None and \
                node.parent.tag not in ("style", "title", "head", "script"):
            out.append(node.text_content or "")
    return out


def unsafe_markup(tree, depth: int = 0) -> list[str]:
    found = []
    scripted: list[str] = []   # tags whose style attribute holds script
    comments: list[str] = []
    for el in _elements(tree):
        tag = el.tag.lower()
        if tag == "-comment":
            comments.append(el.comment_content or "")
            continue
        if tag.startswith("-"):
            continue
        if tag in FORBIDDEN:
            found.append(f"a <{tag}> element")
        attrs = el.attributes
        if tag == "meta" and (attrs.get("http-equiv") or "").strip().lower() == "refresh":
            found.append("a <meta http-equiv=refresh>")
        for name, value in attrs.items():
            # `xlink:href` is an href; `x:onclick` an event handler.
            name, value = _local_name(name), value or ""
            if name.startswith("on"):
                found.append(f"an event handler {name}= on <{tag}>")
            elif name in URL_ATTRS:
                url = URL_SPACE.sub("", value)
                if BAD_SCHEME.match(url) and not (tag == "img" and url.lower().startswith("data:image/")):
                    found.append(f"a {url.split(':')[0].lower()}: URL in <{tag} {name}>")
            elif name == "style" and STYLE_SCRIPT.found(value):
                scripted.append(tag)
    # Outlook reads markup inside <!--[if mso]> ... <![endif]-->. Parsing
    # each of MJML's thirty-odd such comments costs time; only one that
    # could hold something unsafe is read.
    for content in comments:
        if SUSPECT.found(content):
            if depth >= 3:   # a comment in a comment in a comment: nobody writes that
                found.append("suspect markup in comments nested three deep")
            else:
                found += unsafe_markup(_parse(content), depth + 1)
    found += [f"script in a style attribute on <{tag}>" for tag in scripted]
    return found


def _local_name(name: str) -> str:
    """An attribute's name in lower case, without a namespace prefix; an
    email uses a few dozen names, so each is worked out once."""
    return _local_remembered(name) if len(name) <= 64 else name.lower().rsplit(":", 1)[-1]


@functools.lru_cache(maxsize=1024)
def _local_remembered(name: str) -> str:
    return name.lower().rsplit(":", 1)[-1]
