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


def test_platform_typo_in_the_file_is_named_by_its_line(workspace, runner):
    (workspace / "newsletter.toml").write_text('org_name = "T"\n\nplatform = "mailchimpp"\n')
    (workspace / "issues" / "2026-07-01-x.md").write_text("---\ntitle: X\n---\n\nHello.\n")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 1
    assert "Error: newsletter.toml:3: unknown platform 'mailchimpp'; did you mean 'mailchimp'?" \
        in result.output
    # A typo after --platform is the option's, not the file's.
    result = runner.invoke(main, ["build", "--platform", "kitt"])
    assert "Error: unknown platform 'kitt'" in result.output


BASE = 'org_name = "Test"\npostal_address = "1 Test St"\n'


def _refused(tmp_path, line: str) -> str:
    (tmp_path / "newsletter.toml").write_text(BASE + line)
    with pytest.raises(IssueError) as caught:
        load_config(tmp_path / "newsletter.toml")
    assert caught.value.line == 3, str(caught.value)
    return str(caught.value).split(":3: ", 1)[1]


@pytest.mark.parametrize("line,says", [
    ('unsubscribe_url = "javascript:alert(1)"',
     "unsubscribe_url must start with https://, http:// or mailto: (got 'javascript:alert(1)')"),
    ('unsubscribe_url = "mailto:"', "unsubscribe_url must start with"),
    ('unsubscribe_url = "https:example.org"', "unsubscribe_url must start with"),
    ('view_online_url = "data:text/html,hi"', "view_online_url must start with https:// or http://"),
    ('site_url = "example.org"', "site_url must start with https:// or http://"),
    ('ics_base_url = "ftp://example.org/cal/"', "ics_base_url must start with https:// or http://"),
    ('logo_url = "logo.png"', "logo_url must start with https:// or http:// (got 'logo.png'): "
                              "an email can't load an image by a relative path"),
    ('logo_url = "//cdn.example.org/logo.png"', "relative path"),
    ('logo_url = "vbscript:x"', "logo_url must start with https:// or http://"),
    ('[social]\nmastodon = "javascript:alert(1)"', "social.mastodon url must start with https://"),
    ('[social]\nx = { url = "https://x.example/", icon = "icon.png" }',
     "social.x icon must start with https://"),
])
def test_url_keys_are_addresses_of_their_kind(tmp_path, line, says):
    if line.startswith("[social]"):
        (tmp_path / "newsletter.toml").write_text(BASE + line)
        with pytest.raises(IssueError) as caught:
            load_config(tmp_path / "newsletter.toml")
        assert caught.value.line == 4 and says in str(caught.value), str(caught.value)
        return
    assert says in _refused(tmp_path, line)


@pytest.mark.parametrize("line", [
    'unsubscribe_url = "mailto:leave@example.org?subject=unsubscribe"',
    'unsubscribe_url = "http://example.org/u"', 'logo_url = "https://example.org/logo.png"',
    'view_online_url = "https://example.org/news/{stem}/"', 'ics_base_url = "https://cdn.example/c/"',
    'postal_address = """1 Test St\n\tTestville"""'])
def test_good_values_are_kept(tmp_path, line):
    (tmp_path / "newsletter.toml").write_text('org_name = "Test"\n' + line + "\n")
    key = line.split(" =")[0]
    assert getattr(load_config(tmp_path / "newsletter.toml"), key)


def test_the_javascript_unsubscribe_stops_the_build_at_its_line(workspace, runner):
    (workspace / "newsletter.toml").write_text(BASE + 'unsubscribe_url = "javascript:alert(1)"\n')
    (workspace / "issues" / "2026-07-01-x.md").write_text("---\ntitle: X\n---\n\nHello.\n")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 1 and "[unsafe-output]" not in result.output
    assert "Error: newsletter.toml:3: unsubscribe_url must start with" in result.output
    assert not (workspace / "build").exists()


