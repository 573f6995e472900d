"""The Content model: what both renderers read, and what checks inspect.

In: nothing but the node types of source.markup. Out: `Content` (sections of
`Block`s, list `Item`s with their `Button`s, the issue's `Event`), and walks
over it (`flatten`, `block_nodes`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import Problems
from ..source.events import Event
from ..source.markup import Element, Node, links
from .labels import Button
from .placeholders import Found

@dataclass
class Item:
    paras: list[list[Node]]
    line: int
    kind: str = "plain"          # action | link | plain
    button: Button | None = None
    lead: bool = False           # the one most important action (content/hierarchy.py)
    summary: str = ""            # its words "at a glance", when the text can't say them

    @property
    def nodes(self) -> list[Node]:
        out: list[Node] = []
        for i, para in enumerate(self.paras):
            if i:
                out.append(Element("br"))
            out.extend(para)
        return out

    @property
    def card_nodes(self) -> list[Node]:
        """The nodes as a card shows them above its button: a link to where the
        button goes is its words alone, so the card does not offer it twice."""
        return unlink(self.nodes, self.button.href, self.button.label) if self.button \
            else self.nodes

    @property
    def host(self) -> str:
        """The site the item links to, shown under link cards."""
        found = links(self.nodes)
        href = self.button.href if self.button else (found[0].attrs["href"] if found else "")
        return re.sub(r"^www\.", "", urlsplit(href).netloc)


@dataclass
class Block:
    kind: str                    # paragraph heading images html list rule quote code table
    line: int
    nodes: list[Node] = field(default_factory=list)
    level: int = 0
    items: list[Item] = field(default_factory=list)
    style: str = "list"          # for lists: cards | links | compact | list
    ordered: bool = False
    text: str = ""
    children: list["Block"] = field(default_factory=list)
    rows: list[list[list[Node]]] = field(default_factory=list)


@dataclass
class Section:
    heading: Block | None
    blocks: list[Block]


@dataclass
class Content:
    source: str
    title: str
    subject: str
    preheader: str
    date: object
    sections: list[Section]
    event: Event | None = None
    problems: Problems = field(default_factory=Problems)
    found: list[Found] = field(default_factory=list)   # placeholders and literals, by line
    at_a_glance: bool = True     # front matter or config can turn the box off

    def blocks(self) -> list[Block]:
        """The top-level blocks in reading order, section headings included."""
        return [b for s in self.sections for b in ([s.heading] if s.heading else []) + s.blocks]

    def mark_literals(self, marker) -> None:
        """Mark template-like text left anywhere in the Content, in place.

        An issue's own text was marked as it was read, with its line; this
        catches what was put together later (a digest's titles and headings),
        so nothing reaches a renderer unmarked.
        """
        for block in flatten(self.blocks()):
            marker.nodes(block.nodes, block.line)
            block.text = marker.literals(block.text, block.line)
            for item in block.items:
                for para in item.paras:
                    marker.nodes(para, item.line)
                item.summary = marker.literals(item.summary, item.line)
                if item.button:
                    item.button.href = marker.literals(item.button.href, item.line)
                    item.button.label = marker.literals(item.button.label, item.line)
            for row in block.rows:
                for cell in row:
                    marker.nodes(cell, block.line)
        for name in ("title", "subject", "preheader"):
            setattr(self, name, marker.literals(getattr(self, name) or "", None))
        if self.event:
            for name in ("title", "location", "rsvp", "call_script", "image"):
                setattr(self.event, name, marker.literals(getattr(self.event, name), None))

    def all_links(self) -> list[str]:
        """Every href in the content, in order, for 'nothing was lost' checks."""
        return [a.attrs["href"] for block in flatten(self.blocks())
                for nodes in block_nodes(block) for a in links(nodes)]


# What joins a card's row of links (digest/layout.py's event card).
SEPARATOR = " · "


def unlink(nodes: list[Node], href: str, label: str = "") -> list[Node]:
    """`nodes` with each link to `href` replaced by its children (a new tree;
    the Content keeps its links for the text part and the checks).

    In a row of links joined by " · ", a link whose words are only the
    button's `label` ("RSVP" beside an RSVP button) goes altogether, with
    its separator: as plain words it would be a dangling label.
    """
    out: list[Node] = []
    skip_next = False
    for i, node in enumerate(nodes):
        if skip_next:
            skip_next = False
            continue
        if isinstance(node, Element):
            children = unlink(node.children, href, label)
            if node.tag == "a" and node.attrs.get("href") == href:
                after = nodes[i + 1] if i + 1 < len(nodes) else None
                if label and children == [label] and SEPARATOR in (after, out[-1:] and out[-1]):
                    if out and out[-1] == SEPARATOR:
                        out.pop()
                    else:
                        skip_next = True
                    continue
                out.extend(children)
            else:
                out.append(Element(node.tag, dict(node.attrs), children))
        else:
            out.append(node)
    return out


def flatten(blocks: list[Block]):
    """Each block, then the blocks nested in it (a quote's), in reading order."""
    for block in blocks:
        yield block
        yield from flatten(block.children)


def block_nodes(block: Block):
    """Each run of inline nodes a block holds itself: its text, items and cells."""
    yield block.nodes
    for item in block.items:
        yield item.nodes
    for row in block.rows:
        yield from row
