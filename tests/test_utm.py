"""UTM tagging: which links get parameters, and both parts agree."""
from __future__ import annotations

import html as htmllib
import re

import pytest

from newsletter.cli import main
from newsletter.config import load_config
from newsletter.content.placeholders import Literal, Placeholder, mark
from newsletter.content.links import slug, tag_url, utm_params
from newsletter.errors import IssueError, Problems

from conftest import write_issue

P = {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring-drive"}
TAIL = "utm_source=newsletter&utm_medium=email&utm_campaign=spring-drive"


@pytest.mark.parametrize("url,want", [
    ("https://example.org/page", f"https://example.org/page?{TAIL}"),
    ("http://example.org/", f"http://example.org/?{TAIL}"),
    # Existing parameters are kept as written, in order, and the fragment stays last.
    ("https://example.org/a?b=1&c=%20x", f"https://example.org/a?b=1&c=%20x&{TAIL}"),
    ("https://example.org/a?ref=fb&", f"https://example.org/a?ref=fb&{TAIL}"),
    ("https://example.org/a#part-2", f"https://example.org/a?{TAIL}#part-2"),
    ("https://example.org/a?x=1#top", f"https://example.org/a?x=1&{TAIL}#top"),
    # The writer's own utm_source wins; the rest are added.
    ("https://example.org/?utm_source=flyer",
     "https://example.org/?utm_source=flyer&utm_medium=email&utm_campaign=spring-drive"),
    # Upper-case schemes count; non-ASCII paths and queries are kept as written.
    ("HTTPS://Example.org/A?b=1#Top", f"https://Example.org/A?b=1&{TAIL}#Top"),
    ("https://example.org/café?q=naïve", f"https://example.org/café?q=naïve&{TAIL}"),
    ("https://example.org/a?q=%E2%82%AC", f"https://example.org/a?q=%E2%82%AC&{TAIL}"),
])
def test_tags_outgoing_links(url, want):
    assert tag_url(url, P) == want


@pytest.mark.parametrize("url", [
    "mailto:team@example.org?subject=Hi",
    "tel:+15555550100",
    "#section",
    mark(Placeholder("unsubscribe_url")),                        # a merge-tag marker
    f"https://example.org/{mark(Literal('{{ x }}'))}/x",         # a marker inside a URL
    "https://calendar.google.com/calendar/render?action=TEMPLATE&text=Cleanup",
    "https://www.google.com/calendar/render?action=TEMPLATE&text=Cleanup",
    "https://outlook.live.com/calendar/0/deeplink/compose?subject=Cleanup",
    "https://outlook.office.com/calendar/0/deeplink/compose?subject=Cleanup",
    "https://example.org/events/cleanup.ics",
    "https://example.org/events/CLEANUP.ICS",
    "webcal://example.org/events/cleanup.ics",
    "ftp://example.org/file",
])
def test_leaves_other_links_alone(url):
    assert tag_url(url, P) == url


def test_slug_and_params(tmp_path):
    assert slug("2026-04-01-spring-drive") == "spring-drive"
    assert slug("2026-04-01_spring") == "spring"
    assert slug("no-date") == "no-date"
    (tmp_path / "newsletter.toml").write_text('[utm]\nsource = "newsletter"\nmedium = "email"\n')
    config = load_config(tmp_path / "newsletter.toml")
    assert utm_params(config, "2026-04-01-spring-drive") == P
    (tmp_path / "newsletter.toml").write_text('[utm]\nsource = "nl"\ncampaign = ""\n')
    assert utm_params(load_config(tmp_path / "newsletter.toml"), "x") == {"utm_source": "nl"}
    (tmp_path / "newsletter.toml").write_text("[utm]\n")
    assert utm_params(load_config(tmp_path / "newsletter.toml"), "x") == {}


def test_config_checks_utm_keys(tmp_path):
    path = tmp_path / "newsletter.toml"
    path.write_text('[utm]\nsource = "nl"\nmedum = "email"\n')
    problems = Problems()
    load_config(path, problems)
    assert any("utm.medum" in p.message and "medium" in p.message for p in problems)
    path.write_text('[utm]\nsource = 3\n')
    with pytest.raises(IssueError, match="utm.source must be a string"):
        load_config(path)


ISSUE = """---
title: Spring drive
date: 2026-04-01
event-start-date: 2026-04-05 10:00:00 -04:00
RSVP-link: https://example.org/rsvp?event=7
---

Read [the plan](https://example.org/plan?v=2#budget) or write to
[the team](mailto:team@example.org). Unsubscribe: [[unsubscribe_url]].

* Sign the letter to the council [HERE](https://example.org/letter).
* Add it to your [calendar](https://calendar.google.com/calendar/render?action=TEMPLATE&text=Drive).

| Where | Link |
|---|---|
| Library | [map](https://example.org/map) |
"""


def _urls(html: str, text: str) -> tuple[set[str], set[str]]:
    hrefs = {htmllib.unescape(h) for h in re.findall(r'href="([^"]+)"', html)}
    words = set(re.findall(r"https?://\S+", text))
    # Calendar links carry the (tagged) RSVP link inside their details; they
    # are not tagged themselves, so leave them out here.
    def tagged(u: str) -> bool:
        return "utm_" in u and not u.startswith(("https://calendar.google.com", "https://outlook."))
    return ({u for u in hrefs if tagged(u)}, {u for u in words if tagged(u)})


def test_both_parts_carry_the_same_tagged_links(runner, workspace):
    with (workspace / "newsletter.toml").open("a") as fh:
        fh.write('platform = "mailchimp"\n[utm]\nsource = "newsletter"\nmedium = "email"\n')
    write_issue(workspace, "2026-04-01-spring-drive.md", ISSUE)
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    folder = workspace / "build" / "2026-04-01-spring-drive"
    html = (folder / "email.html").read_text()
    text = (folder / "email.txt").read_text()
    in_html, in_text = _urls(html, text)
    assert in_html == in_text
    assert in_html == {
        "https://example.org/plan?v=2&utm_source=newsletter&utm_medium=email"
        "&utm_campaign=spring-drive#budget",
        "https://example.org/letter?utm_source=newsletter&utm_medium=email"
        "&utm_campaign=spring-drive",
        "https://example.org/map?utm_source=newsletter&utm_medium=email"
        "&utm_campaign=spring-drive",
        "https://example.org/rsvp?event=7&utm_source=newsletter&utm_medium=email"
        "&utm_campaign=spring-drive",
    }
    assert 'href="mailto:team@example.org"' in html
    assert 'href="*|UNSUB|*"' in html and "*|UNSUB|*" in text
    assert "render?action=TEMPLATE&text=Drive" in text and "Drive&utm" not in html


def test_no_utm_table_means_no_tagging(runner, workspace):
    write_issue(workspace, "2026-04-01-spring-drive.md", ISSUE)
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    folder = workspace / "build" / "2026-04-01-spring-drive"
    assert "utm_" not in (folder / "email.html").read_text()
    assert "utm_" not in (folder / "email.txt").read_text()


def test_digest_links_are_tagged_too(runner, workspace):
    """`newsletter digest` honours [utm] like `build`, with the digest's name as campaign."""
    with (workspace / "newsletter.toml").open("a") as fh:
        fh.write('platform = "mailchimp"\n[utm]\nsource = "newsletter"\nmedium = "email"\n')
    write_issue(workspace, "2026-04-01-spring-drive.md", ISSUE)
    result = runner.invoke(main, ["digest", "--since", "2026-04-01", "--until", "2026-04-30",
                                  "--as-of", "2026-04-01"])
    assert result.exit_code == 0, result.output
    folder = workspace / "build" / "digest-2026-04-01-2026-04-30"
    html = (folder / "email.html").read_text()
    text = (folder / "email.txt").read_text()
    in_html, in_text = _urls(html, text)
    assert in_html == in_text
    tail = "utm_source=newsletter&utm_medium=email&utm_campaign=digest-2026-04-01-2026-04-30"
    assert f"https://example.org/letter?{tail}" in in_html
    assert f"https://example.org/rsvp?event=7&{tail}" in in_html
    assert 'href="mailto:team@example.org"' in html and "Drive&utm" not in html
