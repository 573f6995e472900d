"""CLI behaviour and bad input: one `Error: path:line: message`, exit 1, no traceback."""
import re

import pytest

from newsletter.cli import main

from conftest import write_issue

GOOD = "---\ntitle: Fine\ndate: 2026-01-05\n---\n\nHello [there](https://example.org/t).\n"


def build(runner, *args):
    return runner.invoke(main, ["build", *args])


def assert_one_error(result, path, line, words):
    """Exit 1, exactly one `Error:` line naming path (and line), no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit), result.output
    errors = [l for l in result.output.splitlines() if l.startswith("Error:")]
    assert len(errors) == 1, result.output
    where = f"{path}:{line}: " if line else f"{path}: "
    assert errors[0].startswith(f"Error: {where}"), errors[0]
    assert re.search(words, errors[0], re.I), errors[0]


def test_missing_file(runner, workspace):
    assert_one_error(build(runner, "issues/nope.md"), "issues/nope.md", None, "no such file")


def test_a_folder_without_issues(runner, workspace):
    (workspace / "issues" / "drafts").mkdir()
    assert_one_error(build(runner, "issues/drafts"), "issues/drafts", None, "folder")


def test_binary_file(runner, workspace):
    (workspace / "issues" / "photo.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert_one_error(build(runner, "issues/photo.md"), "issues/photo.md", None, "binary")


def test_non_utf8_file_names_the_line_of_the_bad_byte(runner, workspace):
    data = GOOD.encode() + b"\nMore text.\nCaf\xe9 au lait\n"
    (workspace / "issues" / "latin1.md").write_bytes(data)
    assert_one_error(build(runner, "issues/latin1.md"), "issues/latin1.md", 9, "UTF-8")


def test_yaml_error_names_its_line(runner, workspace):
    write_issue(workspace, "bad.md", "---\ntitle: Fine\ntags: [one, two\ndate: 2026-01-05\n---\nBody\n")
    result = build(runner, "issues/bad.md")
    line = int(re.search(r"bad\.md:(\d+):", result.output).group(1))
    assert line in (3, 4, 5)   # PyYAML reports where it noticed the open bracket
    assert_one_error(result, "issues/bad.md", line, "YAML")


def test_yaml_error_on_a_plain_line(runner, workspace):
    write_issue(workspace, "bad.md", "---\ntitle: Fine\ndate: 2026-01-05\nsubject: a: b\n---\nBody\n")
    result = build(runner, "issues/bad.md")
    assert_one_error(result, "issues/bad.md", 4, "YAML")
    assert "needs quotes" in result.output   # says how to fix the usual cause


def test_merge_conflict_markers_in_front_matter(runner, workspace):
    write_issue(workspace, "conflict.md", "---\ntitle: Fine\n<<<<<<< HEAD\ndate: 2026-01-05\n"
                "=======\ndate: 2026-01-06\n>>>>>>> theirs\n---\nBody\n")
    assert_one_error(build(runner, "issues/conflict.md"), "issues/conflict.md", 3, "merge-conflict")


def test_missing_title(runner, workspace):
    write_issue(workspace, "untitled.md", "---\ndate: 2026-01-05\nlayout: post\n---\nBody\n")
    assert_one_error(build(runner, "issues/untitled.md"), "issues/untitled.md", 1, "title")


def test_empty_title(runner, workspace):
    write_issue(workspace, "untitled.md", "---\ndate: 2026-01-05\ntitle: ''\n---\nBody\n")
    assert_one_error(build(runner, "issues/untitled.md"), "issues/untitled.md", 3, "title")


@pytest.mark.parametrize("value", ["next Tuesday", "2026-13-45", "14/07/2019"])
def test_unparseable_date(runner, workspace, value):
    write_issue(workspace, "when.md", f"---\ntitle: Fine\nlayout: post\ndate: {value}\n---\nBody\n")
    assert_one_error(build(runner, "issues/when.md"), "issues/when.md", 4, "date")


def test_batch_builds_the_good_files_and_summarises(runner, workspace):
    write_issue(workspace, "2026-01-01-a.md", GOOD)
    write_issue(workspace, "2026-01-02-b.md", "---\ndate: 2026-01-02\n---\nNo title\n")
    write_issue(workspace, "2026-01-03-c.md", GOOD)
    result = build(runner, "issues/2026-01-01-a.md", "issues/2026-01-02-b.md", "issues/2026-01-03-c.md")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Error: issues/2026-01-02-b.md:1: missing 'title'" in result.output
    assert "1 of 3 issue(s) failed: issues/2026-01-02-b.md" in result.output
    assert (workspace / "build/2026-01-01-a/email.html").is_file()
    assert (workspace / "build/2026-01-03-c/email.html").is_file()
    assert not (workspace / "build/2026-01-02-b").exists()


def test_a_failed_build_leaves_previous_outputs_intact(runner, workspace):
    path = write_issue(workspace, "2026-01-05-x.md", GOOD)
    assert build(runner, str(path)).exit_code == 0
    out = workspace / "build/2026-01-05-x"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    path.write_text(GOOD.replace("title: Fine\n", ""), encoding="utf-8")
    assert build(runner, str(path)).exit_code == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before   # no temp files left


def test_a_failed_write_leaves_previous_outputs_intact(workspace, monkeypatch):
    """Atomic at the file level too: a failed write renames nothing, leaves no temp file."""
    from newsletter import output as build_mod
    out = workspace / "out"
    build_mod.write_atomically(out, {"email.html": "old html", "email.txt": "old text"})
    # Fail while writing, before any rename: nothing may change.
    monkeypatch.setattr(build_mod.os, "write", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        build_mod.write_atomically(out, {"email.html": "new html", "email.txt": "new text"})
    assert (out / "email.html").read_text() == "old html"
    assert sorted(p.name for p in out.iterdir()) == ["email.html", "email.txt"]


def test_two_builds_are_byte_identical(runner, workspace):
    path = write_issue(workspace, "2026-01-05-x.md", GOOD + "\n* Sign [HERE](https://example.org/s).\n")
    out = workspace / "build/2026-01-05-x"
    assert build(runner, str(path)).exit_code == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert build(runner, str(path)).exit_code == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert set(first) == {"email.html", "email.txt", "email.mjml", "email.eml"}


def test_build_without_paths_builds_the_newest(runner, workspace):
    write_issue(workspace, "2026-01-01-old.md", GOOD)
    write_issue(workspace, "2026-02-01-new.md", GOOD)
    result = build(runner)
    assert result.exit_code == 0, result.output
    assert (workspace / "build/2026-02-01-new/email.html").is_file()
    assert not (workspace / "build/2026-01-01-old").exists()


def test_build_with_no_issues_says_how_to_start(runner, workspace):
    result = build(runner)
    assert result.exit_code == 1 and "newsletter new" in result.output
    assert "Traceback" not in result.output


def test_output_parses_as_an_email(runner, workspace):
    """The two parts make a valid multipart message, as a mailing service sends it."""
    from email import message_from_bytes, policy
    from email.message import EmailMessage
    path = write_issue(workspace, "2026-01-05-x.md", GOOD)
    assert build(runner, str(path), "--output", "out").exit_code == 0
    msg = EmailMessage()
    msg["Subject"] = "Fine"
    msg.set_content((workspace / "out/2026-01-05-x/email.txt").read_text())
    msg.add_alternative((workspace / "out/2026-01-05-x/email.html").read_text(), subtype="html")
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    text = parsed.get_body(("plain",)).get_content()
    page = parsed.get_body(("html",)).get_content()
    assert "https://example.org/t" in text and 'href="https://example.org/t"' in page
    assert "https://example.org/unsub" in text and "https://example.org/unsub" in page


def test_utf16_file_says_so(runner, workspace):
    (workspace / "issues" / "notepad.md").write_bytes(GOOD.encode("utf-16"))
    assert_one_error(build(runner, "issues/notepad.md"), "issues/notepad.md", 1, "UTF-16")


def test_unclosed_front_matter(runner, workspace):
    write_issue(workspace, "open.md", "---\ntitle: Fine\ndate: 2026-01-05\n\nBody text.\n")
    assert_one_error(build(runner, "issues/open.md"), "issues/open.md", 1, "closing '---'")


def test_front_matter_that_is_not_a_mapping(runner, workspace):
    write_issue(workspace, "list.md", "---\n- title\n- date\n---\nBody\n")
    assert_one_error(build(runner, "issues/list.md"), "issues/list.md", 2, "key: value")


def test_windows_line_endings_and_bom_build(runner, workspace):
    data = "\ufeff" + GOOD.replace("\n", "\r\n")
    (workspace / "issues" / "2026-01-05-win.md").write_bytes(data.encode("utf-8"))
    result = build(runner, "issues/2026-01-05-win.md")
    assert result.exit_code == 0, result.output
    assert "Fine" in (workspace / "build/2026-01-05-win/email.txt").read_text()


def test_builds_in_separate_processes_are_byte_identical(workspace):
    """No output may depend on hash order or the process; the clock only through
    the .ics build time, which SOURCE_DATE_EPOCH fixes."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path
    for case in ("event", "raw-html", "actions"):
        shutil.copy(Path(__file__).parent / "golden" / f"{case}.md", workspace / "issues" / f"{case}.md")
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1784000000"}
        subprocess.run([sys.executable, "-m", "newsletter", "build", "issues", "--output", f"out{seed}"],
                       check=True, env=env, capture_output=True)
        outputs.append({p.relative_to(workspace / f"out{seed}"): p.read_bytes()
                        for p in sorted((workspace / f"out{seed}").rglob("*")) if p.is_file()})
    # email.html, .txt, .mjml, .eml for each case, plus the event's .ics file.
    assert len(outputs[0]) == 13 and outputs[0] == outputs[1]
    assert Path("event/event.ics") in outputs[0]


