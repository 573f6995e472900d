"""Every profile's merge tags come out byte-exact in both parts.

The matrix is profile x part x position: a placeholder in a link's href, in
running text, and behind an action card's button. Lines are long so that
72-column wrapping would split any tag that contains spaces.
"""
from __future__ import annotations

import email
import email.policy
import html as htmllib
import re
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest

from newsletter.render import platforms
from newsletter.cli import main
from newsletter.config import load_config

from conftest import write_issue

PROFILES = sorted(platforms.PROFILES)
PARTS = ("html", "text")
POSITIONS = ("href", "text", "button")

FILLER = "and this sentence keeps going well past the width of a plain text line so it wraps"
MATRIX_ISSUE = f"""---
title: Placeholder matrix
date: 2026-02-02
preheader: Testing every merge tag position.
---

Dear [[first_name|friend]], {FILLER}, then [[unsubscribe_url]] sits mid-text {FILLER}
and [[view_online_url]] too, {FILLER}.

You can [leave the list whenever you like]([[unsubscribe_url]]) {FILLER}, or
[read this issue in a browser]([[view_online_url]]) {FILLER}.

* Tell your neighbours about the cleanup on Saturday {FILLER}, then unsubscribe
  [HERE]([[unsubscribe_url]]).
* Share the issue with a friend who missed it {FILLER}, then view it
  [HERE]([[view_online_url]]).
"""
CONFIG = ('org_name = "Test Group"\npostal_address = "1 Test St, Testville"\n'
          'unsubscribe_url = "https://example.org/unsub?list=1&x=y"\n'
          'view_online_url = "https://example.org/online/issue 1"\n')


def expected(profile: str, name: str, fallback: str | None = None) -> str:
    config = load_config(None, view_online_url="https://example.org/online/issue 1",
                         unsubscribe_url="https://example.org/unsub?list=1&x=y")
    return platforms.tag_for(platforms.PROFILES[profile], name, fallback, config)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build the matrix issue once per profile: {profile: (html, text)}."""
    from click.testing import CliRunner
    import os

    root = tmp_path_factory.mktemp("matrix")
    (root / "issues").mkdir()
    (root / "newsletter.toml").write_text(CONFIG)
    write_issue(root, "2026-02-02-matrix.md", MATRIX_ISSUE)
    out = {}
    old = os.getcwd()
    os.chdir(root)
    try:
        for profile in PROFILES:
            result = CliRunner().invoke(main, ["build", "--platform", profile, "-o", f"out-{profile}"])
            assert result.exit_code == 0, (profile, result.output)
            folder = root / f"out-{profile}" / "2026-02-02-matrix"
            out[profile] = ((folder / "email.html").read_text(), (folder / "email.txt").read_text())
    finally:
        os.chdir(old)
    return out


def attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;")


@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("profile", PROFILES)
def test_tags_survive(built, profile, part, position):
    html, text = built[profile]
    out = html if part == "html" else text
    unsub, online = expected(profile, "unsubscribe_url"), expected(profile, "view_online_url")
    assert "PHQ" not in out and "[[" not in out
    if position == "text":
        first = expected(profile, "first_name", "friend")
        for tag in (first, unsub, online):
            shown = attr(tag) if part == "html" and tag.startswith("http") else tag
            assert shown in out, (profile, part, tag)
        return
    for tag in (unsub, online):
        if part == "html":
            # Link in the text, or the card's button: the attribute is exact.
            # premailer must not have rewritten it (no %20, no base_url prefix).
            count = out.count(f'href="{attr(tag)}"')
            assert count >= (2 if position == "button" else 1), (profile, tag, count)
        elif position == "href":
            assert re.search(r"^\[\d+\] " + re.escape(tag) + "$", out, re.M), (profile, tag)
        else:
            assert re.search(r"^ {3}> .+: " + re.escape(tag) + "$", out, re.M), (profile, tag)
    assert "%20Unsubscribe" not in out and "{{%20" not in out


@pytest.mark.parametrize("profile", PROFILES)
def test_multipart_round_trip(built, profile):
    """Assembled as a real multipart/alternative message, parsed back."""
    html, text = built[profile]
    msg = EmailMessage()
    msg["Subject"] = "Placeholder matrix"
    msg["From"] = "news@example.org"
    msg["To"] = "reader@example.org"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    plain = parsed.get_body(("plain",)).get_content()
    rich = parsed.get_body(("html",)).get_content()
    unsub = expected(profile, "unsubscribe_url")
    first = expected(profile, "first_name", "friend")
    assert unsub in plain and first in plain
    assert f'href="{attr(unsub)}"' in rich and first in rich


@pytest.mark.parametrize("profile", PROFILES)
def test_seed_builds_with_unsubscribe_tag(runner, workspace, seed, profile):
    out = workspace / f"out-{profile}"
    result = runner.invoke(main, ["build", str(seed), "--platform", profile, "-o", str(out)])
    assert result.exit_code == 0, result.output
    folder = out / seed.stem
    html, text = (folder / "email.html").read_text(), (folder / "email.txt").read_text()
    tag = expected(profile, "unsubscribe_url")
    if profile == "generic":
        tag = "https://example.org/unsub"   # the workspace's configured URL
    assert f'href="{attr(tag)}"' in html
    assert f"Unsubscribe: {tag}" in text
    assert "KB of 85 KB budget" in result.output


FOOTER_WITHOUT_UNSUB = """    <mj-section><mj-column><mj-text>{{ config.org_name }}</mj-text></mj-column></mj-section>
"""
SHORT_ISSUE = """---
title: Short one
date: 2026-03-03
---

