"""Issue + Content -> problems a reader would notice: link text, link
addresses, images, the subject and preheader, front matter keys.

Each check is one small function over the parsed issue and its Content. It
reports through `Ctx` with a stable id, a level and the file line, so a
finding can be silenced by id. The checks that read the source text line by
line (links as typed, dates, leftovers) are in text.py.
"""
from __future__ import annotations

import difflib
import re
from urllib.parse import unquote, urlsplit

from ..content.labels import GENERIC_TEXT, says_nothing
from ..content.model import Block
from ..content.placeholders import readable
from ..content.reader import first_words
from ..errors import ignore_list, unknown_id
from ..source.events import EVENT_KEYS, event_field, norm_key
from ..source.markup import Element, links, text_of, walk
from .context import Ctx
from .text import good_mailto

EMAIL_WIDTH = 600

KNOWN_KEYS = {"title", "subject", "date", "preheader", "description", "published", "layout",
              "permalink", "categories", "category", "tags", "author", "position", "check",
              "excerpt", "image", "lead", "at_a_glance", *EVENT_KEYS.values()}
PLACEHOLDER_ALT = {"image", "img", "photo", "picture", "pic", "graphic", "alt", "alt text",
                   "untitled", "placeholder", "screenshot", "screen shot"}
FILE_NAME = re.compile(r"^[\w.%-]+\.(jpe?g|png|gif|webp|svg|bmp|tiff?)$|^(img|dsc|dscn|pxl)[_-]?\d+",
                       re.I)
SIZE_IN_NAME = re.compile(r"-(\d{3,5})x\d{3,5}\.\w+$")   # WordPress-style photo-1024x683.jpg
# An <img> tag; one with no `>` after it runs to the end of the line and is
# skipped, since every later `<img` would fail too (as `<img\b[^>]*>` each
# one was rescanned to the end: quadratic).
IMG_TAG = re.compile(r"<img\b[^>]*+>?", re.I)



def _places(blocks: list[Block]):
    """(nodes, line, item) for every run of inline nodes, in reading order."""
    for block in blocks:
        yield block.nodes, block.line, None
        for item in block.items:
            yield item.nodes, item.line, item
        for row in block.rows:
            for cell in row:
                yield cell, block.line, None
        yield from _places(block.children)


