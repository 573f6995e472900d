"""Issue -> Content: the one structure both renderers read.

Markdown is parsed once with markdown-it-py. Each block's inline HTML goes
through markup.sanitize, so raw HTML, kramdown leftovers and Markdown links
all end up as the same small node tree. Lists whose items carry links become
action cards, or compact link lists when there are too many for one email.
"""
from __future__ import annotations

import bisect
import re
from urllib.parse import quote, urljoin, urlsplit

from markdown_it import MarkdownIt

from ..config import Config
from ..errors import IssueError, Problems
from ..source.events import DOMAIN, EMAIL, event_field, read_event
from ..source.issue import Issue
from ..source.markup import Element, NestingError, Node, links, prescan_needed, sanitize, text_of
from .hierarchy import call_to_action, rank
from .labels import choose_button
from .model import Block, Content, Item, Section
from .placeholders import MARKER, Marker, preview, readable, refuse_nonce

# Kramdown inline attribute lists, including the broken forms people type:
# {:target="_blank"}, {: .class}, {:target="_blank}, {:target=_blank}
IAL = re.compile(r"\{:[^{}\n]*\}")
# C0 controls but tab and line breaks, DEL, C1 controls and lone surrogates:
# MJML's XML parser refuses some, and none is anything a reader can see.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# A link destination broken across lines: [text](https://exa
#   mple.org/page) -> joined, with the newline moved after the link.
BROKEN_LINK = re.compile(r"(\]\(\s*<?[^()\s<>]*)\n[ \t]*([^()\s<>]*>?\))")
MAX_CARDS = 24            # beyond this an email gets long and heavy; lists go compact
MAX_CARDS_PER_LIST = 12


def make_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    # Let every URL through to the sanitiser, which drops dangerous ones with a
    # warning; markdown-it would silently print them as literal Markdown.
    md.validateLink = lambda url: True
    return md


MD = make_markdown()
# Levels of quotes and lists (a list counts two) whose text markdown-it keeps.
MAX_NESTING = MD.options.maxNesting - 1


def prepare(body: str) -> str:
    """Clean Markdown source without changing its line numbering."""
    body = CONTROL.sub("", body)
    body = IAL.sub("", body)
    return BROKEN_LINK.sub(_join_link, body)


def _join_link(match: re.Match) -> str:
    """A link split across lines, joined with its line breaks moved after it.

    This used to be one substitution repeated until nothing changed, which
    took one pass over the whole body per line break between `](` and the
    address (quadratic: `](` and 500,000 newlines never finished). Each pass
    after the first took the last line break out of that space, with the
    spaces or tabs after it, as long as nothing else followed it and the
    address did not start with `<`; this does all those passes at once.
    """
    link = match.group(1) + match.group(2)
    address = link[2:].lstrip()
    space = link[2:len(link) - len(address)]
    breaks = 1
    if not address.startswith("<"):
        while (cut := space.rfind("\n")) >= 0 and not space[cut + 1:].strip(" \t"):
            space = space[:cut]
            breaks += 1
    return "](" + space + address + "\n" * breaks


