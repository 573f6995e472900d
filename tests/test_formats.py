"""Pelican, Hugo and plain Markdown issue files build as they are: each format
is sniffed from the first lines, every key keeps its line, titles and dates
are found as the README says, and each folder builds, checks and digests."""
from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
from pathlib import Path

import pytest

from newsletter.cli import main
from newsletter.config import Config
from newsletter.source.issue import read_issue
from newsletter.source.readers import sniff

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
# Files with nothing in their name or folder to date them by: the test sets the time.
CHANGED = {"markdown/2016/issue-19.md": dt.datetime(2016, 3, 7, 12),
           "markdown/issue-402.markdown": dt.datetime(2016, 3, 14, 12)}


@pytest.fixture
def archive(workspace) -> Path:
    """The fixture folders copied into the workspace, with known modification times."""
    for name in ("pelican", "hugo", "markdown"):
        shutil.copytree(FIXTURES / name, workspace / name)
    for name, when in CHANGED.items():
        os.utime(workspace / name, (when.timestamp(), when.timestamp()))
    return workspace


def run(runner, *args):
    result = runner.invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def links_in(path: Path) -> list[str]:
    return re.findall(r"\]\((https?://[^)\s]+)\)", path.read_text(encoding="utf-8-sig"))


# -- reading each format ------------------------------------------------------------------

def test_pelican_metadata_with_a_continued_line(archive):
    issue = read_issue(archive / "pelican/2024-09-04-gear-notes-41.md")
    assert issue.format == "pelican"
    assert issue.title == "Gear Notes 41" and issue.date == dt.date(2024, 9, 4)
    assert issue.preheader == ("Bearings that last, a lever library and a call for reviewers, "
                               "in one short read.")
    assert issue.lines == {"title": 1, "number": 2, "date": 3, "category": 4, "tags": 5,
                           "authors": 6, "summary": 7}
    assert issue.meta["tags"] == ["gears", "levers"]
    assert issue.meta["authors"] == ["Ana Ruiz", "Tom Lee"]
    assert issue.published and issue.body_line == 10
    assert issue.body.startswith("Hello and welcome")


def test_pelican_with_crlf_lowercase_keys_and_a_draft_status(archive):
    issue = read_issue(archive / "pelican/2024-09-11-gear-notes-42.md")
    assert issue.format == "pelican" and issue.title == "Gear Notes 42"
    assert issue.date == dt.datetime(2024, 9, 11, 9, 30)
    assert not issue.published and issue.lines["status"] == 3
    assert "\r" not in issue.body and issue.preheader == "Springs, and a meet-up in Lyon."


def test_pelican_with_a_byte_order_mark_and_a_slashed_date(archive):
    issue = read_issue(archive / "pelican/2024-09-18-gear-notes-43.md")
    assert (issue.format, issue.title, issue.date) == ("pelican", "Gear Notes 43", dt.date(2024, 9, 18))
    assert issue.lines == {"title": 1, "date": 2}