@pytest.mark.parametrize("toml, line, words", [
    ("timezone = 5\n", 1, "timezone' must be a string"),
    ("[colors]\nprimary = 5\n", 2, "colors.primary must be a CSS colour"),
    ('colors = { primary = "<b>" }\n', 1, "colors.primary must be a CSS colour"),
    ("fonts = { Roboto = 5 }\n", 1, "fonts.Roboto must be a stylesheet URL"),
    ("size_budget_kb = true\n", 1, "positive whole number"),
])
def test_bad_config_values_are_one_error_not_a_traceback(runner, workspace, toml, line, words):
    (workspace / "newsletter.toml").write_text(toml)
    write_issue(workspace, "2026-01-05-fine.md", GOOD)
    assert_one_error(build(runner), "newsletter.toml", line, re.escape(words))


def test_css_colours_in_every_form_are_accepted(runner, workspace):
    (workspace / "newsletter.toml").write_text(
        '[colors]\nprimary = "#0a5"\ncard = "white"\ntext = "rgb(20, 20, 20)"\n')
    write_issue(workspace, "2026-01-05-fine.md", GOOD)
    result = build(runner)
    assert result.exit_code == 0, result.output
    assert "rgb(20, 20, 20)" in (workspace / "build/2026-01-05-fine/email.html").read_text()


