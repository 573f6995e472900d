"""`newsletter new`'s sample text is marked, and left in it is a warning (issue 10)."""
from newsletter.build import check_file
from newsletter.cli import main
from newsletter.config import load_config

from conftest import write_issue


def sample_findings(path, config):
    return [(p.line, p.level, p.message) for p in check_file(path, config)
            if p.id == "leftover-sample"]


def test_a_new_issue_warns_at_each_sample_line(workspace, runner):
    result = runner.invoke(main, ["new", "July actions"])
    assert result.exit_code == 0, result.output
    path, = (workspace / "issues").glob("*-july-actions.md")
    lines = path.read_text().split("\n")
    found = sample_findings(path, load_config())
    # The intro sentence, the two action items and the article link; not the heading.
    expected = [i + 1 for i, line in enumerate(lines)
                if line.startswith(("A sentence", "* "))]
    assert [line for line, _, _ in found] == expected and len(expected) == 4
    assert all(level == "warning" for _, level, _ in found)
    assert "A sentence or two on why" in found[0][2]
    # Every link `new` writes is under example.org/sample/.
    assert all("example.org/sample/" in line for line in lines if "https://" in line
               and not line.startswith("#"))
    # It still builds: a warning, not an error.
    built = runner.invoke(main, ["build", str(path)])
    assert built.exit_code == 0 and "[leftover-sample]" in built.output


def test_edited_lines_are_fine_and_a_kept_link_is_still_found(workspace):
    path = write_issue(workspace, "2026-07-01-x.md", """---
title: July actions
date: 2026-07-01
RSVP-link: https://example.org/sample/rsvp
---

The library budget vote is Tuesday; here is how to help.

* Call your councillor. [Find your rep](https://example.org/sample/find-your-rep)

* Sign the petition [HERE](https://petition.example.net/library).

### More to read
""")
    found = sample_findings(path, load_config())
    assert [(line, "rsvp" in message or "find-your-rep" in message) for line, _, message in found] \
        == [(4, True), (9, True)]


def test_a_themes_own_issue_template_is_its_sample(workspace):
    (workspace / "templates").mkdir()
    (workspace / "templates" / "issue.md").write_text(
        "---\ntitle: {{ title }}\ndate: {{ date }}\n---\n\nWrite the news from the Riverside "
        "branch here.\n")
    path = write_issue(workspace, "2026-07-01-x.md", "---\ntitle: X\ndate: 2026-07-01\n---\n\n"
                       "Write the news from the Riverside branch here.\n\nA sentence or two on "
                       "why this issue matters this week.\n")
    assert [line for line, _, _ in sample_findings(path, load_config())] == [6]


def test_ignoring_it_works_like_any_check(workspace):
    path = write_issue(workspace, "2026-07-01-x.md", "---\ntitle: X\ndate: 2026-07-01\n"
                       "check: {ignore: [leftover-*]}\n---\n\n"
                       "A sentence or two on why this issue matters this week.\n")
    assert sample_findings(path, load_config()) == []
