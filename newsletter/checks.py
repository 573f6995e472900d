"""Preflight checks: what a reader would notice, found before the paste.

Each check is one small function over the parsed issue, its Content and the
built Email. It reports through `Ctx` with a stable id, a level and the file
line, so a finding can be silenced by id. Everything is collected before
anything is reported, and the build's own findings (markup, link-scheme,
size, ...) are passed through rather than found twice. The checks that read
the source text line by line (links as typed, dates, leftovers) are in
checks_text.py.
"""
from __future__ import annotations

import difflib
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import build as build_module
from . import platforms
from .checks_text import date_past, event_past, good_mailto, leftovers, link_source
from .config import Config
from .content import Block, Content, build_content, first_words, flatten
from .errors import IssueError, Problem, Problems
from .labels import GENERIC_TEXT, says_nothing
from .events import EVENT_KEYS, event_field, norm_key
from .issues import Issue, find_issue_files, read_issue
from .markup import Element, links, text_of, walk

EMAIL_WIDTH = 600

# Every id a problem can carry, for checking `ignore` lists; the README
# lists each with its level and an example (tests hold both to the code).
# The build, config and digest emit the ids not found in checks*.py.
IDS = ("input", "config-key", "markup", "link-scheme", "relative-link", "event-date",
       "front-matter-type", "platform-tag", "size",
       "link-text", "http-link", "link-mailto", "link-broken", "link-space", "link-paren",
       "link-duplicate", "image-alt", "image-size", "event-past", "date-past",
       "leftover-liquid", "leftover-todo", "leftover-heading", "leftover-item",
       "subject-length", "preheader", "front-matter-key",
       "postal-address", "required-tag", "template-syntax", "digest")

KNOWN_KEYS = {"title", "subject", "date", "preheader", "description", "published", "layout",
              "permalink", "categories", "category", "tags", "author", "position", "check",
              "excerpt", "image", *EVENT_KEYS.values()}
PLACEHOLDER_ALT = {"image", "img", "photo", "picture", "pic", "graphic", "alt", "alt text",
                   "untitled", "placeholder", "screenshot", "screen shot"}
FILE_NAME = re.compile(r"^[\w.%-]+\.(jpe?g|png|gif|webp|svg|bmp|tiff?)$|^(img|dsc|dscn|pxl)[_-]?\d+",
                       re.I)
SIZE_IN_NAME = re.compile(r"-(\d{3,5})x\d{3,5}\.\w+$")   # WordPress-style photo-1024x683.jpg



@dataclass
class Ctx:
    issue: Issue
    content: Content | None
    email: object | None
    config: Config
    found: Problems = field(default_factory=Problems)

    def __post_init__(self):
        self.body = self.issue.body.split("\n")
        self.text = _visible_lines(self.body)

    def add(self, level: str, line, id: str, message: str) -> None:
        self.found.append(Problem(self.issue.display, line, level, id, message))

    def find(self, start: int, *needles: str) -> int:
        """The first file line from `start` holding one of `needles`, else `start`."""
        first = max(start - self.issue.body_line, 0)
        for needle in needles:
            if not needle:
                continue
            for i in range(first, min(first + 80, len(self.body))):
                if needle in self.body[i]:
                    return self.issue.body_line + i
        return start

    def all_blocks(self):
        """Every block of the content, nested ones included, in reading order."""
        return flatten(self.content.blocks())


def _visible_lines(lines: list[str]) -> list[str]:
    """Body lines with fenced code and HTML comments blanked; readers see neither."""
    text = re.sub(r"<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group()),
                  "\n".join(lines), flags=re.S)
    out, fenced = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            out.append("")
        else:
            out.append("" if fenced else line)
    return out


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


def _clean(text: str) -> str:
    return " ".join(text.split())


# -- links -------------------------------------------------------------------