Hello [[first_name|neighbour]], the park cleanup is on Saturday.
"""


@pytest.mark.parametrize("profile", ["mailchimp", "buttondown"])
def test_missing_unsubscribe_fails(runner, workspace, profile):
    (workspace / "templates" / "partials").mkdir(parents=True)
    (workspace / "templates" / "partials" / "footer.mjml").write_text(FOOTER_WITHOUT_UNSUB)
    write_issue(workspace, "2026-03-03-short.md", SHORT_ISSUE)
    result = runner.invoke(main, ["build", "--platform", profile])
    assert result.exit_code == 1
    tag = platforms.PROFILES[profile].tags["unsubscribe_url"]
    assert f"{profile} refuses to send without {tag} in the HTML part (email.html)" in result.output
    # It says what to write and where.
    assert '<a href="[[unsubscribe_url]]">Unsubscribe</a>' in result.output
    assert "templates/partials/footer.mjml" in result.output
    assert "--allow-missing-unsubscribe" in result.output
    assert not (workspace / "build" / "2026-03-03-short").exists()

    allowed = runner.invoke(main, ["build", "--platform", profile, "--allow-missing-unsubscribe"])
    assert allowed.exit_code == 0, allowed.output
    assert "warning" in allowed.output and "required-tag" in allowed.output
    assert (workspace / "build" / "2026-03-03-short" / "email.html").exists()


def test_every_platform_with_a_tag_needs_the_footer_whole(runner, workspace):
    # Listmonk doesn't refuse such a campaign, but the output gate does: an
    # email without a way out goes to nobody unless the writer says so.
    (workspace / "templates" / "partials").mkdir(parents=True)
    (workspace / "templates" / "partials" / "footer.mjml").write_text(FOOTER_WITHOUT_UNSUB)
    write_issue(workspace, "2026-03-03-short.md", SHORT_ISSUE)
    result = runner.invoke(main, ["build", "--platform", "listmonk"])
    assert result.exit_code == 1
    assert "no link to {{ UnsubscribeURL }} (unsubscribe) in the HTML" in result.output
    assert not (workspace / "build" / "2026-03-03-short").exists()
    allowed = runner.invoke(main, ["build", "--platform", "listmonk", "--allow-missing-unsubscribe"])
    assert allowed.exit_code == 0, allowed.output


def test_inexpressible_placeholder_in_issue_is_an_error_with_line(runner, workspace):
    write_issue(workspace, "2026-03-03-short.md",
                SHORT_ISSUE + "\nSee it online: [[view_online_url]]\n")
    result = runner.invoke(main, ["build", "--platform", "kit"])
    assert result.exit_code == 1
    assert "Error: issues/2026-03-03-short.md:8: kit has no tag for [[view_online_url]]" \
        in result.output


def test_inexpressible_placeholder_in_template_is_an_error_with_line(runner, workspace):
    (workspace / "templates" / "partials").mkdir(parents=True)
    footer = workspace / "templates" / "partials" / "footer.mjml"
    footer.write_text("    <mj-section><mj-column><mj-text>\n"
                      '      <a href="[[unsubscribe_url]]">Leave</a>\n'
                      '      <a href="[[view_online_url]]">Online</a>\n'
                      "      {{ config.postal_address }}</mj-text></mj-column></mj-section>\n")
    write_issue(workspace, "2026-03-03-short.md", SHORT_ISSUE)
    result = runner.invoke(main, ["build", "--platform", "kit"])
    assert result.exit_code == 1
    assert "templates/partials/footer.mjml:3: error: kit has no tag for [[view_online_url]]" \
        in result.output
    with (workspace / "newsletter.toml").open("a") as fh:
        fh.write('view_online_url = "https://example.org/archive"\n')
    configured = runner.invoke(main, ["build", "--platform", "kit"])
    assert configured.exit_code == 0, configured.output
    html = (workspace / "build" / "2026-03-03-short" / "email.html").read_text()
    assert 'href="https://example.org/archive"' in html


def test_generic_without_urls_warns(runner, workspace):
    (workspace / "newsletter.toml").write_text('postal_address = "1 Test St"\n')
    write_issue(workspace, "2026-03-03-short.md", SHORT_ISSUE)
    result = runner.invoke(main, ["build", "--platform", "generic"])
    assert result.exit_code == 0, result.output
    assert "newsletter.toml: warning: platform 'generic' has no tag for [[unsubscribe_url]]" in result.output
    text = (workspace / "build" / "2026-03-03-short" / "email.txt").read_text()
    assert "Hello neighbour," in text


def test_missing_postal_address_warns(runner, workspace):
    (workspace / "newsletter.toml").write_text('unsubscribe_url = "https://example.org/u"\n')
    write_issue(workspace, "2026-03-03-short.md", SHORT_ISSUE)
    result = runner.invoke(main, ["build", "--platform", "mailchimp"])
    assert result.exit_code == 0, result.output
    assert "postal_address" in result.output and "[postal-address]" in result.output


def test_unknown_placeholder_is_an_error_with_line(runner, workspace):
    write_issue(workspace, "2026-03-03-short.md", SHORT_ISSUE + "\nBye [[last_name]].\n")
    result = runner.invoke(main, ["build", "--platform", "sendy"])
    assert result.exit_code == 1
    assert "Error: issues/2026-03-03-short.md:8: unknown placeholder [[last_name]]" in result.output


def test_table_emphasis_is_not_mistaken_for_a_merge_tag(runner, workspace):
    write_issue(workspace, "2026-03-03-short.md",
                SHORT_ISSUE + "\n| a | b |\n|---|---|\n| *x*|*y* |\n")
    result = runner.invoke(main, ["build", "--platform", "mailchimp"])
    assert result.exit_code == 0 and "template-syntax" not in result.output, result.output
    html = (workspace / "build" / "2026-03-03-short" / "email.html").read_text()
    assert "<em>x</em>" in html and "<em>y</em>" in html


def test_unsafe_fallback_is_an_error(runner, workspace):
    write_issue(workspace, "2026-03-03-short.md",
                SHORT_ISSUE.replace("[[first_name|neighbour]]", '[[first_name|dear "friend"]]'))
    result = runner.invoke(main, ["build", "--platform", "brevo"])
    assert result.exit_code == 1
    assert "issues/2026-03-03-short.md:6:" in result.output and "fallback" in result.output


LITERAL_ISSUE = """---
title: Literal braces
date: 2026-03-04
---

