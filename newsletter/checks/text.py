"""Checks that read what the writer typed rather than the parsed content:
links as written (split, spaced, mistyped mailto:), dates (an event already
over, stale dates in the text), leftovers (template tags, TODO, empty
headings and items) and characters that turn text around (bidi controls).

In: the `Ctx` they are given (its issue, visible body lines, `add`,
`all_blocks`). Out: findings added to it.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
import unicodedata
from urllib.parse import unquote

from ..content.model import Item
from ..render import platforms
from ..source.events import event_field
from ..source.issue import as_moment
from ..source.markup import Element, text_of, walk
from .context import Ctx

BROKEN_LINK = re.compile(r"\]\(\s*<?(?:https?://|www\.)[^()\s<>]*\n[ \t]*[^()\s<>]+>?\)"
                         r"|href\s*=\s*\"[^\"\n>]*\n[^\"\n>]*\"")
MAILBOX = re.compile(r"^[^@\s/:]+@[\w-]+(\.[\w-]+)+$")   # looser than RFC 5322 on purpose
# `[text] (https://...)`. The text runs to the first `]` and is taken whole
# (`++`), and when no spaced link follows the match is only `[text` (group
# "link" unset): every `[` before that `]` would fail the same way, so none is
# tried again. Written as `\[[^\]\n]+\]...`, a line of `[[[[...` was rescanned
# to its end from each `[`: quadratic, minutes for 200,000 of them.
SPACED_LINK = re.compile(r"\[[^\]\n]++(?P<link>\][ \t]+\((?:https?://|www\.|mailto:)[^)\s]*\))?")
DESTINATION = re.compile(r"\]\(\s*<?([^)>\n]*)|href\s*=\s*([\"'])(.*?)\2", re.I)
# Mailchimp's *|FNAME|* and MailerLite's {$name}, pasted from an old campaign.
MERGE_TAG = re.compile(r"\*\|[A-Z0-9_:]+\|\*|\{\$\w+\}")
# "TK" followed by a capitalised word is a name ("TK Maxx"), not a placeholder.
TODO = re.compile(r"\b(TODO|TK(?! [A-Z])|XXX+|FIXME)\b|\b(?i:lorem ipsum)\b")
# Addresses and `code` are not prose: /docs/TODO.md or `XXX` there is on purpose.
# Each part is linear: a scheme starts at a word's start and takes the whole
# word (`\b\w++`), and `](...)` stops at the next `](` as well as at `)`.
# As `\w+://` and `\]\([^)]*\)` they rescanned a long word, or a line of
# `](](](...` with no `)`, from every position: quadratic.
NOT_PROSE = re.compile(r"`[^`]*`|\b\w++://[^\s)\]>\"']*|\]\((?:[^)\]]|\](?!\())*+\)"
                       r"|(?:src|href)\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)
# What TODO can find in a line blanked by NOT_PROSE: blanking makes spaces,
# never letters, so each word TODO matches is in the line as it was (for
# "lorem ipsum" the "lorem"). A line without one is not blanked at all.
TODO_WORDS = re.compile(r"TODO|TK|XXX|FIXME|(?i:lorem)")
CODE_SPAN = re.compile(r"`[^`]*`")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
_MONTH = r"(%s|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?" % "|".join(MONTHS)
DATE = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!:|\d)"
                  rf"(?:\s*(?:-|–|—|to|through|until|and|&)\s*(?:{_MONTH}\s+)?"
                  r"(\d{1,2})(?:st|nd|rd|th)?\b(?!:))?"
                  r"(?:,?\s+(\d{4})\b)?")
# The first three letters of each name DATE knows, as it is written (DATE
# ignores no case): a line without one holds no date, and most lines don't.
MONTH_HINT = re.compile("|".join(sorted({name[:3] for name in MONTHS})))
# Words that say a sentence looks back on purpose ("thanks to all who came").
RECAP = re.compile(r"\b(was|were|held|happened|attended|came|joined|thanks?|recap|last|ago|"
                   r"took place|did|had|opened|began|started|since)\b", re.I)
# Words that say a date comes round again ("every year on April 22").
RECURRING = re.compile(r"\b(every|each|annual|annually|yearly|anniversary|weekly|monthly)\b", re.I)
# Explicit embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069):
# they change the order text is shown in, which is how "Trojan Source" text
# makes a link's words or an address read as something else. Not the
# implicit marks (LRM U+200E, RLM U+200F, ALM U+061C), which mixed
# right-to-left text needs and which reorder nothing by themselves.
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
DATE_WINDOW = 60   # days: older dates are history, not a stale announcement
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# A weekday written just before a date: "Tuesday, May 12", "Tue. May 12".
WEEKDAY_BEFORE = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,?\s{1,3}$", re.I)


# -- links as written ---------------------------------------------------------

def good_mailto(href: str) -> bool:
    address = unquote(href[len("mailto:"):].split("?")[0]).strip()
    return bool(address) and all(MAILBOX.match(a.strip()) for a in address.split(","))


def link_source(ctx: Ctx) -> None:
    """What only the source shows: the build joins, encodes or prints these."""
    source = "\n".join(ctx.text)
    line, counted = ctx.issue.body_line, 0
    for match in BROKEN_LINK.finditer(source):
        # Counted on from the last match, not from the top each time.
        line += source.count("\n", counted, match.start())
        counted = match.start()
        ctx.add("warning", line, "link-broken",
                f"a link's address is split across lines {line}-{line + match.group().count(chr(10))}; "
                "put it on one line")
    for i, text in enumerate(ctx.text):
        # SPACED_LINK starts at `[`, DESTINATION at `](` or an `=`: most lines
        # have neither, and are not searched.
        if "[" not in text and "](" not in text and "=" not in text:
            continue
        line = ctx.issue.body_line + i
        for match in SPACED_LINK.finditer(text):
            if match.group("link") is None:
                continue
            ctx.add("warning", line, "link-broken", f"space between ] and ( in {match.group()[:60]!r}; "
                    "Markdown shows it as text, not a link")
        for match in DESTINATION.finditer(text):
            dest = (match.group(1) if match.group(1) is not None else match.group(3)).strip()
            scheme = re.match(r"(?i)mail\s*to\b\s*:?", dest)
            if scheme and not (dest.lower().startswith("mailto:") and good_mailto(dest)):
                ctx.add("warning", line, "link-mailto",
                        f"{dest[:60]!r} is not a valid mailto: link; write mailto:name@example.org")
            elif re.match(r"(?i)(https?://|www\.)\S*\s+[^\s\"'(]", dest):
                # `[text](a b)` is not a link at all to Markdown; `<a b>` is.
                shown = " (the link shows as plain text)" if match.group(1) is not None \
                    and not re.match(r"\]\(\s*<", match.group(0)) else ""
                ctx.add("warning", line, "link-space", f"address {dest[:60]!r} contains a space{shown}")


# -- dates -------------------------------------------------------------------

def event_past(ctx: Ctx) -> None:
    event = ctx.content.event
    if event is None or event.last_moment is None:
        return
    last = event.end or event.start
    if event.end is None:
        # With only a start we don't know how long it runs: a 7 AM event in an
        # issue sent at 8 may still be on, so only an earlier day counts.
        day = last.date() if isinstance(last, dt.datetime) else last
        over, verb = day < ctx.issue.day, "started"
    else:
        over, verb = event.last_moment < as_moment(ctx.issue.date, ctx.config.tz), "ended"
    if over:
        # The date as written in the file, in its own timezone; the time too
        # when the day alone would read "ended June 12, before June 12".
        when = f"{last:%B} {last.day}, {last.year}"
        if isinstance(last, dt.datetime) and last.date() == ctx.issue.day:
            when += f" at {last:%H:%M}"
        line = ctx.issue.line_of(event_field(ctx.issue, "end" if event.end else "start")[0])
        ctx.add("warning", line, "event-past", f"the event {verb} {when}, before the issue date "
                f"{ctx.issue.day:%B} {ctx.issue.day.day}: it was over when the issue went out")


def date_past(ctx: Ctx) -> None:
    today = ctx.issue.day
    for i, text in enumerate(ctx.text):
        if not MONTH_HINT.search(text):
            continue
        dates = [(m, when) for m in DATE.finditer(text) if (when := _date_of(m, today))]
        if not dates:
            continue
        # Sentences are found once per line and each is searched once, however
        # many dates it holds: a line of 200,000 dates was re-read per date.
        ends = _sentence_ends(text)
        sentence_of = [bisect.bisect_right(ends, m.start()) for m, _ in dates]
        # A later date in the same sentence means the old one is context:
        # "registration opened April 28 and closes May 15".
        later = {k for k, (_, when) in zip(sentence_of, dates) if when >= today}
        looks_back: dict[int, bool] = {}
        for k, (match, when) in zip(sentence_of, dates):
            if not 0 < (today - when).days <= DATE_WINDOW or k in later:
                continue
            if k not in looks_back:
                sentence = text[ends[k - 1] if k else 0:ends[k] if k < len(ends) else len(text)]
                looks_back[k] = bool(RECAP.search(sentence) or RECURRING.search(sentence))
            if not looks_back[k]:
                ctx.add("info", ctx.issue.body_line + i, "date-past",
                        f"{match.group(0).strip()!r} is before the issue date "
                        f"({today:%B} {today.day}); is it still news?")


def weekdays(ctx: Ctx) -> None:
    """'Tuesday, May 12' when May 12 is a Wednesday: one of the two is wrong."""
    issued = ctx.issue.day
    for i, text in enumerate(ctx.text):
        if not MONTH_HINT.search(text):
            continue
        for match in DATE.finditer(text):
            named = WEEKDAY_BEFORE.search(text[max(0, match.start() - 14):match.start()])
            if not named:
                continue
            day = _start_of(match, issued)
            wanted = next((d for d in DAYS if d.startswith(named.group(1).lower())), None)
            if day is None or wanted is None or DAYS[day.weekday()] == wanted:
                continue
            ctx.add("warning", ctx.issue.body_line + i, "date-weekday",
                    f"{named.group(0).strip(' ,')} {match.group(1)} {match.group(2)}: "
                    f"{day:%B} {day.day}, {day.year} is a {DAYS[day.weekday()].title()}")


def _start_of(match: re.Match, issued: dt.date) -> dt.date | None:
    """A date's first day; without a year, the one nearest the issue date."""
    years = [int(match.group(5))] if match.group(5) else [issued.year - 1, issued.year,
                                                          issued.year + 1]
    found = []
    for year in years:
        try:
            found.append(dt.date(year, _month(match.group(1)), int(match.group(2))))
        except ValueError:
            continue
    return min(found, key=lambda d: abs((d - issued).days)) if found else None