@pytest.mark.parametrize("line,says", [
    ('tagline = "PO Box\\u0007 1"', "tagline holds control character U+0007; remove it"),
    ('logo_alt = "A\\u007fB\\u0085"', "logo_alt holds control characters U+007F, U+0085"),
    ('tagline = "one\\ntwo"', "tagline must be one line"),
    ('[utm]\nsource = "x\\u0000"', "utm.source holds control character U+0000"),
    ('[social]\nsite = { url = "https://x.example/", label = "A\\u001bB" }',
     "social.site.label holds control character U+001B"),
])
def test_control_characters_are_refused_at_their_line(tmp_path, line, says):
    (tmp_path / "newsletter.toml").write_text(BASE + line + "\n")
    with pytest.raises(IssueError) as caught:
        load_config(tmp_path / "newsletter.toml")
    assert caught.value.line == 3 + line.count("\n"), str(caught.value)
    assert says in str(caught.value)


def test_a_control_character_stops_the_build_before_mjml(workspace, runner):
    (workspace / "newsletter.toml").write_text('postal_address = "PO Box\\u0007 1"\n')
    (workspace / "issues" / "2026-07-01-x.md").write_text("---\ntitle: X\n---\n\nHello.\n")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 1 and "MJML" not in result.output, result.output
    assert "Error: newsletter.toml:1: postal_address holds control character U+0007" \
        in result.output


@pytest.mark.parametrize("value,field", [("https://x/{0}/{bad}/", "'{0}'"),
                                         ("https://x/{stem}/{bad}", "'{bad}'"),
                                         ("https://x/{stem", "'{stem'"), ("https://x/}", "'}'")])
def test_view_online_url_knows_only_stem(tmp_path, value, field):
    says = _refused(tmp_path, f'view_online_url = "{value}"\n')
    assert says == f"view_online_url may hold only the field {{stem}} (the issue's file name); " \
        f"{field} is not one"


@pytest.mark.parametrize("value", ["70000", "0", "-1", '"587"', "true"])
def test_smtp_port_is_a_port(tmp_path, value):
    (tmp_path / "newsletter.toml").write_text(BASE + f"[smtp]\nhost = \"h\"\nport = {value}\n")
    with pytest.raises(IssueError) as caught:
        load_config(tmp_path / "newsletter.toml")
    assert caught.value.line == 5
    assert "smtp.port must be a whole number from 1 to 65535" in str(caught.value)


def test_smtp_port_option_is_a_port(workspace, runner):
    result = runner.invoke(main, ["send", "--to", "me@example.org", "--smtp-port", "70000",
                                  "issues/2026-07-01-x.md"])
    assert result.exit_code == 2 and "70000 is not in the range 1<=x<=65535" in result.output
    (workspace / "newsletter.toml").write_text(BASE + '[smtp]\nsecurity = "tls"\n')
    with pytest.raises(IssueError, match=r":4: smtp.security must be \"starttls\", \"ssl\" or"):
        load_config(workspace / "newsletter.toml")


@pytest.mark.parametrize("line,words", [
    ('org_name = "News =?utf-8?q?x=0D=0ABcc:_e@x?="', "org_name holds '=?utf-8?q?x=0D=0ABcc:_e@x?='"),
    ('unsubscribe_url = "https://example.org/u>, <mailto:x@evil.org"', "unsubscribe_url holds '<', '>'"),
    ("site_url = 'https://example.org/a\"b/'", "site_url holds '<', '>' or '\"'"),
])
def test_header_and_url_values_that_would_break_out_are_refused(tmp_path, line, words):
    from newsletter.config import load_config
    from newsletter.errors import IssueError
    path = tmp_path / "newsletter.toml"
    path.write_text('postal_address = "1 St"\n' + line + "\n")
    with pytest.raises(IssueError) as caught:
        load_config(path)
    assert caught.value.line == 2 and words in caught.value.detail, caught.value.detail
