"""Compiled HTML -> the same HTML with the theme's CSS rules inlined.

premailer has habits that break email, each neutralised here and tested.
"""
from __future__ import annotations

import logging
import re

_IMPORT = re.compile(r"@import\s[^;]+;")
# lxml, which premailer serialises with, percent-encodes spaces, braces and
# non-ASCII in href/src even with disable_link_rewrites: `{{ x }}` becomes
# `{{%20x%20}}`, breaking merge tags a user's template writes directly.
_URL_ATTR = re.compile(r"""\b(href|src)=(["'])(.*?)\2""", re.S | re.I)
_STYLE = re.compile(r"<style\b([^>]*)>(.*?)</style>", re.S | re.I)
INLINE_MARK = "nl-inline"


def _ignore_unmarked(match: re.Match) -> str:
    # MJML's own reset rules (`table, td {...}`) would be copied onto every
    # table cell, adding tens of KB; only the theme's marked rules are inlined.
    attrs, css = match.groups()
    if INLINE_MARK in css or "data-premailer" in attrs:
        return match.group(0)
    return f'<style{attrs} data-premailer="ignore">{css}</style>'



def inline_css(html: str) -> str:
    """premailer, with its measured bad habits neutralised."""
    import cssutils
    from premailer import Premailer

    # premailer fetches @import stylesheets even with allow_network=False;
    # hide them from it and put them back afterwards.
    imports: list[str] = []

    def stash(match: re.Match) -> str:
        imports.append(match.group(0))
        return f"/*nl-import-{len(imports) - 1}*/"
    html = _IMPORT.sub(stash, html)
    urls: list[str] = []

    def stash_url(match: re.Match) -> str:
        urls.append(match.group(3))
        return f'{match.group(1)}="nl-url-{len(urls) - 1}"'
    html = _URL_ATTR.sub(stash_url, html)
    html = _STYLE.sub(_ignore_unmarked, html)
    has_doctype = html.lstrip().lower().startswith("<!doctype")

    cssutils.log.setLevel(logging.CRITICAL)   # dozens of warnings about mso- properties
    result = Premailer(
        html,
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
    for i, rule in enumerate(imports):
        result = result.replace(f"/*nl-import-{i}*/", rule)
    for i, url in enumerate(urls):
        result = result.replace(f'="nl-url-{i}"', '="' + url.replace('"', "&quot;") + '"', 1)
    result = result.replace(' data-premailer="ignore"', "")
    if has_doctype and not result.lstrip().lower().startswith("<!doctype"):
        result = "<!doctype html>\n" + result   # premailer drops it: quirks mode
    return result