def _date_of(match: re.Match, today: dt.date) -> dt.date | None:
    # A range counts by its end: "July 24-26", "July 30 - August 2".
    month = _month(match.group(3) or match.group(1))
    day = int(match.group(4) or match.group(2))
    year = int(match.group(5)) if match.group(5) else today.year
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _sentence_ends(text: str) -> list[int]:
    """Where each sentence of `text` ends, in order; "Jan." and "St." don't end one.
    The sentence around a position `at` is text[ends[k - 1]:ends[k]] with
    k = bisect_right(ends, at) (from 0, to the end of the text)."""
    return [m.end() for m in re.finditer(r"(?<!\b[A-Z][a-z])(?<!\b[A-Z][a-z]{2})[.!?](\s|$)", text)]


def _month(name: str) -> int:
    return next(n for n, full in enumerate(MONTHS, 1) if full.lower().startswith(name[:3].lower()))


# -- leftovers ---------------------------------------------------------------

# One-line front matter the email shows, by key; the event's by its field name.
SHOWN_META = ("title", "subject", "preheader", "description", "summary")
SHOWN_EVENT = ("title", "location", "call_script")


def leftovers(ctx: Ctx) -> None:
    for i, text in enumerate(ctx.text):
        line = ctx.issue.body_line + i
        # Every tag either looks for starts with `{` or `*|`: most lines hold neither.
        if "{" in text or "*|" in text:
            # `{{ page.title }}` in backticks is shown on purpose, as code.
            code_blanked = CODE_SPAN.sub(_blank, text) if "`" in text else text
            _template_leftovers(ctx, code_blanked, line)
        if TODO_WORDS.search(text):
            for match in TODO.finditer(NOT_PROSE.sub(_blank, text)):
                ctx.add("warning", line, "leftover-todo", f"{match.group(0)!r} left in the text")
    for key in _shown_keys(ctx):
        value = ctx.issue.meta.get(key)
        if isinstance(value, str):
            covered = {p.message.split(" looks like ")[0] for p in ctx.found
                       if p.id == "template-syntax" and p.line == ctx.issue.line_of(key)}
            _template_leftovers(ctx, value, ctx.issue.line_of(key), covered)
    for key in ("title", "subject", "preheader", "description"):
        value = ctx.issue.meta.get(key)
        if isinstance(value, str) and TODO.search(value):
            ctx.add("warning", ctx.issue.line_of(key), "leftover-todo",
                    f"{TODO.search(value).group(0)!r} left in {key}")
    if ctx.content is None:
        return
    for block in ctx.all_blocks():
        if block.kind == "heading" and not text_of(block.nodes).strip():
            ctx.add("warning", block.line, "leftover-heading", "empty heading")
        for item in block.items:
            if not _has_content(item):
                ctx.add("warning", item.line, "leftover-item", "empty list item")


