"""Content -> the plaintext part.

Rendered from the same Content as the HTML, so the two parts carry the same
links and action items. Action items are numbered within their section, with
their URLs beneath; other lists keep their bullets ("- ") or their own
numbers, and one list never mixes the two. Other links become [n]
references listed at the end of their section.
"""
from __future__ import annotations

import re
import textwrap

from ..config import Config, social_link
from ..content.model import Block, Content, Item
from ..content.placeholders import MARKER, Placeholder, mark, readable
from ..source.events import format_when
from ..source.markup import Element, Node, links, text_of
from . import platforms
from ..content.hierarchy import glance, glance_label
from .html import format_date, map_url
from .pieces import intro_length

WIDTH = 72


class _Refs:
    def __init__(self):
        self.urls: list[str] = []

    def add(self, url: str) -> int:
        if url not in self.urls:
            self.urls.append(url)
        return self.urls.index(url) + 1


def _label(url: str) -> str:
    """How a URL reads in text: a plain mailto: shows just the address."""
    if url.startswith("mailto:") and "?" not in url:
        return url[len("mailto:"):]
    return url


def inline(nodes: list[Node], refs: _Refs | None, skip: str = "") -> str:
    """Nodes as text; links as `text [n]`, or `text <url>` when `refs` is None.

    A link to `skip` (the button's URL, printed right below) gets no reference.
    """
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            # A newline in text is a soft break (Markdown) or whitespace
            # (HTML): the paragraph is re-wrapped; only <br> breaks a line.
            out.append(node.replace("\n", " "))
        elif node.tag == "br":
            out.append("\n")
        elif node.tag == "img":
            alt = node.attrs.get("alt", "").strip()
            out.append(f"[{alt}]" if alt else "")
        elif node.tag == "a" and node.attrs.get("href"):
            href = node.attrs["href"]
            text = " ".join(inline(node.children, None).split())
            bare = re.sub(r"^https?://", "", href).rstrip("/")   # www.example.org, linkified
            if not text or text.rstrip("/") in (href.rstrip("/"), _label(href), bare):
                out.append(_label(href))
            elif href == skip:
                out.append(text)
            elif refs is None:
                out.append(f"{text} <{_label(href)}>")
            else:
                out.append(f"{text} [{refs.add(href)}]")
        elif node.tag in ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"):
            prefix = "- " if node.tag == "li" else ""
            out.append("\n" + prefix + inline(node.children, refs, skip) + "\n")
        elif node.tag == "hr":
            out.append("\n")
        else:
            out.append(inline(node.children, refs, skip))
    return "".join(out)


def _stand_ins(text: str) -> tuple[str, dict[str, str]]:
    """Swap each placeholder sentinel for a word as long as what readers see.

    A sentinel is ~40 characters but a reader sees "friend" or a name, so
    wrapping must measure the latter. Private-use characters can't occur in
    the text, and one per placeholder keeps the stand-ins distinct.
    """
    swaps: dict[str, str] = {}

    def swap(match: re.Match) -> str:
        if match.group(0) not in swaps:
            seen = len(readable(match.group(0))) or 1
            swaps[match.group(0)] = chr(0xE000 + len(swaps)) * seen
        return swaps[match.group(0)]
    return MARKER.sub(swap, text), swaps


def wrap(text: str, indent: str = "", first: str | None = None, width: int = WIDTH) -> list[str]:
    """Wrap at 72 columns, never breaking a URL or a merge tag."""
    text, swaps = _stand_ins(text)
    lines = _wrap(text, indent, first, width)
    for sentinel, stand_in in swaps.items():
        lines = [line.replace(stand_in, sentinel) for line in lines]
    return lines


def _wrap(text: str, indent: str, first: str | None, width: int) -> list[str]:
    lines: list[str] = []
    first = indent if first is None else first
    for raw in text.split("\n"):
        words = " ".join(raw.split())
        if not words:
            if lines and lines[-1] != "":
                lines.append("")
            continue
        lead = first if not lines else indent
        if len(lead) + len(words) <= width:
            # What textwrap returns for a line that fits, without its regex
            # split and chunk loop (half the text part's time on the corpus).
            lines.append(lead + words)
            continue
        if width > 0:
            lines.extend(_fill(words.split(" "), width, lead, indent))
        else:   # textwrap's ValueError
            lines.extend(textwrap.wrap(words, width, initial_indent=lead,
                                       subsequent_indent=indent, break_long_words=False,
                                       break_on_hyphens=False))
    return lines or [first.rstrip()]


