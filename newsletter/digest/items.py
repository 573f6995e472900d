"""Choosing a digest's entries: which files are in the range, in what
order, and what is left of each once content shown earlier is removed.

Content that several files share (a link, a paragraph, a re-posted event) is
kept once, in the first entry that has it, so no link is lost and none is
shown twice.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..content.calendar import check_event
from ..content.model import Block, Content, block_nodes
from ..content.reader import build_content
from ..errors import IssueError, NewsletterError, Problems
from ..source.events import Event, is_featured, read_event
from ..source.issue import (Issue, as_moment, date_from_name, display_path, find_issue_files,
                            read_issue)
from ..source.markup import Element, Node, links, text_of

SECTIONS = ("featured", "events", "actions")
HEADINGS = {"featured": "Featured", "events": "Upcoming events", "actions": "Actions"}
MORE_TITLES = 8          # left-out titles named in "More on our site"


@dataclass
class Settings:
    """From digest.toml or digest.md beside newsletter.toml; all optional."""
    title: str = ""
    intro: str = ""
    sections: tuple[str, ...] = SECTIONS
    upcoming_days: int = 30      # how far past the range an event still counts as upcoming
    source: str = "digest.toml"
    intro_line: int = 1


@dataclass
class Entry:
    issue: Issue
    content: Content
    event: Event | None           # with a start date; others are actions
    featured: bool
    blocks: list[Block] = field(default_factory=list)
    also: list[str] = field(default_factory=list)   # titles of duplicates merged in

    @property
    def kind(self) -> str:
        return "featured" if self.featured else "events" if self.event else "actions"


@dataclass
class Digest:
    name: str
    since: dt.date
    until: dt.date
    entries: list[Entry]
    files_in_range: int = 0
    events_dropped: int = 0
    drafts_skipped: int = 0
    duplicates: int = 0
    merged: list[Path] = field(default_factory=list)   # files shown as part of another entry
    unreadable: int = 0
    moved: list[Entry] = field(default_factory=list)


# -- choosing the files

def day_of(value, tz) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).date() if value.tzinfo else value.date()
    return value


def event_days(event: Event, tz) -> tuple[dt.date, dt.date]:
    start = day_of(event.start, tz)
    end = day_of(event.end, tz) if event.end is not None else start
    return start, max(start, end)


def file_date(issue: Issue, dated_by: str):
    if dated_by == "file-name":
        return date_from_name(issue.path) or issue.date
    return issue.date


def select(paths: list[Path], config: Config, since: dt.date, until: dt.date, as_of: dt.date,
           include_unpublished: bool, dated_by: str, settings: Settings,
           problems: Problems) -> tuple[list[Entry], Digest]:
    tz = config.tz
    name = f"digest-{since}-{until}"
    digest = Digest(name, since, until, [])
    horizon = until + dt.timedelta(days=settings.upcoming_days)
    files = find_issue_files(paths)
    if not files:
        raise NewsletterError("no issue files found in " + ", ".join(map(display_path, paths)))
    entries: list[Entry] = []
    for path in files:
        try:
            issue = read_issue(path, config)
        except IssueError as exc:
            named = date_from_name(path)
            if named is None or since <= named <= horizon:
                _left_out(exc, digest, problems)
            continue
        # Event warnings are reported once, below, for the files that are used.
        event = read_event(issue, tz, Problems())
        in_range = since <= day_of(file_date(issue, dated_by), tz) <= until
        if event is not None and event.start is not None:
            first, last = event_days(event, tz)
            in_range = in_range or (first <= horizon and last >= since)
        if not in_range:
            continue
        digest.files_in_range += 1
        if not issue.published and not include_unpublished:
            digest.drafts_skipped += 1
            continue
        mine = Problems()
        try:
            content = build_content(issue, config, mine)
        except IssueError as exc:   # e.g. a placeholder with a bad fallback
            _left_out(exc, digest, problems)
            continue
        # In a digest the file's title heads its event card: nothing to note.
        mine[:] = [p for p in mine if p.id != "event-title"]
        if mine.errors:
            # As for a file that can't be read: reported, and left out.
            problems.extend(p for p in mine if p.level != "error")
            for p in mine.errors:
                problems.warn(p.path, p.line, p.id, f"{p.message}; left out of the digest")
            digest.unreadable += 1
            continue
        problems.extend(mine)
        event = content.event
        check_event(event, issue.display, problems)
        if event is not None and event.start is None:
            event = None      # an RSVP or place without a date is an action
        if event is not None and event_days(event, tz)[1] < as_of:
            digest.events_dropped += 1
            continue
        entries.append(Entry(issue, content, event, is_featured(issue)))
    return entries, digest


def _left_out(exc: IssueError, digest: Digest, problems: Problems) -> None:
    """One bad file is a warning in a digest: the rest is still built."""
    problems.warn(exc.path, exc.line, "input", f"{exc.detail}; left out of the digest")
    digest.unreadable += 1


def order(entries: list[Entry], config: Config, dated_by: str) -> list[Entry]:
    """Priority order: featured, then events by start, then actions newest first."""
    tz = config.tz

    def key(entry: Entry) -> tuple[dt.datetime, str]:
        when = entry.event.start if entry.event else file_date(entry.issue, dated_by)
        return as_moment(when, tz), entry.issue.path.name
    featured = sorted((e for e in entries if e.kind == "featured"), key=key)
    events = sorted((e for e in entries if e.kind == "events"), key=key)
    actions = sorted((e for e in entries if e.kind == "actions"), key=key, reverse=True)
    return featured + events + actions


# -- duplicates

def _hrefs(nodes: list[Node]) -> set[str]:
    return {a.attrs["href"] for a in links(nodes)}


def _words(nodes: list[Node]) -> str:
    return " ".join(text_of(nodes).split()).lower()


class Seen:
    """Links and texts already shown by earlier entries."""

    def __init__(self):
        self.links: set[str] = set()
        self.texts: set[str] = set()
        self.events: dict[tuple, Entry] = {}

    def is_dup(self, nodes: list[Node]) -> bool:
        hrefs = _hrefs(nodes)
        if hrefs:
            return hrefs <= self.links     # only when no new link would be lost
        words = _words(nodes)
        return len(words) > 20 and words in self.texts

    def add(self, nodes: list[Node]) -> None:
        self.links |= _hrefs(nodes)
        words = _words(nodes)
        if not _hrefs(nodes) and len(words) > 20:
            self.texts.add(words)


def _flatten(entry: Entry) -> list[Block]:
    """The file's blocks, its headings turned into bold lines under the title."""
    out: list[Block] = []
    for section in entry.content.sections:
        heading = section.heading
        if heading is not None and _words(heading.nodes) != entry.issue.title.lower():
            bold = Element("strong", {}, heading.nodes)
            out.append(Block("paragraph", heading.line, nodes=[bold]))
        out.extend(section.blocks)
    return out


