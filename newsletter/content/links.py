"""UTM parameters on outgoing links.

Tagging happens once, on the Content tree (links, buttons, the event's RSVP),
before either part is rendered, so the HTML and the text part carry the very
same URLs. The existing query string is kept byte for byte and the new
parameters are appended; rebuilding it with urlencode would re-escape what
the writer typed.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..config import UTM_KEYS
from ..source.markup import Element, Node
from .placeholders import MARKER

DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[-_]?")
# Calendar links carry event details in their query; extra parameters are
# noise at best and can break an add-to-calendar link.
CALENDAR_HOSTS = {
    "calendar.google.com": "/calendar",
    "www.google.com": "/calendar",
    "outlook.live.com": "/calendar",
    "outlook.office.com": "/calendar",
    "outlook.office365.com": "/calendar",
}


def slug(stem: str) -> str:
    """The issue's slug: its file name without the date prefix."""
    return DATE_PREFIX.sub("", stem) or stem


def utm_params(config, stem: str) -> dict[str, str]:
    """The parameters to add; empty when [utm] is empty or absent (tagging off)."""
    utm = config.utm or {}
    if not utm:
        return {}
    params = {f"utm_{key}": str(utm[key]) for key in UTM_KEYS if utm.get(key)}
    if "campaign" not in utm:
        params["utm_campaign"] = slug(stem)
    return params


def is_calendar(parts) -> bool:
    host = parts.netloc.lower().split(":")[0]
    path = parts.path.lower()
    if path.endswith(".ics"):
        return True
    prefix = CALENDAR_HOSTS.get(host)
    return prefix is not None and path.startswith(prefix)


def tag_url(url: str, params: dict[str, str]) -> str:
    """`url` with `params` appended, or unchanged when it must not be tagged."""
    if not params or MARKER.search(url):
        return url   # merge tags and template-looking text are the service's business
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or is_calendar(parts):
        return url
    present = {key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    extra = urlencode({k: v for k, v in params.items() if k not in present})
    if not extra:
        return url
    kept = parts.query.rstrip("&")
    query = f"{kept}&{extra}" if kept else extra
    return urlunsplit(parts._replace(query=query))


def _tag_nodes(nodes: list[Node], params: dict[str, str]) -> None:
    for node in nodes:
        if isinstance(node, Element):
            if node.tag == "a" and node.attrs.get("href"):
                node.attrs["href"] = tag_url(node.attrs["href"], params)
            _tag_nodes(node.children, params)


def _tag_blocks(blocks, params: dict[str, str]) -> None:
    for block in blocks:
        _tag_nodes(block.nodes, params)
        for item in block.items:
            for para in item.paras:
                _tag_nodes(para, params)
            if item.button:
                item.button.href = tag_url(item.button.href, params)
        for row in block.rows:
            for cell in row:
                _tag_nodes(cell, params)
        _tag_blocks(block.children, params)


def apply_utm(content, config, stem: str) -> None:
    """Tag every outgoing link of `content` in place."""
    params = utm_params(config, stem)
    if not params:
        return
    _tag_blocks(content.blocks(), params)
    if content.event and content.event.rsvp:
        content.event.rsvp = tag_url(content.event.rsvp, params)
