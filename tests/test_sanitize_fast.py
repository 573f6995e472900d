"""markup.sanitize's plain-text shortcut against the full parse it skips.

sanitize() returns plain text without running the pre-scan, nh3 and the tree
builder; here both ways must give the same nodes and the same reports, on
hostile text, on every inline run and HTML block of the fixture issues, and
on what hypothesis makes up.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from newsletter.content.reader import MD, prepare
from newsletter.source import markup

from conftest import ROOT

TRICKY = [
    "", " ", "\n", "plain words", "a > b", ">>", "\xa0lead and trail\xa0",
    "zero\u200bwidth\u200c\u200d joiners", "\ufeffbyte order mark", "mid\ufeffdle",
    "CR\rLF\r\n", "NUL\0here", "\x01\x02\x7f\x85\x9f controls", "\x0cform feed\x0b",
    "{:target=\"_blank\"}", "{: .class}", "&", "&amp;", "&nbsp;", "&amp", "&#0;", "&#x1;",
    "&#13;", "&unknown;", "AT&T", "a & b < c", "<", "<script>alert(1)</script>after",
    "<b onclick=\"x()\">bold</b>", "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=\"//youtube.com/embed/x\"></iframe>", "<!-- never closed", "<![bogus",
    "<span style=\"background: #123\">x</span>", "<img src=\"x.png\" alt=\"alt\">",
    "\ud800 lone surrogate", "emoji 🎉 and 𝒜", "\u2028\u2029 separators", "\ufffe\uffff",
    "x" * 5000 + "\xa0" + "y" * 40,
]


def both(raw: str):
    """What sanitize() and the full parse make of `raw`: nodes and reports, or the error."""
    results = []
    for way in (markup.sanitize, markup._parse):
        reports = []
        try:
            nodes = way(raw, lambda *report: reports.append(report), lambda url, tag: url)
        except Exception as exc:   # both ways must fail alike (nh3 refuses lone surrogates)
            nodes = type(exc)
        results.append((nodes, reports))
    return results


@pytest.mark.parametrize("raw", TRICKY)
def test_tricky_text(raw):
    fast, full = both(raw)
    assert fast == full


def test_some_tricky_text_takes_the_shortcut():
    plain = [raw for raw in TRICKY if not markup._NOT_PLAIN.search(raw)]
    assert len(plain) >= 10
    assert markup.sanitize("a\x01\xa0b > c", None, None) == ["a\xa0b > c"]


def markdown_runs() -> list[str]:
    """Every inline run and HTML block markdown-it makes of the fixture issues."""
    runs = []
    paths = sorted((ROOT / "tests" / "fixtures").rglob("*.md")) + sorted((ROOT / "issues").glob("*.md"))
    for path in paths:
        for token in MD.parse(prepare(path.read_text(encoding="utf-8"))):
            if token.type == "inline":
                runs.append(MD.renderer.renderInline(token.children or [], MD.options, {}))
            elif token.type == "html_block":
                runs.append(token.content)
    return runs


def test_fixture_runs():
    runs = markdown_runs()
    assert sum(not markup._NOT_PLAIN.search(run) for run in runs) >= 20
    for run in runs:
        fast, full = both(run)
        assert fast == full, run


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text(raw):
    fast, full = both(raw)
    assert fast == full


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(
    list("ab ;#>\t\n\x0b\x0c\x01\x1f\x7f\x85\x9f\xa0\xad\u200b\u200d\u2028\ufeff\ufffe\uffff\U0010ffff")
    + ["&", "\r", "\0", "nbsp", "amp", "<b>", "</b>"])).map("".join))
def test_text_near_the_edges(raw):
    fast, full = both(raw)
    assert fast == full
