"""newsletter.toml's values -> the first one that is wrong, as an IssueError at its line.

In: the TOML text and the values read from it. Out: nothing, or an IssueError
`newsletter.toml:LINE: message`, so a bad value stops the build at the line to
fix instead of surfacing later as a compiler error or the output gate's refusal.
Also where a key's line is found, and what a CSS colour is.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import urlsplit

from .errors import IssueError

# C0 controls but tab, LF and CR; DEL; C1; lone surrogates (which only an
# escape like "\ud800" can make). MJML can't compile them and mail clients
# show them as boxes; source/readers removes them from issues with this too.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# The one value printed as several lines (the footer keeps its line breaks).
MULTILINE = {"postal_address"}


# Values that go into a message header (the From name); there, text shaped
# like `=?utf-8?q?...?=` is decoded by mail programs (and by Python's email
# package before 3.11.10, which then writes what it decoded: line breaks too).
HEADER_TEXT = {"org_name", "smtp.from"}
# RFC 2047's encoded word, `=?charset?q?...?=` (render/message.py uses it too).
ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")


def key_line(text: str, key: str) -> int | None:
    """The line of `key = ...` (or `[key]`) in newsletter.toml's text, if it is there."""
    match = re.search(rf"^[ \t]*\"?{re.escape(key)}\"?[ \t]*=", text, re.M)
    if match is None:
        match = re.search(rf"^[ \t]*\[{re.escape(key)}\]", text, re.M)
    if match is None:   # inside an inline table: colors = { primary = 5 }
        match = re.search(rf"[{{,][ \t]*\"?{re.escape(key)}\"?[ \t]*=", text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def table_key_line(text: str, table: str, key: str) -> int | None:
    """The line of `key` inside `[table]`, else of the table, else of any `key =`."""
    header = re.search(rf"^[ \t]*\[[ \t]*{re.escape(table)}[ \t]*\]", text, re.M)
    if header:
        end = re.compile(r"^[ \t]*\[", re.M).search(text, header.end())
        body = text[header.end():end.start() if end else len(text)]
        match = re.search(rf"^[ \t]*\"?{re.escape(key)}\"?[ \t]*=", body, re.M)
        at = header.end() + match.start() if match else header.start()
        return text.count("\n", 0, at) + 1
    return key_line(text, key)


# A CSS colour as themes write it: #rgb, #rgba, #rrggbb, #rrggbbaa,
# rgb()/rgba()/hsl()/hsla() of numbers, or one of the CSS named colours.
HEX_COLOR = re.compile(r"#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_NUMBER = r"\s*[-+]?(\d+\.?\d*|\.\d+)(%|deg)?\s*"


@functools.cache
def function_color() -> re.Pattern:
    # Compiled when first needed (~0.7 ms): most themes give hex colours only.
    return re.compile(rf"(rgba?|hsla?)\(({_NUMBER},){{2}}{_NUMBER}(,{_NUMBER})?\)"
                      rf"|(rgba?|hsla?)\(({_NUMBER}){{3}}(/{_NUMBER})?\)", re.I)


# The 148 named colours of CSS Color Module Level 4.
NAMED_COLORS = frozenset("""
aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk
crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki
darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue
dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite
gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki
lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen
lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen
magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen
mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream
mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown
seagreen seashell sienna silver skyblue slateblue slategray slategrey snow springgreen
steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow
yellowgreen""".split())


def is_color(value) -> bool:
    if not isinstance(value, str):
        return False
    value = value.strip()
    return bool(HEX_COLOR.fullmatch(value) or function_color().fullmatch(value)) \
        or value.lower() in NAMED_COLORS


def _leaves(value, name: str):
    """(name, string) for every string in a value, in lists and tables too."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, name)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{name}.{key}")


def check_text(data: dict, text: str, path: Path) -> None:
    """No control character in any string, no line break in a one-line one."""
    for top, value in data.items():
        for name, string in _leaves(value, top):
            one_line = name not in MULTILINE and ("\n" in string or "\r" in string)
            encoded = name in HEADER_TEXT and ENCODED_WORD.search(string)
            if not CONTROL.search(string) and not one_line and not encoded:
                continue
            table, _, key = name.rpartition(".")
            line = table_key_line(text, table, key) if table else key_line(text, key)
            if encoded:
                raise IssueError(path, line, f"{name} holds {encoded.group(0)!r}, which mail "
                                 "programs read as an encoded header word (RFC 2047), not as "
                                 "the text it is; write the words as they should read")
            if CONTROL.search(string):
                found = sorted(set(CONTROL.findall(string)))
                raise IssueError(path, line, f"{name} holds control character"
                                 f"{'s' if len(found) > 1 else ''} "
                                 + ", ".join(f"U+{ord(c):04X}" for c in found) + "; remove it")
            raise IssueError(path, line, f"{name} must be one line (it holds a line break)")


def url_problem(value: str, schemes: tuple[str, ...]) -> str:
    """Why `value` is not an absolute address with one of `schemes`; "" when it is."""
    try:
        parts = urlsplit(value)
    except ValueError as exc:   # "https://[example.org]/": brackets mean an IPv6 host
        return f"is not a valid address ({exc}): {value!r}"
    if re.search(r"[<>\"]", value):
        # `<`/`>` would end the address in a header (List-Unsubscribe: <url>)
        # and let a second one in; a URL writes them as %3C, %3E, %22.
        return f"holds '<', '>' or '\"', which a URL writes as %3C, %3E, %22 (got {value!r})"
    scheme = parts.scheme.lower()
    if scheme in schemes and (parts.path if scheme == "mailto" else parts.netloc):
        return ""
    starts = [s + ":" if s == "mailto" else s + "://" for s in schemes]
    return (f"must start with {', '.join(starts[:-1])} or {starts[-1]}" if len(starts) > 1
            else f"must start with {starts[0]}") + f" (got {value!r})"


def check_view_online(value: str, line: int | None, path: Path) -> None:
    """`{stem}` is the one field build.py fills in; any other would stay as typed."""
    field = re.search(r"\{[^{}]*\}?|\}", value.replace("{stem}", ""))
    if field:
        raise IssueError(path, line, f"view_online_url may hold only the field {{stem}} "
                         f"(the issue's file name); {field.group(0)!r} is not one")


def check_smtp(smtp: dict, text: str, path: Path) -> None:
    """[smtp]: a port from 1 to 65535, a known security, the rest text."""
    for key, value in smtp.items():
        if key not in ("host", "port", "security", "from", "user"):
            continue   # warned about as an unknown key
        line = table_key_line(text, "smtp", key)
        if key == "port":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
                raise IssueError(path, line, f"smtp.port must be a whole number from 1 to 65535 "
                                 f"(got {value!r})")
        elif not isinstance(value, str):
            raise IssueError(path, line, f"smtp.{key} must be a string")
        elif key == "security" and value not in SMTP_SECURITY:
            raise IssueError(path, line, "smtp.security must be " + ", ".join(
                f'"{s}"' for s in SMTP_SECURITY[:-1]) + f' or "{SMTP_SECURITY[-1]}" (got {value!r})')


SMTP_SECURITY = ("starttls", "ssl", "none")