def _fill(words: list[str], width: int, lead: str, indent: str) -> list[str]:
    """textwrap.wrap(" ".join(words), width, initial_indent=lead,
    subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
    for words holding no whitespace: a word joins the line when it fits after
    a space, and a word too long for any line has one to itself. textwrap
    splits the text with a regex and moves each word and each space through
    a loop of its own (a third of the text part's time)."""
    lines: list[str] = []
    line: list[str] = []
    room, used = width - len(lead), -1
    for word in words:
        if line and used + 1 + len(word) > room:
            lines.append((indent if lines else lead) + " ".join(line))
            line, room, used = [], width - len(indent), -1
        line.append(word)
        used += 1 + len(word)
    if line:
        lines.append((indent if lines else lead) + " ".join(line))
    return lines


def underline(text: str, char: str) -> list[str]:
    lines = wrap(text)
    return lines + [char * min(WIDTH, max(len(line) for line in lines))]


def _words(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text).lower().split())


def _only_link(nodes: list[Node]) -> Element | None:
    """The one link a paragraph consists of, or None."""
    found = links(nodes)
    if len(found) != 1:
        return None
    rest = text_of(nodes).replace(text_of(found[0].children), "", 1)
    return found[0] if not re.sub(r"[\W_]+", "", rest) else None


class _Writer:
    def __init__(self, width: int = WIDTH):
        self.lines: list[str] = []
        self.action = 0
        self.width = width   # narrower inside a quote, whose lines get "> "
        self.quoted = False  # the HTML shows lists in a quote as plain bullets

    def wrap(self, text: str, indent: str = "", first: str | None = None) -> list[str]:
        return wrap(text, indent, first, self.width)

    def para(self, lines: list[str]) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")
        self.lines.extend(lines)

    def item(self, item: Item, refs: _Refs, marker: str, compact: bool = False) -> None:
        first = marker + " "                 # "- ", "1. ", "10. "
        indent = " " * len(first)            # continuation lines line up with the text
        if item.kind == "plain":
            self.para(self.wrap(inline(item.nodes, refs), indent, first))
            return
        if item.kind == "link" or (compact and len(links(item.nodes)) == 1):
            # A resource: its title, then the address on a line of its own.
            href = links(item.nodes)[0].attrs["href"]
            text = text_of(item.nodes) if item.kind == "link" else inline(item.nodes, refs, href)
            lines = self.wrap(text, indent, first)
            if _label(href) not in text:   # a bare URL is not printed twice
                lines.append(indent + _label(href))
            self.para(lines)
            return
        skip = item.button.href if item.button else ""
        # The card's words, as the HTML shows them above its button.
        text = inline(item.card_nodes, refs, skip)
        lines = self.wrap(text, indent, first)
        if item.button:
            # "Find your rep ..." then "> Find your rep: <url>" says it twice.
            said = _words(text).startswith(_words(item.button.label))
            button = _label(item.button.href) if said else \
                f"{item.button.label}: {_label(item.button.href)}"
            lines += self.wrap(button, indent + "  ", indent + "> ")
        self.para(lines)

    def block(self, block: Block, refs: _Refs) -> None:
        if block.kind in ("paragraph", "html"):
            only = _only_link(block.nodes)
            if only is not None:
                # A line that is just a link reads better with its URL beside it.
                text = " ".join(text_of(only.children).split())
                url = _label(only.attrs["href"])
                self.para(self.wrap(url if text.rstrip("/") in (url.rstrip("/"), "") else f"{text}: {url}"))
            else:
                self.para(self.wrap(inline(block.nodes, refs)))
        elif block.kind == "images":
            alts = [n.attrs.get("alt", "") for n in block.nodes if isinstance(n, Element)]
            self.para(self.wrap(" ".join(f"[{a}]" for a in alts if a)))
        elif block.kind == "heading":
            self.para(self.wrap(inline(block.nodes, refs)))
        elif block.kind == "list":
            # A compact list (a link roundup) reads as a list in the HTML, so
            # its items are not numbered as actions here either.
            compact = block.style == "compact" or self.quoted
            # Numbers for a list of action cards, counted through the section;
            # one with other items in it is bullets all through, as is any
            # other list the writer bulleted.
            actions = not compact and block.style == "cards" and \
                all(item.kind == "action" for item in block.items)
            for n, item in enumerate(block.items, 1):
                if actions:
                    self.action += 1
                    marker = f"{self.action}."
                else:
                    marker = f"{n}." if block.ordered else "-"
                self.item(item, refs, marker, compact)
        elif block.kind == "rule":
            self.para(["-" * 24])
        elif block.kind == "quote":
            inner = _Writer(self.width - 2)
            inner.action = self.action
            inner.quoted = True
            for child in block.children:
                inner.block(child, refs)
            self.action = inner.action
            self.para(["> " + line if line else ">" for line in inner.lines])
        elif block.kind == "code":
            self.para([out for line in block.text.split("\n") for out in self.code_line(line)])
        elif block.kind == "table":
            for row in block.rows:
                self.para(self.wrap(" | ".join(inline(cell, refs) for cell in row)))

    def code_line(self, line: str) -> list[str]:
        # Long lines wrap with their indentation kept, as the HTML's pre-wrap
        # does: pages often indent prose by accident, making it code.
        line = "    " + line.expandtabs(4)
        if len(line) <= self.width:
            return [line]
        indent = line[:len(line) - len(line.lstrip())][:12]
        return textwrap.wrap(line.strip(), self.width, initial_indent=indent, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False)

    def refs(self, refs: _Refs) -> None:
        if refs.urls:
            self.para([f"[{i}] {_label(url)}" for i, url in enumerate(refs.urls, 1)])


