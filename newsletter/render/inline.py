"""Compiled HTML -> the same HTML with the theme's marked CSS rules inlined.

Two inliners, chosen by `inliner` in newsletter.toml:
- `css-inline` (the default): Rust, html5ever's HTML parser, leaves URLs and
  text alone and keeps MJML's pixel `width` on images. Measured on the seed
  issue: 1.5 ms against premailer's 330 ms (benchmarks/inliners.py).
- `premailer`: lxml-based; kept for those who rely on it. Its habits that
  break email are neutralised below, each by acting on parsed tokens
  (render/tokens.py), never by a regex over the document.

Only the rules in a `<style>` whose text carries INLINE_MARK are inlined:
MJML's own reset rules (`table, td {...}`) would be copied onto every table
cell, adding tens of KB.
"""
from __future__ import annotations

import logging
import re
import secrets

from ..errors import NewsletterError
from .tokens import join, tokenize

INLINE_MARK = "nl-inline"
INLINERS = ("css-inline", "premailer")


def marked_css(html: str) -> str:
    """The CSS of the <style> elements that carry INLINE_MARK."""
    # lexbor (as the output gate uses) reads the document in a tenth of the
    # time render/tokens.py takes; only the style elements' text is needed.
    from selectolax.lexbor import LexborHTMLParser
    styles = (node.text(deep=True) for node in LexborHTMLParser(html).css("style"))
    return "\n".join(css for css in styles if INLINE_MARK in css)


def inline_css(html: str, inliner: str = "css-inline") -> str:
    if inliner == "premailer":
        return _premailer(html)
    if inliner != "css-inline":
        raise NewsletterError(f"unknown inliner '{inliner}'; choose one of: " + ", ".join(INLINERS))
    import css_inline   # late: keeps `newsletter --help` fast
    # Style tags are kept as they are (media queries, dark mode) and not
    # inlined; the marked rules are handed over as extra CSS instead. No
    # stylesheet is ever fetched: a build must not reach the network.
    inliner_ = css_inline.CSSInliner(inline_style_tags=False, keep_style_tags=True,
                                     load_remote_stylesheets=False,
                                     extra_css=marked_css(html) or None)
    return inliner_.inline(html)


# -- premailer -------------------------------------------------------------------

_IMPORT = re.compile(r"@import\s[^;{}]{0,2000};")


def _premailer(html: str) -> str:
    try:
        import cssutils
        from premailer import Premailer
    except ImportError:
        raise NewsletterError("inliner = \"premailer\" needs premailer: "
                              "pip install 'newsletter[premailer]'") from None
    # Stand-ins for what premailer would break carry a fresh random value
    # that the document doesn't contain, so no text can pose as one.
    nonce = secrets.token_hex(8)
    while nonce in html:
        nonce = secrets.token_hex(8)
    tokens = tokenize(html)
    urls: dict[str, str] = {}
    imports: dict[str, str] = {}
    for i, token in enumerate(tokens):
        if token.kind != "start":
            continue
        # lxml, which premailer serialises with, percent-encodes spaces,
        # braces and non-ASCII in href/src even with disable_link_rewrites:
        # `{{ x }}` in a user's template would become `{{%20x%20}}`.
        if any(name in ("href", "src") and value for name, value in token.attrs):
            attrs = []
            for name, value in token.attrs:
                if name in ("href", "src") and value:
                    key = f"nl{nonce}u{len(urls)}"
                    urls[key] = value
                    value = key
                attrs.append((name, value))
            token.set_attrs(attrs)
        if token.tag == "style" and i + 1 < len(tokens) and tokens[i + 1].kind == "text":
            css = tokens[i + 1]
            # premailer fetches @import stylesheets even with allow_network=False.
            def stash(match: re.Match) -> str:
                key = f"/*nl{nonce}i{len(imports)}*/"
                imports[key] = match.group(0)
                return key
            css.raw = _IMPORT.sub(stash, css.raw)
            if INLINE_MARK not in css.raw:
                token.set_attrs(token.attrs + [("data-premailer", "ignore")])
    has_doctype = html.lstrip().lower().startswith("<!doctype")

    cssutils.log.setLevel(logging.CRITICAL)   # dozens of warnings about mso- properties
    result = Premailer(
        join(tokens),
        base_url=None,
        disable_link_rewrites=True,     # it mangles merge tags in href
        strip_important=False,          # MJML's @media rules need !important
        keep_style_tags=True,
        remove_classes=False,
        allow_network=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
        exclude_pseudoclasses=True,
    ).transform()

    tokens = tokenize(result)
    for i, token in enumerate(tokens):
        if token.kind != "start":
            continue
        if any(value in urls or name == "data-premailer" for name, value in token.attrs):
            token.set_attrs([(name, urls.get(value, value)) for name, value in token.attrs
                             if name != "data-premailer"])
        if token.tag == "style" and i + 1 < len(tokens) and tokens[i + 1].kind == "text":
            css = tokens[i + 1]
            for key, rule in imports.items():
                css.raw = css.raw.replace(key, rule)
    result = join(tokens)
    if has_doctype and not result.lstrip().lower().startswith("<!doctype"):
        result = "<!doctype html>\n" + result   # premailer drops it: quirks mode
    return result
