"""Hugo shortcodes in a body -> the Markdown or HTML that says the same thing.

In: a body as written (Markdown with `{{< figure src="x.png" >}}`,
`{{% note %}}...{{% /note %}}`). Out: the same body in which each shortcode
whose meaning is clear is its plain content: a figure its image and caption,
a video or post a link to it, a note its text, `highlight` a fenced code
block. Every other shortcode (and Liquid's `{% include %}`) is left as typed:
content/placeholders.py marks it as text no service evaluates, and the
`leftover-liquid` check reports it at its line.

Each replacement takes exactly the lines the shortcode took, so every line
after it keeps its number. Values are escaped for where they land: HTML
attributes with html.escape, link text with Markdown's backslashes.
https://gohugo.io/content-management/shortcodes/
"""
from __future__ import annotations

import html
import re

OPEN = re.compile(r"\{\{([<%])")
NAME = re.compile(r"[ \t\n]*(/?)[ \t\n]*([A-Za-z][\w./-]{0,60})")
PARAM = re.compile(r"[ \t\n]+(?:([A-Za-z_][\w-]{0,40})[ \t]*=[ \t]*)?"
                   r"(\"(?:[^\"\\\n]|\\.){0,2000}\"|`[^`]{0,2000}`|[^\s\"`=]{1,2000})")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CLOSE_HIGHLIGHT = re.compile(r"\{\{[<%][ \t]*/highlight[ \t]*[>%]\}\}")
# Boxes around text: the text is what matters in an email.
CONTAINERS = {"note", "notice", "tip", "hint", "info", "warning", "caution", "important",
              "callout", "admonition", "alert", "aside", "details", "center", "quote"}
ID = re.compile(r"^[\w-]{1,100}$")
MAX_INNER = 4000   # a shortcode longer than this is not one


def convert(body: str) -> str:
    """The body with each clear shortcode replaced; fenced code left alone."""
    out, chunk, fence = [], [], None
    for line in body.split("\n"):
        opener = FENCE.match(line)
        if fence is None and opener:
            out.append(_convert_text("\n".join(chunk)) if chunk else None)
            chunk, fence = [], opener.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence) \
                    and not line.strip()[len(opener.group(1)):]:
                fence = None
        else:
            chunk.append(line)
    if chunk:
        out.append(_convert_text("\n".join(chunk)))
    return "\n".join(part for part in out if part is not None)


def _convert_text(text: str) -> str:
    if "{{" not in text:
        return text
    out: list[str] = []
    done = pos = 0
    unclosed: set[str] = set()
    code = False           # inside a highlight block made here
    ticks = _Ticks(text)
    while (match := OPEN.search(text, pos)):
        kind = match.group(1)
        if kind in unclosed:
            pos = match.end()
            continue
        end = text.find(">}}" if kind == "<" else "%}}", match.end())
        if end < 0:
            unclosed.add(kind)
            pos = match.end()
            continue
        end += 3
        pos = end   # a shortcode inside one left as text stays text too
        if end - match.end() > MAX_INNER or ticks.in_code(match.start()):
            continue
        new, code = _render(text, match.start(), end, code)
        if new is None:
            continue
        lines = text.count("\n", match.start(), end)
        out += [text[done:match.start()], new, "\n" * (lines - new.count("\n"))]
        done = end
    return "".join(out) + text[done:]


class _Ticks:
    """Whether a position is inside `inline code` on its line: counted once
    from the last position asked about, so a long line is read once."""

    def __init__(self, text: str):
        self.text, self.at, self.odd = text, 0, False

    def in_code(self, position: int) -> bool:
        newline = self.text.rfind("\n", self.at, position)
        if newline >= 0:
            self.at, self.odd = newline + 1, False
        self.odd ^= self.text.count("`", self.at, position) % 2 == 1
        self.at = position
        return self.odd


def _alone(text: str, start: int, end: int) -> bool:
    """Whether only spaces share the line with text[start:end]; looked at
    from the shortcode outwards, so a long line is not read to its ends."""
    before = start - 1
    while before >= 0 and text[before] in " \t":
        before -= 1
    after = end
    while after < len(text) and text[after] in " \t":
        after += 1
    return (before < 0 or text[before] == "\n") and (after == len(text) or text[after] == "\n")


