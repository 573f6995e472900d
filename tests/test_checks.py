"""`newsletter check`: every check fires on its fixture at the right line."""
from __future__ import annotations

import collections
import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from newsletter.build import check_file, check_paths
from newsletter.errors import IDS, summary
from newsletter.cli import main
from newsletter.config import Config, load_config
from newsletter.errors import Problems

from conftest import ROOT, write_issue

FIXTURES = Path(__file__).parent / "fixtures" / "checks"

# (fixture, id, line, level): each check on the line that triggers it.
EXPECTED = [
    ("link-text.md", "link-text", 9, "info"),             # click [here]: a card now, its button says "Join the rota"
    ("link-text.md", "link-text", 13, "warning"),         # a long bare URL as text
    ("link-text.md", "link-text", 15, "info"),            # [HERE] in a card with a good button
    ("links.md", "http-link", 7, "warning"),
    ("links.md", "link-mailto", 9, "warning"),            # mailto: with no @
    ("links.md", "link-mailto", 11, "warning"),           # "mail to:"
    ("links.md", "link-broken", 13, "warning"),           # address split over two lines
    ("links.md", "link-space", 16, "warning"),
    ("links.md", "link-paren", 18, "warning"),
    ("links.md", "link-duplicate", 20, "info"),
    ("links.md", "link-broken", 22, "warning"),           # [text] (url)
    ("links.md", "link-scheme", 26, "warning"),           # from the build: www. link
    ("images.md", "image-alt", 9, "warning"),             # no alt
    ("images.md", "image-alt", 11, "warning"),            # alt is the file name
    ("images.md", "image-size", 13, "warning"),           # width="1200"
    ("images.md", "image-size", 15, "info"),              # -2400x1600.jpg
    ("dates.md", "event-past", 5, "warning"),
    ("dates.md", "date-past", 10, "info"),
    ("dates.md", "event-title", 4, "info"),               # no event-title: the issue's
    ("leftovers.md", "leftover-liquid", 7, "warning"),
    ("leftovers.md", "leftover-liquid", 9, "warning"),
    ("leftovers.md", "leftover-todo", 11, "warning"),
    ("leftovers.md", "leftover-heading", 15, "warning"),
    ("leftovers.md", "leftover-item", 18, "warning"),
    ("bidi.md", "bidi-control", 2, "warning"),            # LEFT-TO-RIGHT OVERRIDE in the title
    ("bidi.md", "bidi-control", 7, "warning"),            # RIGHT-TO-LEFT OVERRIDE after a link; not RLM
    ("markup.md", "markup", 9, "warning"),                # iframe -> link
    ("markup.md", "markup", 11, "warning"),               # script dropped
    ("subject.md", "subject-length", 2, "warning"),
    ("subject.md", "preheader", 4, "warning"),            # same as the subject
    ("front-matter.md", "front-matter-key", 4, "warning"),
    ("front-matter.md", "front-matter-type", 5, "warning"),   # Location as a block
    ("front-matter.md", "front-matter-type", 8, "warning"),   # published: "no"
    ("front-matter.md", "event-title", 5, "info"),        # the event's first key, Location
]


@pytest.fixture
def config(workspace) -> Config:
    return load_config(workspace / "newsletter.toml")


def found(name: str, config: Config) -> list[tuple[str, int | None, str]]:
    return [(p.id, p.line, p.level) for p in check_file(FIXTURES / name, config)]


@pytest.mark.parametrize("name,id,line,level", EXPECTED)
def test_check_fires_on_its_line(config, name, id, line, level):
    assert (id, line, level) in found(name, config)


@pytest.mark.parametrize("name", sorted({e[0] for e in EXPECTED}))
def test_fixture_finds_nothing_unexpected(config, name):
    expected = collections.Counter((i, ln, lv) for n, i, ln, lv in EXPECTED if n == name)
    assert collections.Counter(found(name, config)) == expected


def test_clean_fixture_has_no_problems(config):
    # It has a recap date ("April 25 was ...") and a future one on purpose.
    assert found("clean.md", config) == []