class _Reader:
    """Walks markdown-it's flat token list, building Blocks."""

    def __init__(self, issue: Issue, config: Config, source_lines: list[str], problems: Problems,
                 marker: Marker):
        self.marker = marker
        self.issue = issue
        self.config = config
        self.lines = source_lines
        self.problems = problems
        self.cards = 0

    # -- line numbers and reporting
    def file_line(self, token_map, needle: str = "") -> int:
        start, end = (token_map or (0, 1))
        if needle:
            probe = needle.strip()[:40]
            for i in range(start, min(end, len(self.lines))):
                if probe and probe in self.lines[i]:
                    return self.issue.body_line + i
        return self.issue.body_line + start

    def reporter(self, token_map, line: int | None = None):
        def report(check_id: str, message: str, needle: str) -> None:
            self.problems.warn(self.issue.display, line or self.file_line(token_map, needle),
                               check_id, message)
        return report

    def fixer(self, token_map, line: int | None = None):
        site = self.config.site_url

        def fix(url: str, tag: str) -> str | None:
            url = url.strip()
            where = line
            if token_map is None and where is None:
                # An address from the front matter (the event's image): its key's line.
                where = next((self.issue.line_of(key) for key, value in self.issue.meta.items()
                              if isinstance(value, str) and value.strip() == url), None)
            report = self.reporter(token_map, where)
            if not url:
                # `[text]()`: resolving "" would link to the site's home page.
                report("link-scheme", "link with an empty address dropped; its text is kept", "](")
                return None
            if MARKER.fullmatch(url):
                return url
            if " " in url:
                url = url.replace(" ", "%20")
            if not url.isprintable():
                # Unassigned or invisible characters: mjml-python writes them into
                # attributes as Rust escapes (\u{1287a}); percent-encoded they
                # mean the same to every browser.
                url = "".join(c if c.isprintable() else quote(c) for c in url)
            what = "image" if tag == "img" else "link"
            try:
                parts = urlsplit(url)
            except ValueError:
                # urllib refuses some addresses outright: "https://[rsvp]/form"
                # (brackets mean an IPv6 host), "https://[::1/x".
                report("link-scheme", f"{what} {url!r} is not a valid address; dropped", url)
                return None
            scheme = parts.scheme.lower()
            if scheme in ("http", "https", "mailto", "tel"):
                return url
            if scheme:
                report("link-scheme", f"unsupported link {url!r} dropped", url)
                return None
            if url.startswith("//"):
                return "https:" + url
            if EMAIL.match(url):
                report("link-scheme", f"link {url!r} is an email address; using mailto:{url}", url)
                return "mailto:" + url
            if DOMAIN.match(url) and not url.startswith(("/", ".")):
                report("link-scheme", f"link {url!r} has no scheme; using https://{url}", url)
                return "https://" + url
            if url.startswith("#"):
                return url
            if site:
                try:
                    return urljoin(site.rstrip("/") + "/", url)
                except ValueError:
                    report("link-scheme", f"{what} {url!r} is not a valid address; dropped", url)
                    return None
            report("relative-link", f"relative {what} {url!r} can't work in email; "
                   "set site_url in newsletter.toml", url)
            return None if tag == "img" else url
        return fix

    def inline(self, token) -> list[Node]:
        children = token.children or []
        for child, following in zip(children, children[1:]):
            # linkify makes `www.example.org` into http://; email wants https.
            href = child.attrGet("href") or "" if child.type == "link_open" else ""
            if child.markup == "linkify" and href.startswith("http://") \
                    and not following.content.startswith("http://"):
                child.attrSet("href", "https://" + href[len("http://"):])
                self.reporter(token.map)("link-scheme", f"link {following.content!r} has no "
                                         f"scheme; using {child.attrGet('href')}", following.content)
        html = MD.renderer.renderInline(token.children or [], MD.options, {})
        return self.sanitize(html, token.map, prescan_needed(token.children or []))

    def sanitize(self, html: str, token_map, prescan: bool = True) -> list[Node]:
        """markup.sanitize, with HTML nested too deeply an error at the block's line,
        and template-like text marked in what readers will see."""
        try:
            nodes = sanitize(html, self.reporter(token_map), self.fixer(token_map), prescan)
        except NestingError as exc:
            raise IssueError(self.issue.path, self.file_line(token_map), str(exc)) from None
        return self.marker.nodes(nodes, self.file_line(token_map))

    def too_deep(self, tok) -> None:
        """markdown-it silently drops what is nested MD.options.maxNesting levels
        deep (a quote is one level, a list two: the list and its item); say so."""
        depth = {"blockquote_open": 1, "bullet_list_open": 2, "ordered_list_open": 2}.get(tok.type)
        if depth and tok.level + depth >= MD.options.maxNesting:
            raise IssueError(self.issue.path, self.file_line(tok.map),
                             f"quotes and lists are nested more than {MAX_NESTING} levels deep "
                             "here (a list counts two); what is inside would be lost")

    # -- blocks
    def blocks(self, tokens, i: int, stop: str | None) -> tuple[list[Block], int]:
        out: list[Block] = []
        while i < len(tokens):
            tok = tokens[i]
            if stop and tok.type == stop:
                return out, i + 1
            self.too_deep(tok)
            if tok.type == "paragraph_open":
                nodes = self.inline(tokens[i + 1])
                block = self.paragraph(nodes, tok.map)
                card = call_to_action(block) if stop is None and self.cards < MAX_CARDS else None
                self.cards += card is not None
                out.append(card or block)
                i += 3
            elif tok.type == "heading_open":
                nodes = self.inline(tokens[i + 1])
                out.append(Block("heading", self.file_line(tok.map), nodes=nodes,
                                 level=int(tok.tag[1])))
                i += 3
            elif tok.type in ("bullet_list_open", "ordered_list_open"):
                block, i = self.list(tokens, i)
                out.append(block)
            elif tok.type == "blockquote_open":
                children, i = self.blocks(tokens, i + 1, "blockquote_close")
                out.append(Block("quote", self.file_line(tok.map), children=children))
            elif tok.type in ("fence", "code_block"):
                line = self.file_line(tok.map)
                out.append(Block("code", line, text=self.marker.literals(tok.content.rstrip("\n"), line)))
                i += 1
            elif tok.type == "hr":
                out.append(Block("rule", self.file_line(tok.map)))
                i += 1
            elif tok.type == "html_block":
                nodes = self.sanitize(tok.content, tok.map)
                if text_of(nodes).strip() or any(isinstance(n, Element) for n in nodes):
                    out.append(self.paragraph(nodes, tok.map, kind="html"))
                i += 1
            elif tok.type == "table_open":
                block, i = self.table(tokens, i)
                out.append(block)
            else:
                i += 1
        return out, i

    def paragraph(self, nodes: list[Node], token_map, kind: str = "paragraph") -> Block:
        line = self.file_line(token_map)
        significant = [n for n in nodes if not (isinstance(n, str) and not n.strip())
                       and not (isinstance(n, Element) and n.tag == "br")]
        if significant and all(isinstance(n, Element) and n.tag == "img" for n in significant):
            return Block("images", line, nodes=significant)
        return Block(kind, line, nodes=nodes)

    def table(self, tokens, i: int) -> tuple[Block, int]:
        block = Block("table", self.file_line(tokens[i].map))
        row: list[list[Node]] = []
        while tokens[i].type != "table_close":
            tok = tokens[i]
            if tok.type == "tr_open":
                row = []
            elif tok.type == "inline":
                row.append(self.inline(tok))
            elif tok.type == "tr_close":
                block.rows.append(row)
            i += 1
        return block, i + 1

    def list(self, tokens, i: int) -> tuple[Block, int]:
        open_tok = tokens[i]
        close = open_tok.type.replace("_open", "_close")
        block = Block("list", self.file_line(open_tok.map), ordered=open_tok.type.startswith("ordered"))
        i += 1
        while tokens[i].type != close:
            if tokens[i].type == "list_item_open":
                item_tok = tokens[i]
                children, i = self.blocks(tokens, i + 1, "list_item_close")
                block.items.append(Item(self.item_paras(children), self.file_line(item_tok.map)))
            else:
                i += 1
        self.classify(block)
        return block, i + 1

    def item_paras(self, children: list[Block]) -> list[list[Node]]:
        paras: list[list[Node]] = []
        for child in children:
            if child.kind == "list":
                for j, sub in enumerate(child.items, 1):
                    marker = f"{j}. " if child.ordered else "– "
                    for k, para in enumerate(sub.paras):
                        paras.append(([marker] if k == 0 else []) + para)
            elif child.kind == "code":
                paras.append([Element("code", {}, [child.text])])
            elif child.kind == "quote":
                paras.extend(self.item_paras(child.children))
            elif child.kind == "table":
                for row in child.rows:   # a row per line, as the HTML shows tables
                    paras.append([node for i, cell in enumerate(row)
                                  for node in ([" · "] if i else []) + cell])
            elif child.nodes:
                paras.append(child.nodes)
        return paras

    # -- action items
    def classify(self, block: Block) -> None:
        for item in block.items:
            found = links(item.nodes)
            if not found:
                continue
            rest = text_of(item.nodes)
            for a in found:
                rest = rest.replace(text_of(a.children), "", 1)
            if len(re.sub(r"[\W_]+", "", rest)) < 4 and len(found) == 1:
                item.kind = "link"
            else:
                item.kind = "action"
                item.button = choose_button(item.nodes, found)
        wanted = sum(item.kind != "plain" for item in block.items)
        if not wanted:
            block.style = "list"
        elif wanted > MAX_CARDS_PER_LIST or self.cards + wanted > MAX_CARDS:
            block.style = "compact"
            for item in block.items:
                item.button = None
        else:
            block.style = "cards"
            self.cards += wanted


