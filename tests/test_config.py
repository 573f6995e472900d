"""newsletter.toml: defaults, unknown keys, bad values, CLI overrides."""
import json

import pytest

from newsletter.cli import main
from newsletter.config import load_config
from newsletter.errors import IssueError, Problems

from conftest import write_issue

ISSUE = "---\ntitle: Hi\ndate: 2026-01-05\n---\nA [link](/page).\n"


def test_every_key_has_a_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # no newsletter.toml here
    problems = Problems()
    config = load_config(None, problems)
    assert config.org_name and config.output_dir == "build" and config.timezone == "UTC"
    assert config.colors["primary"].startswith("#") and config.source is None
    assert not problems


def test_unknown_key_warns_with_did_you_mean(tmp_path):
    path = tmp_path / "newsletter.toml"
    path.write_text('org_name = "X"\n\nsite_ulr = "https://example.org/"\n[colors]\nprimry = "#000"\n')
    problems = Problems()
    load_config(path, problems)
    assert [(p.line, p.level) for p in problems] == [(3, "warning"), (5, "warning")]
    assert "did you mean 'site_url'?" in problems[0].message
    assert "did you mean 'primary'?" in problems[1].message


def test_unknown_key_warning_reaches_the_cli(runner, workspace):
    with open("newsletter.toml", "a") as fh:
        fh.write('timezon = "UTC"\n')
    write_issue(workspace, "2026-01-05-hi.md", ISSUE)
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert "newsletter.toml:5: warning: unknown key 'timezon'; did you mean 'timezone'?" in result.output


@pytest.mark.parametrize("text, line, words", [
    ('timezone = "Mars/Olympus"\n', 1, "timezone"),
    ('org_name = "X"\nsite_url = "example.org"\n', 2, "https://"),
    ('org_name = "X"\nsize_budget_kb = -3\n', 2, "positive"),
    ('org_name = "X\n', 1, "TOML"),
    ('colors = "red"\n', 1, "table"),
])
def test_bad_values_are_errors_with_a_line(tmp_path, text, line, words):
    path = tmp_path / "newsletter.toml"
    path.write_text(text)
    with pytest.raises(IssueError) as exc:
        load_config(path)
    assert exc.value.line == line and words in exc.value.detail


def test_bad_config_through_the_cli_is_one_error(runner, workspace):
    (workspace / "newsletter.toml").write_text('timezone = "Nowhere/Land"\n')
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: newsletter.toml:1: unknown timezone")


@pytest.mark.parametrize("command", [["build"], ["build", "--all"], ["check"]])
def test_a_bad_option_value_is_blamed_on_the_option_not_the_file(runner, workspace, command):
    write_issue(workspace, "2026-01-05-hi.md", ISSUE)
    (workspace / "newsletter.toml").write_text('site_url = "https://example.org/"\n')
    result = runner.invoke(main, [*command, "--site-url", "javascript:alert(1)"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: --site-url: site_url must start with https://")
    assert "newsletter.toml" not in result.output


def test_cli_options_override_the_file(runner, workspace):
    write_issue(workspace, "2026-01-05-hi.md", ISSUE)
    result = runner.invoke(main, ["build", "--site-url", "https://other.example.net/",
                                  "--output", "elsewhere", "--platform", "mailchimp"])
    assert result.exit_code == 0, result.output
    html = (workspace / "elsewhere/2026-01-05-hi/email.html").read_text()
    assert "https://other.example.net/page" in html and "*|UNSUB|*" in html


@pytest.mark.parametrize("url", ["javascript:alert(1)", "fonts.css", 'https://x.example/a.css" onload="x', ""])
def test_a_font_stylesheet_must_be_a_web_address(runner, workspace, url):
    (workspace / "newsletter.toml").write_text(f'[fonts]\nLato = {json.dumps(url)}\n')
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: newsletter.toml:2: fonts.Lato must be a stylesheet URL")