def test_readme_table_lists_exactly_the_ids():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Checking an issue", 1)[1].split("\n## ", 1)[0]
    cell = r"((?:[^|\\]|\\.)+)"   # a table cell may hold an escaped \|
    rows = re.findall(rf"^\| `([a-z-]+)` \| {cell} \| {cell} \|$", section, re.M)
    assert sorted(id for id, _, _ in rows) == sorted(IDS)
    for id, level, example in rows:
        assert re.search(r"\b(error|warning|info)\b", level), id
        assert example.strip(), id


def test_every_id_the_code_can_emit_is_known():
    # Any id literal handed to Problems.warn/info/error, ctx.add or a reporter.
    emitted = set()
    for path in (ROOT / "newsletter").rglob("*.py"):
        source = path.read_text()
        emitted |= set(re.findall(r"\.(?:warn|info|error)\((?:[^()]|\([^()]*\))*?, \"([a-z-]+)\",", source, re.S))
        emitted |= set(re.findall(r"\.add\(\"(?:error|warning|info)\", [^,]+, \"([a-z-]+)\"", source))
        emitted |= set(re.findall(r"report\(\"([a-z-]+)\"", source))
        emitted |= set(re.findall(r"\)\(\"([a-z-]+)\", f?\"", source))
    assert {"link-text", "markup", "size", "required-tag", "template-syntax"} <= emitted   # the scan works
    assert emitted <= set(IDS)
    assert {e[1] for e in EXPECTED} <= set(IDS)


def test_embed_link_is_not_reported_as_bare_url(config):
    assert [p.id for p in check_file(FIXTURES / "markup.md", config)] == ["markup", "markup"]


def test_long_subject(workspace, config):
    path = write_issue(workspace, "2026-05-04-long.md", "---\ntitle: " + "Garden news " * 8 +
                       "\npreheader: Short and different.\n---\n\nBody text here.\n")
    assert [(p.id, p.line) for p in check_file(path, config)] == [("subject-length", 2)]


def test_missing_preheader_is_info_only(workspace, config):
    path = write_issue(workspace, "2026-05-04-nopre.md",
                       "---\ntitle: Compost workshop on Sunday\n---\n\nBring a bucket.\n")
    problems = check_file(path, config)
    assert [(p.id, p.level) for p in problems] == [("preheader", "info")]
    assert "Bring a bucket" in problems[0].message


def test_size_budget_and_gmail_clip(workspace):
    (workspace / "newsletter.toml").write_text('size_budget_kb = 1\nunsubscribe_url = "https://example.org/u"\n')
    config = load_config(workspace / "newsletter.toml")
    small = check_file(FIXTURES / "clean.md", config)
    assert ("size", "warning") in [(p.id, p.level) for p in small]
    body = "\n\n".join(f"Paragraph {i} about the compost rota and who turns it." for i in range(2500))
    path = write_issue(workspace, "2026-05-04-huge.md",
                       "---\ntitle: A very long garden digest\npreheader: Everything at once.\n---\n\n"
                       + body + "\n")
    assert ("size", "error") in [(p.id, p.level) for p in check_file(path, config)]


@pytest.mark.parametrize("platform,tag", [("mailchimp", "*|UNSUB|*"), ("buttondown", "{{ unsubscribe_url }}")])
def test_missing_unsubscribe_tag_is_reported_by_check(runner, workspace, platform, tag):
    copy(workspace, "clean.md")
    (workspace / "templates" / "partials").mkdir(parents=True)
    (workspace / "templates" / "partials" / "footer.mjml").write_text(
        "<mj-section><mj-column><mj-text>Thanks for reading.</mj-text></mj-column></mj-section>\n")
    result = runner.invoke(main, ["check", "--platform", platform, "--format", "json"])
    assert result.exit_code == 1
    found = [(d["level"], d["id"]) for d in json.loads(result.stdout)]
    assert ("error", "required-tag") in found
    assert tag in result.stdout
    # The message offers --allow-missing-unsubscribe, so check takes it too.
    result = runner.invoke(main, ["check", "--platform", platform, "--allow-missing-unsubscribe"])
    assert result.exit_code == 0, result.output
    assert "warning: " in result.stdout and "[required-tag]" in result.stdout


def test_near_misses_are_not_reported(config):
    # Recurring and still-open dates, TKO and toddler, "Read more about X",
    # a decorative <img alt="">: a linter that flags these gets ignored.
    assert found("near-misses.md", config) == []


