"""The main job end to end through the CLI."""
from newsletter.cli import main

from conftest import write_issue

ISSUE = """---
title: Smoke test
date: 2026-01-05
---

Intro with a [link](https://example.org/intro).

* Sign the petition [HERE](https://example.org/petition).
"""


def test_build_newest_issue(runner, workspace):
    write_issue(workspace, "2026-01-01-old.md", ISSUE.replace("Smoke test", "Old"))
    write_issue(workspace, "2026-01-05-smoke.md", ISSUE)
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    out = workspace / "build" / "2026-01-05-smoke"
    html = (out / "email.html").read_text()
    text = (out / "email.txt").read_text()
    assert html.lower().startswith("<!doctype html>")
    assert "Sign the petition" in html and "https://example.org/petition" in html
    assert "https://example.org/petition" in text and "https://example.org/intro" in text
    assert not (workspace / "build" / "2026-01-01-old").exists()


def test_new_writes_a_buildable_issue(runner, workspace):
    result = runner.invoke(main, ["new", "July: actions & events"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote issues/")   # as you would type it
    files = list((workspace / "issues").glob("*-july-actions-events.md"))
    assert len(files) == 1
    assert "event-start-date" in files[0].read_text()
    again = runner.invoke(main, ["new", "July: actions & events"])
    assert again.exit_code == 1 and "already exists" in again.output
    built = runner.invoke(main, ["build", str(files[0])])
    assert built.exit_code == 0, built.output


def test_platform_help_names_every_service(runner):
    from newsletter.render.platforms import PROFILES
    for command in ("build", "check", "send", "serve", "digest"):
        out = runner.invoke(main, [command, "--help"]).output
        for name in PROFILES:
            assert name in out, (command, name)


def test_new_lists_every_front_matter_key(runner, workspace):
    """Uncommenting every key `newsletter new` offers gives a clean, buildable issue."""
    import re
    runner.invoke(main, ["new", "All keys"])
    path = next((workspace / "issues").glob("*-all-keys.md"))
    text = path.read_text()
    for key in ("subject", "preheader", "published", "check", "event-start-date",
                "Location", "RSVP-link", "call-script-text", "main-image", "is featured"):
        assert f"# {key}:" in text, key
    path.write_text(re.sub(r"(?m)^# ([A-Za-z][\w -]*: )", r"\1", text)
                    .replace("/uploads/banner.jpg", "https://example.org/banner.jpg"))
    result = runner.invoke(main, ["check", str(path)])
    assert "front-matter" not in result.output and "Error" not in result.output, result.output
