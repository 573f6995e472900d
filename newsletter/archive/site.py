"""Built issues -> the web archive folder: web versions, .ics files, index.html, feed.xml.

In: the Config, and for each issue either its Email (built in this process,
for its web version and .ics) or its manifest Entry (for the index and the
feed). Out: plain static files in the archive folder (`archive_dir`, by
default `<output_dir>/site/`), laid out as the site is published at
`site_url`:

    index.html            the issues, newest first
    feed.xml              an Atom feed (RFC 4287)
    <stem>/index.html     each issue's web version, at {site_url}/{stem}/
    calendar/<stem>.ics   each event, where the email links it (ics_url)

Every file is written atomically (a folder by output.write_atomically, a
single file by a rename), so a kill leaves each one old or new.
"""
from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote

from .. import __version__
from ..config import Config
from ..errors import Problems, display_path
from ..content.calendar import ics_url
from ..manifest import Entry, write_file_atomically
from ..output import Deferred, write_atomically
from ..render.email import Email
from .web import web_version

ATOM = "http://www.w3.org/2005/Atom"
FEED_NAME = "feed.xml"


def site_base(config: Config) -> str:
    """site_url ending in one '/', or "" when it is not set."""
    return config.site_url.rstrip("/") + "/" if config.site_url else ""


def page_url(config: Config, stem: str) -> str:
    """The web version's address, absolute when site_url is set, else relative to the index."""
    relative = quote(stem) + "/"
    return site_base(config) + relative


def ics_place(config: Config, name: str) -> str | None:
    """Where in the archive `<name>.ics` must be so that it is served at the
    address the email links it at; None when that address is outside site_url
    or is no plain path below it."""
    url = ics_url(config, name)
    if not url:
        return f"calendar/{name}.ics"   # linked from nowhere; kept where the default would be
    base = site_base(config)
    if not base or not url.startswith(base):
        return None
    # Decoded, since a server decodes it too: '%2Ftmp' is '/tmp'. Empty and '.'
    # parts ('news//tmp', a leading '/') go as a server's normalising would;
    # a leading '/' kept would make the place absolute, outside the archive.
    parts = [part for part in PurePosixPath(unquote(url[len(base):])).parts
             if part.strip("/") not in ("", ".")]
    if not parts or any(part == ".." or "\\" in part or "\0" in part for part in parts):
        return None   # '..' would point above where the link is served
    return "/".join(parts)


def write_issue_pages(email: Email, stem: str, config: Config, problems: Problems,
                      deferred: Deferred | None = None) -> str:
    """The web version and the .ics file(s) of one issue; returns the .ics's place or "".
    An .ics that cannot be placed where it is linked is left out, with a finding."""
    root = config.archive_path
    write_atomically(root / stem, {"index.html": web_version(email, config, "../")}, deferred)
    placed = ""
    for name, data in sorted(email.attachments.items()):
        if not name.endswith(".ics"):
            continue
        place = ics_place(config, name.removesuffix(".ics"))
        url = ics_url(config, name.removesuffix(".ics"))
        # The last word on escaping the archive: whatever the address said,
        # and whatever links the archive folder holds, the file lands inside.
        if place is not None and (root / place).resolve().is_relative_to(root.resolve()):
            target = root / place
            target.parent.mkdir(parents=True, exist_ok=True)
            write_file_atomically(target, data)
            placed = place
        elif site_base(config) and url.startswith(site_base(config)):
            folder = url.rsplit("/", 1)[0] + "/"   # the same for every issue: said once
            problems.warn(config.source or "newsletter.toml", None, "calendar",
                          f"the .ics address {folder} is no plain folder inside site_url "
                          "within the web archive, so the .ics files are not copied there; "
                          f"upload them from {display_path(config.output_path)}/<issue>/")
        # else published outside site_url; build/<stem>/ holds it to upload
    return placed


def moment(entry: Entry, config: Config) -> dt.datetime:
    """The entry's date as an aware date-time: a date is midnight in the config's zone."""
    try:
        value = dt.datetime.fromisoformat(entry.date)
    except ValueError:
        value = dt.datetime(1970, 1, 1)
    return value if value.tzinfo else value.replace(tzinfo=config.tz)


