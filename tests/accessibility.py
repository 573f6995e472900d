"""The Email Markup Consortium's most common accessibility failures, read
from a built email's HTML with html5lib (as mail clients parse it).

The EMC's 2025 report (443,585 emails tested) lists ten failures that a
program can find; test_visual.py runs these on every case in both layouts,
and checks the two that need a browser (contrast, links told apart by more
than colour) on the rendered page:
https://emailmarkup.org/en/reports/accessibility/2025
"""
from __future__ import annotations

import collections

import html5lib

from newsletter.content.labels import says_nothing


def _tag(el) -> str:
    return el.tag.rsplit("}", 1)[-1].lower() if isinstance(el.tag, str) else ""


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def problems(html: str) -> list[str]:
    """Every failure found, as a sentence; empty when the email passes."""
    tree = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    els = [el for el in tree.iter() if _tag(el)]
    by = collections.defaultdict(list)
    for el in els:
        by[_tag(el)].append(el)
    found = []
    root = by["html"][0]
    if not root.get("lang", "").strip():
        found.append("<html> has no lang")
    titles = [_text(t) for t in by["title"]]
    if not titles or not titles[0]:
        found.append("no <title>")
    articles = [el for el in els if el.get("role") == "article"]
    if len(articles) != 1:
        found.append(f"{len(articles)} role=article wrappers, not one")
    else:
        wrapper = articles[0]
        if titles and wrapper.get("aria-label", "").strip() != titles[0]:
            found.append(f"the article's aria-label {wrapper.get('aria-label')!r} is not the subject")
        for attr in ("lang", "dir"):
            if not wrapper.get(attr, "").strip():
                found.append(f"the body wrapper has no {attr}")
    if not by["h1"]:
        found.append("no <h1>")
    for table in by["table"]:
        data = any(_tag(el) in ("th", "caption") for el in table.iter())
        if not data and table.get("role") != "presentation":
            found.append(f"a layout table without role=presentation: {_text(table)[:40]!r}")
    for img in by["img"]:
        if img.get("alt") is None:
            found.append(f"an image without alt: {img.get('src')}")
    for a in by["a"]:
        alts = [img.get("alt", "").strip() for img in a.iter() if _tag(img) == "img"]
        if not _text(a) and not any(alts):
            found.append(f"a link with no text: {a.get('href')}")
    for td in els:
        if "nl-button" in td.get("class", "").split():
            for a in td.iter():
                if _tag(a) == "a" and says_nothing(_text(a)):
                    found.append(f"a button that says nothing: {_text(a)!r}")
    for meta in by["meta"]:
        if meta.get("name", "").lower() == "viewport":
            content = meta.get("content", "").replace(" ", "").lower()
            if "user-scalable=no" in content or "user-scalable=0" in content or "maximum-scale" in content:
                found.append(f"the viewport stops zooming: {meta.get('content')!r}")
    if not any(meta.get("name", "").lower() == "viewport" for meta in by["meta"]):
        found.append("no viewport meta")
    ids = collections.Counter(el.get("id") for el in els if el.get("id"))
    found += [f"id {name!r} is used {n} times" for name, n in ids.items() if n > 1]
    for a in by["a"]:
        href = a.get("href", "")
        if href.startswith("#") and len(href) > 1 and href[1:] not in ids:
            found.append(f"a link to {href}, which nothing has as its id")
    return found
