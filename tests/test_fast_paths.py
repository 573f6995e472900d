"""Shortcuts taken for speed, each against the longer way it skips.

- markup.sanitize returns plain text without running the pre-scan, nh3 and
  the tree builder: both ways must give the same nodes and the same reports,
  on hostile text, on every inline run and HTML block of the fixture issues,
  and on what hypothesis makes up.
- markup.sanitize skips the pre-scan for what markdown-it writes from
  Markdown without raw HTML or a dangerous address: there the pre-scan
  gives the HTML back as it is and reports nothing.
- The leftover-todo check blanks addresses and code only in lines that hold
  a word TODO can match: no other line can give a match once blanked.
- The text part's wrapping writes a line that fits as it is, and fills longer
  ones word by word (text._fill), as textwrap does.
- The date checks read only lines holding a month's first three letters.
- link_source reads only lines holding `[`, `](` or `=`, and leftovers looks for
  template tags only in lines holding `{` or `*|`: no other line can match.
- read_text drops the invisible characters by replace, not translate.
- protect_attributes judges only the characters that aren't printable ASCII,
  and finds a line break in a quoted value without backtracking: the same
  verdict as judging every distinct character and the backtracking pattern.
"""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings, strategies as st

from newsletter.checks import text as checks_text
from newsletter.content.reader import MD, prepare
from newsletter.render import text as render_text
from newsletter.render import tokens
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


def fixture_texts() -> list[str]:
    paths = sorted((ROOT / "tests" / "fixtures").rglob("*.md")) + sorted((ROOT / "issues").glob("*.md"))
    return [prepare(path.read_text(encoding="utf-8")) for path in paths]


def inline_runs(markdown: str) -> list[tuple[str, bool]]:
    """Each inline run markdown-it makes of `markdown`, with whether it needs the pre-scan."""
    return [(MD.renderer.renderInline(token.children or [], MD.options, {}),
             markup.prescan_needed(token.children or []))
            for token in MD.parse(markdown) if token.type == "inline"]


def markdown_runs() -> list[str]:
    """Every inline run and HTML block markdown-it makes of the fixture issues."""
    runs = []
    for text in fixture_texts():
        runs += [run for run, _ in inline_runs(text)]
        runs += [token.content for token in MD.parse(text) if token.type == "html_block"]
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


# -- the pre-scan, skipped for Markdown without raw HTML ------------------------

def prescan(raw: str):
    reports = []
    scan = markup._Prescan(lambda *report: reports.append(report))
    scan.feed(raw)
    scan.close()
    return "".join(scan.out), reports


def assert_prescan_has_nothing_to_do(markdown: str) -> int:
    skipped = 0
    for run, needed in inline_runs(markdown):
        if not needed:
            skipped += 1
            assert prescan(run) == (run, []), run
            assert both_scans(run)[0] == both_scans(run)[1], run
    return skipped


def both_scans(raw: str):
    results = []
    for scan in (True, False):
        reports = []
        nodes = markup._parse(raw, lambda *report: reports.append(report), lambda url, tag: url, scan)
        results.append((nodes, reports))
    return results


def test_fixture_markdown_needs_no_prescan():
    assert sum(assert_prescan_has_nothing_to_do(text) for text in fixture_texts()) >= 50


def test_what_needs_the_prescan():
    needed = [needed for _, needed in inline_runs(
        "[a](javascript:alert(1))\n\n![x](data:image/png,x)\n\nhi <b>there</b>\n\n"
        "![alt <i>x</i>](a.png)\n\n[a](https://example.org) *b*")]
    assert needed == [True, True, True, True, False]


MARKDOWN = ["a", " ", "\n", "  \n", "\\", "*em*", "**strong**", "~~s~~", "`co<de>`", "_", "*",
            "[a](https://example.org/?a=1&b=2 \"ti&tle'\")", "[x](<java script:x>)", "[x](JavaScript:x)",
            "[x](vbscript:x)", "[x](/rel)", "[x](#frag)", "[x]( data:x)", "![alt *b*](x.png \"t\")",
            "![](//cdn.example.org/a.png)", "www.example.org", "https://example.org/a_(b)", "x@y.org",
            "<https://auto.link>", "<me@example.org>", "mailto:x@y.z", "&amp;", "&#65;", "&nbsp;", "&#0;",
            "&bogus;", "AT&T", "<", ">", "\"", "'", "{:target=_blank}", "\u200b", "\ufeff", "\xa0",
            "style='background: red'", "style=\"background:#123\"", "<b>", "</b>", "<!--", "[[first",
            "{{ x }}", "| a | b |\n|---|---|\n| c | d |\n", "# h\n", "- item\n", "> q\n", "```\ncode\n```\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MARKDOWN), max_size=16).map("".join))
def test_markdown_needs_no_prescan(markdown):
    assert_prescan_has_nothing_to_do(markdown)


# -- leftover-todo: lines without a word TODO can match ----------------------

PIECES = ["TODO", "TK", " Maxx", "XXX", "FIXME", "lorem", "Lorem", " ", "ipsum", "`", "](",
          ")", "https://", "Https://x", "src=", "href=", "'", '"', "x", "_", "\n", "]", "(", "T", "O"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_todo_needs_one_of_its_words(line):
    blanked = checks_text.NOT_PROSE.sub(checks_text._blank, line)
    if not checks_text.TODO_WORDS.search(line):
        assert not checks_text.TODO.search(blanked)


def test_todo_in_blanked_text_still_found():
    # "TK Maxx" is a name, but with an address blanked after TK it is TK alone.
    line = "TK Https://example.org/x"
    assert checks_text.TODO_WORDS.search(line)
    assert checks_text.TODO.search(checks_text.NOT_PROSE.sub(checks_text._blank, line))


# -- the text part's wrapping --------------------------------------------------

WORDS = ["a", "word", "longerword", "https://example.org/a-long/address?x=1", " ", "  ",
         "\t", "\u3000", "\x1f", "\xa0", "-", "--", "é", "\u200b", "x" * 80]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=30).map("".join),
       st.sampled_from(["", "   ", "    "]), st.sampled_from([None, "", "1. ", "  - "]),
       st.integers(min_value=1, max_value=80))
