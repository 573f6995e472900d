"""Hostile input: huge tokens, deep nesting, odd URLs, control characters,
YAML bombs. Each is a build (or a `path:line` error) in bounded time, never
a traceback or a hang.

The timing tests use inputs on which the old, quadratic code took several
times the bound (measured), so they fail rather than pass slowly; the
linear rewrites are also held to the old patterns' results on small inputs.
"""
from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings, strategies as st

from newsletter.checks import text as checks_text
from newsletter.checks.content import IMG_TAG
from newsletter.checks.context import _visible_lines
from newsletter.cli import main
from newsletter.content import reader
from newsletter.source import markup

from conftest import ROOT, write_issue

HEAD = "---\ntitle: A fine issue\ndate: 2026-01-05\n---\n\n"


def timed(fn, *args):
    """The result and the seconds of CPU it took: other work on a busy
    machine does not count against the bounds."""
    start = time.process_time()
    result = fn(*args)
    return result, time.process_time() - start


def run(runner, *args):
    result, took = timed(runner.invoke, main, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result, took


def errors(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("Error:")]


# -- the old patterns, to hold the linear rewrites to -------------------------

OLD_SPACED_LINK = re.compile(r"\[[^\]\n]+\][ \t]+\((?:https?://|www\.|mailto:)[^)\s]*\)")
OLD_LIQUID = re.compile(r"\{%-?\s*(.*?)\s*-?%\}|\{\{-?\s*(.*?)\s*-?\}\}")
OLD_NOT_PROSE = re.compile(r"`[^`]*`|\w+://[^\s)\]>\"']*|\]\([^)]*\)"
                           r"|(?:src|href)\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)
OLD_BROKEN_LINK = re.compile(r"(\]\(\s*<?[^()\s<>]*)\n[ \t]*([^()\s<>]*>?\))")


def old_prepare_links(body: str) -> str:
    while True:
        joined = OLD_BROKEN_LINK.sub(lambda m: m.group(1) + m.group(2) + "\n", body)
        if joined == body:
            return body
        body = joined


def old_visible(lines: list[str]) -> str:
    return re.sub(r"<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group()), "\n".join(lines), flags=re.S)


def spaced_links(line: str) -> list[str]:
    return [m.group() for m in checks_text.SPACED_LINK.finditer(line) if m.group("link") is not None]


def text_of(atoms):
    return st.lists(st.sampled_from(atoms), max_size=24).map("".join)


@settings(max_examples=300, deadline=None)
@given(text_of(["[", "]", " ", "\t", "(", ")", "https://", "www.", "mailto:", "a", "] (", "\n"]))
def test_spaced_link_finds_what_the_old_pattern_found(line):
    for part in line.split("\n"):
        assert spaced_links(part) == [m.group() for m in OLD_SPACED_LINK.finditer(part)]


@settings(max_examples=300, deadline=None)
@given(text_of(["{", "}", "%", "{{", "}}", "{%", "%}", "-", " ", "a"]))
def test_template_tags_are_the_old_pattern_s_matches(line):
    assert list(checks_text.template_tags(line)) == [m.span() for m in OLD_LIQUID.finditer(line)]


@settings(max_examples=300, deadline=None)
@given(text_of(["`", "a", "_", "://", "http", "](", ")", "]", "(", " ", "src", "href", "=", '"', "'", "é"]))
def test_not_prose_matches_the_old_pattern(line):
    # Apart from an address that itself holds "](", where the new pattern
    # starts at the last "](" rather than the first.
    if line.count("](") <= 1:
        assert [m.span() for m in checks_text.NOT_PROSE.finditer(line)] == \
            [m.span() for m in OLD_NOT_PROSE.finditer(line)]


@settings(max_examples=300, deadline=None)
@given(text_of(["](", "\n", " ", "\t", "a", "<", ">", ")", "(", "]", "\u00a0"]))
def test_broken_links_are_joined_as_the_old_loop_joined_them(body):
    assert reader.BROKEN_LINK.sub(reader._join_link, body) == old_prepare_links(body)


@settings(max_examples=300, deadline=None)
@given(text_of(["<!--", "-->", "-", "<", ">", "a", "\n"]))
def test_comments_are_blanked_as_before(text):
    lines = text.split("\n")
    assert "\n".join(_visible_lines(lines)) == "\n".join(_visible_lines(old_visible(lines).split("\n")))


@settings(max_examples=300, deadline=None)
@given(text_of(["<img", "<IMG", " ", ">", "a", "<", 'alt=""']))
def test_img_tags_as_before(line):
    assert [t for t in IMG_TAG.findall(line) if t.endswith(">")] == re.findall(r"<img\b[^>]*>", line, re.I)


# -- each rewrite is linear: inputs on which the old code took seconds ----------

@pytest.mark.parametrize("name, scan, line", [
    # (what the old code took on this input)
    ("SPACED_LINK", lambda s: spaced_links(s), "[" * 30_000),                       # 4.7 s
    ("LIQUID", lambda s: list(checks_text.template_tags(s)), "{{" * 15_000),      # 30 s
    ("NOT_PROSE word", lambda s: checks_text.NOT_PROSE.sub(" ", s), "a" * 30_000),  # 4 s
    ("NOT_PROSE ](", lambda s: checks_text.NOT_PROSE.sub(" ", s), "](" * 60_000),   # 11 s
    ("comments", lambda s: _visible_lines([s]), "<!--" * 10_000),                  # 4.3 s
    ("img tags", lambda s: IMG_TAG.findall(s), "<img " * 40_000),                  # 12 s
    ("broken link", lambda s: reader.prepare(s), "](" + "\n" * 60_000 + "a)"),     # 12 s
])
def test_scans_are_linear(name, scan, line):
    _, took = timed(scan, line)
    assert took < 1.0, f"{name} took {took:.1f} s"


@pytest.mark.parametrize("unit, count", [("<a ", 10_000), ("<a x='>'y", 5_000), ('<a b="', 10_000),
                                         ("<!--a>", 25_000), ("<![CDATA[>", 40_000)])
def test_unfinished_html_is_linear(unit, count):
    # Python 3.11's HTMLParser.close() retried each of these to the end of
    # the text: these took 5 to 40 s.
    nodes, took = timed(markup.sanitize, unit * count, lambda *a: None, lambda url, tag: url)
    assert took < 2.0, f"{unit!r} took {took:.1f} s"


def test_a_marked_section_without_a_keyword_is_not_an_assertion_error():
    nodes = markup.sanitize("<div>a <![ b > c</div>", lambda *a: None, lambda url, tag: url)
    assert markup.text_of(nodes) == "a  c"


def test_html_entities_cannot_make_control_characters():
    nodes = markup.sanitize("<span>a&#1;b&#x0B;c&#x7f;d</span>", lambda *a: None, lambda url, tag: url)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", markup.text_of(nodes))


def test_dates_on_one_long_line_are_checked_in_linear_time(runner, workspace):
    # Each date used to re-read the whole line to find its sentence: 5 s here.
    write_issue(workspace, "dates.md", HEAD + "Jan 1 " * 10_000 + "\n")
    result, took = run(runner, "check", "issues/dates.md")
    assert took < 5, took
    assert "issues/dates.md:6: info: 'Jan 1' is before the issue date" in result.output


def test_many_broken_links_are_counted_in_linear_time(workspace):
    # The line of each was counted from the top of the body: quadratic.
    from newsletter.checks.context import Ctx
    from newsletter.config import load_config
    from newsletter.source.issue import read_issue
    path = write_issue(workspace, "broken.md", HEAD + "[a](http://a\nb) " * 40_000 + "\n")
    ctx = Ctx(read_issue(path), None, None, load_config())
    _, took = timed(checks_text.link_source, ctx)
    assert took < 2, took
    assert len(ctx.found) == 40_000
    assert str(ctx.found[-1]) == "issues/broken.md:40005: warning: a link's address is split across " \
        "lines 40005-40006; put it on one line [link-broken]"


def test_links_on_one_long_line_are_checked_in_linear_time(workspace):
    # Each link searched the whole line for its address (not there: it was
    # linkified to https://), in each of two checks, and again for `src=`: 5 s.
    from newsletter.checks import run_checks
    from newsletter.config import load_config
    from newsletter.errors import Problems
    from newsletter.source.issue import read_issue
    path = write_issue(workspace, "links.md", HEAD + "www.example.org/a " * 8_000 + "\n")
    config, problems = load_config(), Problems()
    issue = read_issue(path)
    content = reader.build_content(issue, config, problems)
    found, took = timed(run_checks, issue, content, None, config, problems)
    assert took < 2, took
    assert "issues/links.md:6: warning: link 'www.example.org/a' has no scheme; using " \
        "https://www.example.org/a [link-scheme]" in map(str, found)


# -- the CLI on hostile files, in a process of its own --------------------------

def cli(workspace, *args, timeout=60):
    """`newsletter ARGS` in a subprocess, and the seconds of CPU it took;
    one still running after `timeout` seconds fails the test."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run([sys.executable, "-m", "newsletter", *args], cwd=workspace, timeout=timeout,
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    except subprocess.TimeoutExpired:
        pytest.fail(f"newsletter {args[0]} still running after {timeout} s")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    done.output = done.stdout + done.stderr
    assert "Traceback" not in done.output, done.output[-2000:]
    return done, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_one_megabyte_token_is_over_in_seconds(workspace, command):
    # Before: over 30 s, and 100 KB took 50 s; the NOT_PROSE scheme pattern.
    write_issue(workspace, "token.md", HEAD + "a" * 1_000_000 + "\n")
    done, took = cli(workspace, command, "issues/token.md")
    assert took < 5, f"{command} took {took:.1f} s"
    assert done.returncode == 1   # the email would be about 1 MB: Gmail clips it
    assert re.search(r"issues/token\.md: error: HTML is 9\d\d\.\d KB", done.output), done.output


PROSE = ("The town meeting on [the budget](https://example.org/budget) opens Thursday at 7 PM. "
         "Call your Select Board member and ask them to support Article 4, see www.example.org/a4. ")


@pytest.mark.parametrize("command", ["build", "check"])
def test_two_megabytes_of_prose_are_refused_at_once(workspace, command):
    write_issue(workspace, "prose.md", HEAD + (PROSE * 3 + "\n\n") * 4_100)
    done, took = cli(workspace, command, "issues/prose.md")
    assert took < 5, took
    assert done.returncode == 1
    assert "issues/prose.md:1: error: issue is 2.0 MB; the limit is 1 MB" in done.output.replace(
        "Error: issues/prose.md:1:", "issues/prose.md:1: error:")
    assert not (workspace / "build").exists()


@pytest.mark.parametrize("body, bound", [
    # The bound is CPU seconds; in brackets, what `check` takes now and took
    # before these fixes.
    pytest.param("[" * 200_000, 30, marks=pytest.mark.slow),   # (6 s, in markdown-it; over 30 s)
    ("](" * 300_000, 15),                                       # (2.7 s; over 30 s)
    ("<!--" * 100_000, 15),                                     # (0.9 s; over 30 s)
    ('href="' * 200_000, 5),                                    # (0.4 s, over 1 MB; over 30 s)
    ("http://" + "a" * 1_000_000, 15),                          # (1.4 s; 4 s)
    ("Jan 1 " * 200_000, 5),                                    # (0.5 s, over 1 MB; over 30 s)
    ("Jan 1 " * 100_000, 15),                                   # (4.2 s; over 90 s)
    pytest.param("{{" * 100_000, 30, marks=pytest.mark.slow),  # (5 s, most in placeholders; over 90 s)
], ids=["brackets", "link-openers", "comments", "hrefs-1.2MB", "url", "dates-1.2MB", "dates", "template-tags"])
def test_hostile_bodies_are_checked_in_bounded_time(workspace, body, bound):
    write_issue(workspace, "hostile.md", HEAD + body + "\n")
    done, took = cli(workspace, "check", "issues/hostile.md")
    assert took < bound, f"{took:.1f} s"
    assert done.returncode in (0, 1)
    assert re.search(r"^issues/hostile\.md(:\d+)?: (error|warning|info): ", done.output, re.M)


def test_one_megabyte_is_still_read(runner, workspace):
    path = write_issue(workspace, "edge.md", HEAD + "x" * (1024 * 1024 - len(HEAD)))
    assert path.stat().st_size == 1024 * 1024
    result, _ = run(runner, "check", "issues/edge.md")
    assert "the limit is 1 MB" not in result.output


# -- nesting ----------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "<div>" * 1000 + "deep" + "</div>" * 1000,
    "Text " + "<b>" * 1000 + "deep" + "</b>" * 1000,
    "<blockquote>" * 1000 + "deep",
    "*" * 1000 + "deep" + "*" * 1000,
    "_" * 1000 + "deep" + "_" * 1000,
    "<div>" * 41 + "deep",
])
def test_deep_html_is_an_error_at_its_line(runner, workspace, body):
    write_issue(workspace, "deep.md", HEAD + "Intro.\n\n" + body + "\n")
    result, took = run(runner, "build", "issues/deep.md")
    assert result.exit_code == 1, result.output
    assert errors(result) == [errors(result)[0]]
    assert errors(result)[0].startswith("Error: issues/deep.md:8: HTML is nested more than 40 levels deep")
    assert took < 5


def test_forty_levels_of_html_build(runner, workspace):
    write_issue(workspace, "deep.md", HEAD + "<div>" * 40 + "deep" + "</div>" * 40 + "\n")
    result, _ = run(runner, "build", "issues/deep.md")
    assert result.exit_code == 0, result.output
    assert "deep" in (workspace / "build/deep/email.txt").read_text()


@pytest.mark.parametrize("body, line", [
    (">" * 1000 + " deep text\n", 8),
    (">" * 20 + " deep text\n", 8),
    ("".join("  " * i + f"- item{i}\n" for i in range(1000)), 17),
    ("".join("  " * i + f"- item{i}\n" for i in range(10)), 17),   # markdown-it dropped item9
    ("> - " * 7 + "deep text\n", 8),   # a quote and a list, 7 times
])
def test_deep_quotes_and_lists_are_an_error_not_lost_text(runner, workspace, body, line):
    write_issue(workspace, "deep.md", HEAD + "Intro.\n\n" + body)
    result, took = run(runner, "check", "issues/deep.md")
    assert result.exit_code == 1, result.output
    assert f"issues/deep.md:{line}: error: quotes and lists are nested more than 19 levels deep" \
        in result.output
    assert took < 5


@pytest.mark.parametrize("body", [
    ">" * 19 + " deep text\n",
    "".join("  " * i + f"- item{i}\n" for i in range(8)) + "  " * 8 + "- deep text\n",
])
def test_nesting_up_to_the_limit_keeps_every_word(runner, workspace, body):
    write_issue(workspace, "deep.md", HEAD + "Intro.\n\n" + body)
    result, _ = run(runner, "build", "issues/deep.md")
    assert result.exit_code == 0, result.output
    assert "deep text" in (workspace / "build/deep/email.txt").read_text()


# -- odd URLs ------------------------------------------------------------------------

@pytest.mark.parametrize("front, line, what", [
    ('RSVP-link: "https://[rsvp]/form"\n', 4, "link 'https://[rsvp]/form'"),
    ('main-image: "https://[x]/a.png"\n', 4, "image 'https://[x]/a.png'"),
])
def test_an_unreadable_event_address_is_dropped_with_a_warning(runner, workspace, front, line, what):
    write_issue(workspace, "odd.md", HEAD.replace("---\n\n", front + "event-start-date: 2026-01-20\n---\n\n")
                + "Hello.\n")
    result, _ = run(runner, "build", "issues/odd.md")
    assert result.exit_code == 0, result.output
    assert f"issues/odd.md:{line}: warning: {what} is not a valid address; dropped [link-scheme]" \
        in result.output
    assert "[rsvp]" not in (workspace / "build/odd/email.html").read_text()


@pytest.mark.parametrize("link", ["[a](https://[::1/x)", '<a href="https://[::1/x">a</a>',
                                  "![pic of a shed](https://[y]/p.png)", "<https://[x]/y>"])
def test_an_unreadable_body_address_is_no_traceback(runner, workspace, link):
    write_issue(workspace, "odd.md", HEAD + f"Hello {link} there.\n")
    result, _ = run(runner, "build", "issues/odd.md")
    assert result.exit_code == 0, result.output


def test_an_unreadable_address_is_dropped_by_the_fixer(runner, workspace):
    from newsletter.config import load_config
    from newsletter.errors import Problems
    from newsletter.source.issue import read_issue
    path = write_issue(workspace, "odd.md", HEAD + "Hello.\n")
    problems = Problems()
    fix = reader._Reader(read_issue(path), load_config(), [], problems,
                         reader.Marker(str(path), problems)).fixer(None, 9)
    assert fix("https://[::1/x", "a") is None
    assert fix("https://ex\uff0fample.org/", "img") is None   # NFKC makes a "/" in the host
    assert [str(p) for p in problems] == [
        "issues/odd.md:9: warning: link 'https://[::1/x' is not a valid address; dropped [link-scheme]",
        "issues/odd.md:9: warning: image 'https://ex\uff0fample.org/' is not a valid address; "
        "dropped [link-scheme]"]


def test_a_digest_survives_an_unreadable_rsvp_link(runner, workspace):
    write_issue(workspace, "2026-01-05-odd.md", "---\ntitle: Odd one\ndate: 2026-01-05\n"
                'RSVP-link: "https://[rsvp]/form"\nevent-start-date: 2026-01-20\n---\n\nCome along.\n')
    write_issue(workspace, "2026-01-06-fine.md", "---\ntitle: Fine one\ndate: 2026-01-06\n---\n\n"
                "Hello [there](https://example.org/t).\n")
    result, _ = run(runner, "digest", "--since", "2026-01-01", "--until", "2026-01-10",
                    "--as-of", "2026-01-10")
    assert result.exit_code == 0, result.output
    assert "issues/2026-01-05-odd.md:4: warning: link 'https://[rsvp]/form' is not a valid address" \
        in result.output
    text = next((workspace / "build").glob("digest-*/email.txt")).read_text()
    assert "Come along" in text and "Fine one" in text


def test_an_unreadable_site_url_is_a_config_error(runner, workspace):
    (workspace / "newsletter.toml").write_text('site_url = "https://[example.org]/"\n')
    write_issue(workspace, "fine.md", HEAD + "Hello.\n")
    result, _ = run(runner, "build", "issues/fine.md")
    assert result.exit_code == 1
    assert errors(result)[0].startswith("Error: newsletter.toml:1: site_url is not a valid address")


# -- control characters --------------------------------------------------------------

CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def test_control_characters_in_front_matter_are_removed_with_a_warning(runner, workspace):
    write_issue(workspace, "ctl.md", '---\ntitle: "Spring\\x07 fair \\x85news"\ndate: 2026-01-05\n'
                'subject: "Come\\x1b[31m to the fair"\npreheader: "Food,\\tmusic \\ud800and games"\n'
                'Location: "Town\\thall \\x00annex"\nevent-start-date: 2026-01-20\n'
                'call-script-text: "Hi\\x0c there"\ntags: [a, "b\\x01", {c: "d\\x02"}]\n---\n\nHello.\n')
    result, _ = run(runner, "build", "issues/ctl.md")
    assert result.exit_code == 0, result.output
    for line, chars, key in [(2, "characters U+0007, U+0085", "title"), (4, "character U+001B", "subject"),
                             (5, "character U+D800", "preheader"), (6, "character U+0000", "Location"),
                             (8, "character U+000C", "call-script-text"),
                             (9, "characters U+0001, U+0002", "tags")]:
        assert f"issues/ctl.md:{line}: warning: control {chars} removed from {key} [control-character]" \
            in result.output
    html = (workspace / "build/ctl/email.html").read_text()
    text = (workspace / "build/ctl/email.txt").read_text()
    assert not CONTROLS.search(html + text)
    assert "Spring fair news" in html and "Town hall annex" in text and "Food, music and games" in html


def test_control_characters_typed_in_front_matter_are_removed(runner, workspace):
    (workspace / "issues" / "ctl.md").write_bytes(
        b"---\ntitle: Typed\x07 bell\ndate: 2026-01-05\nLocation: Hall\x7f one\n---\n\nHi.\n")
    result, _ = run(runner, "build", "issues/ctl.md")
    assert result.exit_code == 0, result.output   # PyYAML refuses them: it was an error at line 1
    assert "issues/ctl.md:2: warning: control character U+0007 removed from the front matter" in result.output
    assert "issues/ctl.md:4: warning: control character U+007F removed" in result.output
    assert "Typed bell" in (workspace / "build/ctl/email.html").read_text()


def test_control_characters_in_the_body_never_reach_the_email(runner, workspace):
    write_issue(workspace, "ctl.md", HEAD + "Bell\x07 and\x85 next\x9f line.\n\n"
                "<span>a&#1;b&#x0B;c</span>\n")
    result, _ = run(runner, "build", "issues/ctl.md")
    assert result.exit_code == 0, result.output
    assert not CONTROLS.search((workspace / "build/ctl/email.html").read_text())
    assert "Bell and next line." in (workspace / "build/ctl/email.txt").read_text()


# -- files that are hardly issues --------------------------------------------------------

def test_an_empty_file(runner, workspace):
    write_issue(workspace, "empty.md", "")
    result, _ = run(runner, "build", "issues/empty.md")
    # Nothing to read as any format: not a title-less Jekyll file, nor a Markdown one.
    assert result.exit_code == 1 and errors(result) == ["Error: issues/empty.md:1: the file is empty"]


@pytest.mark.parametrize("text", ["---", "---\n"])
def test_a_file_that_is_only_dashes(runner, workspace, text):
    write_issue(workspace, "dashes.md", text)
    result, _ = run(runner, "build", "issues/dashes.md")
    assert result.exit_code == 1
    assert errors(result) == ["Error: issues/dashes.md:1: front matter starts with '---' but has no closing '---'"]


def test_garbage_bytes(runner, workspace):
    (workspace / "issues" / "junk.md").write_bytes(bytes(range(1, 256)) * 50)
    result, _ = run(runner, "build", "issues/junk.md")
    assert result.exit_code == 1
    assert errors(result) == ["Error: issues/junk.md:2: not UTF-8 text; save the file as UTF-8"]


def test_a_long_front_matter_builds(runner, workspace):
    write_issue(workspace, "long.md", "---\ntitle: Long front matter\ndate: 2026-01-05\n"
                + "".join(f"key{i}: value {i}\n" for i in range(5000)) + "---\n\nBody.\n")
    result, took = run(runner, "build", "issues/long.md")
    assert result.exit_code == 0, result.output
    assert took < 10


BOMB = "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize("key", ["subject", "Location", "tags"])
def test_a_billion_laughs_is_refused(runner, workspace, key):
    write_issue(workspace, "bomb.md", "---\ntitle: Laughs\ndate: 2026-01-05\n"
                "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BOMB + f"{key}: *i\n---\n\nHi.\n")
    result, took = run(runner, "build", "issues/bomb.md")
    assert took < 5
    assert result.exit_code == 1
    assert errors(result) == ["Error: issues/bomb.md:9: YAML aliases (*name) make the front matter over "
                              "1,000,000 values and characters long; write the values out instead"]


def test_a_few_aliases_are_fine(runner, workspace):
    write_issue(workspace, "alias.md", "---\ntitle: &t Aliases are fine\nsubject: *t\ndate: 2026-01-05\n"
                "tags: &tags [a, b]\ncategories: *tags\n---\n\nHi.\n")
    result, _ = run(runner, "build", "issues/alias.md")
    assert result.exit_code == 0, result.output


def test_an_alias_inside_itself_is_refused(runner, workspace):
    write_issue(workspace, "self.md", "---\ntitle: Self\ndate: 2026-01-05\nLocation: &a [x, *a]\n---\n\nHi.\n")
    result, _ = run(runner, "build", "issues/self.md")
    assert result.exit_code == 1
    assert errors(result) == ["Error: issues/self.md:4: a YAML alias (*name) in the front matter refers "
                              "to the value it is part of"]


def test_deeply_nested_yaml(runner, workspace):
    write_issue(workspace, "deep.md", "---\ntitle: Deep\ndate: 2026-01-05\nx: " + "[" * 1200 + "\n---\n\nHi.\n")
    result, _ = run(runner, "build", "issues/deep.md")
    assert result.exit_code == 1
    assert errors(result) == ["Error: issues/deep.md:4: front matter is nested too deeply"]


def test_a_five_digit_year(runner, workspace):
    write_issue(workspace, "far.md", "---\ntitle: Far\ndate: 99999-01-01\n---\n\nHi.\n")
    result, _ = run(runner, "build", "issues/far.md")
    assert result.exit_code == 1
    assert errors(result)[0].startswith("Error: issues/far.md:3: cannot read date '99999-01-01'")


@pytest.mark.parametrize("date, year", [("9999-12-31 23:30:00 -05:00", 9999), ("0001-01-01 00:10:00 +05:00", 1),
                                        ("1899-12-31", 1899), ("3000-01-01", 3000)])
def test_a_year_out_of_range_is_an_error(runner, workspace, date, year):
    # The first two overflowed when the calendar file converted them to UTC.
    write_issue(workspace, "edge.md", f"---\ntitle: Edge of time\ndate: {date}\n"
                "event-start-date: 2026-01-20\n---\n\nOn Dec 30 and Jan 1.\n")
    result, _ = run(runner, "build", "issues/edge.md")
    assert result.exit_code == 1
    assert errors(result) == [f"Error: issues/edge.md:3: the date {date[:10]} has the year {year}; "
                              "is it a typo?"]


def test_a_year_out_of_range_in_the_file_name(runner, workspace):
    write_issue(workspace, "0001-01-01-edge.md", "---\ntitle: Edge of time\n---\n\nHi.\n")
    result, _ = run(runner, "build", "issues/0001-01-01-edge.md")
    assert errors(result) == ["Error: issues/0001-01-01-edge.md:1: the date 0001-01-01 has the year 1; "
                              "is it a typo?"]


def test_an_unclosed_comment_is_a_warning(runner, workspace):
    write_issue(workspace, "note.md", HEAD + "Before.\n\n<!-- a note to self\n\nAll of this is hidden.\n")
    result, _ = run(runner, "build", "issues/note.md")
    assert result.exit_code == 0, result.output
    assert "issues/note.md:8: warning: an HTML comment '<!--' is never closed with '-->'; everything " \
        "after it is hidden [markup]" in result.output
    assert "hidden" not in (workspace / "build/note/email.txt").read_text()
