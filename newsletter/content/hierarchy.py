"""Which action leads, and what "at a glance" lists.

In: a Content whose card lists are classified, and the writer's choice (a
`lead` in front matter, or a list item that starts with **Most important:**).
Out: a "click HERE" paragraph as an action card (`call_to_action`);
`Item.lead` set on at most one action card (`rank`, `choose_lead`); the action
cards in reading order (`actions`) and a short label for each (`glance_label`),
which both renderers read, so the HTML and the text part agree.
"""
from __future__ import annotations

import re

from ..config import Config
from ..errors import Problems
from ..source.issue import Issue
from ..source.markup import Element, links, text_of
from .labels import choose_button, says_nothing
from .model import Block, Content, Item

MOST_IMPORTANT = re.compile(r"^\s*most important\s*:?\s*$", re.I)
GLANCE_WORDS = 8        # a longer first clause is a sentence, not a verb phrase
GLANCE_MIN = 3          # the box appears from this many action cards


def call_to_action(block: Block) -> Block | None:
    """A paragraph whose one link is a "click HERE" (often the page's main call
    to action) as a one-card list, so it gets a button, not a small link."""
    found = links(block.nodes)
    if block.kind != "paragraph" or len(found) != 1 or not says_nothing(text_of(found[0].children)):
        return None
    item = Item([block.nodes], block.line, kind="action", button=choose_button(block.nodes, found))
    return Block("list", block.line, items=[item], style="cards")


def actions(content: Content) -> list[Item]:
    """The action cards a reader sees as cards, in reading order.

    Only top-level card lists: a list inside a quote is drawn as text.
    """
    return [item for section in content.sections for block in section.blocks
            if block.kind == "list" and block.style == "cards"
            for item in block.items if item.kind == "action" and item.button]


def marked_most_important(item: Item) -> bool:
    """True for an item starting with a bold "Most important:"."""
    first = item.paras[0] if item.paras else []
    lead = next((n for n in first if not (isinstance(n, str) and not n.strip())), None)
    return isinstance(lead, Element) and lead.tag in ("strong", "b") \
        and bool(MOST_IMPORTANT.match(text_of(lead.children)))


def choose_lead(content: Content, choice=None, problems: Problems | None = None,
                where: tuple = ("", None)) -> Item | None:
    """Mark the lead action: the item marked **Most important:**, else the one
    `choice` names (front matter `lead: "words of its text"`), else the first
    of two or more. `lead: false` means no lead at all."""
    found = actions(content)
    for item in found:
        item.lead = False
    if choice is False or not found:
        return None
    lead = next((item for item in found if marked_most_important(item)), None)
    if lead is None and len(found) == 1 and not choice:
        return None     # one action needs no ranking

    if lead is None and isinstance(choice, str) and choice.strip():
        wanted = " ".join(choice.lower().split())
        lead = next((item for item in found
                     if wanted in " ".join(text_of(item.nodes).lower().split())), None)
        if lead is None and problems is not None:
            problems.warn(where[0], where[1], "front-matter-type",
                          f"no action card contains {choice!r}; the first one leads")
    lead = lead or found[0]
    lead.lead = True
    return lead


def glance_label(item: Item) -> str:
    """What the item asks of the reader, in a few words: its first clause when
    that is short ("Call the county office"), else its button's label."""
    if item.summary:
        return item.summary
    nodes = item.nodes
    first = nodes[0] if nodes else ""
    if isinstance(first, Element) and first.tag in ("strong", "b") \
            and MOST_IMPORTANT.match(text_of(first.children)):
        nodes = nodes[1:]
    text = text_of(nodes)
    for a in links(nodes):
        words = text_of(a.children)
        if says_nothing(words):     # "Donate HERE to buy" -> "Donate to buy"
            text = text.replace(words, " ", 1)
    text = re.sub(r"^(please\s+)?click\s+(to\s+)?", "", " ".join(text.split()), flags=re.I)
    clause = re.split(r"[.!?:;,(\u2013\u2014]|\s-\s|\band\b", text, maxsplit=1)[0]
    words = clause.split()
    if words:
        words[0] = words[0][0].upper() + words[0][1:]
    if 2 <= len(words) <= GLANCE_WORDS:
        return " ".join(words)
    return item.button.label if item.button else " ".join(words[:GLANCE_WORDS]) + "…"


def glance(content: Content, extra: int = 0) -> list[Item]:
    """The actions the "at a glance" box lists; none when it is off or there
    are fewer than GLANCE_MIN (`extra` counts an event's RSVP)."""
    found = actions(content)
    if not content.at_a_glance or len(found) + extra < GLANCE_MIN:
        return []
    return found


def rank(content: Content, issue: Issue, config: Config, problems: Problems) -> None:
    """The issue's choices (`at_a_glance`, `lead` in front matter) applied."""
    content.at_a_glance = config.at_a_glance and switch(issue, "at_a_glance", problems) is not False
    lead = switch(issue, "lead", problems, words=True)
    choose_lead(content, lead, problems, (issue.display, issue.line_of("lead")))


def switch(issue: Issue, key: str, problems: Problems, words: bool = False):
    """A true/false front-matter key (`lead` also takes words); None when absent
    or unreadable (a warning at its line)."""
    value = issue.meta.get(key)
    if value is None or isinstance(value, bool) or (words and isinstance(value, str)):
        return value
    problems.warn(issue.display, issue.line_of(key), "front-matter-type",
                  f"{key} must be true or false{' or words of the lead card' if words else ''}; "
                  f"ignored (got {value!r})")
    return None
