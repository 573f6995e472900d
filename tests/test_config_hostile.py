"""Hostile values in newsletter.toml: written safely for every service, or refused
at their line, never refused by the output gate as "a bug in newsletter"."""
from __future__ import annotations

import dataclasses

import pytest

from newsletter.cli import main
from newsletter.config import Config
from newsletter.content.reader import build_content
from newsletter.errors import Problems
from newsletter.render import gate, platforms
from newsletter.render.email import make_email
from newsletter.render.finalize import finalize_text
from newsletter.render.platforms import PROFILES
from newsletter.source.issue import read_issue

import safety
from conftest import write_issue

NAME = "2026-01-05-config.md"
STEM = NAME[:-3]
ISSUE = "---\ntitle: Config values\ndate: 2026-01-05\n---\n\nFirst line.\n"
# Each service's syntax, and ours, in the values the footer and header print.
TEMPLATE_LIKE = {
    "org_name": "Org {{ 7*7 }} *|FNAME|*",
    "tagline": "Tag {% if x %} {$name} {# c #}",
    "logo_alt": "Logo {{ subscriber.email }}",
    "postal_address": "PO {{ 7*7 }} Box *|LIST:ADDRESS|* {$url} [[first_name]] {%",
}


def _toml(values: dict) -> str:
    lines = [f'{key} = "{value}"' for key, value in values.items()]
    return "\n".join(lines + ['site_url = "https://example.org/"',
                              f'unsubscribe_url = "{safety.GENERIC_UNSUB}"',
                              'logo_url = "https://example.org/logo.png"']) + "\n"


@pytest.mark.parametrize("platform", sorted(PROFILES))
def test_template_like_config_text_is_written_safely(runner, workspace, platform):
    (workspace / "newsletter.toml").write_text(_toml(TEMPLATE_LIKE))
    write_issue(workspace, NAME, ISSUE)
    result = runner.invoke(main, ["build", "--platform", platform])
    assert "[unsafe-output]" not in result.output, result.output
    assert result.exit_code == 0, result.output
    folder = workspace / "build" / STEM
    html = (folder / "email.html").read_text(encoding="utf-8")
    text = (folder / "email.txt").read_text(encoding="utf-8")
    assert not safety.engine_problems(platform, html, text, None)
    assert not safety.unsafe_markup(html)
    # Readers see the address as typed in the HTML.
    assert TEMPLATE_LIKE["postal_address"] in safety.visible_text(safety.parse(html))


@pytest.mark.parametrize("platform", ["buttondown", "kit", "listmonk", "brevo"])
def test_the_gate_still_wants_the_address_in_the_text(tmp_path, platform):
    config = Config(org_name="Org", postal_address="PO {{ 7*7 }} Box", platform=platform,
                    site_url="https://example.org/", unsubscribe_url=safety.GENERIC_UNSUB)
    path = tmp_path / NAME
    path.write_text(ISSUE, encoding="utf-8")
    problems = Problems()
    email = make_email(build_content(read_issue(path), config, problems), config, problems)
    profile = platforms.get_platform(platform)
    assert gate.violations(email, profile, config) == []
    written = finalize_text(config.postal_address, profile, config)[0]
    assert written in email.text and written != config.postal_address
    for text in (email.text.replace(written, ""), email.text.replace(written, "PO 49 Box")):
        cut = dataclasses.replace(email, text=text)
        assert "the postal address is missing from the text part" in \
            gate.violations(cut, profile, config)