def _dedupe_blocks(blocks: list[Block], seen: Seen) -> list[Block]:
    kept: list[Block] = []
    for block in blocks:
        if block.kind == "list":
            items = [item for item in block.items if not seen.is_dup(item.nodes)]
            if not items:
                continue
            block = dataclasses.replace(block, items=items)
        elif _is_label(block):
            pass    # kept if anything is left under it; see _tidy
        elif block.kind in ("paragraph", "html", "heading", "images") and seen.is_dup(block.nodes):
            continue
        kept.append(block)
    return _tidy(kept)


def _tidy(blocks: list[Block]) -> list[Block]:
    """Drop sub-headings with nothing left under them, and stray rules."""
    out: list[Block] = []
    for block in reversed(blocks):
        after = out[-1] if out else None
        if _is_label(block) and (after is None or _is_subheading(after) or after.kind == "rule"):
            continue
        if block.kind == "rule" and (after is None or after.kind == "rule"):
            continue
        out.append(block)
    out.reverse()
    while out and out[0].kind == "rule":
        out.pop(0)
    return out


def _has_content(blocks: list[Block]) -> bool:
    return any(b.kind != "rule" and not _is_label(b) for b in blocks)


def _is_subheading(block: Block) -> bool:
    return block.kind == "paragraph" and len(block.nodes) == 1 \
        and isinstance(block.nodes[0], Element) and block.nodes[0].tag == "strong"


def _is_label(block: Block) -> bool:
    """A sub-heading without links: it only names what comes under it."""
    return _is_subheading(block) and not links(block.nodes)


def dedupe(entries: list[Entry], digest: Digest) -> list[Entry]:
    seen = Seen()
    owners: dict[str, Entry] = {}    # link -> the entry that shows it
    kept: list[Entry] = []
    for entry in entries:
        event = entry.event
        keys = []
        if event is not None:
            keys.append(("event", entry.issue.title.lower(), as_moment(event.start, dt.timezone.utc)))
            if event.rsvp:
                keys.append(("rsvp", event.rsvp))
        first = next((seen.events[k] for k in keys if k in seen.events), None)
        source = _flatten(entry)
        blocks = _dedupe_blocks(source, seen)
        for block in blocks:
            for nodes in block_nodes(block):
                seen.add(nodes)
        if first is not None:
            # The same event posted twice: one card, naming the other post.
            if entry.issue.title not in first.also + [first.issue.title]:
                first.also.append(entry.issue.title)
            first.blocks += blocks     # anything new it said still belongs
            _own(owners, blocks, first)
            digest.duplicates += 1
            digest.merged.append(entry.issue.path)
            continue
        if source and not _has_content(blocks) and event is None:
            digest.duplicates += 1     # a re-post with nothing new in it
            digest.merged.append(entry.issue.path)
            # Its title stays as context on the entry that shows its links.
            owner = next((owners[h] for b in source for nodes in block_nodes(b)
                          for h in sorted(_hrefs(nodes)) if h in owners), None)
            if owner is not None and entry.issue.title not in owner.also + [owner.issue.title]:
                owner.also.append(entry.issue.title)
            continue
        if event is not None:
            if event.rsvp:
                seen.links.add(event.rsvp)
            for key in keys:
                seen.events[key] = entry
        entry.blocks = blocks
        _own(owners, blocks, entry)
        kept.append(entry)
    return kept


def _own(owners: dict[str, Entry], blocks: list[Block], entry: Entry) -> None:
    for block in blocks:
        for nodes in block_nodes(block):
            for href in _hrefs(nodes):
                owners.setdefault(href, entry)
