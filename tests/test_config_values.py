"""Config values are checked: colours are CSS colours, platforms are known (issue 10)."""
import pytest

from newsletter.cli import main
from newsletter.config import NAMED_COLORS, is_color, load_config
from newsletter.errors import IssueError, NewsletterError
from newsletter.render.platforms import get_platform

TOML = 'org_name = "Test"\n\n[colors]\nbackground = "#ffffff"\nprimary = {value}\n'


def test_the_named_colours_are_css_s_148():
    assert len(NAMED_COLORS) == 148
    assert {"rebeccapurple", "white", "darkslategrey", "lightgoldenrodyellow"} <= NAMED_COLORS


@pytest.mark.parametrize("value", [
    "#1d4ed8", "#abc", "#ABCD", "#1d4ed8cc", "white", "RebeccaPurple", " navy ",
    "rgb(29, 78, 216)", "rgba(29,78,216,0.5)", "rgb(10% 20% 30%)", "rgb(29 78 216 / 50%)",
    "hsl(221, 83%, 53%)", "hsla(221, 83%, 53%, .5)", "hsl(221deg 83% 53%)"])
def test_css_colours_are_accepted(tmp_path, value):
    assert is_color(value)
    (tmp_path / "newsletter.toml").write_text(TOML.format(value=f'"{value}"'))
    assert load_config(tmp_path / "newsletter.toml").colors["primary"] == value


@pytest.mark.parametrize("value,hint", [
    ('"bleu"', "did you mean 'blue'?"), ('"grean"', "did you mean 'green'?"),
    ('"#12345"', ""), ('"#ggg"', ""), ('"rgb(1, 2)"', ""), ('"rgb(a, b, c)"', ""),
    ('"brand"', ""), ('"url(x)"', ""), ("5", ""), ('""', "")])
def test_anything_else_is_an_error_at_its_line(tmp_path, value, hint):
    (tmp_path / "newsletter.toml").write_text(TOML.format(value=value))
    with pytest.raises(IssueError) as caught:
        load_config(tmp_path / "newsletter.toml")
    assert caught.value.line == 5
    assert str(caught.value).startswith(f"{tmp_path / 'newsletter.toml'}:5: colors.primary must "
                                        "be a CSS colour")
    assert hint in str(caught.value)


def test_a_bad_colour_stops_the_build(workspace, runner):
    (workspace / "newsletter.toml").write_text(TOML.format(value='"bleu"'))
    (workspace / "issues" / "2026-07-01-x.md").write_text("---\ntitle: X\n---\n\nHello.\n")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 1
    assert "Error: newsletter.toml:5: colors.primary must be a CSS colour" in result.output
    assert "did you mean 'blue'?" in result.output
    assert not (workspace / "build").exists()


@pytest.mark.parametrize("name,meant", [("mailchimpp", "mailchimp"), ("Buttondwn", "buttondown"),
                                        ("sendinblu", "brevo"), ("listmon", "listmonk")])
def test_unknown_platform_gets_a_did_you_mean(name, meant):
    with pytest.raises(NewsletterError) as caught:
        get_platform(name)
    assert f"unknown platform '{name}'; did you mean '{meant}'? choose one of: brevo," \
        in str(caught.value)


def test_unknown_platform_option_and_key(workspace, runner):
    (workspace / "issues" / "2026-07-01-x.md").write_text("---\ntitle: X\n---\n\nHello.\n")
    result = runner.invoke(main, ["build", "--platform", "mailchimpp"])
    assert result.exit_code == 1 and "did you mean 'mailchimp'?" in result.output
    (workspace / "newsletter.toml").write_text(
        (workspace / "newsletter.toml").read_text() + 'platform = "mailerlit"\n')
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 1 and "did you mean 'mailerlite'?" in result.output
    result = runner.invoke(main, ["build", "--platform", "mailjet"])   # another service
    assert "did you mean" not in result.output and "choose one of" in result.output