@pytest.mark.parametrize("fields,expected", [
    ("event-start-date: 2026-06-12 07:00:00 -04:00", None),   # may still be on at 8
    ("event-start-date: 2026-06-12", None),
    ("event-start-date: 2026-06-11 23:30:00 -04:00", "the event started June 11, 2026, before"),
    ("event-start-date: 2026-06-12 05:00:00 -04:00\nevent-end-date: 2026-06-12 07:00:00 -04:00",
     "the event ended June 12, 2026 at 07:00, before"),
])
def test_event_past_reads_the_day_as_written(workspace, config, fields, expected):
    path = write_issue(workspace, "2026-06-12-event.md", "---\ntitle: The June garden work day\n"
                       "date: 2026-06-12 08:00:00 -04:00\npreheader: Come along.\n" + fields +
                       "\nLocation: The green\n---\n\nCome along and dig.\n")
    messages = [p.message for p in check_file(path, config) if p.id == "event-past"]
    assert len(messages) == (0 if expected is None else 1)
    assert all(m.startswith(expected) for m in messages)


def test_a_key_set_twice_is_reported_at_the_one_that_counts(workspace, config):
    path = workspace / "issues" / "2026-05-04-twice.md"
    path.write_bytes("\ufeff---\r\ntitle: Garden news for May\r\npreheader: Beds are in.\r\n"
                     "date: 2026-05-04\r\npreheader: Beds are in, and the shed.\r\n---\r\n\r\nHello.\r\n"
                     .encode())
    found = [(p.id, p.line, p.message) for p in check_file(path, config)]
    assert found == [("front-matter-key", 5, "'preheader' is set 2 times (lines 3, 5); "
                      "only the last one counts")]


def test_merge_tags_pasted_from_a_campaign(workspace, config):
    path = write_issue(workspace, "2026-05-04-pasted.md", "---\ntitle: Pasted from an old campaign\n"
                       "preheader: News from the beds.\n---\n\n<p>Hello *|FNAME|*, and {$name}.</p>\n\n"
                       "Mailchimp writes `*|FNAME|*` for a first name.\n")
    found = [(p.id, p.line, p.message) for p in check_file(path, config)]
    assert [(id, line) for id, line, _ in found] == [("leftover-liquid", 6)] * 2
    assert "write [[first_name]]" in found[0][2]


def test_placeholders_in_prose_still_fire(workspace, config):
    path = write_issue(workspace, "2026-05-04-tk.md", "---\ntitle: Leftovers in the prose\n"
                       "preheader: A draft.\n---\n\nPhoto caption: TK.\n\n"
                       "[Sign the TODO petition](https://example.org/petition)\n")
    assert [(p.id, p.line) for p in check_file(path, config)] == [("leftover-todo", 6), ("leftover-todo", 8)]


def test_markdown_image_with_empty_alt_is_still_reported(workspace, config):
    path = write_issue(workspace, "2026-05-04-pics.md", "---\ntitle: Pictures from the garden\n"
                       "preheader: Photos.\n---\n\n![](https://example.org/a.png?w=2)\n\n"
                       '<img src="https://example.org/b.png">\n')
    problems = [(p.id, p.line, p.message[:20]) for p in check_file(path, config)]
    assert problems == [("image-alt", 6, "image 'a.png' has no"), ("image-alt", 8, "image 'b.png' has no")]


@pytest.mark.parametrize("newline,bom,extra", [("\n", "", 0), ("\r\n", "", 0), ("\r\n", "\ufeff", 0),
                                               ("\n", "\ufeff", 25), ("\r\n", "", 40)])
def test_lines_are_right_whatever_the_file_looks_like(workspace, config, newline, bom, extra):
    source = (FIXTURES / "link-text.md").read_text()
    head, body = source.split("\n---\n", 1)
    tags = "\ntags:" + "".join(f"\n  - tag{i}" for i in range(extra - 1)) if extra else ""
    text = bom + (head + tags + "\n---\n" + body).replace("\n", newline)
    path = workspace / "issues" / "2026-05-04-variant.md"
    path.write_bytes(text.encode())
    expected = [(i, ln + extra, lv) for n, i, ln, lv in EXPECTED if n == "link-text.md"]
    assert sorted(found(str(path), config)) == sorted(expected)