def build_content(issue: Issue, config: Config, problems: Problems | None = None) -> Content:
    problems = problems if problems is not None else Problems()

    # Astronomically unlikely by chance; refused so that no input can forge a marker.
    refuse_nonce(issue)
    marker = Marker(issue.display, problems)
    body = prepare(issue.body)
    breaks = [m.start() for m in re.finditer("\n", body)]
    body = marker.placeholders(body, lambda at: issue.body_line + bisect.bisect_left(breaks, at))
    # Before parsing, `[text](url)` is a link: bracketed tags are marked later.
    if "{" in body or "*|" in body:   # else no line holds a literal (most bodies)
        body = "\n".join(marker.literals(line, issue.body_line + i, brackets=False)
                         for i, line in enumerate(body.split("\n")))
    reader = _Reader(issue, config, body.split("\n"), problems, marker)
    blocks, _ = reader.blocks(MD.parse(body), 0, None)

    sections = [Section(None, [])]
    for block in blocks:
        if block.kind == "heading":
            sections.append(Section(block, []))
        else:
            sections[-1].blocks.append(block)
    if not sections[0].blocks and len(sections) > 1:
        sections.pop(0)

    event = read_event(issue, config.tz, problems)
    if event and event.image:
        event.image = reader.fixer(None)(event.image, "img") or ""
    if event and event.rsvp:
        # The same rules as body links: javascript: is dropped, /rsvp resolved.
        line = issue.line_of(event_field(issue, "rsvp")[0])
        event.rsvp = reader.fixer(None, line)(event.rsvp, "a") or ""
    if event:
        # Everything of the event that reaches the email, marked like the body.
        for name in ("location", "rsvp", "call_script", "image"):
            value = getattr(event, name)
            if value:
                key = event_field(issue, name)[0]
                line = issue.line_of(key) if key else None
                setattr(event, name, marker.both(value, line))
    meta = mark_meta(issue, marker)
    if event:
        # Its own event-title, marked like the body; else the title, marked once above.
        event.title = marker.both(event.title, issue.line_of(event_field(issue, "title")[0])) \
            if event.named else (meta["title"] or event.title)
    preheader = meta["preheader"] or first_words(blocks)
    content = Content(source=issue.display, title=meta["title"], subject=meta["subject"],
                      preheader=preheader, date=issue.date, sections=sections, event=event,
                      problems=problems, found=marker.found)
    rank(content, issue, config, problems)
    return content