def test_an_unwritable_output_folder_is_one_error(runner, workspace):
    (workspace / "blocked").write_text("a file where the output folder should go")
    write_issue(workspace, "2026-01-05-fine.md", GOOD)
    result = build(runner, "-o", "blocked")
    assert_one_error(result, "blocked/2026-01-05-fine", None, "cannot write the output")


@pytest.mark.parametrize("title, stem", [
    ("Привет мир", "привет-мир"),
    ("نشرة أخبار", "نشرة-أخبار"),
    ('He said: "Hi" — ça va? 🎉', "he-said-hi-ca-va"),
])
def test_new_gives_each_title_its_own_file(runner, workspace, title, stem):
    runner.invoke(main, ["new", "Other issue"])
    result = runner.invoke(main, ["new", title])
    assert result.exit_code == 0, result.output
    [path] = [p for p in (workspace / "issues").glob("*.md") if "other-issue" not in p.name]
    assert path.name.endswith(f"-{stem}.md")
    built = build(runner, str(path))
    assert built.exit_code == 0, built.output
    assert title in (workspace / "build" / path.stem / "email.txt").read_text()


def test_new_without_an_issues_folder_creates_it(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["new", "First one"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "issues").glob("*-first-one.md"))) == 1


def test_new_when_issues_is_a_file_is_one_error(runner, workspace):
    (workspace / "issues").rmdir()
    (workspace / "issues").write_text("not a folder")
    result = runner.invoke(main, ["new", "First one"])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.startswith("Error: issues is a file, not a folder"), result.output