Our template club meets Friday; bring your {{ favourite_tag }} examples and a
*|FNAME|* story.
"""


@pytest.mark.parametrize("profile,text_form,html_form,warned", [
    ("kit", '{{ "{{" }} favourite_tag }}', "&#123;&#123; favourite_tag &#125;&#125;",
     ("{{ favourite_tag }}", 6)),
    ("buttondown", "{% templatetag openvariable %} favourite_tag {% templatetag closevariable %}",
     "&#123;&#123; favourite_tag &#125;&#125;", ("{{ favourite_tag }}", 6)),
    ("listmonk", '{{"{{"}} favourite_tag }}', "&#123;&#123; favourite_tag &#125;&#125;",
     ("{{ favourite_tag }}", 6)),
    # No documented escape: an invisible ZWNJ breaks the opener in the text part.
    ("brevo", "{\u200c{ favourite_tag }}", "&#123;&#123; favourite_tag &#125;&#125;",
     ("{{ favourite_tag }}", 6)),
    ("mailchimp", "*\u200c|FNAME|*", "&#42;&#124;FNAME&#124;&#42;", ("*|FNAME|*", 7)),
    ("sendy", "{{ favourite_tag }}", "{{ favourite_tag }}", None),
])
def test_literal_template_syntax(runner, workspace, profile, text_form, html_form, warned):
    write_issue(workspace, "2026-03-04-literal.md", LITERAL_ISSUE)
    result = runner.invoke(main, ["build", "--platform", profile])
    assert result.exit_code == 0, result.output
    folder = workspace / "build" / "2026-03-04-literal"
    text = (folder / "email.txt").read_text()
    page = (folder / "email.html").read_text()
    assert text_form in text and html_form in page
    # What readers see is what the writer typed.
    assert "bring your {{ favourite_tag }} examples" in " ".join(htmllib.unescape(page).split())
    if warned:
        literal, line = warned
        assert f"issues/2026-03-04-literal.md:{line}: warning: {literal!r}" in result.output
        assert "[template-syntax]" in result.output
    else:
        assert "template-syntax" not in result.output


def test_preheader_is_padded_and_survives_premailer(runner, workspace):
    write_issue(workspace, "2026-03-03-short.md", SHORT_ISSUE.replace(
        "date: 2026-03-03\n", "date: 2026-03-03\npreheader: Cleanup Saturday.\n"))
    result = runner.invoke(main, ["build", "--platform", "mailchimp"])
    assert result.exit_code == 0, result.output
    html = (workspace / "build" / "2026-03-03-short" / "email.html").read_text()
    hidden = htmllib.unescape(
        re.search(r'<div style="display:none;[^"]*">(.*?)</div>', html, re.S).group(1))
    assert hidden.startswith("Cleanup Saturday.")
    padding = hidden[len("Cleanup Saturday."):]
    assert padding == "\u034f\u200c\u00a0" * 90
    assert "park cleanup" not in hidden


FRONT_ISSUE = """---
title: A long title for the spring cleanup weekend that we hold for you, [[first_name|dear neighbour]]
subject: "Hi [[first_name|dear neighbour]], the cleanup is Saturday"
preheader: "[[first_name|dear neighbour]], bring gloves"
date: 2026-03-05
---