def test_hugo_toml_front_matter(archive):
    issue = read_issue(archive / "hugo/2024-05-06-may.md")
    assert issue.format == "hugo" and issue.title == "Riverside Garden Letter: May"
    assert issue.date == dt.datetime(2024, 5, 6, 8, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    assert issue.preheader == "Seedlings, a tool library and the spring fair."
    assert issue.lines == {"title": 2, "date": 3, "description": 4, "draft": 5, "tags": 6,
                           "params": 8}
    assert issue.published and issue.body_line == 11


def test_hugo_yaml_front_matter_is_told_from_jekyll_by_its_keys(archive):
    issue = read_issue(archive / "hugo/2024-06-03-june.md")
    assert issue.format == "hugo" and issue.preheader == "Watering rotas and a compost talk."
    assert issue.lines["lastmod"] == 7


def test_a_file_that_starts_with_a_heading_and_has_no_metadata(archive):
    issue = read_issue(archive / "markdown/2016/issue-19.md")
    assert issue.format == "markdown" and issue.title == "Welcome to the 19th issue"
    assert issue.lines == {"title": 1}
    # The heading is the title, so the body doesn't say it again.
    assert "19th issue" not in issue.body and issue.body_line == 2
    assert issue.date == dt.date(2016, 3, 7)
    [(line, id, message)] = issue.notes
    assert (line, id) == (1, "issue-format")
    assert message == ("read as plain Markdown: title from the first heading (line 1), date from "
                       "the time the file was last changed (2016-03-07); name the file "
                       "YYYY-MM-DD-... or add a date to keep it")


def test_no_heading_and_no_date_in_the_name(archive):
    issue = read_issue(archive / "markdown/issue-402.markdown")
    assert issue.title == "Issue 402" and issue.date == dt.date(2016, 3, 14)
    assert issue.body.startswith("Welcome to another issue")
    assert "title from the file name (issue-402.markdown)" in issue.notes[0][2]


def test_dates_anywhere_in_the_file_name_or_the_folder(archive):
    named = read_issue(archive / "markdown/_posts_2018-01-14-update.md")
    assert (named.title, named.date) == ("Update from the bench", dt.date(2018, 1, 14))
    assert named.body_line == 3   # a `===` heading takes two lines
    folder = read_issue(archive / "markdown/2018-01-21/index.md")
    assert (folder.title, folder.date) == ("Index", dt.date(2018, 1, 21))
    assert "date from the folder name (2018-01-21)" in folder.notes[0][2]


@pytest.mark.parametrize("text,expected", [
    ("Title: x\nDate: 2024-01-01\n\nBody\n", "pelican"),
    ("date: 2024-01-01\n    continued\n\nBody\n", "pelican"),
    ("Note: we moved the meeting.\n\nBody\n", "markdown"),          # a sentence with a colon
    ("Title: x\nand then prose without a blank line\n", "markdown"),
    ("+++\ntitle = 'x'\n+++\n", "hugo"),
    ("---\ntitle: x\ndraft: true\n---\n", "hugo"),
    ("---\ntitle: x\n---\n{{< figure src=x.png >}}\n", "hugo"),
    ("---\ntitle: x\nlayout: post\n---\nBody\n", "jekyll"),
    ("# Heading\n\nText\n", "markdown"),
])
def test_sniffing_reads_the_first_lines(text, expected):
    assert sniff(text) == expected


def test_format_setting_overrides_sniffing(tmp_path):
    path = tmp_path / "2024-02-02-note.md"
    path.write_text("Title: not metadata here\n\nText.\n")
    assert read_issue(path).title == "not metadata here"
    issue = read_issue(path, Config(format="markdown"))
    assert issue.format == "markdown" and issue.title == "Note"
    assert issue.body.startswith("Title: not metadata here")


def test_a_wrong_format_setting_is_an_error_at_its_line(runner, workspace):
    (workspace / "newsletter.toml").write_text('org_name = "x"\nformat = "pelicn"\n')
    result = run(runner, "check")
    assert result.exit_code == 1
    assert ('newsletter.toml:2: format must be "auto", "jekyll", "pelican", "hugo" or "markdown" '
            "(got 'pelicn'); did you mean 'pelican'?") in result.output


@pytest.mark.parametrize("name,text,line,message", [
    ("p.md", "Title: x\nDate: next week\n\nBody\n", 2, "cannot read date 'next week'"),
    ("h.md", "+++\ntitle = 'x'\ndate = 2024-01-01\ndate = 2024-01-02\n+++\nBody\n", 4,
     "front matter is not valid TOML: Cannot overwrite a value"),
    ("u.md", "+++\ntitle = 'x'\nBody\n", 1, "front matter starts with '+++' but has no closing '+++'"),
    ("y.md", "---\ntitle: x\ndraft: [\n---\nBody\n", 3, "front matter is not valid YAML"),
    ("e.md", "\n  \n", 1, "the file is empty"),
])
def test_bad_files_are_refused_at_their_line(runner, workspace, name, text, line, message):
    (workspace / "issues" / name).write_text(text)
    result = run(runner, "build", f"issues/{name}")
    assert result.exit_code == 1
    assert f"Error: issues/{name}:{line}: {message}" in result.output


# -- building, checking and digesting whole folders ---------------------------------------

@pytest.mark.parametrize("folder", ["pelican", "hugo", "markdown"])
def test_each_folder_builds_with_every_link_in_both_parts(runner, archive, folder):
    result = run(runner, "build", folder)
    assert result.exit_code == 0, result.output
    files = sorted(p for p in (archive / folder).rglob("*") if p.suffix in (".md", ".markdown"))
    for path in files:
        out = archive / "build" / path.stem
        page = html.unescape((out / "email.html").read_text())
        text = (out / "email.txt").read_text()
        for link in links_in(path):
            assert f'href="{link}"' in page and link in text, (path, link)


def test_check_says_how_title_and_date_were_found(runner, archive):
    result = run(runner, "check", "markdown", "pelican/2024-09-04-gear-notes-41.md")
    assert result.exit_code == 0, result.output
    assert ("markdown/_posts_2018-01-14-update.md:1: info: read as plain Markdown: title from the "
            "first heading (line 1), date from the file name (_posts_2018-01-14-update.md) "
            "[issue-format]") in result.output
    assert ("pelican/2024-09-04-gear-notes-41.md:1: info: read as Pelican metadata: title from "
            "'Title:' (line 1), date from 'Date:' (line 3) [issue-format]") in result.output


@pytest.mark.parametrize("folder,since,until,stems", [
    ("pelican", "2024-09-01", "2024-09-30", ["2024-09-04-gear-notes-41", "2024-09-18-gear-notes-43"]),
    ("hugo", "2024-05-01", "2024-06-30", ["2024-05-06-may", "2024-06-03-june"]),
    ("markdown", "2016-03-01", "2016-03-10", ["issue-19"]),
    ("markdown", "2018-01-01", "2018-01-31", ["_posts_2018-01-14-update", "index"]),
])
def test_digest_works_over_each_folder_by_date(runner, archive, folder, since, until, stems):
    result = run(runner, "digest", folder, "--since", since, "--until", until, "--as-of", until)
    assert result.exit_code == 0, result.output
    out = archive / "build" / f"digest-{since}-{until}"
    page = html.unescape((out / "email.html").read_text())
    text = (out / "email.txt").read_text()
    for path in (archive / folder).rglob("*"):
        if path.suffix not in (".md", ".markdown"):
            continue
        used = path.stem in stems
        title = read_issue(path).title
        assert (title in page) == used and (title in text) == used, (path, used)
    if folder == "pelican":   # Status: draft is a draft
        assert "1 draft(s) skipped" in result.output