def _split(url: str):
    """urlsplit, or nothing for an address urllib can't read ("https://[x]/"
    raises ValueError); the build drops those with a warning of its own."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


def _clean(text: str) -> str:
    return " ".join(text.split())


# -- links -------------------------------------------------------------------

def link_text(ctx: Ctx) -> None:
    for nodes, line, item in _places(ctx.content.blocks()):
        for a in links(nodes):
            # As readers see them: a marker's inner workings are nobody's business.
            text, href = _clean(readable(text_of(a.children))), readable(a.attrs["href"])
            where = ctx.find(line, href, text)
            if ctx.src_of(where, href):
                continue   # an embed the build turned into a link; reported as markup
            # In an action card the button carries a descriptive label, so
            # the vague inline link is a suggestion rather than a warning.
            in_card = item is not None and item.button is not None \
                and _clean(item.button.label).lower() not in GENERIC_TEXT
            level = "info" if in_card else "warning"
            hint = f"; its card's button reads \"{item.button.label}\"" if in_card else ""
            if not text and not any(isinstance(n, Element) and n.tag == "img" for n in walk(a.children)):
                ctx.add("warning", where, "link-text", f"link to {href} has no text")
            elif says_nothing(text):
                ctx.add(level, where, "link-text", f'link text "{text}" says nothing about where it goes{hint}')
            elif re.match(r"(https?://|www\.)\S+$", text) and (len(text) > 40 or re.search(r"[?=%]", text)):
                ctx.add(level, where, "link-text",
                        f'link text is a long bare URL ("{text[:40]}…"); say where it goes instead{hint}')


def link_addresses(ctx: Ctx) -> None:
    seen: dict[str, list[int]] = {}
    for nodes, line, _ in _places(ctx.content.blocks()):
        for a in links(nodes):
            href = a.attrs["href"]
            where = ctx.find(line, href, _clean(text_of(a.children)))
            if where not in seen.setdefault(href, []):
                seen[href].append(where)
    plain: dict[str, list[str]] = {}
    for href, lines in seen.items():
        parts = _split(href)
        # A local address or an explicit port (http://host:8000) has no https twin.
        if parts.scheme == "http" and not re.match(r"^(localhost|[\d.]+)(:\d+)?$", parts.netloc) \
                and not re.search(r":(?!80$)\d+$", parts.netloc):
            plain.setdefault(parts.netloc, []).append(href)
        if href.count("(") != href.count(")"):
            ctx.add("warning", lines[0], "link-paren", f"address {href!r} has an unbalanced '(' or ')'")
        if parts.scheme in ("http", "https") and len(lines) > 1:
            ctx.add("info", lines[0], "link-duplicate",
                    f"{href} is linked {len(lines)} times (lines {', '.join(map(str, lines))})")
    for host, hrefs in plain.items():   # one finding per site: the fix is the same
        more = f" and {len(hrefs) - 1} more link(s) to {host}" if len(hrefs) > 1 else ""
        ctx.add("warning", seen[hrefs[0]][0], "http-link", f"{hrefs[0]}{more} use{'' if more else 's'} http://; "
                "most sites serve https://, and mail apps may flag plain http")
    event = ctx.content.event
    if event and event.rsvp:
        line = ctx.issue.line_of(event_field(ctx.issue, "rsvp")[0])
        if event.rsvp.startswith("http://"):
            ctx.add("warning", line, "http-link", f"{event.rsvp} uses http://; most sites serve https://")
        if event.rsvp.startswith("mailto:") and not good_mailto(event.rsvp):
            ctx.add("warning", line, "link-mailto", f"{event.rsvp!r} is not a valid mailto: link")


# -- images ------------------------------------------------------------------

def images(ctx: Ctx) -> None:
    for nodes, line, _ in _places(ctx.content.blocks()):
        for img in (el for el in walk(nodes) if el.tag == "img"):
            src = img.attrs.get("src", "")
            name = unquote(_split(src).path.rstrip("/").rsplit("/", 1)[-1]) or src
            where = ctx.find(line, name, src)
            alt = _clean(img.attrs.get("alt", ""))
            stem = name.rsplit(".", 1)[0].lower()
            if not alt and _decorative(ctx, where, src):
                pass   # <img alt=""> is how HTML marks a spacer or divider
            elif not alt:
                ctx.add("warning", where, "image-alt", f"image {name!r} has no alt text; "
                        "say what it shows for readers who can't see it (or write "
                        '<img alt=""> if it is only decoration)')
            elif alt.lower() in PLACEHOLDER_ALT or FILE_NAME.match(alt) \
                    or (alt.lower() == stem and re.search(r"[-_\d]", alt)):
                ctx.add("warning", where, "image-alt", f"alt text {alt!r} of image {name!r} is a "
                        "placeholder or file name; say what the image shows")
            width = img.attrs.get("width", "").removesuffix("px")
            sized = SIZE_IN_NAME.search(name)
            if width.isdigit() and int(width) > EMAIL_WIDTH:
                ctx.add("warning", where, "image-size", f"image {name!r} is {width}px wide; the "
                        f"email is {EMAIL_WIDTH}px, so some mail apps overflow or squeeze it")
            elif sized and int(sized.group(1)) > 2 * EMAIL_WIDTH:
                ctx.add("info", where, "image-size", f"image {name!r} is {sized.group(1)}px wide "
                        f"(from its name); a {2 * EMAIL_WIDTH}px copy looks as sharp and loads faster")


def _decorative(ctx: Ctx, line: int, src: str) -> bool:
    """True when the source writes alt="" on purpose in an <img> tag;
    Markdown's ![](x) gives the same empty alt, but by oversight."""
    text = ctx.body[line - ctx.issue.body_line] if line >= ctx.issue.body_line else ""
    name = _split(src).path.rsplit("/", 1)[-1]
    return any(tag.endswith(">") and re.search(r"\balt\s*=\s*(\"\"|'')", tag) and name in tag
               for tag in IMG_TAG.findall(text))