def _params(inner: str) -> tuple[bool, str, list[str], dict[str, str]] | None:
    """(closing, name, positional values, named values), or None if it doesn't parse."""
    if inner.strip().startswith("/*"):
        return None   # Hugo's `{{</* x */>}}`: shown as typed on purpose
    name = NAME.match(inner)
    if not name:
        return None
    positional, named = [], {}
    rest, at = inner.rstrip(" \t\n"), name.end()
    while at < len(rest):
        param = PARAM.match(rest, at)
        if not param:
            return None
        value = param.group(2)
        if value[0] == '"':
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif value[0] == "`":
            value = value[1:-1]
        if param.group(1):
            named[param.group(1).lower()] = value
        else:
            positional.append(value)
        at = param.end()
    return bool(name.group(1)), name.group(2).lower(), positional, named


def _render(text: str, start: int, end: int, code: bool) -> tuple[str | None, bool]:
    """(what the shortcode text[start:end] becomes, or None to leave it as
    text; whether a highlight block is open after it)."""
    parsed = _params(text[start + 3:end - 3])
    if parsed is None:
        return None, code
    closing, name, positional, named = parsed
    # Only here is the rest of the line looked at: a line of thousands of
    # shortcodes would otherwise be read again for each.
    if name == "highlight" and _alone(text, start, end):
        if closing and code:
            return "```", False
        if not closing and not code and CLOSE_HIGHLIGHT.search(text, end):
            lang = positional[0] if positional and ID.match(positional[0]) else ""
            return "```" + lang, True
        return None, code
    if code:
        return None, code
    if name in CONTAINERS:
        heading = named.get("title") or named.get("summary") or ""
        return ("" if closing or not heading else f"**{_md(heading)}**"), code
    if closing:
        return None, code
    make = EMBEDS.get(name)
    return (make(positional, named) if make else None), code


def _md(text: str) -> str:
    """Text as Markdown that shows it as typed: every ASCII punctuation escaped."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", " ".join(text.split()))


def _attr(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=True)


def _figure(positional: list[str], named: dict[str, str]) -> str | None:
    src = named.get("src") or (positional[0] if positional else "")
    if not src.strip():
        return None
    caption = " ".join(named.get("caption", "").split())
    title = " ".join(named.get("title", "").split())
    alt = named.get("alt") or re.sub(r"[*_`]", "", caption) or title
    size = "".join(f' {k}="{named[k]}"' for k in ("width", "height")
                   if named.get(k, "").isdigit())
    image = f'<img src="{_attr(src)}"' + (f' alt="{_attr(alt)}"' if alt else "") + f"{size}>"
    if named.get("link"):
        image = f'<a href="{_attr(named["link"])}">{image}</a>'
    # Hugo renders a figure's title and caption as Markdown; so does the body.
    words = " ".join(w for w in (f"**{title}**" if title else "", caption) if w)
    credit = named.get("attr", "")
    if credit:
        credit = f"[{_md(credit)}](<{named['attrlink']}>)" \
            if re.match(r"https?://[^\s<>]+$", named.get("attrlink", "")) else _md(credit)
        words = f"{words} {credit}".strip()
    return f"{image}<br><em>{words}</em>" if words else image


def _link(text: str, url: str, keys: tuple[str, ...] = ("id",)):
    """A shortcode that embeds a post or video -> a link to it, named by `keys`
    (`{{< youtube ID >}}`, `{{< x user="u" id="1" >}}`), each checked to be an id."""
    def make(positional: list[str], named: dict[str, str]) -> str | None:
        ids = [named.get(key) or (positional[i] if i < len(positional) else "")
               for i, key in enumerate(keys)]
        if not all(ID.match(i) for i in ids):
            return None
        label = named.get("title") or text
        return f"[{_md(label)}]({url.format(*ids)})"
    return make


EMBEDS = {
    "figure": _figure,
    "youtube": _link("Watch the video on YouTube", "https://www.youtube.com/watch?v={}"),
    "vimeo": _link("Watch the video on Vimeo", "https://vimeo.com/{}"),
    "instagram": _link("See the post on Instagram", "https://www.instagram.com/p/{}/"),
    "x": _link("Read the post on X", "https://x.com/{}/status/{}", ("user", "id")),
    "tweet": _link("Read the post on X", "https://x.com/{}/status/{}", ("user", "id")),
    "gist": _link("Read the code on GitHub", "https://gist.github.com/{}/{}", ("user", "id")),
}
