"""The web archive: web versions, index.html, the Atom feed and the .ics files."""
from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlsplit

import feedparser
import html5lib
import pytest

from newsletter.archive.web import untracked
from newsletter.cli import main

from conftest import ROOT, write_issue

SAMPLES = sorted((ROOT / "issues").glob("*.md"))
ATOM = "{http://www.w3.org/2005/Atom}"
ISSUE = """---
title: "Hello [[first_name|friend]]"
date: 2026-05-02
preheader: "News for [[first_name|neighbours]]"
event-start-date: 2026-05-09 10:00:00 -04:00
location: Town hall
---
Hi [[first_name|neighbour]], [read the plan](https://example.org/plan?id=7&utm_source=them).

[View it online]([[view_online_url]])
"""


def parse(path):
    return html5lib.parse(path.read_text(), treebuilder="etree", namespaceHTMLElements=False)


def hrefs(path) -> list[str]:
    return [a.get("href") for a in parse(path).iter("a")]


def text_of(path) -> str:
    return " ".join(" ".join(parse(path).find("body").itertext()).split())


@pytest.fixture
def site(workspace, runner, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1784000000")
    with open(workspace / "newsletter.toml", "a") as fh:
        fh.write('platform = "mailchimp"\n[utm]\nsource = "newsletter"\n')
    for path in SAMPLES:
        shutil.copy(path, workspace / "issues" / path.name)
    write_issue(workspace, "2026-05-02-hello.md", ISSUE)
    write_issue(workspace, "2026-06-01-draft.md",
                "---\ntitle: Secret draft\ndate: 2026-06-01\npublished: false\n---\n\nNot yet.\n")
    result = runner.invoke(main, ["archive"])
    assert result.exit_code == 0, result.output
    assert "web archive in build/site/" in result.output
    return workspace / "build" / "site"


def test_the_web_version_is_what_a_reader_with_no_data_sees(site, workspace):
    page = site / "2026-05-02-hello" / "index.html"
    words = text_of(page)
    assert "Hi neighbour," in words and "Hello friend" in words
    assert "Unsubscribe" not in words and "View in your browser" not in words
    links = hrefs(page)
    assert links[0] == "../"   # the header back to the index
    assert "https://example.org/plan?id=7" in links   # the writer's own utm_ goes too
    assert not [h for h in links if "utm_" in h or "*|" in h or "unsub" in h], links
    # The email itself keeps its tags and tracking.
    email = (workspace / "build" / "2026-05-02-hello" / "email.html").read_text()
    assert "*|UNSUB|*" in email and "utm_campaign=hello" in email


def test_the_ics_files_are_where_the_emails_link_them(site, workspace):
    for stem in ("2026-05-02-hello", "2026-03-14-river-cleanup"):
        email = workspace / "build" / stem / "email.html"
        links = [h for h in hrefs(email) if h.endswith(".ics")]
        assert links == [f"https://example.org/calendar/{stem}.ics"]
        placed = site / urlsplit(links[0]).path.lstrip("/")
        assert placed.read_bytes() == (workspace / "build" / stem / f"{stem}.ics").read_bytes()


def test_the_index_lists_published_issues_newest_first(site):
    links = hrefs(site / "index.html")
    pages = [h for h in links if h.endswith("/")]
    assert pages == ["2026-05-02-hello/", "2026-03-20-weekly-links/",
                     "2026-03-14-river-cleanup/", "2026-03-02-town-meeting-week/"]
    words = text_of(site / "index.html")
    assert "Hello friend" in words and "News for neighbours" in words and "May 2, 2026" in words
    assert "Secret draft" not in words and not (site / "2026-06-01-draft").exists()
    for page in pages:
        assert (site / page / "index.html").is_file()


def test_the_feed_is_atom_with_absolute_links_and_parses_back(site):
    data = (site / "feed.xml").read_bytes()
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Test Group"
    assert [e.link for e in parsed.entries] == [
        "https://example.org/2026-05-02-hello/", "https://example.org/2026-03-20-weekly-links/",
        "https://example.org/2026-03-14-river-cleanup/",
        "https://example.org/2026-03-02-town-meeting-week/"]
    assert parsed.entries[0].title == "Hello friend"
    assert parsed.entries[0].summary == "News for neighbours"
    # RFC 4287 4.1.1-4.1.2: the feed and each entry have an id, a title and an
    # updated date-time; the feed an author, since its entries have none.
    root = ET.fromstring(data)
    for node in [root, *root.findall(f"{ATOM}entry")]:
        for tag in ("id", "title", "updated"):
            assert len(node.findall(f"{ATOM}{tag}")) == 1, (node.tag, tag)
        assert "T" in node.find(f"{ATOM}updated").text
    assert root.find(f"{ATOM}author/{ATOM}name").text == "Test Group"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "https://example.org/feed.xml"
    ids = [e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")]
    assert len(set(ids)) == len(ids)


def test_without_site_url_the_links_are_relative(workspace, runner):
    (workspace / "newsletter.toml").write_text('org_name = "Test Group"\n')
    shutil.copy(SAMPLES[0], workspace / "issues")
    assert runner.invoke(main, ["build", "--all"]).exit_code == 0
    parsed = feedparser.parse((workspace / "build/site/feed.xml").read_bytes())
    assert not parsed.bozo
    assert parsed.entries[0].link == f"{SAMPLES[0].stem}/"
    assert parsed.entries[0].id.startswith("urn:uuid:")


def test_view_online_url_can_name_the_issue_page(workspace, runner):
    with open(workspace / "newsletter.toml", "a") as fh:
        fh.write('view_online_url = "https://example.org/news/{stem}/"\n')
    write_issue(workspace, "2026-05-02-hello.md", ISSUE)
    assert runner.invoke(main, ["build", "--all"]).exit_code == 0
    email = workspace / "build" / "2026-05-02-hello" / "email.html"
    assert "https://example.org/news/2026-05-02-hello/" in hrefs(email)
    assert "https://example.org/news/2026-05-02-hello/" not in \
        hrefs(workspace / "build/site/2026-05-02-hello/index.html")


def test_untracked_keeps_the_rest_of_the_query_as_typed():
    assert untracked("https://x.org/a?b=%20c&utm_source=n&utm_medium=e#top") == \
        "https://x.org/a?b=%20c#top"
    assert untracked("https://x.org/a?utm_campaign=x") == "https://x.org/a"
    assert untracked("https://x.org/a?q=utm_source") == "https://x.org/a?q=utm_source"
    assert untracked("mailto:a@b.org?subject=utm_x") == "mailto:a@b.org?subject=utm_x"


def archive_with(workspace, runner, ics_base_url: str):
    """`newsletter archive` of one issue with an event, site_url in a folder."""
    (workspace / "newsletter.toml").write_text(
        'org_name = "Test Group"\npostal_address = "1 Test St, Testville"\n'
        'site_url = "https://example.org/news/"\nunsubscribe_url = "https://example.org/unsub"\n'
        f'ics_base_url = "{ics_base_url}"\n')
    write_issue(workspace, "2026-05-02-hello.md", ISSUE)
    return runner.invoke(main, ["archive", "-j", "1"])


@pytest.mark.parametrize("form", ["slashes", "percent"])
def test_an_ics_base_url_naming_an_absolute_path_stays_in_the_archive(workspace, runner,
                                                                      tmp_path_factory, form):
    outside = tmp_path_factory.mktemp("attack") / "escaped"
    path = str(outside) if form == "slashes" else quote(str(outside), safe="")
    result = archive_with(workspace, runner, f"https://example.org/news/{path}/")
    assert result.exit_code == 0, result.output
    assert not outside.exists()
    site = (workspace / "build" / "site").resolve()
    placed = [p for p in site.rglob("*.ics")]
    # Where a web server that merges '//' serves the address the email links.
    assert [p.relative_to(site) for p in placed] == \
        [outside.relative_to("/") / "2026-05-02-hello.ics"]


@pytest.mark.parametrize("path", ["../../escaped", "cal/../../../../escaped",
                                  "%2E%2E/%2e%2e/escaped", "..%2F..%2Fescaped", "a\\\\..\\\\b"])
def test_an_ics_base_url_leading_out_of_the_archive_is_not_copied(workspace, runner, path):
    result = archive_with(workspace, runner, f"https://example.org/news/{path}/")
    assert result.exit_code == 0, result.output
    assert not list(workspace.rglob("escaped"))
    assert not list((workspace / "build" / "site").rglob("*.ics"))
    assert (workspace / "build" / "2026-05-02-hello" / "2026-05-02-hello.ics").is_file()
    assert "warning: the .ics address https://example.org/news/" in result.output
    assert "upload them from build/<issue>/ [calendar]" in result.output


def test_an_ics_place_behind_a_link_out_of_the_archive_is_not_written(workspace, runner,
                                                                      tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere")
    (workspace / "build" / "site").mkdir(parents=True)
    (workspace / "build" / "site" / "calendar").symlink_to(outside, target_is_directory=True)
    result = archive_with(workspace, runner, "https://example.org/news/calendar/")
    assert result.exit_code == 0, result.output
    assert list(outside.iterdir()) == []
    assert "warning: the .ics address https://example.org/news/calendar/" in result.output
