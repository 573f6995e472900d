"""Calendar links and .ics files for events."""
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest

from newsletter.build import build
from newsletter.content.calendar import attach_calendar, calendar_links, ics_bytes, ics_url
from newsletter.config import Config, load_config
from newsletter.errors import Problems
from newsletter.source.events import Event

from conftest import ROOT

EDT = dt.timezone(dt.timedelta(hours=-4))
PDT = dt.timezone(dt.timedelta(hours=-7))


def query(link) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link.href).query).items()}


def links_by_label(event, config):
    return {link.label: link for link in calendar_links(event, config)}


def test_timed_event_links_carry_utc_times_and_details():
    event = Event("Bike Lane Hearing", dt.datetime(2026, 7, 16, 18, 30, tzinfo=EDT),
                  dt.datetime(2026, 7, 16, 20, 0, tzinfo=EDT), location="Town Hall, Room 2",
                  rsvp="https://example.org/rsvp/bike", call_script="Hello, I live in ward 2.")
    links = links_by_label(event, Config())
    google = query(links["Add to Google Calendar"])
    assert links["Add to Google Calendar"].href.startswith("https://calendar.google.com/")
    assert google["dates"] == "20260716T223000Z/20260717T000000Z"   # crosses midnight UTC
    assert google["text"] == "Bike Lane Hearing"
    assert google["location"] == "Town Hall, Room 2"
    assert "https://example.org/rsvp/bike" in google["details"]
    assert "ward 2" in google["details"]
    # Personal accounts (outlook.live.com) and Microsoft 365 ones (outlook.office.com).
    assert urlsplit(links["Outlook.com"].href).netloc == "outlook.live.com"
    assert urlsplit(links["Outlook (work or school)"].href).netloc == "outlook.office.com"
    for label in ("Outlook.com", "Outlook (work or school)"):
        outlook = query(links[label])
        assert outlook["startdt"] == "2026-07-16T22:30:00Z"
        assert outlook["enddt"] == "2026-07-17T00:00:00Z"
        assert outlook["allday"] == "false" and outlook["subject"] == "Bike Lane Hearing"
        assert "+" not in links[label].href     # spaces are %20, which Outlook reads
    assert "Calendar file (.ics)" not in links   # nothing published, nothing linked


def test_all_day_event_uses_dates_with_exclusive_end():
    one = Event("Picnic", dt.date(2026, 7, 18), None)
    assert query(links_by_label(one, Config())["Add to Google Calendar"])["dates"] == \
        "20260718/20260719"
    outlook = query(links_by_label(one, Config())["Outlook (work or school)"])
    assert (outlook["startdt"], outlook["enddt"], outlook["allday"]) == \
        ("2026-07-18", "2026-07-19", "true")
    three = Event("Fair", dt.date(2026, 7, 18), dt.date(2026, 7, 20))
    assert query(links_by_label(three, Config())["Add to Google Calendar"])["dates"] == \
        "20260718/20260721"


def test_no_end_means_one_hour_and_other_zones_convert():
    event = Event("Call", dt.datetime(2026, 7, 17, 10, 0, tzinfo=PDT), None)
    assert query(links_by_label(event, Config())["Add to Google Calendar"])["dates"] == \
        "20260717T170000Z/20260717T180000Z"


def test_no_start_no_links_and_a_warning():
    event = Event("Someday", None, None, location="Bandstand", line=4)
    assert calendar_links(event, Config()) == []
    problems = Problems()
    assert attach_calendar(event, "someday", dt.date(2026, 7, 1), "issues/someday.md",
                           Config(), problems) == {}
    assert [(p.path, p.line, p.id) for p in problems] == [("issues/someday.md", 4, "event-date")]


def test_ics_url_scheme():
    assert ics_url(Config(), "x") == ""
    assert ics_url(Config(site_url="https://example.org/news"), "2026-07-01-picnic") == \
        "https://example.org/news/calendar/2026-07-01-picnic.ics"
    assert ics_url(Config(site_url="https://example.org/", ics_base_url="https://cdn.example.org/ics/"),
                   "a") == "https://cdn.example.org/ics/a.ics"


