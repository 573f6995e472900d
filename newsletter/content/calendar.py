"""Events -> "add to calendar" links and .ics files.

Emails cannot carry working local links, so the calendar links are plain
URLs: Google Calendar's and Outlook's "new event" pages (outlook.live.com
for personal accounts, outlook.office.com for work and school ones), which
take the title, UTC times, place and details as query parameters, and,
when the site's address is known, the published .ics file.

The .ics files are written with the `icalendar` package. The UID comes from
the source file's name, so a calendar that imported the event updates it.
DTSTAMP and LAST-MODIFIED are the build's time (SOURCE_DATE_EPOCH, when
set, for reproducible builds). SEQUENCE is a fingerprint of the event's
time and place (see `sequence`), so it changes exactly when they do.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from ..config import Config
from ..errors import Problems
from ..source.events import Event
from .placeholders import plain

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOKS = (("Outlook.com", "https://outlook.live.com/calendar/0/deeplink/compose"),
            ("Outlook (work or school)", "https://outlook.office.com/calendar/0/deeplink/compose"))
DETAILS_LIMIT = 600       # characters; long call scripts would bloat every link
DEFAULT_LENGTH = dt.timedelta(hours=1)   # for a timed event with no end


@dataclass
class CalendarLink:
    href: str
    label: str


def ics_url(config: Config, name: str) -> str:
    """Where `<name>.ics` is published, or "" when there is no web address.

    The scheme is flat: every .ics file goes in one folder of the site,
    `ics_base_url` (default `<site_url>calendar/`), named after its output
    folder, so files from different builds never collide.
    """
    base = config.ics_base_url or (
        config.site_url.rstrip("/") + "/calendar/" if config.site_url else "")
    if not base:
        return ""
    return base.rstrip("/") + "/" + quote(name) + ".ics"


def span(event: Event) -> tuple[dt.datetime | dt.date, dt.datetime | dt.date] | None:
    """(start, end) with an end always present: UTC datetimes, or dates
    with an exclusive end for all-day events, as both calendar formats want."""
    if event.start is None:
        return None
    if event.all_day:
        # A date start with a timed end still runs to the end's day.
        last = event.end.date() if isinstance(event.end, dt.datetime) else event.end
        return event.start, max(last or event.start, event.start) + dt.timedelta(days=1)
    start = event.start.astimezone(dt.timezone.utc)
    if isinstance(event.end, dt.datetime):
        end = event.end.astimezone(dt.timezone.utc)
    elif isinstance(event.end, dt.date) and event.end > event.start.date():
        # A timed start with a date-only end: run to the end of that day.
        end = dt.datetime.combine(event.end, dt.time(23, 59), tzinfo=event.start.tzinfo) \
            .astimezone(dt.timezone.utc)
    else:
        end = start + DEFAULT_LENGTH
    return start, end


def details(event: Event, short: bool = False) -> str:
    parts = []
    if event.rsvp:
        parts.append("RSVP: " + plain(event.rsvp).removeprefix("mailto:"))
    if event.call_script and not short:
        parts.append("Call script:\n" + plain(event.call_script))
    text = "\n\n".join(parts)
    return text if len(text) <= DETAILS_LIMIT else text[:DETAILS_LIMIT - 1].rstrip() + "…"


def _stamp(value: dt.datetime | dt.date, compact: bool) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y%m%dT%H%M%SZ" if compact else "%Y-%m-%dT%H:%M:%SZ")
    return value.strftime("%Y%m%d" if compact else "%Y-%m-%d")


def _url(base: str, params: dict[str, str]) -> str:
    # quote, not quote_plus: Outlook shows a literal "+" for spaces.
    return base + "?" + urlencode({k: v for k, v in params.items() if v}, safe="/:",
                                  quote_via=quote)


def calendar_links(event: Event, config: Config, short: bool = False) -> list[CalendarLink]:
    """Google, Outlook and (when published) .ics links; none without a start.

    `short` links leave the call script out of the details: the text part
    prints every address in full, and a call script makes it a screenful of
    %-escapes (the script is in the email itself, under the event).
    """
    times = span(event)
    if times is None:
        return []
    start, end = times
    text = details(event, short)
    google = _url(GOOGLE, {
        "action": "TEMPLATE", "text": plain(event.title),
        "dates": f"{_stamp(start, True)}/{_stamp(end, True)}",
        "location": plain(event.location), "details": text})
    outlook = {
        "path": "/calendar/action/compose", "rru": "addevent", "subject": plain(event.title),
        "startdt": _stamp(start, False), "enddt": _stamp(end, False),
        "allday": "true" if event.all_day else "false",
        "location": plain(event.location), "body": text}
    links = [CalendarLink(google, "Add to Google Calendar")]
    links += [CalendarLink(_url(base, outlook), label) for label, base in OUTLOOKS]
    if event.ics_url:
        links.append(CalendarLink(event.ics_url, "Calendar file (.ics)"))
    return links


def check_event(event: Event | None, source: str, problems: Problems) -> None:
    if event is not None and event.tba:
        problems.info(source, event.line, "event-date",
                      "the event's date is to be announced, so it gets no calendar links yet")
    elif event is not None and event.start is None and not event.bad_start:
        problems.warn(source, event.line, "event-date",
                      "event has no start date, so it gets no calendar links; "
                      "add event-start-date")


def uid(name: str, config: Config) -> str:
    """Stable per source file, so a calendar updates the event when it is
    rebuilt with a new time instead of adding a second copy."""
    host = urlsplit(config.site_url).netloc or "newsletter.invalid"
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if not slug:
        slug = hashlib.sha1(name.encode()).hexdigest()[:16]
    return f"{slug}@{host}"


def build_time() -> dt.datetime:
    """Now in UTC to the second, or SOURCE_DATE_EPOCH for a reproducible build."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def sequence(event: Event) -> int:
    """SEQUENCE: the first 28 bits of a SHA-256 of the event's UTC start and
    end and its place. The same event always gets the same number, and a new
    time or place a different one, so a calendar that imported it sees an
    update. It is a fingerprint, not a counter: LAST-MODIFIED and DTSTAMP
    (the build's time) are what grow."""
    times = span(event)
    fact = "|".join([*(_stamp(t, True) for t in times or ()), plain(event.location)])
    return int(hashlib.sha256(fact.encode()).hexdigest()[:7], 16)


