"""A digest's entries -> one Content: sections, day headings, event cards.

Everything is made of the ordinary block kinds (headings, paragraphs, card
lists), so the digest goes through the same renderers, platform profiles and
size checks as a single issue.
"""
from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

from ..config import Config
from ..content.calendar import calendar_links, ics_url
from ..content.hierarchy import actions as action_cards, choose_lead
from ..content.labels import Button
from ..content.model import SEPARATOR, Block, Content, Item, Section
from ..content.reader import build_content
from ..errors import Problems
from ..source.events import Event, format_when
from ..source.issue import Issue
from ..source.markup import Element, Node
from .items import HEADINGS, MORE_TITLES, SECTIONS, Digest, Entry, Settings, day_of


def _strong(text: str) -> Element:
    return Element("strong", {}, [text])


def _a(href: str, text: str) -> Element:
    return Element("a", {"href": href}, [text])


def _joined(nodes: list[Node], sep: Node = SEPARATOR) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        out += [sep, node] if out else [node]
    return out


def event_card(event: Event, also: list[str], config: Config, short: bool = False) -> Block:
    """When, where, RSVP and calendar links as one card whose button is the RSVP.

    `short` calendar links are for the text part; see calendar_links.
    """
    paras: list[list[Node]] = [[_strong("When: "), format_when(event, config.tz)]]
    if event.named:
        paras.insert(0, [_strong(event.title)])
    if event.location:
        paras.append([_strong("Where: "), event.location])
    calendar = calendar_links(event, config, short)
    # The RSVP link is in the text as well as on the button, because a card
    # list that is compacted to save space shows only its text.
    actions = ([_a(event.rsvp, "RSVP")] if event.rsvp else []) + \
        [_a(link.href, link.label) for link in calendar]
    if actions:
        paras.append(_joined(actions))
    if event.call_script:
        lines = [line for line in event.call_script.splitlines() if line.strip()]
        paras.append([_strong("Call script: ")] + _joined(lines, Element("br")))
    if also:
        paras.append([Element("em", {}, ["Also posted as: " + "; ".join(also)])])
    # Without an RSVP there is no one main action, so no card and no button.
    button = Button(event.rsvp, "RSVP") if event.rsvp else None
    item = Item(paras, event.line, kind="action" if button else "plain", button=button,
                summary=f"RSVP: {event.title}")
    return Block("list", event.line, items=[item], style="cards")


def _entry_blocks(entry: Entry, config: Config, short: bool = False, level: int = 3,
                 divider: bool = False) -> list[Block]:
    """The entry under its source title as a heading, with its date; a rule
    above it (`divider`) when it follows another entry."""
    line = entry.issue.body_line
    day = entry.issue.day
    out = [Block("rule", line)] if divider else []
    out += [Block("heading", line, nodes=[entry.content.title], level=level),   # title with sentinels
            Block("paragraph", line, nodes=[Element("em", {}, [f"{day:%B} {day.day}, {day.year}"])])]
    if entry.event is not None:
        out.append(event_card(entry.event, entry.also, config, short))
    elif entry.also:
        out.append(Block("paragraph", line, nodes=[
            Element("em", {}, ["Also posted as: " + "; ".join(entry.also)])]))
    return out + entry.blocks


def day_heading(day: dt.date, year: int) -> str:
    """'Saturday, July 18', with the year when it is not the digest's."""
    return f"{day:%A, %B} {day.day}" + (f", {day.year}" if day.year != year else "")


def range_text(since: dt.date, until: dt.date) -> str:
    if since == until:
        return f"{since:%B} {since.day}, {since.year}"
    if since.year != until.year:
        return f"{since:%B} {since.day}, {since.year} – {until:%B} {until.day}, {until.year}"
    if since.month != until.month:
        return f"{since:%B} {since.day} – {until:%B} {until.day}, {until.year}"
    return f"{since:%B} {since.day} – {until.day}, {until.year}"


def _heading(text: str, level: int) -> Block:
    return Block("heading", 0, nodes=[text], level=level)