def listed(entries: dict[str, Entry], config: Config) -> list[tuple[str, Entry]]:
    """Published issues that built, newest first."""
    shown = [(stem, e) for stem, e in entries.items() if e.ok and e.published]
    return sorted(shown, key=lambda item: (moment(item[1], config), item[0]), reverse=True)


INDEX = """<!doctype html>
<html lang="{{ config.lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ config.org_name }}: newsletter archive</title>
<link rel="alternate" type="application/atom+xml" title="{{ config.org_name }}" href="feed.xml">
<style>
body { font-family: Helvetica, Arial, sans-serif; max-width: 40rem; margin: 2rem auto;
       padding: 0 1rem; color: {{ colors.text }}; background: {{ colors.surface }}; }
a { color: {{ colors.primary }}; }
li { margin: 0 0 1.25rem; list-style: none; }
ul { padding: 0; }
.date, .preheader { color: {{ colors.muted }}; margin: .25rem 0 0; }
</style>
</head>
<body>
<h1>{{ config.org_name }}</h1>
<p><a href="feed.xml">Atom feed</a></p>
<ul>
{%- for issue in issues %}
<li><a href="{{ issue.href }}">{{ issue.title }}</a>
<p class="date"><time datetime="{{ issue.iso }}">{{ issue.date_text }}</time></p>
{%- if issue.preheader %}
<p class="preheader">{{ issue.preheader }}</p>
{%- endif %}
</li>
{%- endfor %}
</ul>
</body>
</html>
"""


def index_html(entries: dict[str, Entry], config: Config) -> str:
    import jinja2

    issues = []
    for stem, entry in listed(entries, config):
        when = moment(entry, config)
        issues.append({"href": quote(stem) + "/", "title": entry.title, "iso": entry.date,
                       "date_text": f"{when:%B} {when.day}, {when.year}",
                       "preheader": entry.preheader})
    env = jinja2.Environment(autoescape=True, keep_trailing_newline=True)
    return env.from_string(INDEX).render(config=config, colors=config.colors, issues=issues)


def _feed_id(config: Config, stem: str | None = None) -> str:
    """A permanent IRI: the page's address when there is one, else a name-based UUID."""
    if config.site_url:
        return page_url(config, stem) if stem else config.site_url.rstrip("/") + "/"
    return uuid.uuid5(uuid.NAMESPACE_URL, f"newsletter:{config.org_name}/{stem or ''}").urn


def feed_xml(entries: dict[str, Entry], config: Config) -> bytes:
    """An Atom 1.0 feed (RFC 4287) of the listed issues, newest first."""
    ET.register_namespace("", ATOM)

    def sub(parent, tag, text=None, **attrs):
        node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        node.text = text
        return node

    shown = listed(entries, config)
    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "title", config.org_name)
    sub(feed, "id", _feed_id(config))
    # The newest issue's date, not the build's time: a rebuild changes nothing.
    newest = moment(shown[0][1], config) if shown else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    sub(feed, "updated", newest.isoformat())
    sub(sub(feed, "author"), "name", config.org_name)
    sub(feed, "generator", "newsletter", version=__version__)
    if config.site_url:
        base = config.site_url.rstrip("/") + "/"
        sub(feed, "link", rel="self", type="application/atom+xml", href=base + FEED_NAME)
        sub(feed, "link", rel="alternate", type="text/html", href=base)
    else:
        sub(feed, "link", rel="alternate", type="text/html", href="./")
    for stem, entry in shown:
        item = sub(feed, "entry")
        sub(item, "title", entry.title)
        sub(item, "id", _feed_id(config, stem))
        sub(item, "link", rel="alternate", type="text/html", href=page_url(config, stem))
        when = moment(entry, config).isoformat()
        sub(item, "published", when)
        sub(item, "updated", when)
        if entry.preheader:
            sub(item, "summary", entry.preheader)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def write_index(entries: dict[str, Entry], config: Config) -> Path:
    """index.html and feed.xml from the manifest's entries."""
    root = config.archive_path
    root.mkdir(parents=True, exist_ok=True)
    write_file_atomically(root / "index.html", index_html(entries, config).encode())
    write_file_atomically(root / FEED_NAME, feed_xml(entries, config))
    return root
