"""Content -> the pieces a theme lays out, in reading order.

In: a Content and the Config. Out: `plan()`: a list of `Piece`s (a column of
running text, headings and cards; the lead action's box; the "at a glance"
box; the event card) and an `ActionView` for each action card (its anchor,
how prominent it is, its words in the glance box). The order is the
greeting and intro first, then the glance box and the event, then the rest.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Config
from ..content.hierarchy import actions, glance, glance_label
from ..content.model import Block, Content, Item

# From this many action cards, the ones after the lead are links with an
# arrow rather than buttons: five buttons of any style still compete.
MANY_ACTIONS = 5


@dataclass
class Run:
    kind: str                       # heading | flow | images | cards
    blocks: list = field(default_factory=list)
    items: list = field(default_factory=list)    # a cards run's items

    @property
    def block(self):
        return self.blocks[0]


@dataclass
class Piece:
    kind: str                       # column | lead | glance | event
    runs: list[Run] = field(default_factory=list)
    item: Item | None = None


@dataclass
class ActionView:
    anchor: str                     # the card's id, for the glance box's links
    style: str                      # lead | solid | outline | arrow
    label: str                      # what the glance box says

    @property
    def href(self) -> str:
        return "#" + self.anchor


def run_kind(block: Block) -> str:
    if block.kind == "list" and block.style == "cards":
        return "cards"
    return {"images": "images", "heading": "heading"}.get(block.kind, "flow")


def runs(blocks) -> list[Run]:
    """Group blocks so that consecutive running text shares one mj-text."""
    out: list[Run] = []
    for block in blocks:
        kind = run_kind(block)
        if kind == "flow" and out and out[-1].kind == "flow":
            out[-1].blocks.append(block)
        else:
            out.append(Run(kind, [block], list(block.items) if kind == "cards" else []))
    return out


def roles(content: Content, config: Config) -> dict[int, ActionView]:
    """id(item) -> its ActionView, for every action card."""
    found = actions(content)
    has_lead = any(item.lead for item in found)
    outline = config.look["button_style"] == "outline"
    out = {}
    for n, item in enumerate(found, 1):
        if item.lead:
            style = "lead"
        elif not has_lead:
            style = "outline" if outline else "solid"
        elif len(found) >= MANY_ACTIONS or outline:
            style = "arrow"
        else:
            style = "outline"
        out[id(item)] = ActionView(f"action-{n}", style, glance_label(item))
    return out


def intro_length(content: Content) -> int:
    """How many blocks the intro has: the running text the email opens with,
    before any heading or card. The glance box and the event come after it."""
    if not content.sections or content.sections[0].heading:
        return 0
    blocks = content.sections[0].blocks
    n = 0
    while n < len(blocks) and run_kind(blocks[n]) == "flow":
        n += 1
    return n


def plan(content: Content, config: Config) -> tuple[list[Piece], dict[int, ActionView], list]:
    """The pieces, the action roles and the glance box's entries."""
    role = roles(content, config)
    rsvp = bool(content.event and content.event.rsvp)
    listed = [role[id(item)] for item in glance(content, extra=int(rsvp))]
    blocks: list[Block] = []
    for section in content.sections:
        blocks += ([section.heading] if section.heading else []) + section.blocks
    intro = intro_length(content)
    pieces: list[Piece] = []
    if intro:
        pieces.append(Piece("column", runs(blocks[:intro])))
    if listed:
        pieces.append(Piece("glance"))
    if content.event:
        pieces.append(Piece("event"))
    column = Piece("column")
    for run in runs(blocks[intro:]):
        lead = next((item for item in run.items if item.lead), None)
        if lead is None:
            column.runs.append(run)
            continue
        # The lead gets a box of its own: the cards before it stay in this column.
        at = run.items.index(lead)
        if at:
            column.runs.append(Run("cards", run.blocks, run.items[:at]))
        if column.runs:
            pieces.append(column)
        pieces.append(Piece("lead", item=lead))
        column = Piece("column")
        if run.items[at + 1:]:
            column.runs.append(Run("cards", run.blocks, run.items[at + 1:]))
    if column.runs:
        pieces.append(column)
    return pieces, role, listed
