"""`newsletter digest`: many dated files, one email."""
import datetime as dt
import re
import shutil
from email import message_from_string
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest

from newsletter.cli import main
from newsletter.config import load_config
from newsletter.content.reader import build_content
from newsletter.build_digest import make_digest
from newsletter.errors import Problems
from newsletter.source.issue import read_issue

FIXTURES = Path(__file__).parent / "fixtures" / "digest"
WEEK = ["--since", "2026-07-13", "--until", "2026-07-19", "--as-of", "2026-07-15"]
OUT = Path("build") / "digest-2026-07-13-2026-07-19"


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.hrefs.append(dict(attrs)["href"])


def hrefs(html: str) -> list[str]:
    parser = _Hrefs()
    parser.feed(html)
    return parser.hrefs


def as_message(html: str, text: str):
    """The two parts as a mail service would send them, parsed back."""
    raw = ("MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=XX\n\n"
           f"--XX\nContent-Type: text/plain; charset=utf-8\n\n{text}\n"
           f"--XX\nContent-Type: text/html; charset=utf-8\n\n{html}\n--XX--\n")
    message = message_from_string(raw)
    parts = {p.get_content_type(): p.get_payload() for p in message.walk() if not p.is_multipart()}
    return parts["text/plain"], parts["text/html"]


@pytest.fixture
def week(workspace) -> Path:
    shutil.rmtree(workspace / "issues")
    shutil.copytree(FIXTURES, workspace / "issues")
    toml = workspace / "newsletter.toml"
    toml.write_text(toml.read_text() + 'timezone = "America/New_York"\n')
    return workspace


def run(runner, *args):
    return runner.invoke(main, ["digest", *args])


def test_week_order_grouping_and_drops(week, runner):
    result = run(runner, *WEEK)
    assert result.exit_code == 0, result.output
    text, html = as_message((week / OUT / "email.html").read_text(),
                            (week / OUT / "email.txt").read_text())
    # Featured first, then events by start grouped by day in New York time
    # (the London call at 18:00 +01:00 is 1 PM here, before the 3 PM board
    # session), an event after the range, then actions newest first.
    order = ["Featured", "Neighbourhood Picnic", "Upcoming events",
             "Thursday, July 16", "Bike Lane Hearing",
             "Friday, July 17", "Call-in with the Coastal Partners",
             "Sunday, July 19", "Solidarity Call with London Friends",
             "School Board Budget Session",
             "Saturday, July 25", "Summer Fair Volunteers Wanted",
             "Actions", "Keep the Library Open Late"]
    for part in (text, html):
        at = 0
        for title in order:   # each found after the one before
            at = part.find(title, at)
            assert at != -1, title
        # Past events, drafts, unreadable files and files outside the range are left out.
        # So is a file whose event start can't be read (an error in `build`).
        for gone in ("Candlelight Vigil", "Monday Rally", "Autumn Plans", "unclosed",
                     "Next Week Already", "Bandstand Benefit Concert"):
            assert gone not in part
    assert "When: Friday, July 17, 2026, 1 PM – 2 PM EDT" in text
    assert "When: Saturday, July 18, 2026" in text
    assert "2 past event(s) dropped" in result.output
    assert "1 draft(s) skipped" in result.output
    assert "1 duplicate(s) merged" in result.output


def test_duplicates_appear_once_in_both_parts(week, runner):
    assert run(runner, *WEEK).exit_code == 0
    text = (week / OUT / "email.txt").read_text()
    html = (week / OUT / "email.html").read_text()
    # The re-posted hearing is one card that names the other post.
    for part in (text, html):
        # Once, and once more as "RSVP: Bike Lane Hearing" in the "At a glance" box.
        assert part.count("Bike Lane Hearing") - part.count("RSVP: Bike Lane Hearing") == 1
        assert "Also posted as: Maple Avenue Bike Lane - Hearing Thursday" in part
        assert "Reposted from the Cycling Club list." in part
    assert text.count("> RSVP: https://example.org/rsvp/bike") == 1
    # The petition link is in two files; it appears once, in the first.
    assert text.count("https://example.org/library-petition") == 1
    # Once: the button carries it; the words in the card stay text.
    assert hrefs(html).count("https://example.org/library-petition") == 1
    assert text.index("library-petition") < text.index("Keep the Library Open Late")