# -- silencing -------------------------------------------------------------------

def test_silenced_in_front_matter(config):
    # link-text is ignored in this file; the http-link beside it is not.
    assert found("silenced.md", config) == [("http-link", 10, "warning")]


def test_silenced_in_config(workspace):
    (workspace / "newsletter.toml").write_text(
        'unsubscribe_url = "https://example.org/u"\npostal_address = "1 Test St"\n[check]\nignore = ["link-*", "http-link"]\n')
    config = load_config(workspace / "newsletter.toml")
    # link-* covers the build's link-scheme too.
    assert check_file(FIXTURES / "links.md", config) == []


def test_config_silences_findings_about_config_and_templates(workspace):
    (workspace / "newsletter.toml").write_text('[check]\nignore = ["postal-address"]\n')
    path = write_issue(workspace, "2026-05-04-own.md", "---\ntitle: Garden news for May\n"
                       "preheader: Beds.\ncheck: {ignore: [platform-tag]}\n---\n\nThe beds are in.\n")
    found = [(p.path, p.id) for p in check_file(path, load_config(workspace / "newsletter.toml"))]
    # The issue's own list is about the issue; a finding about the config stays.
    assert [id for _, id in found] == ["platform-tag"]
    assert found[0][0] == "newsletter.toml"


def test_errors_cannot_be_silenced(workspace):
    (workspace / "newsletter.toml").write_text('[check]\nignore = ["input"]\n')
    config = load_config(workspace / "newsletter.toml")
    bad = write_issue(workspace, "2026-05-04-bad.md", "---\ntitle: [unclosed\n---\n")
    assert [p.level for p in check_file(bad, config)] == ["error"]


def test_unknown_ids_in_ignore_lists_are_reported(workspace):
    (workspace / "newsletter.toml").write_text('unsubscribe_url = "https://example.org/u"\n'
                                               'postal_address = "1 Test St"\n'
                                               '[check]\nignore = ["link-txt"]\nignroe = []\n')
    problems = Problems()
    load_config(workspace / "newsletter.toml", problems)
    messages = [(p.id, p.line, p.message) for p in problems]
    assert ("config-key", 4, "[check] unknown check id 'link-txt'; did you mean 'link-text'?") in messages
    assert any(p.id == "config-key" and "ignroe" in p.message for p in problems)
    path = write_issue(workspace, "2026-05-04-x.md", "---\ntitle: Compost workshop on Sunday\n"
                       "preheader: Bring a bucket and a friend.\ncheck: {ignore: [leftover-tdo]}\n"
                       "---\n\nSee you there.\n")
    config = load_config(workspace / "newsletter.toml")
    assert [(p.id, p.line) for p in check_file(path, config)] == [("front-matter-key", 4)]


def test_config_ignore_must_be_a_list(runner, workspace):
    (workspace / "newsletter.toml").write_text('[check]\nignore = "link-text"\n')
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 1
    assert "newsletter.toml:2: [check] ignore must be a list" in result.output


# -- the command -------------------------------------------------------------------

def copy(workspace: Path, *names: str) -> None:
    for name in names:
        shutil.copy(FIXTURES / name, workspace / "issues" / name)


def test_check_lists_everything_and_a_summary(runner, workspace):
    copy(workspace, "links.md", "clean.md", "images.md")
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert "issues/links.md:9: warning: 'mailto:coordinator.example.org' is not a valid " \
           "mailto: link; write mailto:name@example.org [link-mailto]" in lines
    assert lines[-1] == "0 errors, 11 warnings, 2 info in 3 files"


def test_strict_fails_on_warnings(runner, workspace):
    copy(workspace, "links.md")
    assert runner.invoke(main, ["check", "--strict"]).exit_code == 1
    copy(workspace, "clean.md")
    assert runner.invoke(main, ["check", "--strict", "issues/clean.md"]).exit_code == 0