@pytest.mark.parametrize("front,line,says", [
    ("title: a\n\tsubject: b\n", 3, "a tab is used here; YAML front matter is indented with spaces"),
    ("title: 'unclosed\nsubject: b\n", 2, "a quote opened on this line is never closed"),
    ("title: a\nevent:\n    start: 1\n  end: 2\n", 5, "the indentation is uneven here"),
    ("title: Vote: yes\n", 2, "a value containing ': ' needs quotes"),
])
def test_yaml_errors_read_plainly_at_their_line(runner, workspace, front, line, says):
    write_issue(workspace, "2026-01-05-yaml.md", f"---\n{front}date: 2026-01-05\n---\n\nBody.\n")
    result = build(runner, "issues/2026-01-05-yaml.md")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"issues/2026-01-05-yaml.md:{line}: front matter is not valid YAML: {says}" in result.output
    assert "(YAML says: " in result.output   # YAML's own wording is kept


@pytest.mark.parametrize("key,value", [
    ("date", "2026-01-05 10:00:00 +25:00"),
    ("date", "2026-01-05 10:00 -24:00"),
    ("event-start-date", "2026-01-09T10:00:00+99:00"),
])
def test_a_utc_offset_of_a_day_or_more_is_unreadable_at_its_line(runner, workspace, key, value):
    extra = "" if key == "date" else f"{key}: {value}\n"
    date = value if key == "date" else "2026-01-05"
    write_issue(workspace, "tz.md", f"---\ntitle: Fine\ndate: {date}\n{extra}---\n\nHello.\n")
    result = runner.invoke(main, ["check", "issues/tz.md"])
    assert result.exit_code == 1 and result.exception is None or \
        isinstance(result.exception, SystemExit), result.output
    line = 3 if key == "date" else 4
    assert f"issues/tz.md:{line}: error: cannot read {key}" in result.output, result.output


def test_two_files_building_into_one_folder(runner, workspace):
    write_issue(workspace, "2026-01-05-fine.md", GOOD)
    (workspace / "other").mkdir()
    (workspace / "other" / "2026-01-05-fine.md").write_text(GOOD.replace("Fine", "Other"))
    result = build(runner, "issues/2026-01-05-fine.md", "other/2026-01-05-fine.md")
    assert result.exit_code == 1, result.output
    assert "other/2026-01-05-fine.md: builds into the same folder as " \
           "issues/2026-01-05-fine.md" in result.output
    html = (workspace / "build" / "2026-01-05-fine" / "email.html").read_text()
    assert "Fine" in html and "Other" not in html   # the first file's email is kept


def test_with_no_path_the_newest_issue_is_built_and_a_tie_goes_to_the_last_saved(runner, workspace):
    import os
    write_issue(workspace, "2026-01-04-older.md", GOOD.replace("Fine", "Older"))
    write_issue(workspace, "2026-01-05-zeta.md", GOOD.replace("Fine", "Zeta"))
    write_issue(workspace, "2026-01-05-alpha.md", GOOD.replace("Fine", "Alpha"))
    # alpha sorts first by name but was saved last: it is the one being written.
    os.utime(workspace / "issues" / "2026-01-05-zeta.md", (1_000_000_000, 1_000_000_000))
    result = build(runner)
    assert result.exit_code == 0, result.output
    assert "built build/2026-01-05-alpha/" in result.output, result.output


@pytest.mark.parametrize("name,words", [
    ("..md", "a file name starting with '.' can't name an output folder"),
    ("...md", "a file name starting with '.' can't name an output folder"),
    ("site.md", "the file name 'site' is also the name of the web archive's folder"),
    ("calendar.md", "the web archive's calendar/ folder"),
    ("feed.xml.md", "the web archive's Atom feed"),
    ("outbox.md", "the test-send outbox"),
])
def test_a_file_name_that_would_replace_other_outputs_is_refused(runner, workspace, name, words):
    write_issue(workspace, "2026-01-05-keep.md", GOOD)
    assert build(runner, "issues/2026-01-05-keep.md").exit_code == 0
    write_issue(workspace, name, GOOD)
    result = build(runner, f"issues/{name}")
    assert_one_error(result, f"issues/{name}", None, re.escape(words))
    # Nothing else was touched: the project and the other issue's email are there.
    assert (workspace / "newsletter.toml").is_file()
    assert (workspace / "build" / "2026-01-05-keep" / "email.html").is_file()
