"""Random front matter and Markdown never raise anything but IssueError."""
import datetime as dt
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.render.email import make_email
from newsletter.config import Config
from newsletter.content.reader import build_content
from newsletter.errors import IssueError, Problems
from newsletter.source.issue import read_issue

CONFIG = Config(org_name="Fuzz Group", site_url="https://example.org/",
                unsubscribe_url="https://example.org/unsub", timezone="Europe/Berlin")

KEYS = ["title", "date", "subject", "preheader", "description", "layout", "published",
        "event-start-date", "event-end-date", "Location", "RSVP-link", "call-script-text",
        "main-image", "is featured", "position"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
    st.text(max_size=30), st.dates(), st.datetimes(timezones=st.sampled_from([None, dt.timezone.utc])),
    st.sampled_from(["2019-07-14 22:46:00 -04:00", "2019-07-14T10:00:00Z", "2026-13-45",
                     "2019-07-14 25:61", "next week", "", "www.example.org", "rsvp@example.org",
                     "/uploads/x.jpg", "javascript:alert(1)", "[[first_name]]", "{{ x }}"]))
values = st.one_of(scalars, st.lists(scalars, max_size=3),
                   st.dictionaries(st.text(max_size=5), scalars, max_size=2))
# Mostly a usable title, so most examples get past the front matter.
titles = st.one_of(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40), values)
mappings = st.builds(lambda title, rest: {"title": title, **rest}, titles,
                     st.dictionaries(st.one_of(st.sampled_from(KEYS[1:]), st.text(max_size=8)),
                                     values, max_size=8))
front_matter = st.one_of(
    mappings.map(lambda m: yaml.safe_dump(m, allow_unicode=True, sort_keys=False)),
    mappings.map(lambda m: yaml.safe_dump(m, allow_unicode=True, sort_keys=False)),
    st.text(max_size=80),                                       # anything at all
    st.sampled_from(["title: [unclosed\n", "<<<<<<< HEAD\ntitle: a\n", "- a list\n",
                     "title: a\ntitle: b\n", "? [a, b]\n: c\n", "title: !!binary xx\n",
                     "title: &a x\nsubject: *b\n", "title: 'x'\ndate: 2019-02-30\n"]))

FRAGMENTS = [
    "# Heading", "### Heading three", "* item", "1. item", "> quote", "---", "```\ncode\n```",
    "    indented code", "| a | b |\n|---|---|\n| 1 | 2 |", "  \n", "***bold italic***",
    "[HERE](https://example.org/x)", "[click here](www.example.org/y)", "[rel](/page)",
    "[bad](javascript:alert(1))", "[mail](someone@example.org)", "<https://example.org/auto>",
    "www.example.org/bare", "![img](/i.png)", "![](https://example.org/a.png)",
    '{:target="_blank"}', "{: .class}", '{:target="_blank}', "{:target=_blank}", "{:",
    "<script>alert(1)</script>", "<iframe src='https://v.example.org/1'></iframe>",
    "<iframe src=javascript:x>", '<a href="x" onclick="y">a</a>', "<span style=color:red>r</span>",
    "</div>", "<b><i>unclosed", "<Candy>", "<br>", "&nbsp;", "&bogus;", "&#0;", "&#x110000;",
    "<!-- comment", "<![CDATA[", "<?xml ?>", "<img src=x onerror=y>", "<table><tr><td>c",
    "[[first_name|friend]]", "[[unsubscribe_url]]", "[[view_online_url]]", "[[first_name|]]",
    "[[ first_name | a b ]]", "[[bogus]]", "[[", "]]", "{{ x }}", "{% if %}", "PHQ00QHP", "PHQzzQHP",
    "\x00", "\x07", "\x1b[31m", "\x7f", "\u200b", "\ufeff", "\u202e", "\r", "\r\n", "\t",
    "é ü 日本 🙂", "\U0001F600" * 3, "a" * 200, "https://example.org/" + "x" * 120,
]
bodies = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=25).flatmap(
    lambda parts: st.lists(st.sampled_from(["", " ", "\n", "\n\n", "\n* ", "\n  "]),
                           min_size=len(parts), max_size=len(parts))
    .map(lambda seps: "".join(p + s for p, s in zip(parts, seps))))


def attempt(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "2026-01-05-fuzz.md"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            problems = Problems()
            content = build_content(read_issue(path), CONFIG, problems)
            email = make_email(content, CONFIG, problems)
        except IssueError as exc:
            assert exc.path and exc.detail
            return
        assert email.html.lower().startswith("<!doctype html>")
        assert "<script" not in email.html.lower()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front=front_matter, body=bodies)
def test_random_issues_only_ever_raise_issue_error(front, body):
    attempt(f"---\n{front}\n---\n{body}")


@settings(max_examples=50, deadline=None)
@given(body=bodies)
def test_random_bodies_with_a_valid_front_matter_build(body):
    attempt(f"---\ntitle: Fuzz\ndate: 2026-01-05\n---\n{body}")
