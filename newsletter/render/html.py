"""Content -> MJML -> HTML (CSS not yet inlined; render/inline.py does that).

Jinja2 writes MJML from the theme (user templates first; placeholders in a
template become markers as it is loaded), and mjml-python compiles it.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import pickle
import stat
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from urllib.parse import quote

from ..config import Config, social_link
from ..content.calendar import calendar_links
from ..content.model import Content
from ..content.placeholders import NONCE, mark_template
from ..errors import IssueError
from ..source.events import format_when
from ..source.markup import to_html
from . import platforms
from .tokens import protect_attributes
from .pieces import plan, runs

PACKAGE = Path(__file__).parent.parent
PACKAGE_TEMPLATES = PACKAGE / "templates"            # inside the wheel
SOURCE_TEMPLATES = PACKAGE.parent / "templates"      # in a checkout


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
    return _environment(str(user), snapshot, cache_dir())


class MarkingLoader(jinja2.BaseLoader):
    """Loads a template with its `[[name]]` placeholders already markers.

    Marking the template's source, not the rendered MJML, is what keeps text
    from an issue from ever being read as a placeholder of ours.
    """

    def __init__(self, inner: jinja2.BaseLoader):
        self.inner = inner

    def get_source(self, environment, template):
        source, filename, uptodate = self.inner.get_source(environment, template)
        return mark_template(source), filename, uptodate

    def list_templates(self):
        return self.inner.list_templates()


AUTOESCAPE = ("html", "htm", "xml", "mjml")


def cache_dir() -> str | None:
    """$XDG_CACHE_HOME/newsletter/templates (else ~/.cache/...), made 0700; None
    when it cannot be made or is not safely ours.

    Jinja would compile the theme afresh in every process, about a seventh
    of `newsletter build ISSUE` (~50 ms); its compiled code is kept here instead.
    The folder must be the user's own and closed to others: whoever can write
    to it chooses the code a build runs.
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        # The XDG spec says a relative $XDG_CACHE_HOME is to be ignored.
        root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
        folder = root / "newsletter" / "templates"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.lstat()
    except (OSError, RuntimeError):   # RuntimeError: no home directory
        return None
    if not stat.S_ISDIR(st.st_mode) or (   # a symlink is not a folder to lstat
            hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o077)):
        return None
    # Whoever may rename entries in a folder above could move ours away and put
    # their own in its place after this check, before Jinja reads from it: the
    # two above must be closed to others too (or sticky, as /tmp is).
    try:
        above = (os.stat(folder.parent), os.stat(root))
        if hasattr(os, "getuid") and not all(map(_closed, above)):
            return None
    except OSError:
        return None
    return str(folder)


def _closed(st: os.stat_result) -> bool:
    """A folder of this user or root that no one else may rename entries in."""
    return st.st_uid in (os.getuid(), 0) and \
        (not st.st_mode & 0o022 or bool(st.st_mode & stat.S_ISVTX))


def compiled_with(env: jinja2.Environment) -> str:
    """Everything a template's compiled code depends on besides its source and
    name: Jinja itself, the options its lexer and code generator read, and how
    each filter and test is called (Python's version is in the header Jinja
    writes to each cache file)."""
    def calls(functions: dict) -> list:
        return sorted((name, str(getattr(f, "jinja_pass_arg", ""))) for name, f in functions.items())
    return repr((jinja2.__version__, AUTOESCAPE, env.keep_trailing_newline, env.trim_blocks,
                 env.lstrip_blocks, sorted(env.extensions), calls(env.filters), calls(env.tests)))


class SourceKeyedCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache of compiled templates, one file a template, used only
    when it was compiled from the same complete source (after marking) by the
    same compiled_with(), so it never serves stale code.

    A template with placeholders holds this process's NONCE once marked; it
    is compiled afresh each time and never written, as marked text must not
    outlive its process. A cache that cannot be read or written is no cache.
    """

    def get_bucket(self, environment, name, filename, source):
        if NONCE in source:
            return jinja2.bccache.Bucket(environment, "", "")   # empty, and never saved
        checksum = hashlib.sha256(f"{compiled_with(environment)}\0{source}".encode())
        bucket = jinja2.bccache.Bucket(environment, self.get_cache_key(name, filename),
                                       checksum.hexdigest())
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket):
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            bucket.reset()   # a damaged file: compile afresh

    def dump_bytecode(self, bucket):
        if bucket.key:
            try:
                super().dump_bytecode(bucket)
            except OSError:   # read-only or full disk: the build goes on
                pass


@functools.lru_cache(maxsize=16)
def _environment(user_templates: str, snapshot: tuple, cache: str | None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=MarkingLoader(jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(user_templates),
            jinja2.FileSystemLoader(str(default_templates())),
        ])),
        autoescape=jinja2.select_autoescape(AUTOESCAPE),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=SourceKeyedCache(cache, "%s.jinja2") if cache else None,
    )
    env.filters["html"] = lambda nodes: Markup(to_html(nodes or []))
    env.filters["runs"] = runs
    return env


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
    title: str
    when: str
    location: str
    rsvp: str
    call_script: str
    image: str
    calendar: list = field(default_factory=list)
    month: str = ""          # the date badge: "MAY" over "16"
    day: str = ""
    map_url: str = ""

    @property
    def call_script_html(self) -> Markup:
        return Markup("<br />").join(self.call_script.splitlines())


def view(content: Content, config: Config) -> dict:
    event = None
    if content.event:
        ev = content.event
        # Without its own event-title the block is not headed (the issue's title
        # is just above it), and its image is decoration (alt=""), so a screen
        # reader does not read the email's title twice.
        event = EventView(ev.title if ev.named else "", format_when(ev, config.tz), ev.location, ev.rsvp, ev.call_script,
                          ev.image, calendar_links(ev, config))
        if ev.start is not None and not ev.tba:
            start = ev.start.astimezone(config.tz) if isinstance(ev.start, dt.datetime) else ev.start
            event.month, event.day = f"{start:%b}".upper(), str(start.day)
        event.map_url = map_url(ev.location, config)
    pieces, roles, glance = plan(content, config)
    return {
        "title": content.title,
        "subject": content.subject,
        "preheader": content.preheader,
        "preheader_padding": PREHEADER_PADDING if content.preheader else "",
        "date_text": format_date(content.date),
        "event": event,
        "sections": content.sections,
        "pieces": pieces,
        "glance": glance,
        "roles": roles,
    }


# Font stacks the reader already has: a web font needs a network fetch, and
# most mail clients ignore one. Names unquoted: MJML attributes are XML.
FONTS = {"system": "-apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif",
         "serif": "Georgia, Times New Roman, Times, serif"}


def map_url(location: str, config: Config) -> str:
    """A map search for the event's place, when `map_links` asks for one.

    Google's documented "Maps URLs" form opens the Maps app on phones:
    https://developers.google.com/maps/documentation/urls/get-started
    """
    if not (config.map_links and location.strip()) or "PHQ" in location:
        return ""   # a location made of merge tags is the service's business
    return "https://www.google.com/maps/search/?api=1&query=" + quote(" ".join(location.split()))


def theme(config: Config) -> dict:
    """[theme] as the templates use it."""
    look = config.look
    socials = [social_link(config, name) for name in config.social]
    return {**look, "font_family": FONTS[look["font"]], "radius": f"{look['corner_radius']}px",
            "socials": socials}


def render_mjml(content: Content, config: Config, template: str = "") -> str:
    env = template_env(config)
    try:
        email = view(content, config)
        roles = email["roles"]
        template = template or f"{'letter' if config.look['layout'] == 'letter' else 'email'}.mjml"
        tpl = env.get_template(template)
        mjml = tpl.render(email=email, config=config, colors=config.colors, theme=theme(config),
                          action=lambda item: roles.get(id(item)),
                          has_view_online=platforms.can_view_online(config))
    except jinja2.TemplateSyntaxError as exc:
        raise IssueError(exc.filename or exc.name or template, exc.lineno, f"template error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise IssueError(template or "email.mjml", None, f"template error: {exc}") from None
    return mjml


def compile_mjml(mjml: str, config: Config) -> str:
    from mjml import mjml2html
    try:
        # fonts={} turns off mjml-python's default Google Fonts links: a
        # build must not reach the network, and the theme uses system fonts.
        return mjml2html(protect_attributes(mjml), disable_comments=True,
                         fonts=config.fonts or {})
    except Exception as exc:   # mjml-python raises a bare exception type
        raise IssueError("email.mjml", None, f"MJML could not be compiled: {exc}") from None
