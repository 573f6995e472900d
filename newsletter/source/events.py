"""Event front matter -> Event.

The keys are the ones real Jekyll sites use (`event-start-date`,
`Location`, `RSVP-link`, ...). They are matched loosely (case, `-`, `_` and
spaces), because writers type them by hand.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..errors import Problems
from .issue import Issue, as_moment, parse_date

EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
DOMAIN = re.compile(r"^(www\.)?[\w-]+(\.[\w-]+)*\.[a-z]{2,}(/\S*)?$", re.I)

EVENT_KEYS = {
    "start": "event-start-date",
    "end": "event-end-date",
    "location": "location",
    "rsvp": "rsvp-link",
    "call_script": "call-script-text",
    "image": "main-image",
    "featured": "is-featured",
}


def norm_key(key: str) -> str:
    return re.sub(r"[\s_]+", "-", key.strip().lower())


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


def _when(issue: Issue, name: str, tz: ZoneInfo, problems: Problems):
    key, value = event_field(issue, name)
    if value in (None, ""):
        return None
    moment = parse_date(value)
    if moment is None:
        problems.warn(issue.display, issue.line_of(key), "event-date",
                      f"cannot read {key} {str(value)!r}; use 2019-07-20 10:00:00 -04:00")
        return None
    if not 1900 <= moment.year <= 2999:
        # A typo (0219, 20190...); also keeps UTC conversions and the
        # calendars' exclusive end day inside what datetime can hold.
        problems.warn(issue.display, issue.line_of(key), "event-date",
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
    if start is None and end is None and not fields["rsvp"][1] and not fields["location"][1]:
        return None
    if start is None and end is not None:
        start, end = end, None
    if isinstance(start, dt.datetime) and type(end) is dt.date and end == start.date():
        end = None    # "ends that day": the same as no end
    if start is not None and end is not None \
            and as_moment(end, dt.timezone.utc) < as_moment(start, dt.timezone.utc):
        problems.warn(issue.display, issue.line_of(event_field(issue, "end")[0]), "event-date",
                      "event ends before it starts; ignoring the end")
        end = None
    rsvp_key, rsvp = fields["rsvp"]
    return Event(
        title=issue.title, start=start, end=end,
        location=_text(fields["location"][1]),
        rsvp=fix_link(_text(rsvp), issue, rsvp_key, problems),
        call_script=str(fields["call_script"][1] or "").strip(),
        image=_text(fields["image"][1]),
        line=issue.line_of(event_field(issue, "start")[0]),
    )


def format_when(event: Event, tz: ZoneInfo) -> str:
    """'Saturday, July 20, 2019, 10:00 AM – 12:00 PM' in the configured timezone."""
    if event.start is None:
        return ""

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
