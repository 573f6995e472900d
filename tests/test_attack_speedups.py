"""Findings of an adversarial review of the speed-ups, each held here.

In: inputs that take one of the shortcuts (markup.sanitize's plain-text
path, the compiled-template cache). Out: pass/fail against the longer way
or against who may write where.
"""
from __future__ import annotations

import pytest

from newsletter.source import markup


def sanitized(raw: str, prescan: bool = True):
    reports = []
    def report(*found):
        reports.append(found)
    nodes = markup._parse(raw, report, lambda url, tag: url, prescan)
    fast = markup.sanitize(raw, report, lambda url, tag: url)
    return nodes, fast


@pytest.mark.parametrize("raw", ["Use style='background: red' here",
                                 'Use style="background:#123" here',
                                 "AT&amp;T's style='background: red'"])
def test_text_about_a_background_is_text_on_every_path(raw):
    # The background fix was a regex over the whole HTML text: the same
    # sentence came out changed or not depending on an `&` elsewhere in the run.
    full, fast = sanitized(raw)
    assert full == fast == [markup.html.unescape(raw)]
    assert sanitized(raw, prescan=False)[0] == full


def test_a_background_in_a_style_attribute_still_keeps_its_colour():
    nodes, _ = sanitized('<p title="a&quot;b style=\'background: red\'" '
                         'style="color:#fff; background: #1d4ed8">Vote</p>')
    assert nodes[0].attrs == {"style": "color:#fff;background-color:#1d4ed8",
                              "title": "a\"b style='background: red'"}
