"""`filled`: the email as a reader with no data sees it (preview, test sends, web archive)."""
from __future__ import annotations

import dataclasses

import html5lib
import pytest

from newsletter.build import issue_email
from newsletter.config import load_config
from newsletter.errors import Problems
from newsletter.render import gate, platforms
from newsletter.render.email import filled

ISSUE = """---
title: "Notes on {{ budget }} for [[first_name|friend]]"
date: 2026-03-02
preheader: "Hello [[first_name|neighbour]]"
---
Hi [[first_name|neighbour]], type {{ raw }} and {% if x %} as text.

[Read more](https://example.org/a) or [[view_online_url]].
"""


def build(workspace, platform):
    path = workspace / "issues" / "2026-03-02-x.md"
    path.write_text(ISSUE)
    config = load_config(None, Problems(), platform=platform)
    if platform == "kit":   # Kit has no view-online tag: the configured URL stands in
        config = dataclasses.replace(config, view_online_url="https://example.org/archive")
    email, _ = issue_email(path, config, Problems())
    return email, filled(email, config), config


def words(document: str) -> str:
    tree = html5lib.parse(document, treebuilder="etree", namespaceHTMLElements=False)
    body = tree.find("body")
    return " ".join(" ".join(body.itertext()).split())


@pytest.mark.parametrize("name", sorted(platforms.PROFILES))
def test_tags_become_what_a_reader_with_no_data_sees(workspace, name):
    email, seen, config = build(workspace, name)
    profile = platforms.PROFILES[name]
    for tag in [t for t in profile.tags.values() if t] + ([profile.fallback.split("{fallback}")[0]]
                                                         if profile.fallback else []):
        for part in (seen.html, seen.text, seen.subject, seen.preheader):
            assert tag not in part
    text = words(seen.html)
    assert "Hi neighbour, type {{ raw }} and {% if x %} as text." in text
    assert "Hi neighbour, type {{ raw }} and {% if x %} as text." in " ".join(seen.text.split())
    assert seen.subject == "Notes on {{ budget }} for friend"
    assert seen.preheader.startswith("Hello neighbour")
    # The configured URL stays a URL; nothing of ours is left.
    assert "https://example.org/unsub" in seen.text
    assert gate.violations(seen, platforms.FILLED, config, allow_missing_unsubscribe=True) == []
    # The service's copy is untouched.
    assert email.html != seen.html


def test_an_unknown_url_becomes_a_harmless_hash(workspace):
    (workspace / "newsletter.toml").write_text('org_name = "T"\npostal_address = "1 St"\n')
    _, seen, _ = build(workspace, "generic")
    assert "[[" not in seen.text and "[[" not in seen.html
    assert 'href="#"' in seen.html


def test_filling_twice_is_refused(workspace):
    _, seen, config = build(workspace, "mailchimp")
    with pytest.raises(ValueError):
        filled(seen, config)
