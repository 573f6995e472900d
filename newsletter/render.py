"""Content -> MJML -> HTML.

Jinja2 writes MJML from the theme (user templates first), mjml-python
compiles it, premailer inlines the CSS. premailer has habits that break
email, each neutralised in `inline_css` and tested.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import platforms
from .calendar import calendar_links
from .config import Config
from .content import Content
from .errors import IssueError
from .events import format_when
from .markup import to_html

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"       # inside the wheel
SOURCE_TEMPLATES = Path(__file__).parent.parent / "templates"  # in a checkout


def default_templates() -> Path:
    return PACKAGE_TEMPLATES if PACKAGE_TEMPLATES.is_dir() else SOURCE_TEMPLATES


def template_env(config: Config) -> jinja2.Environment:
    # Compiling the theme costs more than rendering it (most of a build's
    # time), so the Environment and its compiled templates are reused. Jinja
    # reloads an edited template by itself; the snapshot of the user's folder
    # makes a file added there replace the default one it overrides.
    user = config.templates_path.resolve()
    files = sorted(user.rglob("*")) if user.is_dir() else []
    snapshot = tuple((str(f), f.stat().st_mtime_ns) for f in files if f.is_file())
    return _environment(str(user), snapshot)


@functools.lru_cache(maxsize=16)
def _environment(user_templates: str, snapshot: tuple) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(user_templates),
            jinja2.FileSystemLoader(str(default_templates())),
        ]),
        autoescape=jinja2.select_autoescape(("html", "htm", "xml", "mjml")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["html"] = lambda nodes: Markup(to_html(nodes or []))
    env.filters["runs"] = runs
    return env


@dataclass
class Run:
    kind: str                       # flow | images | cards
    blocks: list = field(default_factory=list)

    @property
    def block(self):
        return self.blocks[0]


def runs(blocks) -> list[Run]:
    """Group blocks so that consecutive running text shares one mj-text."""
    out: list[Run] = []
    for block in blocks:
        kind = "cards" if block.kind == "list" and block.style == "cards" else \
            "images" if block.kind == "images" else "flow"
        if kind == "flow" and out and out[-1].kind == "flow":
            out[-1].blocks.append(block)
        else:
            out.append(Run(kind, [block]))
    return out


# After the preheader, inboxes show the body's first words in the preview
# line. Invisible, non-collapsing characters fill that space instead: a
# combining grapheme joiner, a zero-width non-joiner and a no-break space,
# as numeric references because mjml-python parses the template as XML.
PREHEADER_PADDING = Markup("&#847;&#8204;&#160;" * 90)


def format_date(value) -> str:
    day = value.date() if isinstance(value, dt.datetime) else value
    return f"{day:%B} {day.day}, {day.year}"


@dataclass
class EventView:
    when: str
    location: str
    rsvp: str
    call_script: str
    image: str
    calendar: list = field(default_factory=list)

    @property
    def call_script_html(self) -> Markup:
        return Markup("<br />").join(self.call_script.splitlines())


def view(content: Content, config: Config) -> dict:
    event = None
    if content.event:
        ev = content.event
        event = EventView(format_when(ev, config.tz), ev.location, ev.rsvp, ev.call_script,
                          ev.image, calendar_links(ev, config))
    return {
        "title": content.title,
        "subject": content.subject,
        "preheader": content.preheader,
        "preheader_padding": PREHEADER_PADDING if content.preheader else "",
        "date_text": format_date(content.date),
        "event": event,
        "sections": content.sections,
    }


def render_mjml(content: Content, config: Config, template: str = "email.mjml") -> str:
    env = template_env(config)
    try:
        tpl = env.get_template(template)
        mjml = tpl.render(email=view(content, config), config=config, colors=config.colors,
                          has_view_online=platforms.can_view_online(config))
    except jinja2.TemplateSyntaxError as exc:
        raise IssueError(exc.filename or exc.name or template, exc.lineno, f"template error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise IssueError(template, None, f"template error: {exc}") from None
    return platforms.protect(mjml)


def compile_mjml(mjml: str, config: Config) -> str:
    from mjml import mjml2html
    try:
        # fonts={} turns off mjml-python's default Google Fonts links: a
        # build must not reach the network, and the theme uses system fonts.
        return mjml2html(mjml, disable_comments=True, fonts=config.fonts or {})
    except Exception as exc:   # mjml-python raises a bare exception type
        raise IssueError("email.mjml", None, f"MJML could not be compiled: {exc}") from None


_IMPORT = re.compile(r"@import\s[^;]+;")
# lxml, which premailer serialises with, percent-encodes spaces, braces and
# non-ASCII in href/src even with disable_link_rewrites: `{{ x }}` becomes
# `{{%20x%20}}`, breaking merge tags a user's template writes directly.
_URL_ATTR = re.compile(r"""\b(href|src)=(["'])(.*?)\2""", re.S | re.I)
_STYLE = re.compile(r"<style\b([^>]*)>(.*?)</style>", re.S | re.I)
INLINE_MARK = "nl-inline"


def _ignore_unmarked(match: re.Match) -> str:
    # MJML's own reset rules (`table, td {...}`) would be copied onto every
    # table cell, adding tens of KB; only the theme's marked rules are inlined.
    attrs, css = match.groups()
    if INLINE_MARK in css or "data-premailer" in attrs:
        return match.group(0)
    return f'<style{attrs} data-premailer="ignore">{css}</style>'



def inline_css(html: str) -> str:
    """premailer, with its measured bad habits neutralised."""
    import cssutils
    from premailer import Premailer

    # premailer fetches @import stylesheets even with allow_network=False;
    # hide them from it and put them back afterwards.
    imports: list[str] = []

    def stash(match: re.Match) -> str:
        imports.append(match.group(0))
        return f"/*nl-import-{len(imports) - 1}*/"
    html = _IMPORT.sub(stash, html)
    urls: list[str] = []

    def stash_url(match: re.Match) -> str:
        urls.append(match.group(3))
        return f'{match.group(1)}="nl-url-{len(urls) - 1}"'
    html = _URL_ATTR.sub(stash_url, html)
    html = _STYLE.sub(_ignore_unmarked, html)
    has_doctype = html.lstrip().lower().startswith("<!doctype")

    cssutils.log.setLevel(logging.CRITICAL)   # dozens of warnings about mso- properties
    result = Premailer(
        html,
        base_url=None,
        disable_link_rewrites=True,     # it mangles merge tags in href
        strip_important=False,          # MJML's @media rules need !important
        keep_style_tags=True,
        remove_classes=False,
        allow_network=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
        exclude_pseudoclasses=True,
    ).transform()
    for i, rule in enumerate(imports):
        result = result.replace(f"/*nl-import-{i}*/", rule)
    for i, url in enumerate(urls):
        result = result.replace(f'="nl-url-{i}"', '="' + url.replace('"', "&quot;") + '"', 1)
    result = result.replace(' data-premailer="ignore"', "")
    if has_doctype and not result.lstrip().lower().startswith("<!doctype"):
        result = "<!doctype html>\n" + result   # premailer drops it: quirks mode
    return result
