"""Whole hostile issues from Hypothesis, built through the CLI.

Each example is an issue mixing placeholders (valid, unterminated, unknown),
brackets, the raw HTML attacks of test_hostile.py, entities, every service's
template syntax, deep nesting, long tokens, unicode and control characters,
in the body and in the front matter, built for a random service and
inliner. The property:

- nothing but a clean exit: code 0, or code 1 with an `Error: path...` or
  `path...: error:` message; never a traceback;
- an unknown placeholder name is an error with its line;
- if it built, the email passes tests/safety.py: no unsafe markup, the
  footer whole, the first link there, no marker, and the service's template
  engine neither fails nor prints subscriber data.

The default run is ~200 examples. `-m slow` runs NEWSLETTER_FUZZ_EXAMPLES
(default 10000) random ones. Set NEWSLETTER_FUZZ_LOG=<file> to append each
example's outcome (built / refused / refused-by-gate and the first error).
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.cli import main
from newsletter.render.platforms import PROFILES

import safety
from test_hostile import CONTROLS, ENDINGS, FORGED, FORMS, LINK, RAW

NAME = "2026-01-05-fuzz.md"
FIRST = f"Read [the report]({LINK}) first.\n\n"   # the one link no later text can swallow

PLACEHOLDERS = ["[[first_name|friend]]", "[[first_name]]", "[[unsubscribe_url]]",
                "[[view_online_url]]", "[[ first_name | a b ]]", "[[first_name|]]"]
UNTERMINATED = ["[[first_name|", "[[unsubscribe_url", "[[first_name|\nx ]]", "[[[[first_name]]]]",
                "[[", "]]", "[", "]", "[[first_name", "[[ unsubscribe_url ]"]
UNKNOWN = ["[[bogus]]", "[[last_name|x]]", "[[ email ]]"]
ENTITIES = ["&amp;", "&lt;script&gt;", "&#123;&#123;", "&#x7B;", "&lbrace;", "&#0;", "&#x110000;",
            "&bogus;", "&nbsp;", "&#124;", "&#36;", "&#37;", "&#35;", "&#x85;", "&#x2028;"]
MARKDOWN = ["# Heading", "* item", "1. item", "> quote", "---", "```", "```\ncode\n```",
            "    indented", "| a | b |\n|---|---|\n| 1 | 2 |", "[HERE](https://example.org/x)",
            "[rel](/page)", "![img](/i.png)", "<https://example.org/auto>", "www.example.org/bare",
            "**", "_", "`", "\\", "{:target=\"_blank\"}", "[x]: https://example.org/ref", "[x]"]
ATOMS = (PLACEHOLDERS + UNTERMINATED + UNKNOWN + ENTITIES + MARKDOWN + list(FORMS.values())
         + list(RAW.values()) + list(ENDINGS.values()) + list(FORGED) + list(CONTROLS.values())
         + ["{", "}", "{{", "}}", "{%", "%}", "{#", "#}", "*|", "|*", "{$", "%", "|", "*", "$"])


def _nested(args) -> str:
    (opening, closing), depth, closed = args
    return opening * depth + "deep" + (closing * depth if closed else "")


# Text without control characters: those come from ATOMS, a few at a time.
# (Random text is full of C1 controls, which the gate refuses today, so every
# example would end there; see test_hostile.py, c1-control-body.)
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
nesting = st.tuples(
    st.sampled_from([("<div>", "</div>"), ("<table><tr><td>", "</td></tr></table>"),
                     ("<blockquote>", "</blockquote>"), ("<b>", "</b>"), ("> ", ""),
                     ("* ", ""), ("[", "]"), ("{", "}"), ("<span>", "</span>")]),
    st.integers(1, 400), st.booleans()).map(_nested)


def _repeat(args) -> str:
    unit, size = args
    return unit * max(1, size // len(unit))


# Long tokens up to 100 KB; long runs of one character up to 20 KB (each
# example is one build, and these are the slowest inputs to parse).
SIZES = [100, 100, 1000, 1000, 10_000, 100_000]
long_token = st.one_of(
    st.tuples(st.sampled_from(["a ", "é ", "🙂 ", "https://e.org/x ", "&amp; ", "<b>x</b> ",
                               "[[first_name|friend]] ", "{{ x }} "]),
              st.sampled_from(SIZES)).map(_repeat),
    st.tuples(st.sampled_from(["a", "{", "[", "<", "&", "x{{y}}", "*|"]),
              st.sampled_from([100, 500, 2000, 20_000])).map(_repeat))
fragment = st.one_of(st.sampled_from(ATOMS), st.sampled_from(ATOMS), text, nesting, long_token)
separator = st.sampled_from(["", " ", "\n", "\n\n", "\n* ", "\n> ", " | "])
body = st.lists(st.tuples(fragment, separator), max_size=12).map(
    lambda parts: "".join(f + s for f, s in parts))
# A front matter value: short, built from the same atoms, or any text.
field_value = st.one_of(
    text,
    st.lists(st.one_of(st.sampled_from(ATOMS), text), min_size=1, max_size=4).map(" ".join))
DATES = ["2026-02-01 10:00", "2026-02-01", "2026-02-01T10:00:00Z", "2019-07-14 22:46:00 -04:00",
         "next week", "2026-13-45", "", "0219-01-01"]
front = st.fixed_dictionaries(
    {"title": st.one_of(st.just("Fuzz issue"), field_value.map("Title ".__add__), field_value)},
    optional={"subject": field_value, "preheader": field_value, "Location": field_value,
              "call-script-text": field_value,
              "RSVP-link": st.one_of(field_value, st.sampled_from(
                  ["https://example.org/rsvp", "javascript:alert(1)", "example.org/r",
                   "rsvp@example.org", "https://example.org/r?e={{subscriber.email}}"])),
              "main-image": st.one_of(field_value, st.just("https://example.org/i.jpg")),
              "event-start-date": st.sampled_from(DATES)})


def issue_text(meta: dict, text: str) -> str:
    meta = {"title": meta["title"], "date": "2026-01-05", **{k: v for k, v in meta.items()
                                                             if k != "title"}}
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10**6)
    return f"---\n{dumped}---\n\n{FIRST}{text}\n"


def log(fields: list[str], source: str = "") -> None:
    """One tab-separated line per example; with a source, the issue file is
    kept beside the log and named in the line."""
    path = os.environ.get("NEWSLETTER_FUZZ_LOG")
    if not path:
        return
    if source:
        kept = Path(path + ".issues")
        kept.mkdir(exist_ok=True)
        name = kept / f"{len(list(kept.iterdir())):05d}.md"
        name.write_text(source, encoding="utf-8", errors="surrogatepass")
        fields = fields[:3] + [str(name)] + fields[3:]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\t".join(fields).replace("\n", " ")[:400] + "\n")


def attempt(meta: dict, text: str, platform: str, inliner: str) -> None:
    source = issue_text(meta, text)
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "issues").mkdir()
        (root / "newsletter.toml").write_text(safety.workspace_toml(inliner))
        (root / "issues" / NAME).write_text(source, encoding="utf-8")
        os.chdir(root)
        try:
            result = CliRunner().invoke(main, ["build", "--platform", platform])
        finally:
            os.chdir(old)
        output = result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            f"{type(result.exception).__name__}: {result.exception}"
        assert "Traceback" not in output
        folder_out = root / "build" / NAME[:-3]
        # Where placeholders are read: the body, title, subject, preheader,
        # Location and, when there is an event (a Location makes one), the
        # call script. RSVP-link and main-image are not read (test_hostile.py,
        # placeholder-in-rsvp).
        keys = ["title", "subject", "preheader", "Location"]
        if meta.get("Location"):
            keys.append("call-script-text")
        read = [text] + [str(meta.get(k, "")) for k in keys]
        unknown = any(u in part for u in UNKNOWN for part in read)
        if result.exit_code != 0:
            assert result.exit_code == 1, output
            assert re.search(rf"^(Error: )?issues/{re.escape(NAME)}(:\d+)?: (error: )?\S",
                             output, re.M), output
            assert not folder_out.exists()
            if unknown and "\x00" not in source:
                assert re.search(rf"issues/{re.escape(NAME)}:\d+: ", output), output
            kind = "refused-by-gate" if "[unsafe-output]" in output else "refused"
            first = next((line for line in output.splitlines() if "rror" in line), "")
            log([platform, inliner, kind, first], source if kind != "refused" else "")
            return
        assert not unknown, "an unknown placeholder built:\n" + output
        subject = re.search(r"^  subject: (.*)$", output, re.M)
        built = safety.Built(platform, (folder_out / "email.html").read_text(encoding="utf-8"),
                             (folder_out / "email.txt").read_text(encoding="utf-8"),
                             subject.group(1) if subject else None)
        found = safety.problems(built, [LINK], [source])
        assert not found, found
        log([platform, inliner, "built"])


platforms = st.sampled_from(sorted(PROFILES))
inliners = st.sampled_from(["css-inline", "css-inline", "premailer"])
SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
            HealthCheck.large_base_example]


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=SUPPRESS,
          print_blob=True)
@given(meta=front, text=body, platform=platforms, inliner=inliners)
def test_fuzz_issues_build_safely_or_fail_cleanly(meta, text, platform, inliner):
    attempt(meta, text, platform, inliner)


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("NEWSLETTER_FUZZ_EXAMPLES", "10000")), deadline=None,
          derandomize=False, suppress_health_check=list(HealthCheck), print_blob=True)
@given(meta=front, text=body, platform=platforms, inliner=inliners)
def test_fuzz_issues_many(meta, text, platform, inliner):
    attempt(meta, text, platform, inliner)