def test_each_event_is_actionable_in_both_parts(week, runner):
    assert run(runner, *WEEK).exit_code == 0
    text = (week / OUT / "email.txt").read_text()
    links = hrefs((week / OUT / "email.html").read_text())
    google = {parse_qs(urlsplit(h).query)["text"][0]: parse_qs(urlsplit(h).query)["dates"][0]
              for h in links if h.startswith("https://calendar.google.com/")}
    assert google == {
        "Neighbourhood Picnic": "20260718/20260719",
        "Bike Lane Hearing": "20260716T223000Z/20260717T000000Z",
        "Call-in with the Coastal Partners": "20260717T170000Z/20260717T180000Z",
        "Solidarity Call with London Friends": "20260719T170000Z/20260719T180000Z",
        "School Board Budget Session": "20260719T190000Z/20260719T200000Z",
        "Summer Fair Volunteers Wanted": "20260725T140000Z/20260725T200000Z",
    }
    for url in google and [h for h in links if "calendar.google.com" in h or "outlook" in h]:
        # The text part's links are the same but for the call script (see below).
        assert re.split("&(?:details|body)=", url)[0] in text
    assert "> RSVP: organizer@example.org" in text            # the email address became mailto:
    assert "mailto:organizer@example.org" in links
    assert "> RSVP: https://example.org/fair-signup" in text   # the scheme was added
    ics_link = "https://example.org/calendar/digest-2026-07-13-2026-07-19.ics"
    assert ics_link in links and ics_link in text