The park cleanup starts at nine.
"""


@pytest.mark.parametrize("profile", PROFILES)
def test_front_matter_placeholders_become_tags(runner, workspace, profile):
    """Subject, title and preheader carry the service's tag, never split or raw."""
    write_issue(workspace, "2026-03-05-front.md", FRONT_ISSUE)
    result = runner.invoke(main, ["build", "--platform", profile])
    assert result.exit_code == 0, result.output
    folder = workspace / "build" / "2026-03-05-front"
    html, text = (folder / "email.html").read_text(), (folder / "email.txt").read_text()
    first = expected(profile, "first_name", "dear neighbour")
    subject = f"Hi {first}, the cleanup is Saturday"
    # The subject to paste into the service's subject field is printed.
    assert f"  subject: {subject}\n" in result.output
    shown = html.replace("&quot;", '"').replace("&#x27;", "'").replace("&#39;", "'")
    assert f"<title>{subject}</title>" in shown
    hidden = re.search(r'<div style="display:none;[^"]*">(.*?)</div>', shown, re.S).group(1)
    assert hidden.startswith(f"{first}, bring gloves")
    # The subject is also an attribute; an HTML parser must read it back whole.
    assert subject in AttributeValues.of(html)
    # The long title wraps in the text part, but never inside the tag.
    assert any(line.strip() == first or first in line for line in text.splitlines()), text
    assert "[[" not in html + text and "PHQ" not in html + text