def test_json_output(runner, workspace):
    copy(workspace, "leftovers.md", "dates.md")
    result = runner.invoke(main, ["check", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)   # nothing but JSON on stdout
    assert len(data) == 8
    for item in data:
        assert set(item) == {"path", "line", "level", "id", "message"}
        assert item["level"] in ("error", "warning", "info")
    assert {"path": "issues/dates.md", "line": 5, "level": "warning", "id": "event-past"} \
        .items() <= [d for d in data if d["id"] == "event-past"][0].items()
    assert "0 errors, 6 warnings, 2 info in 2 files" in result.stderr


def test_unreadable_file_is_an_error_and_the_rest_are_checked(runner, workspace):
    copy(workspace, "subject.md")
    (workspace / "issues" / "2026-05-04-binary.md").write_bytes(b"\x00\x01\x02 not text")
    (workspace / "issues" / "2026-05-05-yaml.md").write_text("---\ntitle: [oops\n---\nBody\n")
    result = runner.invoke(main, ["check", "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    errors = [(d["path"], d["id"]) for d in data if d["level"] == "error"]
    assert errors == [("issues/2026-05-04-binary.md", "input"), ("issues/2026-05-05-yaml.md", "input")]
    assert any(d["id"] == "subject-length" for d in data)
    assert "Traceback" not in result.output


def test_missing_path_is_reported_not_raised(runner, workspace):
    copy(workspace, "clean.md")
    result = runner.invoke(main, ["check", "issues/clean.md", "issues/nope.md"])
    assert result.exit_code == 1
    assert "issues/nope.md: error: no such file [input]" in result.stdout


def test_build_runs_the_checks_and_still_writes(runner, workspace):
    copy(workspace, "links.md")
    result = runner.invoke(main, ["build", "issues/links.md"])
    assert result.exit_code == 0, result.output
    assert "[link-mailto]" in result.stderr
    assert "0 errors, 8 warnings, 1 info in 1 file" in result.stderr
    assert (workspace / "build" / "links" / "email.html").is_file()
    assert runner.invoke(main, ["build", "--strict", "issues/links.md"]).exit_code == 1


def test_build_respects_silencing(runner, workspace):
    copy(workspace, "silenced.md")
    result = runner.invoke(main, ["build", "issues/silenced.md"])
    assert "[link-text]" not in result.stderr and "[http-link]" in result.stderr


def test_config_findings_are_said_once_by_check_and_build(runner, workspace):
    (workspace / "newsletter.toml").write_text('unsubscribe_url = "https://example.org/u"\n')
    for day in ("01", "02", "03"):
        write_issue(workspace, f"2026-06-{day}-news.md", f"---\ntitle: Garden news for June {day}\n"
                    "preheader: The beds are planted.\n---\n\nAll the beds are planted.\n")
    checked = runner.invoke(main, ["check"])
    assert checked.stdout.count("[postal-address]") == 1
    assert checked.stdout.strip().splitlines()[-1] == "0 errors, 1 warning, 0 info in 3 files"
    built = runner.invoke(main, ["build", "issues"])
    assert built.exit_code == 0, built.output
    assert built.stderr.count("[postal-address]") == 1
    assert "0 errors, 1 warning, 0 info in 3 files" in built.stderr


def test_summary_wording():
    problems = Problems()
    problems.error("a.md", 1, "input", "x")
    problems.warn("a.md", 2, "link-text", "x")
    problems.warn("a.md", 3, "link-text", "y")
    assert summary(problems, 1) == "1 error, 2 warnings, 0 info in 1 file"


# -- real pages ----------------------------------------------------------------------

def test_sample_issues_have_no_warnings(monkeypatch):
    monkeypatch.chdir(ROOT)
    config = load_config(ROOT / "newsletter.toml")
    problems, files = check_paths([ROOT / "issues"], config)
    assert files == 3
    assert [str(p) for p in problems if p.level != "info"] == []


def test_seed_page(seed):
    problems = check_file(seed, Config(timezone="America/New_York"))
    assert not problems.errors
    assert any(p.id == "link-text" for p in problems)


def test_corpus_run(corpus, capsys):
    problems, files = check_paths([corpus], Config(root=corpus, timezone="America/New_York"))
    counts = collections.Counter(p.id for p in problems)
    with capsys.disabled():
        print(f"\ncorpus: {summary(problems, files)}")
        for id, n in sorted(counts.items()):
            print(f"  {id:18} {n:6}")
    assert files > 900
    assert set(counts) <= set(IDS)
    # The real pages have all of these; a check that finds none is broken.
    for id in ("link-text", "http-link", "relative-link", "leftover-liquid", "event-past",
               "image-alt", "markup"):
        assert counts[id] > 0, id


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(alphabet=st.sampled_from(list("[]()<>{}%#*-_:/@. \nahTODOJuly 24xX!`|=\"'")),
                    max_size=200))
def test_any_body_gives_problems_not_a_traceback(config, workspace, body):
    path = write_issue(workspace, "2026-05-04-fuzz.md",
                       "---\ntitle: Fuzzed issue body\ndate: 2026-08-01\n---\n" + body)
    for problem in check_file(path, config):
        assert problem.id in IDS and problem.level in ("error", "warning", "info")


def test_json_output_stays_json_when_the_config_is_broken(runner, workspace):
    (workspace / "newsletter.toml").write_text('org_name = "X"\ntimezone = "Nowhere/Land"\n')
    result = runner.invoke(main, ["check", "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [(d["path"], d["line"], d["level"]) for d in data] == [("newsletter.toml", 2, "error")]


def test_a_weekday_that_does_not_match_its_date(workspace, config):
    path = write_issue(workspace, "2026-05-04-days.md", "---\ntitle: Days of the week\n"
                       "preheader: Short and different.\ndate: 2026-05-04\n---\n\n"
                       "Come on Tuesday, May 13 to the hall.\n\n"
                       "Or on Tuesday, May 12, or Wed. May 13, 2026.\n\n"
                       "Sunday May 10 is fine too.\n")
    found = [(p.id, p.line, p.message) for p in check_file(path, config) if p.id == "date-weekday"]
    assert found == [("date-weekday", 7, "Tuesday May 13: May 13, 2026 is a Wednesday")]


FRONT_SYNTAX = ('---\ntitle: "Hello *|FNAME|* {{ name }}"\ndate: 2026-01-05\n'
                'preheader: "Hi {% include x %}"\nlocation: "Hall {{ room }}"\n'
                "event-start-date: 2026-02-01 10:00\n---\n\nBody {{ name }} here.\n")


def _leftover_lines(runner, platform):
    result = runner.invoke(main, ["check", "--platform", platform, "--format", "json"])
    return sorted((p["line"], p["id"], re.search(r"'([^']+)'", p["message"]).group(1))
                  for p in json.loads(result.stdout)
                  if p["id"] in ("leftover-liquid", "template-syntax"))


def test_template_syntax_in_front_matter_is_a_leftover_at_its_line(runner, workspace):
    write_issue(workspace, "2026-01-05-a.md", FRONT_SYNTAX)
    assert _leftover_lines(runner, "generic") == [
        (2, "leftover-liquid", "*|FNAME|*"), (2, "leftover-liquid", "{{ name }}"),
        (4, "leftover-liquid", "{% include x %}"), (5, "leftover-liquid", "{{ room }}"),
        (9, "leftover-liquid", "{{ name }}")]


def test_front_matter_leftovers_are_not_warned_twice(runner, workspace):
    write_issue(workspace, "2026-01-05-a.md", FRONT_SYNTAX)
    front = [p for p in _leftover_lines(runner, "buttondown") if p[0] < 9]
    assert front == [(2, "leftover-liquid", "*|FNAME|*"), (2, "template-syntax", "{{ name }}"),
                     (4, "template-syntax", "{% include x %}"), (5, "template-syntax", "{{ room }}")]


def test_link_findings_show_links_as_typed(tmp_path):
    # A service tag typed in a link is marked inside; the message must show
    # what the writer typed, not the marker that stands for it.
    path = tmp_path / "2026-03-02-tags.md"
    path.write_text("---\ntitle: Tags\ndate: 2026-03-02\n---\n\n"
                    "See <https://example.org/three?[Email]> now.\n", encoding="utf-8")
    problems = check_file(path, Config(platform="sendy"))
    found = [p.message for p in problems if p.id == "link-text"]
    assert found and "https://example.org/three?[Email]" in found[0]
    assert not any("PHQ" in p.message for p in problems)
