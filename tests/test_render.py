"""Rendering: premailer's measured habits, each neutralised by render.inline_css
when inliner = "premailer";
no network during a build; Markdown that breaks mjml-python's XML parser."""
import re
import socket
import subprocess
import sys
from pathlib import Path

import html5lib
import pytest
from premailer import Premailer

from newsletter.cli import main
from newsletter.render.html import default_templates
from newsletter.render.inline import inline_css

from conftest import write_issue

PAGE = """<!doctype html>
<html lang="en"><head>
<style type="text/css">@import url("https://fonts.example.org/face.css");</style>
<style type="text/css">/* nl-inline */ td { mso-line-height-rule: exactly; -webkit-text-size-adjust: 100%; color: #111; }</style>
<style type="text/css">@media only screen and (max-width:480px) { .col { width:100% !important; } }</style>
</head><body><table><tr><td class="col"><a href="{{ x }}">merge tag</a>
<a href="*|UNSUB|*">mailchimp</a> <a href="PHQ61QHP">sentinel</a></td></tr></table></body></html>
"""


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test loudly."""
    def refuse(*args, **kwargs):
        raise NetworkUsed(f"network access attempted: {args!r}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def raw_premailer(html, **options):
    return Premailer(html, allow_network=False, disable_link_rewrites=True, **options).transform()


# -- premailer facts: each first shown on premailer itself, then neutralised

def test_doctype_is_kept():
    assert not raw_premailer(PAGE.replace("@import", "@x")).lower().startswith("<!doctype")
    assert inline_css(PAGE, "premailer").startswith("<!doctype html>\n")


def test_important_in_media_rules_is_kept():
    raw = raw_premailer(PAGE.replace("@import", "@x"))
    assert "width:100% !important" not in raw.replace(": ", ":")
    out = inline_css(PAGE, "premailer")
    assert "@media only screen and (max-width:480px) { .col { width:100% !important; } }" in out


def test_import_is_never_fetched(no_network):
    with pytest.raises(NetworkUsed):
        raw_premailer(PAGE)   # even with allow_network=False
    out = inline_css(PAGE, "premailer")
    assert '@import url("https://fonts.example.org/face.css");' in out


def test_merge_tags_in_href_survive_byte_exact():
    assert "{{%20x%20}}" in raw_premailer(PAGE.replace("@import", "@x"))
    out = inline_css(PAGE, "premailer")
    for href in ('href="{{ x }}"', 'href="*|UNSUB|*"', 'href="PHQ61QHP"'):
        assert href in out


def test_css_inline_has_none_of_these_habits(no_network):
    out = inline_css(PAGE)   # the default inliner
    assert out.lower().startswith("<!doctype html>")
    assert "@media only screen and (max-width:480px) { .col { width:100% !important; } }" in out
    assert '@import url("https://fonts.example.org/face.css");' in out
    for href in ('href="{{ x }}"', 'href="*|UNSUB|*"', 'href="PHQ61QHP"'):
        assert href in out
    assert re.search(r'<td class="col" style="mso-line-height-rule: ?exactly', out)
    assert out.count("<style") == 3


def test_text_that_looks_like_an_attribute_stays_text():
    # The old premailer wrapper took hrefs out and put them back by regex over
    # the whole document, so this sentence became a live event handler.
    page = PAGE.replace("merge tag</a>", 'merge tag</a> see href="https://x.example/" '
                        'onfocus="alert(1)" autofocus x="')
    page = page.replace("<td ", '<td title="x=&quot;nl-url-0&quot;" ')
    for inliner in ("css-inline", "premailer"):
        tree = html5lib.parse(inline_css(page, inliner), namespaceHTMLElements=False)
        assert not [el for el in tree.iter() if any(a.startswith("on") for a in el.attrib)]
        assert {a.get("href") for a in tree.iter("a")} == {"{{ x }}", "*|UNSUB|*", "PHQ61QHP"}


CSSUTILS_SCRIPT = """
import sys
from premailer import Premailer
from newsletter.render.inline import inline_css
page = sys.stdin.read()
if sys.argv[1] == "raw":
    Premailer(page.replace("@import", "@x"), allow_network=False).transform()
else:
    assert "mso-line-height-rule" in inline_css(page, "premailer")
"""


def test_cssutils_warnings_stay_off_stderr(capfd):
    # A fresh interpreter per call: cssutils' log handler keeps the stderr it
    # saw at import, so only a child process writes to the fd capfd watches.
    def run(mode):
        subprocess.run([sys.executable, "-c", CSSUTILS_SCRIPT, mode], input=PAGE,
                       text=True, check=True)
        return capfd.readouterr()
    assert "Unknown Property name" in run("raw").err   # the fact
    assert run("ours") == ("", "")


def test_only_marked_rules_are_inlined():
    out = inline_css(PAGE, "premailer")
    assert 'style="mso-line-height-rule:exactly' in out.replace(": ", ":")
    assert out.count("<style") == 3   # every style block kept


# -- through a whole build

ISSUE = """---
title: Network check
date: 2026-01-05
event-start-date: 2026-01-20 18:00:00 -05:00
main-image: /images/hall.jpg
---