# -- subject, preheader, front matter -----------------------------------------

def subject(ctx: Ctx) -> None:
    issue = ctx.issue
    line = issue.line_of("subject" if "subject" in issue.meta else "title")
    length = len(issue.subject)
    if length < 10:
        ctx.add("warning", line, "subject-length",
                f"subject is {length} character{'' if length == 1 else 's'}; "
                "a few more words tell readers why to open it")
    elif length > 78:
        ctx.add("warning", line, "subject-length",
                f"subject is {length} characters; most inboxes cut it off near 78")
    first = readable(first_words(ctx.content.blocks())) if ctx.content else ""
    key = "preheader" if "preheader" in issue.meta else "description"
    same = lambda a, b: re.sub(r"\W+", " ", a).strip().lower() == re.sub(r"\W+", " ", b).strip().lower()
    if not issue.preheader:
        if ctx.content is not None and not first:
            ctx.add("warning", None, "preheader", "no preheader and no opening text for the inbox preview")
        elif first:
            ctx.add("info", None, "preheader", f"no preheader; the inbox preview shows the first line "
                    f"({first[:50]!r})")
    elif same(issue.preheader, issue.subject):
        ctx.add("warning", issue.line_of(key), "preheader",
                "preheader repeats the subject; use it to say something the subject doesn't")
    elif first and same(issue.preheader, first[:len(issue.preheader)]):
        ctx.add("info", issue.line_of(key), "preheader",
                "preheader repeats the first line; readers see it twice")


def front_matter(ctx: Ctx) -> None:
    issue = ctx.issue
    for line, id, message in issue.read_warnings:   # control characters taken out
        ctx.add("warning", line, id, message)
    for line, id, message in issue.notes:           # how a title or date was found
        ctx.add("info", line, id, message)
    known = {norm_key(k): k for k in KNOWN_KEYS}
    for key in issue.meta:
        if norm_key(key) in known:
            continue
        close = difflib.get_close_matches(norm_key(key), known, n=1, cutoff=0.8)
        # `Dates` beside `date` is a site's own key, not a typo.
        if close and norm_key(key).rstrip("s") != close[0].rstrip("s"):
            ctx.add("warning", issue.line_of(key), "front-matter-key",
                    f"unknown key '{key}'; did you mean '{known[close[0]]}'?")
    for key, lines in issue.duplicates.items():
        ctx.add("warning", lines[-1], "front-matter-key", f"'{key}' is set {len(lines)} times (lines "
                f"{', '.join(map(str, lines))}); only the last one counts")
    for key in ("subject", "preheader", "description", "excerpt"):
        if isinstance(issue.meta.get(key), dict | list):
            ctx.add("warning", issue.line_of(key), "front-matter-type", f"{key} should be one line of text")
    published = issue.meta.get("published")
    if published is not None and not isinstance(published, bool):
        ctx.add("warning", issue.line_of("published"), "front-matter-type",
                f"published should be true or false, not {published!r}; it counts as true")
    for key in ("tags", "categories"):
        if isinstance(issue.meta.get(key), dict):
            ctx.add("warning", issue.line_of(key), "front-matter-type", f"{key} should be a list")
    check = issue.meta.get("check")
    if check is not None and not (isinstance(check, dict) and set(check) <= {"ignore"}):
        ctx.add("warning", issue.line_of("check"), "front-matter-type",
                "check should look like: check: {ignore: [link-text]}")
    for id in ignore_list(check.get("ignore") if isinstance(check, dict) else None):
        if unknown_id(id):
            ctx.add("warning", issue.line_of("check"), "front-matter-key", unknown_id(id))