def _shown_keys(ctx: Ctx) -> list[str]:
    """The front matter keys, as this issue spells them, whose values the email shows."""
    return [*SHOWN_META, *(event_field(ctx.issue, name)[0] for name in SHOWN_EVENT)]


def bidi(ctx: Ctx) -> None:
    """Bidi controls in the body or the front matter the email shows, at their line."""
    found = [(ctx.issue.body_line + i, text) for i, text in enumerate(ctx.body) if BIDI.search(text)]
    for key in _shown_keys(ctx):
        value = ctx.issue.meta.get(key)
        if isinstance(value, str) and BIDI.search(value):
            found.append((ctx.issue.line_of(key), value))
    for line, text in found:
        names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c)}"
                          for c in sorted(set(BIDI.findall(text))))
        ctx.add("warning", line, "bidi-control",
                f"{names}: changes the order the text after it is shown in, so what "
                "readers see can differ from what is written; remove it unless the language needs it")


def _template_leftovers(ctx: Ctx, text: str, line: int | None, covered=frozenset()) -> None:
    """Template tags and merge tags in one line; `covered`: the reprs a
    template-syntax warning at that line already names."""
    for start, end in template_tags(text):
        tag = text[start:end]
        if repr(tag) in covered:
            continue
        name = _service_tags().get(tag.strip())
        hint = f"; write [[{name}]] instead" if name else ""
        ctx.add("warning", line, "leftover-liquid",
                f"template tag {tag[:50]!r} will show as text in the email{hint}")
    for match in MERGE_TAG.finditer(text):
        if repr(match.group(0)) in covered:
            continue
        name = _service_tags().get(match.group(0))
        hint = f"write [[{name}]], which works on every service" if name else \
            "use a [[...]] placeholder or remove it"
        ctx.add("warning", line, "leftover-liquid", f"merge tag {match.group(0)!r} belongs to "
                f"one mailing service and shows as text on others; {hint}")


