"""An email's HTML -> the same email as a dark-mode mail client shows it.

In: the finished email.html. Out: the document with every
`@media (prefers-color-scheme: dark)` rule of its `<style>` elements made
unconditional (and `light` ones switched off), for the preview's dark toggle.

Why rewrite at all: a sandboxed iframe takes prefers-color-scheme from the
browser, not from its embedder (Chromium 156 ignores `color-scheme` on the
iframe element), so a page cannot ask for one dark frame beside a light one.
The document is parsed with html5lib and each stylesheet with tinycss2; only
the media queries' preludes change, and the tree is written out once.
"""
from __future__ import annotations

import html5lib
import tinycss2
from html5lib.serializer import HTMLSerializer

ALWAYS = tinycss2.parse_component_value_list(" all ")
NEVER = tinycss2.parse_component_value_list(" not all ")


def _scheme(prelude) -> str | None:
    """'dark' or 'light' when a media query asks for that colour scheme."""
    query = "".join(tinycss2.serialize(prelude).lower().split())
    for scheme in ("dark", "light"):
        if f"(prefers-color-scheme:{scheme})" in query:
            return scheme
    return None


def force_dark_css(css: str) -> str:
    rules = tinycss2.parse_stylesheet(css, skip_comments=False, skip_whitespace=False)
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword == "media":
            scheme = _scheme(rule.prelude)
            if scheme:
                rule.prelude = list(ALWAYS if scheme == "dark" else NEVER)
    return tinycss2.serialize(rules)


def force_dark(html: str) -> str:
    document = html5lib.parse(html, treebuilder="dom")
    for style in document.getElementsByTagName("style"):
        css = "".join(node.data for node in style.childNodes if node.nodeType == node.TEXT_NODE)
        for node in list(style.childNodes):
            style.removeChild(node)
        style.appendChild(document.createTextNode(force_dark_css(css)))
    walker = html5lib.getTreeWalker("dom")
    # Keep what html5lib would otherwise drop or reorder, so only the colours change.
    serializer = HTMLSerializer(omit_optional_tags=False, quote_attr_values="always",
                                resolve_entities=False, alphabetical_attributes=False)
    return serializer.render(walker(document))
