"""Content -> Email: both parts rendered from one Content, tags written last.

In: a Content and the Config. Out: an `Email` (subject, preheader, html,
text, mjml) with the service's merge tags in place, and the placeholders it
could not fill. Writing files and judging the result are build's and
checks' business.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..config import Config
from ..content.calendar import calendar_links
from ..content.model import Content
from ..content.placeholders import Marker
from ..errors import Problems
from . import platforms
from .finalize import finalize_html, finalize_text, finalize_tokens
from .html import compile_mjml, render_mjml
from .inline import inline_css
from .text import render_text
from .tokens import Token, tokenize


@dataclass
class Email:
    source: str
    subject: str
    preheader: str
    html: str
    text: str
    mjml: str
    links: list[str] = field(default_factory=list)
    attachments: dict[str, bytes] = field(default_factory=dict)   # extra files, e.g. .ics
    missing: list[str] = field(default_factory=list)   # placeholders the service can't fill
    text_links: list[str] = field(default_factory=list)   # the links the text part must carry
    date: dt.date | dt.datetime | None = None   # the (or digest's) date, for email.eml
    # The parts before the service's tags were written (html, text, mjml,
    # subject, preheader), for `filled`. They hold this process's markers, so
    # they are never written out; `filled` must run in the process that built.
    marked: dict[str, str] = field(default_factory=dict, repr=False)
    # The marked HTML's tokens, read once: the web version and `filled` write
    # them again for a reader with no data instead of reading the HTML anew.
    marked_tokens: list[Token] = field(default_factory=list, repr=False, compare=False)

    @property
    def size(self) -> int:
        return len(self.html.encode())


_LAST: list[tuple[tuple, str]] = []   # the last (mjml, fonts, inliner) compiled, and its HTML


def compiled(mjml: str, config: Config) -> str:
    """MJML compiled and inlined, remembering the last one: a digest measures
    its email while fitting it to the budget, then renders the same MJML again."""
    key = (mjml, tuple(sorted(config.fonts.items())), config.inliner)
    if _LAST and _LAST[0][0] == key:
        return _LAST[0][1]
    html = inline_css(compile_mjml(mjml, config), config.inliner)
    _LAST[:] = [(key, html)]
    return html


def render_html(content: Content, config: Config, problems: Problems) -> tuple[str, str]:
    """MJML and HTML; card lists turn compact when the HTML would pass the budget."""
    mjml = render_mjml(content, config)
    html = compiled(mjml, config)
    budget = config.size_budget_kb * 1024
    card_lists = [b for s in content.sections for b in s.blocks
                  if b.kind == "list" and b.style == "cards"]
    # Most-linked lists first: compacting them saves the most.
    card_lists.sort(key=lambda b: -len(b.items))
    compacted = 0
    while len(html.encode()) > budget and card_lists:
        block = card_lists.pop(0)
        block.style = "compact"
        compacted += sum(item.button is not None or item.kind == "link" for item in block.items)
        mjml = render_mjml(content, config)
        html = compiled(mjml, config)
    if compacted:
        problems.info(content.source, None, "size",
                      f"{compacted} action cards shown as compact lists to stay "
                      f"under the {config.size_budget_kb} KB budget")
    return mjml, html


def make_email(content: Content, config: Config, problems: Problems,
               text_content: Content | None = None) -> Email:
    """Render both parts from one Content and write the service's merge tags.

    `text_content`, if given, is the same Content with shorter calendar links
    for the text part, where every address is printed in full.
    """
    platform = platforms.get_platform(config.platform)
    for part in (content, text_content):
        if part is not None:
            part.mark_literals(Marker(content.source, Problems()))
    platforms.check_found(content.found + (text_content.found if text_content else []),
                          platform, config, problems)
    mjml, html = render_html(content, config, problems)
    calendar = calendar_links(content.event, config, short=True) if content.event else []
    text = render_text(text_content or content, config, event_calendar=calendar)
    missing: list[str] = []
    parts = []
    html_tokens = tokenize(html)
    for part, finalize in ((html_tokens, finalize_tokens), (text, finalize_text),
                           (mjml, finalize_html)):
        done, lacking = finalize(part, platform, config)
        parts.append(done)
        missing += [m for m in lacking if m not in missing]
    # The subject is pasted into the service's subject field, so it carries tags too.
    subject, preheader = (finalize_text(field, platform, config)[0]
                          for field in (content.subject, content.preheader))
    return Email(content.source, subject, preheader, parts[0], parts[1], parts[2],
                 links=links(content), missing=missing, text_links=links(text_content or content),
                 marked={"html": html, "text": text, "mjml": mjml, "subject": content.subject,
                         "preheader": content.preheader}, marked_tokens=html_tokens)


def filled(email: Email, config: Config) -> Email:
    """The same Email as a reader with no data sees it: each merge tag replaced
    by its fallback (a first name by its fallback or nothing, a URL by the one
    configured or "#"), and text that looks like template syntax shown as
    typed. For the preview, test sends and the web archive, never the service.
    """
    import dataclasses

    if not email.marked:
        raise ValueError("this Email carries no marked parts to fill")
    parts = {}
    for name, value in email.marked.items():
        if name == "html" and email.marked_tokens:
            parts[name] = finalize_tokens(email.marked_tokens, platforms.FILLED, config)[0]
            continue
        finalize = finalize_html if name in ("html", "mjml") else finalize_text
        parts[name] = finalize(value, platforms.FILLED, config)[0]
    return dataclasses.replace(email, missing=[], marked={}, marked_tokens=[], **parts)


def links(content: Content) -> list[str]:
    """Every link of the content, the event's RSVP included."""
    rsvp = [content.event.rsvp] if content.event and content.event.rsvp else []
    return content.all_links() + rsvp