class AttributeValues(HTMLParser):
    """Every attribute value of a document, as an HTML parser reads it."""

    @classmethod
    def of(cls, html: str) -> set[str]:
        parser = cls()
        parser.values = set()
        parser.feed(html)
        return parser.values

    def handle_starttag(self, tag, attrs):
        self.values.update(value for _, value in attrs if value)


@pytest.mark.parametrize("profile", PROFILES)
def test_fallback_tags_have_no_double_quotes(profile):
    tag = expected(profile, "first_name", "dear neighbour")
    assert '"' not in tag and "dear neighbour" in tag


@pytest.mark.parametrize("key,value,line,message", [
    ("subject", "Hi [[last_name]]", 3, "unknown placeholder [[last_name]]"),
    ("preheader", "'[[first_name|\"pal\"]], hello'", 3, "the fallback in"),
    ("title", "Hi [[view_online_url]]", 2, "kit has no tag for [[view_online_url]]"),
])
def test_front_matter_placeholders_are_checked_with_their_line(runner, workspace, key, value,
                                                               line, message):
    body = f"---\ntitle: Plain title here\n{key}: {value}\n---\n\nHello.\n"
    if key == "title":
        body = f"---\ntitle: {value}\n---\n\nHello.\n"
    write_issue(workspace, "2026-03-06-bad.md", body)
    result = runner.invoke(main, ["build", "--platform", "kit"])
    assert result.exit_code == 1
    assert f"Error: issues/2026-03-06-bad.md:{line}: {message}" in result.output


def test_template_syntax_in_subject_is_escaped_and_warned(runner, workspace):
    write_issue(workspace, "2026-03-06-braces.md",
                "---\ntitle: Braces\nsubject: Our {{ tags }} workshop\n---\n\nHello.\n")
    result = runner.invoke(main, ["build", "--platform", "buttondown"])
    assert result.exit_code == 0, result.output
    assert "issues/2026-03-06-braces.md:3: warning: '{{ tags }}'" in result.output
    assert ("  subject: Our {% templatetag openvariable %} tags {% templatetag closevariable %} "
            "workshop") in result.output


def test_placeholder_in_a_button_label_and_the_default_preheader(runner, workspace):
    write_issue(workspace, "2026-03-07-button.md", """---
title: Buttons
date: 2026-03-07
---

Hello [[first_name|friend]], good to see you.

* Please sign [the petition, [[first_name|friend]]](https://example.org/petition) by Friday.
""")
    result = runner.invoke(main, ["build", "--platform", "mailchimp"])
    assert result.exit_code == 0, result.output
    html = (workspace / "build" / "2026-03-07-button" / "email.html").read_text()
    first = expected("mailchimp", "first_name", "friend")
    # The link text is the button's label: the placeholder does not make it "too long".
    assert re.search(r">\s*The petition, " + re.escape(first) + r"\s*</a>", html), html
    # No preheader: the preview starts with the first line, name tag included.
    hidden = re.search(r'<div style="display:none;[^"]*">(.*?)</div>', html, re.S).group(1)
    assert hidden.startswith(f"Hello {first}, good to see you.")
    assert "('Hello friend, good to see you.')" in result.output   # the check's note