def test_ics_parses_back_and_is_stable(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1784000000")   # 2026-07-14T03:33:20Z
    config = Config(site_url="https://example.org/")
    timed = Event("Hearing", dt.datetime(2026, 7, 16, 18, 30, tzinfo=EDT),
                  dt.datetime(2026, 7, 16, 20, 0, tzinfo=EDT), location="Town Hall",
                  rsvp="https://example.org/rsvp")
    allday = Event("Picnic", dt.date(2026, 7, 18), None)
    entries = [(timed, "2026-07-14-hearing", dt.date(2026, 7, 14), "https://example.org/rsvp"),
               (allday, "2026-07-15-picnic", dt.datetime(2026, 7, 15, 9, tzinfo=EDT), "")]
    data = ics_bytes(entries, config)
    assert data == ics_bytes(entries, config)
    cal = icalendar.Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    assert len(events) == 2
    first, second = events
    assert first.decoded("dtstart") == dt.datetime(2026, 7, 16, 22, 30, tzinfo=dt.timezone.utc)
    assert first.decoded("dtend") == dt.datetime(2026, 7, 17, 0, 0, tzinfo=dt.timezone.utc)
    assert str(first["uid"]) == "2026-07-14-hearing@example.org"
    built = dt.datetime(2026, 7, 14, 3, 33, 20, tzinfo=dt.timezone.utc)
    assert first.decoded("dtstamp") == first.decoded("last-modified") == built
    assert str(first["location"]) == "Town Hall" and str(first["url"]) == "https://example.org/rsvp"
    assert "DTSTART;VALUE=DATE:20260718" in data.decode()
    assert second.decoded("dtend") == dt.date(2026, 7, 19)
    assert second.decoded("dtstamp") == built


def test_single_issue_event_block_shows_calendar_links(workspace, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1784000000")
    source = ROOT / "issues" / "2026-03-14-river-cleanup.md"
    (workspace / "newsletter.toml").write_text(
        (workspace / "newsletter.toml").read_text() + 'timezone = "America/New_York"\n')
    config = load_config()
    result = build([source], config)
    assert not result.problems.errors, result.problems
    (email, folder), = result.built
    for part in (email.html, email.text):
        assert "Add to Google Calendar" in part and "Outlook" in part
        assert "20260314T130000Z/20260314T160000Z" in part
        assert "https://example.org/calendar/2026-03-14-river-cleanup.ics" in part
    # The text part gives each calendar link its own line, ready to click.
    assert "\nOutlook.com: https://outlook.live.com/" in email.text
    assert "\nOutlook (work or school): https://outlook.office.com/" in email.text
    ics = folder / "2026-03-14-river-cleanup.ics"
    assert ics.is_file()
    event, = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert str(event["summary"]) == "River cleanup at Mill Pond"   # its event-title
    first = ics.read_bytes()
    build([source], config)
    assert ics.read_bytes() == first


@pytest.mark.parametrize("bad", ["next tuesday", "2026-13-45"])
def test_bad_event_start_date_in_single_issue_is_an_error(workspace, runner, bad):
    from newsletter.cli import main
    path = workspace / "issues" / "2026-07-01-x.md"
    path.write_text(f"---\ntitle: X\nevent-start-date: {bad}\nLocation: Hall\n---\n\nBody.\n")
    result = runner.invoke(main, ["build", str(path)])
    assert result.exit_code == 1, result.output
    assert "2026-07-01-x.md:3: error: cannot read event-start-date" in result.output
    # The error says it all; no second finding about the same missing start.
    assert "no start date, so it gets no calendar links" not in result.output
    assert not (workspace / "build" / "2026-07-01-x").exists()


def test_when_across_a_clock_change_names_both_zones():
    from zoneinfo import ZoneInfo

    from newsletter.source.events import format_when

    chicago = ZoneInfo("America/Chicago")
    # Naive times in front matter take the configured zone, each with its own offset.
    retreat = Event("Retreat", dt.datetime(2026, 10, 30, 18, 0, tzinfo=chicago),
                    dt.datetime(2026, 11, 1, 12, 0, tzinfo=chicago))
    assert format_when(retreat, chicago) == \
        "Friday, October 30, 2026, 6 PM CDT – Sunday, November 1, 2026, 12 PM CST"
    assert query(links_by_label(retreat, Config())["Add to Google Calendar"])["dates"] == \
        "20261030T230000Z/20261101T180000Z"
    same = Event("Meeting", dt.datetime(2026, 10, 28, 19, 0, tzinfo=chicago),
                 dt.datetime(2026, 10, 28, 20, 30, tzinfo=chicago))
    assert format_when(same, chicago) == "Wednesday, October 28, 2026, 7 PM – 8:30 PM CDT"


def test_text_part_calendar_links_leave_out_the_call_script():
    event = Event("Call-in", dt.datetime(2026, 7, 17, 10, 0, tzinfo=PDT), None,
                  location="Phone", rsvp="mailto:a@example.org",
                  call_script="Hello; I live in ward 2,\nplease vote yes.")
    full, short = calendar_links(event, Config()), calendar_links(event, Config(), short=True)
    assert "ward 2" in query(full[0])["details"] and "ward 2" in query(full[1])["body"]
    assert query(short[0])["details"] == query(short[1])["body"] == "RSVP: a@example.org"
    for a, b in zip(full, short):
        assert {k: v for k, v in query(a).items() if k not in ("details", "body")} == \
            {k: v for k, v in query(b).items() if k not in ("details", "body")}


def test_all_day_start_with_a_timed_end_runs_to_that_day():
    from zoneinfo import ZoneInfo

    from newsletter.source.events import format_when

    chicago = ZoneInfo("America/Chicago")
    event = Event("Conference", dt.date(2026, 11, 6),
                  dt.datetime(2026, 11, 8, 17, 0, tzinfo=chicago))
    assert format_when(event, chicago) == "Friday, November 6, 2026 – Sunday, November 8, 2026"
    assert query(links_by_label(event, Config())["Add to Google Calendar"])["dates"] == \
        "20261106/20261109"
