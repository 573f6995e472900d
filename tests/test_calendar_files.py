"""Calendar files that work: linked only when published, named in the build's
output, and updatable (METHOD, SEQUENCE, DTSTAMP, PRODID) (issue 10)."""
import dataclasses
import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
import vobject

from newsletter.cli import main
from newsletter.config import load_config
from newsletter.content.calendar import sequence
from newsletter.source.events import Event

from conftest import write_issue

UTC = dt.timezone.utc
EPOCH = "1784000000"
BUILT = dt.datetime(2026, 7, 14, 3, 33, 20, tzinfo=UTC)

ISSUE = """---
title: Housing vote week
date: 2026-07-01
event-title: Housing board vote
event-start-date: 2026-07-16 18:30:00 -04:00
event-end-date: 2026-07-16 20:00:00 -04:00
Location: Town Hall
---

Come to the vote.
"""

NO_SITE = 'org_name = "Test Group"\npostal_address = "1 Test St, Testville"\n' \
          'unsubscribe_url = "https://example.org/unsub"\n'


@pytest.fixture(autouse=True)
def fixed_build_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def both_parsers(data: bytes):
    """The VEVENTs as icalendar and as vobject read them, after checking they agree."""
    cal = icalendar.Calendar.from_ical(data)
    other = vobject.readOne(data.decode())
    events = cal.walk("VEVENT")
    assert len(events) == len(other.vevent_list)
    for a, b in zip(events, other.vevent_list):
        assert str(a["uid"]) == b.uid.value
        assert str(a["summary"]) == b.summary.value
        assert a.decoded("dtstart") == b.dtstart.value
        assert int(a["sequence"]) == int(b.sequence.value)
        assert a.decoded("dtstamp") == b.dtstamp.value == BUILT
        assert a.decoded("last-modified") == b.last_modified.value == BUILT
    assert str(cal["method"]) == other.method.value == "PUBLISH"
    return cal, other


def test_single_issue_ics_is_linked_and_its_upload_named(workspace, runner):
    write_issue(workspace, "2026-07-01-vote.md", ISSUE)
    result = runner.invoke(main, ["build", "issues/2026-07-01-vote.md"])
    assert result.exit_code == 0, result.output
    url = "https://example.org/calendar/2026-07-01-vote.ics"
    assert "email.mjml, email.eml, 2026-07-01-vote.ics" in result.output
    assert f"  upload build/2026-07-01-vote/2026-07-01-vote.ics to {url}" in result.output
    folder = workspace / "build" / "2026-07-01-vote"
    html, text = (folder / "email.html").read_text(), (folder / "email.txt").read_text()
    assert f'href="{url}"' in html and f"Calendar file (.ics): {url}" in text
    cal, other = both_parsers((folder / "2026-07-01-vote.ics").read_bytes())
    assert str(cal["prodid"]) == other.prodid.value == "-//newsletter//issue//EN"
    event, = cal.walk("VEVENT")
    assert str(event["summary"]) == "Housing board vote"
    assert event.decoded("dtstart") == dt.datetime(2026, 7, 16, 22, 30, tzinfo=UTC)
    # Both Outlook links, each with the same UTC times.
    links = dict(re.findall(r"^(Outlook[^:]*): (\S+)$", text, re.M))
    assert set(links) == {"Outlook.com", "Outlook (work or school)"}
    assert urlsplit(links["Outlook.com"]).netloc == "outlook.live.com"
    assert urlsplit(links["Outlook (work or school)"]).netloc == "outlook.office.com"
    for href in links.values():
        query = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
        assert (query["startdt"], query["enddt"]) == ("2026-07-16T22:30:00Z", "2026-07-17T00:00:00Z")
    assert ">Outlook.com</a>" in html and ">Outlook (work or school)</a>" in html


