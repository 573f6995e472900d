"""An event's facts: its name, its dates, its image's alt text (issue 10)."""
import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest

from newsletter.build import build
from newsletter.config import load_config

from conftest import write_issue

UTC = dt.timezone.utc


def calendar_queries(text: str) -> dict[str, dict[str, str]]:
    """Google's and Outlook's links in a text part, parsed."""
    out = {}
    for label, url in re.findall(r"^(Add to Google Calendar|Outlook[^:]*): (\S+)$", text, re.M):
        out[label] = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    return out


def build_one(workspace, text: str, name: str = "2026-07-01-vote.md"):
    path = write_issue(workspace, name, text)
    result = build([path], load_config())
    return result


NAMED = """---
title: "Housing vote week: five things you can do"
date: 2026-07-01
Event title: Housing board vote
event-start-date: 2026-07-16 18:30
event-end-date: 2026-07-16 20:00
Location: Town Hall
main-image: https://example.org/hall.jpg
---

Come to the vote.
"""


def test_event_title_heads_the_block_and_names_the_calendar_entry(workspace):
    result = build_one(workspace, NAMED + "")
    assert not result.problems.errors, result.problems
    assert not [p for p in result.problems if p.id == "event-title"]
    (email, folder), = result.built
    # Both parts name the event; the image's alt is the event, not the email.
    assert "Housing board vote" in email.html and "Housing board vote" in email.text
    assert 'alt="Housing board vote"' in email.html
    assert 'alt="Housing vote week' not in email.html
    links = calendar_queries(email.text)
    assert links["Add to Google Calendar"]["text"] == "Housing board vote"
    # newsletter.toml has no timezone: UTC; 18:30 there is 18:30Z.
    assert links["Add to Google Calendar"]["dates"] == "20260716T183000Z/20260716T200000Z"
    ics, = folder.glob("*.ics")
    event, = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert str(event["summary"]) == "Housing board vote"


def test_without_event_title_the_issue_title_names_it_with_a_note(workspace):
    text = NAMED.replace("Event title: Housing board vote\n", "")
    result = build_one(workspace, text)
    assert not result.problems.errors, result.problems
    note, = [p for p in result.problems if p.id == "event-title"]
    assert note.level == "info" and note.line == 4
    (email, folder), = result.built
    links = calendar_queries(email.text)
    assert links["Add to Google Calendar"]["text"] == "Housing vote week: five things you can do"
    # The title is already the email's heading: the image is decoration, not a repeat.
    assert 'alt=""' in email.html
    ics, = folder.glob("*.ics")
    event, = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert str(event["summary"]) == "Housing vote week: five things you can do"


def errors_of(result):
    return [(p.line, p.id, p.message) for p in result.problems.errors]


def test_unreadable_start_is_an_error_and_never_taken_from_the_end(workspace):
    text = NAMED.replace("event-start-date: 2026-07-16 18:30",
                         "event-start-date: Dec 10 at 6pm") \
        .replace("event-end-date: 2026-07-16 20:00", "event-end-date: 2026-12-09")
    result = build_one(workspace, text)
    (line, check, message), = errors_of(result)
    assert (line, check) == (5, "event-date") and "Dec 10 at 6pm" in message
    assert not result.built
    assert not (workspace / "build" / "2026-07-01-vote").exists()


def test_an_end_without_a_start_is_an_error(workspace):
    text = NAMED.replace("event-start-date: 2026-07-16 18:30\n", "") \
        .replace("event-end-date: 2026-07-16 20:00", "event-end-date: 2026-12-09 20:00")
    result = build_one(workspace, text)
    (line, check, message), = errors_of(result)
    assert (line, check) == (5, "event-date") and "event-start-date is not" in message
    assert not result.built


def test_an_end_before_its_start_is_an_error(workspace):
    text = NAMED.replace("event-end-date: 2026-07-16 20:00", "event-end-date: 2026-07-15 20:00")
    result = build_one(workspace, text)
    (line, check, message), = errors_of(result)
    assert (line, check) == (6, "event-date") and "ends" in message and "before it starts" in message
    assert not result.built


def test_a_digest_leaves_out_a_file_whose_event_dates_are_wrong(workspace):
    from newsletter.build_digest import make_digest

    write_issue(workspace, "2026-07-01-good.md", NAMED.replace("Housing board vote", "Good one"))
    write_issue(workspace, "2026-07-02-bad.md", NAMED.replace(
        "event-end-date: 2026-07-16 20:00", "event-end-date: 2026-07-15 20:00"))
    from newsletter.errors import Problems
    problems = Problems()
    email, folder, digest = make_digest([], load_config(), dt.date(2026, 7, 1),
                                        dt.date(2026, 7, 7), dt.date(2026, 7, 1), False, problems)
    assert not problems.errors, problems
    bad, = [p for p in problems if p.path.endswith("bad.md") and p.id == "event-date"]
    assert bad.level == "warning" and bad.line == 6 and "left out of the digest" in bad.message
    assert "Good one" in email.html and "Good one" in email.text
    ics = icalendar.Calendar.from_ical(email.attachments[f"{digest.name}.ics"])
    assert [str(e["summary"]) for e in ics.walk("VEVENT")] == ["Good one"]


@pytest.mark.parametrize("key", ["event-title", "Event Title", "event_title", "EVENT TITLE"])
def test_event_title_key_is_matched_loosely(workspace, key):
    result = build_one(workspace, NAMED.replace("Event title:", f"{key}:"))
    assert not [p for p in result.problems if p.id in ("event-title", "front-matter-key")]
    (email, _), = result.built
    assert calendar_queries(email.text)["Add to Google Calendar"]["text"] == "Housing board vote"


def test_a_start_to_be_announced_is_not_an_error(workspace):
    text = NAMED.replace("event-start-date: 2026-07-16 18:30", "event-start-date: TBA") \
        .replace("event-end-date: 2026-07-16 20:00\n", "")
    result = build_one(workspace, text)
    assert not result.problems.errors, result.problems
    note, = [p for p in result.problems if p.id == "event-date"]
    assert note.level == "info" and "to be announced" in note.message
    (email, folder), = result.built
    assert "When: To be announced" in email.text and "To be announced" in email.html
    assert "calendar.google.com" not in email.html + email.text
    assert not list(folder.glob("*.ics"))
    # An end with a start to be announced is still an end without a start.
    result = build_one(workspace, text.replace("Location:", "event-end-date: 2026-07-16\nLocation:"))
    assert [p.id for p in result.problems.errors] == ["event-date"]
