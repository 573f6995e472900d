"""The escapes work in the services' real template engines.

Buttondown's email is rendered with Django, Kit's with python-liquid: the
text a writer typed that looks like template syntax comes out as typed (in
what a reader sees of the HTML, and in the text part), and the placeholders
DO get filled by the engine. Listmonk (Go templates, not installed here) is
held to the exact escaped form.
"""
from __future__ import annotations

import re

import pytest

from newsletter.cli import main

import safety
from conftest import write_issue

NAME = "2026-01-05-engines.md"
TYPED = 'Typed: {{ subscriber.email }} and {% now "Y" %} and {% and {# and %} and }} end.'
ISSUE = f"""---
title: Engines
date: 2026-01-05
subject: "Our {{{{ tags }}}} and {{% workshop %}} for [[first_name|friend]]"
---

Hello [[first_name|friend]], this is the news.

{TYPED}

Leave whenever you like: [unsubscribe]([[unsubscribe_url]]).
"""
SUBJECT_TYPED = "Our {{ tags }} and {% workshop %} for "


@pytest.fixture(params=["css-inline", "premailer"])
def inliner(request) -> str:
    return request.param


def build(runner, workspace, inliner: str, platform: str) -> tuple[str, str, str]:
    (workspace / "newsletter.toml").write_text(safety.workspace_toml(inliner))
    write_issue(workspace, NAME, ISSUE)
    result = runner.invoke(main, ["build", "--platform", platform])
    assert result.exit_code == 0, result.output
    folder = workspace / "build" / NAME[:-3]
    subject = re.search(r"^  subject: (.*)$", result.output, re.M).group(1)
    return ((folder / "email.html").read_text(encoding="utf-8"),
            (folder / "email.txt").read_text(encoding="utf-8"), subject)


def seen(html: str) -> str:
    """What a reader sees of an HTML document, whitespace collapsed."""
    return safety.visible_text(safety.parse(html))


def hrefs(html: str) -> list[str]:
    return safety.hrefs(safety.parse(html))


def flat(text: str) -> str:
    return " ".join(text.split())


def no_name(context: dict) -> dict:
    """The same context for a subscriber without a first name."""
    person = {k: v for k, v in context["subscriber"].items() if k != "first_name"}
    person["metadata"] = {}
    return {**context, "subscriber": person, "contact": {}}


def django(source: str, context: dict | None = None, autoescape: bool = True) -> str:
    from django.template import Context
    engine = safety._django_engine()
    return engine.from_string(source).render(
        Context(context or safety._context(), autoescape=autoescape))


def liquid(source: str, context: dict | None = None) -> str:
    import liquid as liquid_
    return liquid_.Environment().from_string(source).render(**(context or safety._context()))


ENGINES = {"buttondown": django, "kit": liquid}


@pytest.mark.parametrize("platform", sorted(ENGINES))
def test_typed_syntax_reads_as_typed_and_tags_fill(runner, workspace, inliner, platform):
    render = ENGINES[platform]
    html, text, subject = build(runner, workspace, inliner, platform)
    context = safety._context()

    shown_html = render(html, context)
    shown_text = render(text, context)
    # What the writer typed reaches the reader as typed, in both parts.
    assert TYPED in seen(shown_html)
    assert TYPED in flat(shown_text)
    assert safety.CANARY not in shown_html + shown_text
    # The real tags are filled in by the engine.
    assert "Hello Ada, this is the news." in seen(shown_html)
    assert "Hello Ada, this is the news." in flat(shown_text)
    assert "https://svc.example/u/1" in hrefs(shown_html)
    assert "https://svc.example/u/1" in shown_text
    assert "unsubscribe_url" not in shown_text and "PHQ" not in shown_html + shown_text
    # ... and the fallback when the subscriber has no first name.
    anonymous = render(html, no_name(context))
    assert "Hello friend, this is the news." in seen(anonymous)
    assert "Hello friend, this is the news." in flat(render(text, no_name(context)))
    # The subject, pasted into the service's subject field.
    assert render(subject, context) == SUBJECT_TYPED + "Ada"


def build_tricks(runner, workspace, body: str, platform: str) -> tuple[str, str]:
    """email.html and email.txt of an issue whose body is `body`."""
    (workspace / "newsletter.toml").write_text(safety.workspace_toml("css-inline"))
    write_issue(workspace, NAME, f"---\ntitle: Tricks\ndate: 2026-01-05\n---\n\nSome tricks.\n\n{body}\n")
    result = runner.invoke(main, ["build", "--platform", platform])
    assert result.exit_code == 0, result.output
    folder = workspace / "build" / NAME[:-3]
    return ((folder / "email.html").read_text(encoding="utf-8"),
            (folder / "email.txt").read_text(encoding="utf-8"))


def test_django_comment_and_verbatim_tricks_stay_text(runner, workspace):
    """Django's own escape hatches, typed into an issue, don't open a hole."""
    body = ("{% verbatim %}{{ subscriber.email }}{% endverbatim %} "
            "{% templatetag openvariable %} subscriber.email {% templatetag closevariable %} "
            "{# a comment #} {% comment %}x{% endcomment %} {% debug %} {% load static %}")
    html, text = build_tricks(runner, workspace, body, "buttondown")
    assert body in seen(django(html))
    assert body in flat(django(text))


def test_liquid_raw_tricks_stay_text(runner, workspace):
    body = ('{% endraw %}{{ subscriber.email }}{% raw %} {{ "{{" }} {%- comment -%}x{% endcomment %} '
            "{%- liquid echo subscriber.email %} {{- subscriber.email -}}")
    html, text = build_tricks(runner, workspace, body, "kit")
    assert body in seen(liquid(html))
    assert body in flat(liquid(text))
    assert safety.CANARY not in liquid(html) + liquid(text)


def test_listmonk_exact_escapes(runner, workspace, inliner):
    html, text, subject = build(runner, workspace, inliner, "listmonk")
    # Go templates print the string constant "{{"; nothing else needs escaping.
    assert ('Typed: {{"{{"}} subscriber.email }} and {% now "Y" %} and {% and {# and %} '
            "and }} end.") in flat(text)
    assert subject == ('Our {{"{{"}} tags }} and {% workshop %} for '
                       "{{ .Subscriber.FirstName | default `friend` }}")
    assert "Hello {{ .Subscriber.FirstName | default `friend` }}, this is the news." in text
    assert "{{ UnsubscribeURL }}" in hrefs(html)
    # In the HTML the braces are character references, which Go leaves alone.
    assert "&#123;&#123; subscriber.email &#125;&#125;" in html
    assert TYPED in seen(html)
    assert safety.engine_problems("listmonk", html, text, subject) == []