def test_ics_has_every_kept_event_and_rebuilds_identically(week, runner, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1784000000")   # the build time, fixed
    assert run(runner, *WEEK).exit_code == 0
    path = week / OUT / "digest-2026-07-13-2026-07-19.ics"
    first = path.read_bytes()
    events = icalendar.Calendar.from_ical(first).walk("VEVENT")
    assert sorted(str(e["summary"]) for e in events) == sorted([
        "Neighbourhood Picnic", "Bike Lane Hearing", "Call-in with the Coastal Partners",
        "Solidarity Call with London Friends", "School Board Budget Session",
        "Summer Fair Volunteers Wanted"])
    assert len({str(e["uid"]) for e in events}) == 6
    by_title = {str(e["summary"]): e for e in events}
    assert by_title["Neighbourhood Picnic"].decoded("dtstart") == dt.date(2026, 7, 18)
    assert by_title["Call-in with the Coastal Partners"].decoded("dtstart") == \
        dt.datetime(2026, 7, 17, 17, 0, tzinfo=dt.timezone.utc)
    assert str(by_title["Neighbourhood Picnic"]["location"]) == "Riverside Park, north lawn"
    before = {p.name: p.read_bytes() for p in (week / OUT).iterdir()}
    assert run(runner, *WEEK).exit_code == 0
    assert {p.name: p.read_bytes() for p in (week / OUT).iterdir()} == before


def test_bad_input_is_warnings_with_lines(week, runner):
    result = run(runner, *WEEK)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "issues/2026-07-18-bandstand-concert.md:3: warning: cannot read event-start-date " \
        "'sometime soon'; use 2019-07-20 10:00:00 -04:00; left out of the digest" in out
    assert "bandstand-concert.md:3: warning: event has no start date" not in out
    assert "issues/2026-07-15-park-picnic.md:4: warning: Location should be one line" in out
    assert "issues/2026-07-15-west-coast-call-in.md:5: warning: RSVP-link is an email address" in out
    assert "issues/2026-06-01-fall-fair.md:6: warning: RSVP-link has no scheme" in out
    assert "issues/2026-07-15-broken.md:2: warning: front matter is not valid YAML" in out
    assert "Traceback" not in out


def test_an_event_card_does_not_leave_its_rsvp_label_dangling(week, runner):
    # The RSVP is the card's button; the row of calendar links under "Where"
    # must not start with a bare "RSVP ·" (it was a link before the button
    # took it over).
    assert run(runner, *WEEK).exit_code == 0
    text = (week / OUT / "email.txt").read_text()
    words = " ".join(safety_words((week / OUT / "email.html").read_text()).split())
    assert "RSVP ·" not in text and "RSVP ·" not in words
    assert "> RSVP: https://example.org/rsvp/bike" in text
    assert "Add to Google Calendar" in text and "Add to Google Calendar" in words


def safety_words(html: str) -> str:
    from selectolax.lexbor import LexborHTMLParser
    return LexborHTMLParser(html).body.text(separator=" ")


def test_a_file_whose_content_fails_is_left_out_and_the_rest_built(week, runner):
    # A placeholder error is raised while building the content, after reading.
    (week / "issues" / "2026-07-16-bad-fallback.md").write_text(
        '---\ntitle: Bad fallback\ndate: 2026-07-16\n---\n\nHi [[first_name|fr"nd]].\n')
    result = run(runner, *WEEK)
    assert result.exit_code == 0, result.output
    assert "issues/2026-07-16-bad-fallback.md:6: warning: the fallback in " \
           "[[first_name|fr\"nd]]" in result.output
    assert "left out of the digest" in result.output
    assert (week / OUT / "email.html").is_file()


def test_include_unpublished_and_days(week, runner):
    result = run(runner, *WEEK, "--include-unpublished")
    assert result.exit_code == 0, result.output
    assert "Draft - Autumn Plans" in (week / OUT / "email.txt").read_text()
    result = run(runner, "--days", "7", "--as-of", "2026-07-19")
    assert result.exit_code == 0, result.output
    assert (week / OUT / "email.html").is_file()


def test_empty_range_is_a_clear_error(week, runner):
    result = run(runner, "--since", "2025-01-01", "--until", "2025-01-07", "--as-of", "2025-01-01")
    assert result.exit_code == 1
    assert "Error: nothing to put in a digest for 2025-01-01 to 2025-01-07" in result.output
    assert not (week / "build").exists()
    # Everything in range is over: still a clear message, with the reason.
    result = run(runner, "--since", "2026-07-12", "--until", "2026-07-12", "--as-of", "2026-08-30")
    assert result.exit_code == 1 and "already over by 2026-08-30" in result.output
    assert run(runner, "--since", "2026-07-19", "--until", "2026-07-13").exit_code == 1
    assert run(runner, "--days", "3", "--since", "2026-07-13").exit_code == 2


def test_over_budget_moves_lowest_priority_items_behind_a_link(week, runner):
    toml = week / "newsletter.toml"
    toml.write_text(toml.read_text() + "size_budget_kb = 21\n")
    result = run(runner, *WEEK)
    assert result.exit_code == 0, result.output
    assert re.search(r"\d+ lowest-priority item\(s\) moved behind a 'More on our site'",
                     result.output)
    html = (week / OUT / "email.html").read_text()
    text = (week / OUT / "email.txt").read_text()
    assert len(html.encode()) <= 21 * 1024
    for part in (html, " ".join(text.split())):
        assert "did not fit in this email:" in part
        # Actions are the lowest priority and go first; the featured item stays.
        assert part.index("Neighbourhood Picnic") < part.index("More on our site") \
            < part.index("Keep the Library Open Late")
    assert "https://example.org/" in hrefs(html)


def test_digest_settings_title_intro_and_order(week, runner):
    (week / "digest.toml").write_text(
        'title = "This Week with Test Group"\n'
        'intro = "Hello [[first_name|friend]], here is the **week**."\n'
        'sections = ["actions", "events", "featured"]\n')
    result = run(runner, *WEEK)
    assert result.exit_code == 0, result.output
    text = (week / OUT / "email.txt").read_text()
    assert text.splitlines()[2] == "This Week with Test Group"
    assert "Hello friend, here is the week." in text   # generic platform: the fallback
    assert text.index("Actions") < text.index("Upcoming events") < text.index("Featured")
    (week / "digest.toml").write_text('sections = ["events"]\n')
    result = run(runner, *WEEK)
    assert result.exit_code == 1 and "digest.toml" in result.output


def test_digest_md_front_matter(week, runner):
    (week / "digest.md").write_text("---\ntitle: Weekly Roundup\n---\n\nA calm week.\n")
    assert run(runner, *WEEK).exit_code == 0
    text = (week / OUT / "email.txt").read_text()
    assert "Weekly Roundup" in text and "A calm week." in text


def test_a_corpus_month(corpus, workspace):
    """A month of a real site: builds under budget, no kept link lost."""
    config = load_config()
    problems = Problems()
    email, folder, digest = make_digest(
        [corpus], config, dt.date(2019, 7, 1), dt.date(2019, 7, 31), dt.date(2019, 7, 1),
        False, problems, dated_by="file-name")
    assert digest.files_in_range > 5
    assert digest.entries
    assert not problems.errors, problems.errors
    assert email.size <= config.size_budget_kb * 1024
    assert (folder / "email.html").is_file() and (folder / "email.txt").is_file()
    html_links = set(hrefs(email.html))
    # Every link of every file that stayed in the email, or was merged into
    # another entry as a duplicate, is in both parts.
    kept = {e.issue.path for e in digest.entries}
    if not digest.moved:
        kept |= set(digest.merged)
    assert len(kept) > len(digest.entries)
    for path in kept:
        content = build_content(read_issue(path), config, Problems())
        for url in content.all_links():
            assert url in html_links, (path.name, url)
            assert url.removeprefix("mailto:") in email.text, (path.name, url)
    for entry in digest.moved:
        assert entry.issue.title in email.text


@pytest.mark.parametrize("platform", ["mailchimp", "buttondown", "listmonk", "sendy",
                                      "mailerlite", "kit", "brevo"])
def test_every_platform_gets_its_tags(week, runner, platform):
    from newsletter.content.placeholders import MARKER as SENTINEL
    from newsletter.render.platforms import get_platform

    (week / "digest.toml").write_text('intro = "Hi [[first_name|friend]]."\n')
    result = run(runner, *WEEK, "--platform", platform)
    assert result.exit_code == 0, result.output
    profile = get_platform(platform)
    greeting = "Hi " + profile.fallback.replace("{fallback}", "friend")
    for name in ("email.html", "email.txt"):
        part = (week / OUT / name).read_text()
        assert not SENTINEL.search(part) and "[[" not in part
        assert profile.tags["unsubscribe_url"] in part
    assert greeting in (week / OUT / "email.txt").read_text()


def test_dated_by_file_name(week, runner):
    # A page re-saved in the range keeps its old front matter date.
    (week / "issues" / "2026-07-14-events-page.md").write_text(
        "---\ntitle: Our Events Page\ndate: 2025-01-01\n---\n\n"
        "* [Calendar](https://example.org/events-page)\n")
    assert run(runner, *WEEK).exit_code == 0
    assert "Our Events Page" not in (week / OUT / "email.txt").read_text()
    assert run(runner, *WEEK, "--dated-by", "file-name").exit_code == 0
    assert "Our Events Page" in (week / OUT / "email.txt").read_text()


def test_text_part_has_short_calendar_links_for_the_same_events(week, runner):
    """The text part prints every address, so its calendar links leave the
    call script out; they still add the same event as the HTML's."""
    assert run(runner, *WEEK).exit_code == 0
    text = (week / OUT / "email.txt").read_text()
    html_links = [h for h in hrefs((week / OUT / "email.html").read_text())
                  if h.startswith(("https://calendar.google.com/", "https://outlook.live.com/"))]
    text_links = re.findall(r"https://(?:calendar\.google|outlook\.live)\.com/\S+", text)
    assert len(text_links) == len(html_links) == 12

    def fields(url):
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()
                if k not in ("details", "body")}

    assert sorted(map(str, map(fields, text_links))) == sorted(map(str, map(fields, html_links)))
    call_in = [h for h in html_links if "Coastal" in h]
    assert all("watershed" in parse_qs(urlsplit(h).query).get("details", parse_qs(
        urlsplit(h).query).get("body"))[0] for h in call_in)
    assert "watershed%3B" not in text and "Call%20script" not in text
    short = [u for u in text_links if "Coastal" in u and "calendar.google" in u]
    assert parse_qs(urlsplit(short[0]).query)["details"] == ["RSVP: organizer@example.org"]
    # The script itself is still in the text part, under its event.
    assert "Call script: Hello, my name is ___ and I live in your district." in text
    assert max(len(line) for line in text.splitlines()) < 400


