"""Event front matter -> Event.

The keys are the ones real Jekyll sites use (`event-start-date`,
`Location`, `RSVP-link`, ...). They are matched loosely (case, `-`, `_` and
spaces), because writers type them by hand.

The dates are facts a reader acts on, so they are never guessed: a start
that can't be read, an end without a start and an end before its start are
errors at their line, and a start is never taken from the end. A writer
who has no date yet says so: `event-start-date: TBA` (see NO_FIXED_TIME).
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..errors import Problems
from .issue import Issue, as_moment, parse_date

EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
# A host typed without https:// ("example.org/page", "www.example.org"), but
# not a file beside the issue: "x.png" or "report.pdf" is a relative path,
# though `.png` reads like a top-level domain.
DOMAIN = re.compile(r"^(?![\w-]+\.(?:png|jpe?g|gif|webp|svg|avif|bmp|ico|pdf|html?|php|aspx?|md"
                    r"|txt|rtf|docx?|xlsx?|pptx?|odt|csv|ics|zip|mp3|mp4|mov|webm)$)"
                    r"(www\.)?[\w-]+(\.[\w-]+)*\.[a-z]{2,}(/\S*)?$", re.I)

EVENT_KEYS = {
    "title": "event-title",
    "start": "event-start-date",
    "end": "event-end-date",
    "location": "location",
    "rsvp": "rsvp-link",
    "call_script": "call-script-text",
    "image": "main-image",
    "featured": "is-featured",
}
# An event-start-date that says "no date yet", on purpose: not an error.
NO_FIXED_TIME = {"tba", "tbd", "tbc", "to be announced", "to be determined", "to be confirmed",
                 "no fixed time"}


@functools.lru_cache(maxsize=1024)
def norm_key(key: str) -> str:
    # Remembered: event_field asks again for every key of the front matter,
    # about eighty times an issue, and an issue has a dozen keys.
    return _KEY_SEPARATORS.sub("-", key.strip().lower())


_KEY_SEPARATORS = re.compile(r"[\s_]+")


@dataclass
class Event:
    title: str
    start: dt.datetime | dt.date | None
    end: dt.datetime | dt.date | None
    location: str = ""
    rsvp: str = ""
    call_script: str = ""
    image: str = ""
    line: int = 1
    ics_url: str = ""       # where this event's .ics file is published, if anywhere
    named: bool = True      # False when the title is the issue's, for want of event-title
    bad_start: bool = False  # a start was written but not read (already an error)
    tba: bool = False        # the writer said the date is to be announced

    @property
    def all_day(self) -> bool:
        return self.start is not None and not isinstance(self.start, dt.datetime)

    @property
    def last_moment(self) -> dt.datetime | None:
        """When the event is over, as an aware datetime, for 'has it ended' tests."""
        point = self.end or self.start
        if point is None:
            return None
        if not isinstance(point, dt.datetime):
            return dt.datetime.combine(point, dt.time(23, 59, 59), tzinfo=dt.timezone.utc)
        return point


def event_field(issue: Issue, name: str):
    """(key as written, value) of an event field, or (its usual key, None)."""
    wanted = EVENT_KEYS[name]
    for key, value in issue.meta.items():
        if norm_key(key) == wanted:
            return key, value
    return wanted, None


def is_featured(issue: Issue) -> bool:
    value = event_field(issue, "featured")[1]
    return value is True or str(value).lower() == "true"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(_text(v) for v in value.values() if v not in (None, ""))
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value if v not in (None, ""))
    return ", ".join(line.strip() for line in str(value).splitlines() if line.strip())


def no_fixed_time(value) -> bool:
    return isinstance(value, str) and value.strip().lower().rstrip(".!") in NO_FIXED_TIME


def _when(issue: Issue, name: str, tz: ZoneInfo, problems: Problems):
    """The date of `name`, or None. A start that is written but can't be
    read is an error (the email would state a wrong day); an end, a warning."""
    key, value = event_field(issue, name)
    if value in (None, "") or (name == "start" and no_fixed_time(value)):
        return None
    report = problems.error if name == "start" else problems.warn
    moment = parse_date(value)
    if moment is None:
        report(issue.display, issue.line_of(key), "event-date",
               f"cannot read {key} {str(value)!r}; use 2019-07-20 10:00:00 -04:00")
        return None
    if not 1900 <= moment.year <= 2999:
        # A typo (0219, 20190...); also keeps UTC conversions and the
        # calendars' exclusive end day inside what datetime can hold.
        report(issue.display, issue.line_of(key), "event-date",
               f"{key} {str(value)!r} has the year {moment.year}; is it a typo?")
        return None
    if isinstance(moment, dt.datetime) and moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment


def fix_link(value: str, issue: Issue, key: str, problems: Problems) -> str:
    value = value.strip()
    if re.match(r"^(javascript|vbscript|data)\s*:", value, re.I):
        problems.warn(issue.display, issue.line_of(key), "link-scheme",
                      f"{key} is a {value.split(':')[0].lower()}: URL; dropped")
        return ""
    if not value or re.match(r"^(https?|mailto|tel):", value, re.I):
        return value
    if EMAIL.match(value):
        problems.warn(issue.display, issue.line_of(key), "link-scheme",
                      f"{key} is an email address; linking it as mailto:{value}")
        return "mailto:" + value
    if DOMAIN.match(value):
        problems.warn(issue.display, issue.line_of(key), "link-scheme",
                      f"{key} has no scheme; using https://{value}")
        return "https://" + value
    return value


def read_event(issue: Issue, tz: ZoneInfo, problems: Problems) -> Event | None:
    """The issue's event, or None if it has no event fields filled in."""
    start = _when(issue, "start", tz, problems)
    end = _when(issue, "end", tz, problems)
    fields = {name: event_field(issue, name) for name in ("location", "rsvp", "call_script", "image")}
    for name, (key, value) in fields.items():
        if isinstance(value, dict | list):
            problems.warn(issue.display, issue.line_of(key), "front-matter-type",
                          f"{key} should be one line of text, not a YAML block; joined its parts")
    start_key, start_value = event_field(issue, "start")
    end_key = event_field(issue, "end")[0]
    tba = no_fixed_time(start_value)
    if start is None and end is not None:
        if start_value in (None, "") or tba:
            # Never a start taken from the end: the email would state a time
            # nobody wrote.
            problems.error(issue.display, issue.line_of(end_key), "event-date",
                           f"{end_key} is set but event-start-date is not; "
                           "add the start (an end alone can't be placed in a calendar)")
        end = None
    if start is None and end is None and not fields["rsvp"][1] and not fields["location"][1]:
        return None
    if isinstance(start, dt.datetime) and type(end) is dt.date and end == start.date():
        end = None    # "ends that day": the same as no end
    if start is not None and end is not None \
            and as_moment(end, dt.timezone.utc) < as_moment(start, dt.timezone.utc):
        problems.error(issue.display, issue.line_of(end_key), "event-date",
                       f"the event ends ({end_key}) before it starts ({start_key}, line "
                       f"{issue.line_of(start_key)})")
        end = None
    title_key, title = event_field(issue, "title")
    title = _text(title)
    if not title:
        # At the event's first key: its start, else whichever was written first.
        written = [issue.line_of(k) for k, v in [event_field(issue, "start"), *fields.values()]
                   if v not in (None, "") and k in issue.lines]
        problems.info(issue.display, min(written, default=1), "event-title",
                      "no event-title; the event and its calendar entry are named after "
                      "the issue's title")
    rsvp_key, rsvp = fields["rsvp"]
    return Event(
        title=title or issue.title, named=bool(title), start=start, end=end,
        bad_start=start is None and start_value not in (None, "") and not tba, tba=tba,
        location=_text(fields["location"][1]),
        rsvp=fix_link(_text(rsvp), issue, rsvp_key, problems),
        call_script=str(fields["call_script"][1] or "").strip(),
        image=_text(fields["image"][1]),
        line=issue.line_of(start_key),
    )


def format_when(event: Event, tz: ZoneInfo) -> str:
    """'Saturday, July 20, 2019, 10:00 AM – 12:00 PM' in the configured timezone."""
    if event.start is None:
        return "To be announced" if event.tba else ""

    def day(d) -> str:
        return f"{d:%A, %B} {d.day}, {d.year}"

    def clock(t: dt.datetime) -> str:
        return t.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ")
    if not isinstance(event.start, dt.datetime):
        text = day(event.start)
        end = event.end.astimezone(tz).date() if isinstance(event.end, dt.datetime) else event.end
        if end is not None and end > event.start:
            text += f" – {day(end)}"
        return text
    start = event.start.astimezone(tz)
    zone = start.strftime("%Z")
    text = f"{day(start)}, {clock(start)}"
    if isinstance(event.end, dt.datetime):
        end = event.end.astimezone(tz)
        if end.strftime("%Z") != zone:
            # Across a clock change (a weekend retreat in early November):
            # each time with its own zone, or the end reads an hour off.
            text += f" {zone}"
            zone = end.strftime("%Z")
        text += f" – {clock(end)}" if end.date() == start.date() else f" – {day(end)}, {clock(end)}"
    return f"{text} {zone}" if zone else text
