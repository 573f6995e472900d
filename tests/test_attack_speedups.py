"""Findings of an adversarial review of the speed-ups, each held here.

In: inputs that take one of the shortcuts (markup.sanitize's plain-text
path, the compiled-template cache). Out: pass/fail against the longer way
or against who may write where.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import given, settings, strategies as st

from newsletter.render.html import cache_dir
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


def test_no_template_cache_below_a_folder_others_may_write_to(tmp_path, monkeypatch):
    # Whoever may rename entries in the folder holding ours could swap in a
    # folder of their own compiled code between the check and Jinja's read.
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    root = tmp_path / "cache"
    root.mkdir()
    (root / "newsletter").symlink_to(shared)
    monkeypatch.setenv("XDG_CACHE_HOME", str(root))
    assert cache_dir() is None
    # A cache home others may write to, with no sticky bit: the same.
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    assert cache_dir() is None
    # Sticky, as /tmp is: others can't move our folder, so it is used.
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(sticky))
    assert cache_dir() == str(sticky / "newsletter" / "templates")
    # And the usual case, a private cache home.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "private"))
    assert cache_dir() == str(tmp_path / "private" / "newsletter" / "templates")
    assert os.stat(cache_dir()).st_mode & 0o077 == 0


@pytest.mark.parametrize("source", ["<aİİ title=x>t</aİİ>", "<p tİtle=x>",
                                    "<P \u212aey=1 Class=A>", "<dİv İd=a class=b>x</dİv>"])
def test_names_are_lower_cased_as_the_standard_does(source):
    # In ASCII only; str.lower() made `İ` two characters, and the attributes
    # of `<aİİ title=x>` were then read from inside their first name.
    from test_tokens import same
    same(source)


_SNIPPETS = st.sampled_from(["<", "/", " ", "\n", "script", "SCRIPT", "Script", "on", "ON", "click",
                             "=", ":", "(", "javascript", "JavaScript", "expression", "behavior",
                             "data", "meta", "İ", "K", "ſ", "x", "é"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(_SNIPPETS, max_size=12).map("".join))
def test_the_gates_any_case_search_finds_what_re_i_finds(text):
    # The gate lower-cases ASCII text instead of searching it with re.I.
    from newsletter.render.gate import STYLE_SCRIPT, SUSPECT
    for pattern in (SUSPECT, STYLE_SCRIPT):
        assert bool(pattern.search(text)) == bool(pattern.folding.search(text)), text