def test_without_a_site_the_ics_is_not_linked_and_that_is_said_once(workspace, runner):
    (workspace / "newsletter.toml").write_text(NO_SITE)
    write_issue(workspace, "2026-07-01-vote.md", ISSUE)
    write_issue(workspace, "2026-07-02-vote-again.md", ISSUE.replace("18:30", "19:30"))
    result = runner.invoke(main, ["build", "issues"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.endswith("[calendar]")]
    assert len(notes) == 1 and "info" in notes[0] and "site_url or ics_base_url" in notes[0]
    assert "build/2026-07-01-vote/2026-07-01-vote.ics is not linked from the email" in result.output
    for stem in ("2026-07-01-vote", "2026-07-02-vote-again"):
        folder = workspace / "build" / stem
        assert (folder / f"{stem}.ics").is_file()     # written, for whoever wants it
        for part in ("email.html", "email.txt"):
            body = (folder / part).read_text()
            assert ".ics" not in body and "Calendar file" not in body
            assert "calendar.google.com" in body


def test_ics_base_url_is_where_to_upload(workspace, runner):
    (workspace / "newsletter.toml").write_text(NO_SITE + 'ics_base_url = "https://cdn.example.net/cal/"\n')
    write_issue(workspace, "2026-07-01-vote.md", ISSUE)
    result = runner.invoke(main, ["build", "issues/2026-07-01-vote.md"])
    assert result.exit_code == 0, result.output
    assert "to https://cdn.example.net/cal/2026-07-01-vote.ics" in result.output
    assert "[calendar]" not in result.output


def test_sequence_changes_with_time_or_place_only():
    start = dt.datetime(2026, 7, 16, 18, 30, tzinfo=UTC)
    base = Event("Vote", start, None, location="Town Hall", rsvp="https://example.org/a")
    same = dataclasses.replace(base, title="Another name", rsvp="https://example.org/b",
                               call_script="Hello")
    moved = dataclasses.replace(base, start=start + dt.timedelta(days=1))
    longer = dataclasses.replace(base, end=start + dt.timedelta(hours=3))
    elsewhere = dataclasses.replace(base, location="Library")
    assert sequence(base) == sequence(same)
    numbers = {sequence(e) for e in (base, moved, longer, elsewhere)}
    assert len(numbers) == 4
    assert all(0 <= n < 2 ** 31 for n in numbers)    # RFC 5545's INTEGER


def test_a_rescheduled_issue_gets_a_new_sequence_under_the_same_uid(workspace, runner):
    path = write_issue(workspace, "2026-07-01-vote.md", ISSUE)
    ics = workspace / "build" / "2026-07-01-vote" / "2026-07-01-vote.ics"
    assert runner.invoke(main, ["build", str(path)]).exit_code == 0
    first, = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert runner.invoke(main, ["build", str(path)]).exit_code == 0
    assert icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")[0]["sequence"] == \
        first["sequence"]
    path.write_text(ISSUE.replace("18:30", "19:00"))
    assert runner.invoke(main, ["build", str(path)]).exit_code == 0
    second, = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert second["uid"] == first["uid"] and second["sequence"] != first["sequence"]


DIGEST_ISSUE = """---
title: {title}
date: 2026-07-13
event-start-date: {start}
Location: The park
is featured: true
---

Bring a friend.
"""


@pytest.mark.parametrize("count", [1, 2])
def test_digest_links_its_ics_when_every_event_is_featured(workspace, runner, count):
    for i in range(count):
        write_issue(workspace, f"2026-07-1{3 + i}-picnic-{i}.md", DIGEST_ISSUE.format(
            title=f"Picnic {i}", start=f"2026-07-1{6 + i} 12:00:00 -04:00"))
    write_issue(workspace, "2026-07-14-petition.md",
                "---\ntitle: Sign the petition\ndate: 2026-07-14\n---\n\n"
                "* Sign [the petition](https://example.org/petition) for longer library hours.\n")
    result = runner.invoke(main, ["digest", "--since", "2026-07-13", "--until", "2026-07-19",
                                  "--as-of", "2026-07-13"])
    assert result.exit_code == 0, result.output
    name = "digest-2026-07-13-2026-07-19"
    url = f"https://example.org/calendar/{name}.ics"
    assert f"upload build/{name}/{name}.ics to {url}" in result.output
    folder = workspace / "build" / name
    label = "Add the event to your calendar" if count == 1 else "Add all 2 events to your calendar"
    html, text = (folder / "email.html").read_text(), (folder / "email.txt").read_text()
    assert label in html and label in text and url in html and url in text
    assert "1 events" not in html + text
    cal, other = both_parsers((folder / f"{name}.ics").read_bytes())
    assert str(cal["prodid"]) == other.prodid.value == "-//newsletter//digest//EN"
    assert sorted(str(e["summary"]) for e in cal.walk("VEVENT")) == \
        [f"Picnic {i}" for i in range(count)]


def test_digest_without_a_site_says_so_and_links_nothing(workspace, runner):
    (workspace / "newsletter.toml").write_text(NO_SITE)
    write_issue(workspace, "2026-07-13-picnic.md", DIGEST_ISSUE.format(
        title="Picnic", start="2026-07-16 12:00:00 -04:00"))
    result = runner.invoke(main, ["digest", "--since", "2026-07-13", "--until", "2026-07-19",
                                  "--as-of", "2026-07-13"])
    assert result.exit_code == 0, result.output
    assert result.output.count("[calendar]") == 1
    assert "digest-2026-07-13-2026-07-19.ics is not linked from the email" in result.output
    folder = workspace / "build" / "digest-2026-07-13-2026-07-19"
    assert ".ics" not in (folder / "email.html").read_text() + (folder / "email.txt").read_text()
    assert load_config().ics_base_url == ""