Dear [[first_name|friend]], see www.example.org/news and ![Map](/images/map.png).

<iframe src="https://video.example.org/embed/1"></iframe>

* Sign the letter [HERE](https://example.org/letter).
* Read [the plan](https://example.org/plan) before the meeting on Tuesday night.
"""


def with_import_theme(workspace: Path) -> None:
    """A user's head.mjml that asks for a web font and @imports a stylesheet."""
    head = (default_templates() / "partials" / "head.mjml").read_text()
    extra = ('    <mj-font name="Inter" href="https://fonts.example.org/inter.css" />\n'
             '    <mj-style>@import url("https://fonts.example.org/extra.css");</mj-style>\n')
    head = head.replace("    <mj-style>", extra + "    <mj-style>", 1)
    head = head.replace('font-family="{{ theme.font_family }}', 'font-family="Inter, {{ theme.font_family }}')
    (workspace / "templates" / "partials").mkdir(parents=True)
    (workspace / "templates" / "partials" / "head.mjml").write_text(head)


def test_a_build_never_touches_the_network(runner, workspace, no_network):
    with_import_theme(workspace)
    path = write_issue(workspace, "2026-01-05-net.md", ISSUE)
    result = runner.invoke(main, ["build", str(path), "--platform", "buttondown"])
    assert result.exit_code == 0, result.output
    html = (workspace / "build/2026-01-05-net/email.html").read_text()
    assert '@import url("https://fonts.example.org/extra.css");' in html
    assert "@import url(https://fonts.example.org/inter.css);" in html
    # Buttondown's tags are Django-style braces with spaces: byte-exact.
    assert "{{ subscriber.metadata.first_name|default:'friend' }}" in html
    assert 'href="{{ unsubscribe_url }}"' in html
    # No merge tag was percent-encoded on the way (calendar links may
    # legitimately carry %20 in their query strings).
    assert "{{%20" not in html and "%20}}" not in html


def test_a_literal_merge_tag_in_a_user_template_survives(runner, workspace):
    footer = (default_templates() / "partials" / "footer.mjml").read_text()
    footer = footer.replace('href="[[unsubscribe_url]]"',
                            'href="{% raw %}{{ unsubscribe_link }}{% endraw %}"')
    (workspace / "templates" / "partials").mkdir(parents=True)
    (workspace / "templates" / "partials" / "footer.mjml").write_text(footer)
    path = write_issue(workspace, "2026-01-05-tag.md", ISSUE)
    # The service adds its own unsubscribe link, so the writer says so.
    result = runner.invoke(main, ["build", str(path), "--allow-missing-unsubscribe"])
    assert result.exit_code == 0, result.output
    assert 'href="{{ unsubscribe_link }}"' in (workspace / "build/2026-01-05-tag/email.html").read_text()


def test_a_default_build_has_no_stderr_noise(workspace, capfd):
    from newsletter.build import build
    from newsletter.config import load_config
    path = write_issue(workspace, "2026-01-05-quiet.md", ISSUE)
    result = build([path], load_config())
    assert not result.failed
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


# -- Markdown that browsers accept but mjml-python's XML parser does not

XML_BREAKERS = {
    "unquoted attribute": ("Text in <span style=color:red>red</span> here.", "red"),
    "stray closing tag": ("A stray </div> closing tag and </p> more.", "closing tag"),
    "unclosed tags": ("An <b>unclosed bold and <i>italic <span>span.", "unclosed bold"),
    "tag-like text": ("We ate <Candy> and <3 apples & pears.", "apples"),
    "control characters": ("Bell\x07 form\x0c feed\x1b escape\x7f delete.", "escape"),
    "nbsp and entities": ("Non&nbsp;breaking &copy; &mdash; &hellip; &bogus; &#8212; &#x1F600;", "breaking"),
    "br without slash": ("Line one<br>line two<BR>line three", "line three"),
    "attributes without values": ('<img src="https://example.org/a.png" alt="A" ismap> and <td nowrap>', "and"),
    "cdata and comments": ("<![CDATA[ x ]]> <!-- a comment --> <? pi ?> after.", "after"),
    "xml-ish namespace": ('<o:p>office</o:p> <v:shape id="x">vml</v:shape>', "office"),
}


@pytest.mark.parametrize("name", sorted(XML_BREAKERS))
def test_xml_breakers_inside_mj_text_build(runner, workspace, name):
    fragment, expected = XML_BREAKERS[name]
    body = f"Intro.\n\n{fragment}\n\n* An action with {fragment} [HERE](https://example.org/act).\n"
    path = write_issue(workspace, "2026-01-05-xml.md",
                       "---\ntitle: XML breakers\ndate: 2026-01-05\n---\n" + body)
    result = runner.invoke(main, ["build", str(path)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    out = workspace / "build/2026-01-05-xml"
    html, text = (out / "email.html").read_text(), (out / "email.txt").read_text()
    assert expected in html and expected in text
    assert "https://example.org/act" in html and "https://example.org/act" in text


@pytest.mark.parametrize("name", ["mailchimp", "buttondown", "listmonk", "sendy",
                                  "mailerlite", "kit", "brevo"])
def test_merge_tags_come_out_byte_exact_in_both_parts(runner, workspace, name):
    from newsletter.render.platforms import PROFILES
    platform = PROFILES[name]
    path = write_issue(workspace, "2026-01-05-tags.md",
                       "---\ntitle: Tags\ndate: 2026-01-05\n---\n\nDear [[first_name|friend]], hello.\n")
    result = runner.invoke(main, ["build", str(path), "--platform", name])
    assert result.exit_code == 0, result.output
    out = workspace / "build/2026-01-05-tags"
    html, text = (out / "email.html").read_text(), (out / "email.txt").read_text()
    greeting = platform.fallback.replace("{fallback}", "friend")
    assert f"Dear {greeting}, hello." in text
    assert f"Dear {greeting}, hello." in html.replace("&quot;", '"').replace("&amp;", "&")
    assert platform.tags["unsubscribe_url"] in html


def test_a_template_added_between_builds_is_used(runner, workspace):
    """The compiled-theme cache must notice a user's new override file."""
    path = write_issue(workspace, "2026-01-05-t.md", "---\ntitle: T\ndate: 2026-01-05\n---\nHi.\n")
    assert runner.invoke(main, ["build", str(path)]).exit_code == 0
    header = (default_templates() / "partials" / "header.mjml").read_text()
    (workspace / "templates" / "partials").mkdir(parents=True)
    (workspace / "templates" / "partials" / "header.mjml").write_text(
        header.replace("{{ config.org_name }}</mj-text>", "Our own header</mj-text>"))
    assert runner.invoke(main, ["build", str(path)]).exit_code == 0
    assert "Our own header" in (workspace / "build/2026-01-05-t/email.html").read_text()


def test_theme_basics_in_the_built_html(runner, workspace):
    """lang, alt on every image, color-scheme meta, footer address and unsubscribe."""
    import re
    (workspace / "newsletter.toml").write_text(
        'org_name = "Test Group"\npostal_address = "1 Test St, Testville"\n'
        'logo_url = "https://example.org/logo.png"\nsite_url = "https://example.org/"\n'
        'unsubscribe_url = "https://example.org/unsub"\n')
    # With an event-title, the event's image has it as alt text (without, alt="").
    named = ISSUE.replace("main-image:", "event-title: Network meeting\nmain-image:")
    path = write_issue(workspace, "2026-01-05-theme.md", named + "\n![](/images/no-alt.png)\n")
    assert runner.invoke(main, ["build", str(path)]).exit_code == 0
    html = (workspace / "build/2026-01-05-theme/email.html").read_text()
    assert re.search(r"<html[^>]* lang=\"en\"", html)
    images = re.findall(r"<img\b[^>]*>", html)
    assert len(images) >= 4 and all(re.search(r'\balt="[^"]+"', img) for img in images), images
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "@media (prefers-color-scheme: dark)" in html
    assert "1 Test St, Testville" in html and 'href="https://example.org/unsub"' in html
    assert re.search(r"padding: ?13px 22px", html) and re.search("line-height: ?20px", html)   # 46 px buttons


def test_a_300_link_roundup_stays_under_the_budget_as_a_compact_list(runner, workspace):
    """A weekly news roundup: a dozen headings, 300 long news links."""
    lines = ["---", "title: Roundup", "date: 2026-01-05", "---", "The week's news."]
    for i in range(300):
        if i % 25 == 0:
            lines.append(f"\n## Topic {i // 25 + 1}\n")
        lines.append(f"- *Daily Example:* [Council votes on the new housing plan, story {i}]"
                     f"(https://news.example.org/2026/01/05/council-votes-on-new-housing-plan-{i})")
    write_issue(workspace, "2026-01-05-roundup.md", "\n".join(lines) + "\n")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    html = (workspace / "build/2026-01-05-roundup/email.html").read_text()
    assert len(html.encode()) < 85 * 1024, len(html.encode())
    assert html.count("<li") == 300 and "nl-button" not in html.split("<body")[1]
    text = (workspace / "build/2026-01-05-roundup/email.txt").read_text()
    assert all(f"-{i}\n" in text for i in range(300))