def link_text(ctx: Ctx) -> None:
    for nodes, line, item in _places(ctx.content.blocks()):
        for a in links(nodes):
            text, href = _clean(text_of(a.children)), a.attrs["href"]
            where = ctx.find(line, href, text)
            if re.search(rf"src\s*=\s*[\"']?{re.escape(href)}", ctx.body[where - ctx.issue.body_line]
                         if where >= ctx.issue.body_line else ""):
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
        parts = urlsplit(href)
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
            name = unquote(urlsplit(src).path.rstrip("/").rsplit("/", 1)[-1]) or src
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
    return any(re.search(r"\balt\s*=\s*(\"\"|'')", tag) and urlsplit(src).path.rsplit("/", 1)[-1] in tag
               for tag in re.findall(r"<img\b[^>]*>", text, re.I))


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
    first = platforms.readable(first_words(ctx.content.blocks())) if ctx.content else ""
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
    for id in _ignore_list(check.get("ignore") if isinstance(check, dict) else None):
        if unknown_id(id):
            ctx.add("warning", issue.line_of("check"), "front-matter-key", unknown_id(id))


def unknown_id(id: str) -> str:
    """A message when `id` (or a pattern like link-*) names no check, else ''."""
    if any(fnmatch.fnmatchcase(known, id) for known in IDS):
        return ""
    close = difflib.get_close_matches(id, list(IDS), n=1)
    return f"unknown check id '{id}'" + (f"; did you mean '{close[0]}'?" if close else "")


# Checks that need only the issue run even when the body can't be built.
ISSUE_CHECKS = [front_matter, subject, leftovers]
# The platform's required tags (required-tag) and sizes are checked by
# build.make_email, which every check run calls, so they are not repeated here.
CONTENT_CHECKS = [link_text, link_addresses, link_source, images, event_past, date_past]


# -- running -------------------------------------------------------------------

def _ignore_list(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def run_checks(issue: Issue, content: Content | None, email, config: Config,
               found: Problems | None = None) -> Problems:
    """The build's findings plus every check's, less silenced ones, by line."""
    found = found if found is not None else (content.problems if content else Problems())
    ctx = Ctx(issue, content, email, config, Problems(found))
    for run in ISSUE_CHECKS + (CONTENT_CHECKS if content is not None else []):
        run(ctx)
    own = issue.meta.get("check")
    everywhere = _ignore_list(config.check.get("ignore"))
    # An issue's own list silences only findings in that issue, not in
    # newsletter.toml or a template; newsletter.toml's list silences any.
    here = everywhere + _ignore_list(own.get("ignore") if isinstance(own, dict) else None)
    out, seen = Problems(), set()
    for problem in sorted(ctx.found, key=lambda p: (p.path != issue.display, p.line or 0)):
        ignored = here if problem.path == issue.display else everywhere
        silenced = problem.level != "error" and \
            any(fnmatch.fnmatchcase(problem.id, pattern) for pattern in ignored)
        if problem not in seen and not silenced:
            seen.add(problem)
            out.append(problem)
    return out


def check_file(path: Path, config: Config, allow_missing_unsubscribe: bool = False) -> Problems:
    """Every problem in one issue file; a file that can't be read is one error."""
    found = Problems()
    try:
        issue = read_issue(path)
    except IssueError as exc:
        found.error(exc.path, exc.line, "input", exc.detail)
        return found
    content = email = None
    try:
        content = build_content(issue, config, found)
        email = build_module.make_email(content, config, found, allow_missing_unsubscribe)
    except IssueError as exc:
        found.error(exc.path, exc.line, "input", exc.detail)
    return run_checks(issue, content, email, config, found)


def check_paths(paths: list[Path], config: Config,
                allow_missing_unsubscribe: bool = False) -> tuple[Problems, int]:
    files = find_issue_files(paths or [config.issues_path])
    problems, seen = Problems(), set()
    for path in files:
        # Findings about newsletter.toml or a template recur for every file; say them once.
        for problem in check_file(path, config, allow_missing_unsubscribe):
            if problem not in seen:
                seen.add(problem)
                problems.append(problem)
    return problems, len(files)


def summary(problems: Problems, files: int) -> str:
    def count(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 or word == "info" else "s")
    infos = sum(p.level == "info" for p in problems)
    return (f"{count(len(problems.errors), 'error')}, {count(len(problems.warnings), 'warning')}, "
            f"{count(infos, 'info')} in {count(files, 'file')}")
