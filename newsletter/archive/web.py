"""Email -> its web version: the page the archive and "View in your browser" show.

In: an Email built in this process (its marked parts hold this process's
markers, so this must run where the email was built) and the Config. Out:
the HTML as a reader with no data sees it (`render.email.filled`: merge tags
become fallbacks or configured URLs), with

- no unsubscribe or "view in your browser" link: a web page has no
  subscriber to unsubscribe, and it is the online view;
- no tracking parameters (`utm_*`) on any link;
- a small header linking back to the archive's index.

Each change is made on parsed tokens (render/tokens.py) and on a marker's
decoded value, never on text that merely looks like a link or a tag.
"""
from __future__ import annotations

import html
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from ..config import Config
from ..content.placeholders import MARKER, Placeholder, value_of
from ..render import platforms
from ..render.email import Email
from ..render.finalize import finalize_tokens
from ..render.tokens import Token, tokenize

# Placeholders whose links a web page leaves out.
DROPPED = ("unsubscribe_url", "view_online_url")
# What is left between two footer links once one is gone.
SEPARATORS = {"·", "&middot;", "&#183;", "|", "-", "–", "&ndash;"}


def untracked(url: str) -> str:
    """`url` without utm_* parameters; the rest of its query kept byte for byte."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    pairs = parts.query.split("&")
    kept = [pair for pair in pairs
            if not unquote_plus(pair.partition("=")[0]).strip().lower().startswith("utm_")]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query="&".join(kept)))


def _dropped_link(token: Token) -> bool:
    """An <a> whose href is nothing but an unsubscribe or view-online placeholder."""
    href = dict(token.attrs).get("href") or ""
    match = MARKER.fullmatch(href.strip())
    if not match:
        return False
    value = value_of(match.group(1))
    return isinstance(value, Placeholder) and value.name in DROPPED


def _is_separator(token: Token) -> bool:
    return token.kind == "text" and token.raw.strip() in SEPARATORS


def web_tokens(tokens: list[Token], header: str) -> list[Token]:
    """The marked HTML's tokens, less the dropped links and tracking, plus the
    header; `tokens` are left as they are."""
    out: list[Token] = []
    skipping = just_dropped = False
    for token in tokens:
        if skipping:
            skipping = not (token.kind == "end" and token.tag == "a")
            just_dropped = not skipping
            continue
        if token.kind == "start" and token.tag == "a" and _dropped_link(token):
            skipping = not token.closed
            just_dropped = token.closed
            if out and _is_separator(out[-1]):
                out.pop()   # "Unsubscribe · View": the dot before the link goes with it
            continue
        if just_dropped and _is_separator(token):
            just_dropped = False
            continue   # the dot after a link that is gone
        just_dropped = False
        if token.kind == "start" and token.tag == "a":
            attrs = [(name, untracked(value) if name == "href" and value else value)
                     for name, value in token.attrs]
            if attrs != token.attrs:
                token = Token("start", token.raw, token.tag, closed=token.closed)
                token.set_attrs(attrs)
        out.append(token)
        if token.kind == "start" and token.tag == "body" and header:
            out.append(Token("other", header))
    return out


def header_html(config: Config, index_href: str) -> str:
    """A line above the email linking back to the index; every value escaped."""
    colors = config.colors
    style = (f"font-family:Helvetica, Arial, sans-serif;font-size:14px;padding:12px 16px;"
             f"text-align:center;background-color:{colors['surface']};color:{colors['muted']};")
    return (f'<nav class="nl-archive" style="{html.escape(style)}">'
            f'<a href="{html.escape(index_href)}" style="color:{html.escape(colors["primary"])};">'
            f'{html.escape(config.org_name)}: all issues</a></nav>')


def web_version(email: Email, config: Config, index_href: str = "../") -> str:
    """The email's HTML for the web archive (see the module's docstring)."""
    marked = email.marked.get("html")
    if not marked:
        raise ValueError("this Email carries no marked parts; build it in this process")
    tokens = web_tokens(email.marked_tokens or tokenize(marked), header_html(config, index_href))
    # Filled as render.email.filled fills, on the tokens already made: only
    # the HTML, which is all the page shows, and without tokenizing it again.
    return finalize_tokens(tokens, platforms.FILLED, config)[0]