def _service_tags() -> dict[str, str]:
    """Each service's tag -> our placeholder's name; made only for a line
    that holds a tag (it was made for each of 5,854 lines, a tenth of this
    check's time on the corpus)."""
    return {tag: name for p in platforms.PROFILES.values() for name, tag in p.tags.items() if tag}


def _blank(match: re.Match) -> str:
    return " " * len(match.group())


_TAG_OPEN = re.compile(r"\{(?=[{%])")
_TAG_CLOSE = {"{{": "}}", "{%": "%}"}


def template_tags(line: str):
    """(start, end) of each `{% ... %}` and `{{ ... }}` in one line, left to right.

    The same spans as re.finditer(r"\\{%.*?%\\}|\\{\\{.*?\\}\\}", line), found by
    hand: that pattern scans to the end of the line from each `{{` that is
    never closed, so a line of `{{{{...` took minutes. Here an opener with no
    closer after it is not looked for again.
    """
    done, unclosed = 0, set()
    for match in _TAG_OPEN.finditer(line):
        start = match.start()
        opener = line[start:start + 2]
        if start < done or opener in unclosed:
            continue
        end = line.find(_TAG_CLOSE[opener], start + 2)
        if end < 0:
            unclosed.add(opener)
            continue
        done = end + 2
        yield start, done


def _has_content(item: Item) -> bool:
    return bool(re.search(r"\w", text_of(item.nodes))) or any(
        isinstance(el, Element) and el.tag == "img" for el in walk(item.nodes))