def test_days_counts_back_from_today_in_the_configured_timezone(week, runner, monkeypatch):
    import newsletter.build_digest

    # 03:00 UTC on July 20 is still the evening of July 19 in New York.
    monkeypatch.setattr(newsletter.build_digest, "_now",
                        lambda tz: dt.datetime(2026, 7, 20, 3, 0, tzinfo=dt.timezone.utc)
                        .astimezone(tz))
    result = run(runner, "--days", "7")
    assert result.exit_code == 0, result.output
    # The board session ends at 3 PM on July 19, so it is not over yet.
    assert "School Board Budget Session" in (week / OUT / "email.txt").read_text()


def test_date_range_is_library_logic():
    from click import UsageError

    from newsletter.config import Config
    from newsletter.build_digest import date_range

    config = Config(timezone="America/New_York")
    july = dt.date(2026, 7, 19)
    assert date_range(config, days=7, as_of=july) == (dt.date(2026, 7, 13), july, july)
    assert date_range(config, since=dt.date(2026, 7, 1), as_of=july) == \
        (dt.date(2026, 7, 1), july, july)
    with pytest.raises(UsageError):
        date_range(config, since=dt.date(2026, 7, 1), days=3)
    with pytest.raises(UsageError):
        date_range(config, until=july)


def test_odd_event_dates_warn_and_the_rest_builds(week, runner):
    issues = week / "issues"
    (issues / "2026-07-14-typo-year.md").write_text(
        "---\ntitle: Typo Year\nevent-start-date: 0001-01-01 00:00\n---\n\nSee you.\n")
    (issues / "2026-07-14-huge-year.md").write_text(
        "---\ntitle: Huge Year\nevent-start-date: 9999-12-31 23:30 -05:00\n---\n\nSee you.\n")
    (issues / "2026-07-14-same-day-end.md").write_text(
        "---\ntitle: Evening Walk\nevent-start-date: 2026-07-16 20:00\n"
        "event-end-date: 2026-07-16\n---\n\nBring a torch.\n")
    (issues / "2026-07-14-next-year.md").write_text(
        "---\ntitle: New Year Swim\nevent-start-date: 2027-01-01\n---\n\nBrr.\n")
    result = run(runner, *WEEK)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "2026-07-14-typo-year.md:3: warning: event-start-date '0001-01-01 00:00' has the " \
        "year 1" in result.output
    assert "2026-07-14-huge-year.md:3: warning:" in result.output
    assert "same-day-end" not in result.output      # ending "that day" is not an error
    text = (week / OUT / "email.txt").read_text()
    assert "When: Thursday, July 16, 2026, 8 PM EDT\n" in text
    # An event in another year says so in its day heading.
    result = run(runner, "--since", "2026-07-14", "--until", "2026-07-14", "--as-of", "2026-07-14")
    assert "Friday, January 1, 2027\n" in \
        (week / "build" / "digest-2026-07-14-2026-07-14" / "email.txt").read_text()