# Front matter that ends up in the email: the subject (in <title> and in the
# service's subject field), the title (the heading) and the preview line.
META_FIELDS = {"title": ("title",), "subject": ("subject", "title"),
               "preheader": ("preheader", "description", "summary")}


def mark_meta(issue: Issue, marker: Marker) -> dict[str, str | None]:
    """Title, subject and preheader with markers, checked like the body."""
    out: dict[str, str | None] = {}
    done: dict[tuple, str] = {}   # a subject taken from the title is checked once
    for name, keys in META_FIELDS.items():
        value = getattr(issue, name)
        # A title from a heading or the file name is in no key, and marked all the same.
        key = next((k for k in keys if k in issue.meta), keys[-1])
        if not value:
            out[name] = value
            continue
        if (key, value) not in done:
            done[key, value] = marker.both(value, issue.line_of(key))
        out[name] = done[key, value]
    return out


def first_words(blocks: list[Block], limit: int = 140) -> str:
    for block in blocks:
        nodes = block.nodes or (block.items[0].nodes if block.items else [])
        text = " ".join(text_of(nodes).split())
        words = preview(text).split()
        text = " ".join(words)
        if len(readable(text)) > 3:
            if len(readable(text)) <= limit:
                return text
            # Cut by what readers see, and between words: a marker is one word.
            kept, seen = [], 0
            for word in words:
                seen += len(readable(word)) + 1
                if seen > limit:
                    break
                kept.append(word)
            return " ".join(kept) + "…"
    return ""