def ics_bytes(entries: list[tuple[Event, str, dt.date | dt.datetime, str]],
              config: Config, kind: str = "issue") -> bytes:
    """One VCALENDAR for entries of (event, source name, source date, URL).

    `kind` is "issue" or "digest", for PRODID.
    """
    from icalendar import Calendar
    from icalendar import Event as IcsEvent

    now = build_time()
    cal = Calendar()
    cal.add("prodid", f"-//newsletter//{kind}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    for event, name, date, url in entries:
        times = span(event)
        if times is None:
            continue
        item = IcsEvent()
        item.add("uid", uid(name, config))
        item.add("dtstamp", now)
        item.add("last-modified", now)
        item.add("sequence", sequence(event))
        item.add("summary", plain(event.title))
        item.add("dtstart", times[0])
        item.add("dtend", times[1])
        if event.location:
            item.add("location", plain(event.location))
        if url:
            item.add("url", url)
        text = details(event)
        if text:
            item.add("description", text)
        cal.add_component(item)
    return cal.to_ical()


def ics_link_target(event: Event) -> str:
    """The URL property of an event: its RSVP page when that is a web page."""
    rsvp = plain(event.rsvp)
    return rsvp if rsvp.startswith(("https://", "http://")) else ""


def no_ics_url(config: Config, problems: Problems) -> None:
    """Say (once per build: the finding is the same for every file) why no
    email links its .ics file."""
    problems.info(config.source or "newsletter.toml", None, "calendar",
                  "the .ics files are written but not linked from the email: set site_url "
                  "or ics_base_url in newsletter.toml to say where you will upload them")


def attach_calendar(event: Event | None, name: str, date, source: str, config: Config,
                    problems: Problems) -> dict[str, bytes]:
    """For a single issue: warn about a missing start, point the event at
    its published .ics (when it will be published), and return the file to
    write as {name.ics: bytes}."""
    check_event(event, source, problems)
    if event is None or event.start is None:
        return {}
    event.ics_url = ics_url(config, name)
    if not event.ics_url:
        no_ics_url(config, problems)
    return {f"{name}.ics": ics_bytes([(event, name, date, ics_link_target(event))], config)}