def test_a_repost_with_nothing_new_keeps_its_title_as_context(week, runner):
    (week / "issues" / "2026-07-13-agenda-reminder.md").write_text(
        "---\ntitle: Last Days to Sign for the Library\n---\n\n"
        "* [What the board decides](https://example.org/library-agenda)\n")
    result = run(runner, *WEEK)
    assert result.exit_code == 0, result.output
    assert "2 duplicate(s) merged" in result.output
    for name in ("email.txt", "email.html"):
        part = " ".join((week / OUT / name).read_text().split())
        assert part.count("Last Days to Sign for the Library") == 1
        assert "Also posted as: Last Days to Sign for the Library" in part


def test_over_budget_without_a_site_warns_and_promises_no_site(week, runner):
    toml = week / "newsletter.toml"
    toml.write_text("\n".join(line for line in toml.read_text().splitlines()
                              if not line.startswith("site_url")) + "\nsize_budget_kb = 21\n")
    result = run(runner, *WEEK)
    assert result.exit_code == 0, result.output
    assert "warning: " in result.output and "moved out of the email (set site_url" in result.output
    text = (week / OUT / "email.txt").read_text()
    assert "Not in this email" in text and "did not fit in this email:" in text
    assert "More on our site" not in text


def test_an_event_begun_before_the_range_is_ongoing(week, runner):
    (week / "issues" / "2026-07-14-comment-period.md").write_text(
        "---\ntitle: Comment on the River Permit\nevent-start-date: 2026-07-01\n"
        "event-end-date: 2026-08-15\nRSVP-link: https://example.org/permit-comments\n---\n\n"
        "Tell the state what you think.\n")
    assert run(runner, *WEEK).exit_code == 0
    for part in ((week / OUT / "email.txt").read_text(), (week / OUT / "email.html").read_text()):
        part = part[part.index("Upcoming events"):]     # after the "At a glance" box
        assert part.index("Upcoming events") < part.index("Ongoing") \
            < part.index("Comment on the River Permit") < part.index("Thursday, July 16")
        assert "Wednesday, July 1\n" not in part and "Wednesday, July 1<" not in part
    assert "When: Wednesday, July 1, 2026 – Saturday, August 15, 2026" in \
        (week / OUT / "email.txt").read_text()


def test_prints_the_folder_as_build_does(week, runner):
    """Relative to where you are, like `newsletter build`'s `built build/...` line."""
    result = run(runner, *WEEK)
    assert "built build/digest-2026-07-13-2026-07-19/email.html" in result.stdout