@example("aaa bbb", "", None, 7)          # fits exactly
@example("aaa bbb", "", None, 6)          # one too many
@example(" aaa\tbbb ", "  ", "1. ", 10)   # fits with its lead
@example(" aaa\tbbb ", "  ", "1. ", 9)
def test_wrap_as_textwrap(text, indent, first, width):
    """One paragraph, as textwrap wraps it whether it fits or not."""
    import textwrap
    lead = indent if first is None else first
    words = " ".join(text.split())
    expected = textwrap.wrap(words, width, initial_indent=lead, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False) if words else []
    assert render_text._wrap(text, indent, first, width) == (expected or [lead.rstrip()])


# -- dates: lines without a month's first three letters -------------------------

def test_every_month_name_starts_with_a_hint():
    # DATE matches from a name of _MONTH's group; each starts with a hint, as written.
    names = checks_text._MONTH[1:checks_text._MONTH.index(")")].split("|")
    assert len(names) >= 24
    for name in names:
        assert checks_text.MONTH_HINT.match(name), name


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["May", "may", "MAY", "Sept", "sep", "12", " ", ",", "2026", "-",
                                 "Tuesday", "June", "jun", "e", "th", "Ma", "y"]), max_size=12).map("".join))
def test_no_hint_no_date(line):
    if checks_text.DATE.search(line):
        assert checks_text.MONTH_HINT.search(line)


# -- protect_attributes: what needs the tokenizer -----------------------------------

def test_plain_ascii_is_never_escaped():
    for ch in map(chr, range(128)):
        if ch not in "\n\t\r":
            assert tokens._debug_escaped(ch) == bool(tokens._NOT_PLAIN.match(ch)), repr(ch)


MJML_PIECES = ["=", '"', "'", "\n", "\t", "\r", " ", "a", ">", "<mj-text", "\\", "\x00", "\x7f",
               "\xa0", "é", "\u0301", "\u200d", "\ufe0f", "🎉", "\u2006", "\x85", "~", "["]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(MJML_PIECES), max_size=16).map("".join))
def test_protect_shortcut_as_the_long_check(mjml):
    import re
    long_way = any(map(tokens._debug_escaped, set(mjml) - {"\n", "\t", "\r"})) or \
        bool(re.search(r"""=\s*"[^"]*[\n\t\r]|=\s*'[^']*[\n\t\r]""", mjml))
    short_way = any(map(tokens._debug_escaped, set(tokens._NOT_PLAIN.findall(mjml)))) or \
        bool(tokens._BREAK_IN_VALUE.search(mjml))
    assert long_way == short_way


def test_read_text_drops_the_invisible_as_translate(tmp_path):
    from newsletter.source.issue import INVISIBLE_CHARS, read_text
    text = "\ufeffa\u200bb\r\nc\u2060\u200d\u200c d\ufeff\re\u200b\u200b"
    path = tmp_path / "x.md"
    path.write_bytes(text.encode())
    table = dict.fromkeys(map(ord, INVISIBLE_CHARS), None)
    assert read_text(path) == text.replace("\r\n", "\n").replace("\r", "\n").translate(table)


LINE_PIECES = ["[", "]", "(", ")", "](", "] (", "=", "href", "HREF", '"', "'", "http://x", "www.",
               "mailto:", " ", "a", "{", "{{", "}}", "{%", "%}", "*|", "|*", "{$", "X", "`"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(LINE_PIECES), max_size=12).map("".join))
def test_lines_skipped_hold_nothing(line):
    if "[" not in line and "](" not in line and "=" not in line:
        assert not any(m.group("link") for m in checks_text.SPACED_LINK.finditer(line))
        assert not checks_text.DESTINATION.search(line)
    if "{" not in line and "*|" not in line:
        assert not list(checks_text.template_tags(line))
        assert not checks_text.MERGE_TAG.search(line)
