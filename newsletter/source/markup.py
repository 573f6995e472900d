"""Raw HTML from issue files -> a small, safe node tree.

Both renderers read this tree: the HTML renderer serialises it as XHTML that
mjml-python's XML parser accepts, the text renderer walks it. nh3 does the
sanitising; the pre-scan here exists only because nh3 drops things silently
and the writer must be told what was dropped, and because an iframe is more
useful as a link to its video than as nothing.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable, Iterator

import nh3

# Tags that are safe and render in the major mail clients.
INLINE_TAGS = {"a", "b", "strong", "i", "em", "u", "s", "del", "strike", "br", "span",
               "img", "code", "sup", "sub", "small", "mark"}
BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote",
              "hr", "table", "thead", "tbody", "tr", "td", "th", "center", "pre"}
VOID_TAGS = {"br", "img", "hr"}
DROPPED_WITH_CONTENT = {"script", "style", "form", "noscript", "template", "title", "select",
                        "textarea", "button"}
EMBEDS = {"iframe", "embed", "object", "video", "audio"}
STYLE_PROPERTIES = {"color", "background-color", "font-weight", "font-style", "font-size",
                    "text-decoration", "text-align", "font-family"}
SCHEMES = {"http", "https", "mailto", "tel"}
BAD_URL = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.I)
# HTML elements inside one another in one block, after sanitising. Deeper is
# an error rather than a RecursionError in the renderers, or text cut off.
MAX_DEPTH = 40
# What an HTML character reference can still make after sanitising (`&#1;`)
# but MJML's XML parser refuses or no reader can see: C0 controls but tab and
# line breaks, DEL, C1 controls, lone surrogates.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

Report = Callable[[str, str, str], None]   # (check id, message, text to find the line by)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list["Node"] = field(default_factory=list)


Node = Element | str


class NestingError(ValueError):
    """HTML nested deeper than MAX_DEPTH; the reader adds the file and line."""


class _Parser(HTMLParser):
    """HTMLParser whose close() takes linear time, and which takes `<![` calmly.

    Python 3.11's HTMLParser.close() (CVE-2025-6069) retries a construct that
    never ends (a comment without `-->`, a tag without `>`) at every later
    `<` or `>`, each time scanning to the end: 100 KB of `<!--` or `<a ` took
    minutes. feed() stops at the first such construct instead; here what is
    left from there goes to unfinished() in one piece. nh3 then reads it by
    the HTML standard, where an unclosed comment or tag runs to the end.
    """

    def close(self):
        if self.rawdata[:1] not in ("", "<", "&") and not self.cdata_elem:
            # feed() stopped just after a stray `&#`; close() reads on from
            # there, and stops for good at the next one: the rest is text.
            self.goahead(0)
            if self.rawdata[:1] not in ("", "<", "&") and not self.cdata_elem:
                rest, self.rawdata = self.rawdata, ""
                self.handle_data(html.unescape(rest) if self.convert_charrefs else rest)
        rest = self.rawdata
        if rest.startswith("<") and len(rest) > 1 and not self.cdata_elem:
            self.rawdata = ""
            self.unfinished(rest)
        super().close()   # a lone `<` or `&...` left at the end becomes text

    def unfinished(self, rest: str) -> None:
        self.handle_data(rest)

    def parse_marked_section(self, i, report=1):
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            # `<![` without a known keyword, which HTMLParser asserts on; in
            # HTML it is a bogus comment up to the next `>`.
            return self.parse_bogus_comment(i)


class _Prescan(_Parser):
    """Report dangerous markup and rewrite embeds as links, keeping the rest."""

    def __init__(self, report: Report):
        super().__init__(convert_charrefs=False)
        self.report = report
        self.out: list[str] = []
        self.skip: list[str] = []    # open embeds whose content we replace

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text() or ""
        attrs_d = {k: (v or "") for k, v in attrs}
        if tag in EMBEDS:
            src = attrs_d.get("src") or attrs_d.get("data") or ""
            if src and not BAD_URL.match(src):
                src = "https:" + src if src.startswith("//") else src
                self.report("markup", f"<{tag}> can't play in email; replaced by a link to {src}", raw)
                label = html.escape(attrs_d.get("title") or src)
                self.out.append(f'<a href="{html.escape(src)}">{label}</a>')
            else:
                self.report("markup", f"<{tag}> can't play in email; dropped", raw)
            if tag not in VOID_TAGS and tag != "embed":
                self.skip.append(tag)
            return
        if tag in DROPPED_WITH_CONTENT:
            self.report("markup", f"<{tag}> is not allowed in email; dropped with its content", raw)
        for name, value in attrs_d.items():
            if name.startswith("on"):
                self.report("markup", f"event handler {name}= dropped from <{tag}>", raw)
            elif name in ("href", "src") and BAD_URL.match(value):
                self.report("markup", f"{value.split(':')[0].strip().lower()}: URL dropped from <{tag}>", raw)
        if not self.skip:
            self.out.append(_background_colours(tag, attrs) or raw)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if self.skip and tag == self.skip[-1]:
            self.skip.pop()
            return
        if not self.skip:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)

    def feed(self, data):
        # Where each line starts, to find a reference's end in the source.
        self.source = data
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", data)]
        super().feed(data)

    def _reference(self, text: str) -> str:
        """`&name` as it stood: html.parser also reports one with no `;` (the
        `&b` of `?a=1&b=2`), which must not gain a `;` it never had."""
        line, column = self.getpos()
        end = self.line_starts[line - 1] + column + len(text)
        return text + ";" if self.source.startswith(";", end) else text

    def handle_entityref(self, name):
        if not self.skip:
            self.out.append(self._reference(f"&{name}"))

    def handle_charref(self, name):
        if not self.skip:
            self.out.append(self._reference(f"&#{name}"))

    def handle_comment(self, data):
        pass

    def handle_decl(self, decl):
        pass

    def unknown_decl(self, data):
        pass

    def handle_pi(self, data):
        pass

    def unfinished(self, rest):
        if rest.startswith("<!--"):
            self.report("markup", "an HTML comment '<!--' is never closed with '-->'; "
                        "everything after it is hidden", "<!--")
        self.handle_data(rest)


class _TreeBuilder(_Parser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        el = Element(tag, _attrs(attrs))
        self.stack[-1].children.append(el)
        if tag not in VOID_TAGS:
            self.stack.append(el)
            if len(self.stack) > MAX_DEPTH + 1:
                inside = " inside ".join(f"<{e.tag}>" for e in reversed(self.stack[-3:]))
                raise NestingError(f"HTML is nested more than {MAX_DEPTH} levels deep ({inside} "
                                   f"inside ...); the limit is {MAX_DEPTH}")

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, _attrs(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        data = CONTROL.sub("", data)
        if data:
            self.stack[-1].children.append(data)


def _attrs(attrs) -> dict[str, str]:
    return {k: CONTROL.sub("", v or "") for k, v in attrs}


# `rgb(` takes no `(` before its `)`: with `[^)]*` a style of many
# "background:rgb(" and no `)` was rescanned to its end from each one.
_BACKGROUND = re.compile(r"\bbackground\s*:\s*(#[0-9a-f]{3,8}|rgba?\([^()]*\)|[a-z]+)\s*(?=;|$)", re.I)


def _background_colours(tag: str, attrs: list[tuple[str, str | None]]) -> str | None:
    """The start tag written anew with `background: #123` -> `background-color: #123`
    in its style attributes, or None when there is none to change.

    Only background-color is kept (the shorthand can carry url() images), so
    without this an author's "white text on blue" loses the blue and turns
    invisible. Done on the pre-scan's parsed attributes, not on the HTML's
    text: `style='background: red'` typed in a sentence is text, and stays so.
    """
    if not any(name == "style" and value and _BACKGROUND.search(value) for name, value in attrs):
        return None
    written = [tag]
    for name, value in attrs:
        if name == "style" and value:
            value = _BACKGROUND.sub(r"background-color:\1", value)
        written.append(name if value is None else f'{name}="{html.escape(value)}"')
    return "<" + " ".join(written) + ">"


# Built once: nh3.clean() with keyword options builds a new ammonia Builder
# from Python sets on every call, 0.8 to 1.3 ms of a corpus issue's 3.4 ms of
# sanitising (22 runs an issue), against 0.23 ms with one Cleaner holding the
# same options (nh3 >= 0.3.0, https://nh3.readthedocs.io/).
_CLEANER = nh3.Cleaner(
    tags=INLINE_TAGS | BLOCK_TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes={"a": {"href", "title"}, "img": {"src", "alt", "width", "height"},
                "span": {"style"}, "p": {"style"}, "div": {"style"},
                "td": {"colspan"}, "th": {"colspan"}},
    filter_style_properties=STYLE_PROPERTIES,
    url_schemes=SCHEMES,
    link_rel=None,
    strip_comments=True,
)
# What makes text more than text to the parsers below: markup and character
# references; CR and NUL, which the HTML standard's input stream rewrites;
# a byte order mark, which it drops at the start; lone surrogates, which nh3
# can't take at all.
_NOT_PLAIN = re.compile(r"[<&\r\0\ufeff\ud800-\udfff]")


def sanitize(raw: str, report: Report, fix_url: Callable[[str, str], str | None],
             prescan: bool = True) -> list[Node]:
    """Turn raw HTML into a safe node tree.

    `fix_url(url, tag)` returns the URL to use (made absolute, scheme added)
    or None to drop it; it does its own reporting. `prescan=False` says the
    pre-scan has nothing to find (see `prescan_needed`): nh3 cleans all the same.
    """
    if not _NOT_PLAIN.search(raw):
        # A third of inline runs are plain text. The pre-scan finds no tag in
        # it, nh3 keeps it as it is (escaping only what the tree builder
        # unescapes again) and the tree builder gets it as one piece of data,
        # so the result is that one string; tests/test_fast_paths.py holds
        # both ways to the same result.
        text = CONTROL.sub("", raw)
        return [text] if text else []
    return _parse(raw, report, fix_url, prescan)


def _parse(raw: str, report: Report, fix_url: Callable[[str, str], str | None],
           prescan: bool = True) -> list[Node]:
    if prescan:
        scan = _Prescan(report)
        scan.feed(raw)
        scan.close()
        raw = "".join(scan.out)
    clean = _CLEANER.clean(raw)
    builder = _TreeBuilder()
    builder.feed(clean)
    builder.close()
    nodes = builder.root.children
    _fix_urls(nodes, fix_url)
    return nodes


def prescan_needed(tokens) -> bool:
    """Whether markdown-it's rendering of these inline tokens needs the pre-scan.

    Without raw HTML (html_inline) markdown-it writes only a, em, strong, s,
    code, br and img, with href, title, src and alt, and escapes all text and
    attribute values: the pre-scan would give that HTML back as it is and
    report nothing but a dangerous href or src. It took a quarter of the
    sanitising time; tests/test_fast_paths.py holds both ways to one result.
    """
    for token in tokens:
        if token.type == "html_inline":
            return True
        for name in ("href", "src"):
            if BAD_URL.match(token.attrGet(name) or ""):
                return True
        if token.children and prescan_needed(token.children):
            return True
    return False


def _fix_urls(nodes: list[Node], fix_url) -> None:
    for i, node in enumerate(list(nodes)):
        if isinstance(node, str):
            continue
        for attr in ("href", "src"):
            if attr in node.attrs:
                fixed = fix_url(node.attrs[attr], node.tag)
                if fixed is None:
                    del node.attrs[attr]
                else:
                    node.attrs[attr] = fixed
        if node.tag == "img" and "src" not in node.attrs:
            # An image we can't show still says what it was.
            nodes[i] = node.attrs.get("alt", "")
            continue
        _fix_urls(node.children, fix_url)


# -- reading the tree -------------------------------------------------------

def walk(nodes: list[Node]) -> Iterator[Element]:
    for node in nodes:
        if isinstance(node, Element):
            yield node
            yield from walk(node.children)


def text_of(nodes: list[Node]) -> str:
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif node.tag == "br":
            parts.append("\n")
        elif node.tag == "img":
            parts.append(node.attrs.get("alt", ""))
        else:
            parts.append(text_of(node.children))
    return "".join(parts)


def links(nodes: list[Node]) -> list[Element]:
    return [el for el in walk(nodes) if el.tag == "a" and el.attrs.get("href")]


# -- writing HTML ------------------------------------------------------------

def _esc(text: str) -> str:
    # mjml-python parses mj-text as XML: escape exactly what XML needs, and
    # never emit named entities such as &nbsp; that XML doesn't know.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return _esc(value).replace('"', "&quot;")


RENAME = {"b": "strong", "i": "em", "strike": "s", "center": "div"}


def to_html(nodes: list[Node], styles: dict[str, str] | None = None) -> str:
    """Serialise as well-formed XHTML; `styles` adds inline CSS per tag."""
    styles = styles or {}
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(_esc(node))
            continue
        tag = RENAME.get(node.tag, node.tag)
        attrs = dict(node.attrs)
        if node.tag == "center":
            attrs["style"] = "text-align:center;" + attrs.get("style", "")
        if tag in styles:
            attrs["style"] = styles[tag] + (";" + attrs["style"] if attrs.get("style") else "")
        attr_text = "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items())
        if tag in VOID_TAGS:
            out.append(f"<{tag}{attr_text} />")
        else:
            out.append(f"<{tag}{attr_text}>{to_html(node.children, styles)}</{tag}>")
    return "".join(out)