def _glance_and_event(w: _Writer, content: Content, config: Config, event_calendar) -> None:
    """What the HTML shows after the intro: the glance box, then the event."""
    ev = content.event
    listed = glance(content, extra=int(bool(ev and ev.rsvp)))
    if listed:
        lines = ["At a glance:"]
        for item in listed:
            lines += wrap(glance_label(item) + (" (most important)" if item.lead else ""), "  ", "- ")
        if ev and ev.rsvp:
            lines += wrap(f"RSVP: {ev.title or content.title}", "  ", "- ")
        w.para(lines)
    if not ev:
        return
    lines: list[str] = wrap(ev.title) if ev.named else []
    if ev.start or ev.tba:
        lines += wrap(f"When: {format_when(ev, config.tz)}", "      ", "")
    if ev.location:
        lines += wrap(f"Where: {ev.location}", "       ", "")
        if map_url(ev.location, config):
            lines.append(f"Map: {map_url(ev.location, config)}")
    if ev.rsvp:
        lines.append(f"RSVP: {_label(ev.rsvp)}")
    for link in event_calendar or []:
        lines.append(f"{link.label}: {link.href}")
    w.para(lines)
    if ev.call_script:
        w.para(["Call script:"] + wrap(ev.call_script, "  ", "  "))


def render_text(content: Content, config: Config, event_calendar: list | None = None) -> str:
    w = _Writer()
    w.para(wrap(config.org_name) + (wrap(config.tagline) if config.tagline else []))
    w.para(underline(content.title, "="))
    w.lines.append(format_date(content.date))
    # After the intro, as in the HTML; with no intro, before everything.
    intro = intro_length(content) if content.sections and not content.sections[0].heading else -1
    if intro < 0:
        _glance_and_event(w, content, config, event_calendar)
    for n, section in enumerate(content.sections):
        refs = _Refs()
        w.action = 0     # action items are counted within their section
        if section.heading:
            w.para(underline(inline(section.heading.nodes, refs), "-"))
        for i, block in enumerate(section.blocks):
            if n == 0 and i == intro:
                _glance_and_event(w, content, config, event_calendar)
            w.block(block, refs)
        if n == 0 and intro == len(section.blocks):
            _glance_and_event(w, content, config, event_calendar)
        w.refs(refs)
    w.para(["-" * 24])
    for name in config.social:
        link = social_link(config, name)
        w.lines.append(f"{link['label']}: {link['url']}")
    w.lines.append(config.org_name)
    if config.postal_address:
        w.lines.extend(wrap(config.postal_address))
    w.lines.append("Unsubscribe: " + mark(Placeholder("unsubscribe_url")))
    if platforms.can_view_online(config):
        w.lines.append("View in your browser: " + mark(Placeholder("view_online_url")))
    text = "\n".join(line.rstrip() for line in w.lines).strip("\n") + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)