def assemble(digest: Digest, kept: list[Entry], moved: list[Entry], settings: Settings,
             intro: list[Block], config: Config, short: bool = False) -> Content:
    tz = config.tz
    groups: dict[str, list[Section]] = {name: [] for name in SECTIONS}
    blocks_of: dict[int, list[Block]] = {}     # id(entry) -> its blocks, to find its actions

    def entry_blocks(entry: Entry, *args) -> list[Block]:
        blocks_of[id(entry)] = _entry_blocks(entry, config, short, *args)
        return blocks_of[id(entry)]

    for entry in kept:
        if entry.kind == "events":
            start = day_of(entry.event.start, tz)
            # Begun before the range and not over: its start day would read as past.
            day = "Ongoing" if start < digest.since else day_heading(start, digest.until.year)
            if groups["events"] and groups["events"][-1].heading.nodes == [day]:
                groups["events"][-1].blocks += entry_blocks(entry, 4, True)
            else:
                groups["events"].append(Section(_heading(day, 3),
                                                entry_blocks(entry, 4)))
        else:
            if not groups[entry.kind]:
                groups[entry.kind].append(Section(_heading(HEADINGS[entry.kind], 2), []))
            blocks = groups[entry.kind][0].blocks
            blocks += entry_blocks(entry, 3, bool(blocks))
    if groups["events"]:
        groups["events"].insert(0, Section(_heading(HEADINGS["events"], 2), []))
    # The one file with every event, featured or not: linked under "Upcoming
    # events", or atop "Featured" when every event is featured.
    count = sum(e.event is not None for e in kept)
    url = ics_url(config, digest.name)
    if count and url:
        where = groups["events"] or groups["featured"]
        what = "the event" if count == 1 else f"all {count} events"
        where[0].blocks.insert(0, Block("paragraph", 0, nodes=[
            _a(url, f"Add {what} to your calendar (.ics file)")]))
    sections = [Section(None, intro)] if intro else []
    for name in settings.sections:
        sections += groups[name]
    if moved:
        sections.append(more_section(moved, config))
    title = settings.title or f"Actions and events: {range_text(digest.since, digest.until)}"
    events = sum(e.event is not None for e in kept)
    actions = len(kept) - events
    preheader = f"{events} upcoming event{'s' * (events != 1)} and " \
                f"{actions} action{'s' * (actions != 1)}"
    content = Content(source=digest.name, title=title, subject=title, preheader=preheader,
                      date=digest.until, sections=copy.deepcopy(sections))
    content.at_a_glance = config.at_a_glance
    # The first action of an entry whose front matter says `lead: true` leads;
    # else the first action of the digest. Found by position: the copy above
    # has new items.
    found = action_cards(Content(digest.name, "", "", "", None, sections))
    wanted = next((e for e in kept if e.issue.meta.get("lead") is True), None)
    mine = [i for i, item in enumerate(found) if wanted is not None
            and any(item in block.items for block in blocks_of[id(wanted)])]
    lead = choose_lead(content)
    if mine and lead is not None:
        lead.lead = False
        action_cards(content)[mine[0]].lead = True
    return content


def more_section(moved: list[Entry], config: Config) -> Section:
    titles = list(dict.fromkeys(e.content.title for e in moved))   # re-posts share a title
    names = titles[:MORE_TITLES]
    rest = len(titles) - len(names)
    listed = "; ".join(names) + (f"; and {rest} more" if rest else "")
    blocks = [Block("paragraph", 0, nodes=[
        f"{len(moved)} more item{'s' * (len(moved) != 1)} did not fit in this email: {listed}."])]
    if config.site_url:
        button = Button(config.site_url, "More on our site")
        item = Item([[_a(config.site_url, "Read them on our website")]], 0, kind="action",
                    button=button)
        blocks.append(Block("list", 0, style="cards", items=[item]))
    # No site to point to: don't promise one.
    return Section(_heading("More on our site" if config.site_url else "Not in this email", 2),
                   blocks)


def read_intro(settings: Settings, config: Config, problems: Problems) -> Content | None:
    if not settings.intro.strip():
        return None
    issue = Issue(path=Path(settings.source), title="intro", date=dt.date.today(), meta={},
                  lines={}, body=settings.intro, body_line=settings.intro_line)
    return build_content(issue, config, problems)