@pytest.mark.parametrize("given,name", [("ConvertKit", "kit"), ("Sendinblue", "brevo"),
                                        (" MailChimp ", "mailchimp")])
def test_platform_names_ignore_case_and_old_names(given, name):
    assert platforms.get_platform(given) is platforms.PROFILES[name]


def test_unknown_platform_lists_the_choices(runner, workspace):
    write_issue(workspace, "2026-03-03-short.md", SHORT_ISSUE)
    result = runner.invoke(main, ["build", "--platform", "mailjet"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "unknown platform 'mailjet'; choose one of: brevo, buttondown" in result.output


def test_digest_keeps_tags_in_entry_titles_whole(runner, workspace):
    write_issue(workspace, "2026-03-05-front.md", FRONT_ISSUE)
    result = runner.invoke(main, ["digest", "--since", "2026-03-01", "--until", "2026-03-31",
                                  "--as-of", "2026-03-01", "--platform", "buttondown"])
    assert result.exit_code == 0, result.output
    folder = next((workspace / "build").iterdir())
    text = (folder / "email.txt").read_text()
    first = expected("buttondown", "first_name", "dear neighbour")
    assert first in text, text
    assert "[[" not in text and "PHQ" not in text
    assert "  subject: " in result.output


def test_text_holding_the_marker_nonce_is_refused(runner, workspace):
    from newsletter.content.placeholders import NONCE
    write_issue(workspace, "2026-03-03-short.md", SHORT_ISSUE + f"\nPHQ{NONCE}70666972737451HP\n")
    result = runner.invoke(main, ["build", "--platform", "mailchimp"])
    assert result.exit_code == 1 and "internal marker" in result.output
    assert not (workspace / "build" / "2026-03-03-short").exists()


def test_old_style_sentinels_are_plain_text(runner, workspace):
    # "PHQ" + hex("first_name|<script>") + "QHP" was decoded by the old pipeline.
    forged = "PHQ" + "first_name|<script>alert(1)</script>".encode().hex() + "QHP"
    write_issue(workspace, "2026-03-03-short.md", SHORT_ISSUE + f"\n{forged}\n")
    result = runner.invoke(main, ["build", "--platform", "mailchimp"])
    assert result.exit_code == 0, result.output
    page = (workspace / "build" / "2026-03-03-short" / "email.html").read_text()
    assert forged in page and "<script" not in page


# first_name is no newsletter.toml key ("unknown key"): the advice is a fallback.
def test_first_name_without_a_tag_is_advised_a_fallback(runner, workspace):
    write_issue(workspace, "2026-01-05-a.md",
                "---\ntitle: Hi\ndate: 2026-01-05\n---\n\nHello [[first_name]], and welcome.\n")
    result = runner.invoke(main, ["build", "--platform", "generic"])
    assert result.exit_code == 0, result.output
    assert ":6: warning: platform 'generic' has no tag for [[first_name]]; give it a " \
           "fallback ([[first_name|friend]]) or choose a platform [platform-tag]" in result.output
    assert "set first_name" not in result.output


def test_template_placeholders_without_a_tag_get_advice_that_works(workspace):
    from newsletter.checks.output import check_platform
    from newsletter.errors import Problems
    problems = Problems()
    check_platform(None, load_config(), platforms.get_platform("generic"),
                   ["first_name", "view_online_url"], problems)
    messages = [p.message for p in problems]
    assert "give it a fallback ([[first_name|friend]]) or choose a platform" in messages[0]
    assert "set view_online_url in newsletter.toml or choose a platform" in messages[1]
