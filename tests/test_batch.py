"""`newsletter build --all`: parallel, incremental, every failure reported, kill-safe."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsletter import disk, manifest
from newsletter.batch import build_all
from newsletter.build import stale_issues
from newsletter.cli import main
from newsletter.config import load_config
from newsletter.errors import Problems

from conftest import ROOT, write_issue

SAMPLES = sorted((ROOT / "issues").glob("*.md"))
BROKEN = "---\ntitle: Broken\ndate: 2026-04-01\nevent-start-date: 2026-13-45\n---\n\nText.\n"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by relative path: what two builds must agree on."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def samples(workspace, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1784000000")   # the .ics build time, fixed
    for path in SAMPLES:
        shutil.copy(path, workspace / "issues" / path.name)
    return workspace


def run(runner, *args):
    return runner.invoke(main, ["build", "--all", *args])


def built_lines(output: str) -> list[str]:
    return sorted(line.split("] ", 1)[1] for line in output.splitlines() if line.startswith("["))


def test_parallel_and_serial_builds_are_byte_identical(runner, samples):
    assert run(runner, "--jobs", "1").exit_code == 0
    serial = tree(samples / "build")
    shutil.rmtree(samples / "build")
    result = run(runner, "--jobs", "2")
    assert result.exit_code == 0, result.output
    parallel = tree(samples / "build")
    assert serial == parallel
    stems = [p.stem for p in SAMPLES]
    # Every issue's email and web version, the index and the feed, and the manifest.
    assert {f"{s}/email.html" for s in stems} | {f"site/{s}/index.html" for s in stems} \
        | {"site/index.html", "site/feed.xml", manifest.MANIFEST_NAME} <= set(parallel)


def test_only_what_changed_is_built_again(runner, samples):
    first = run(runner)
    assert first.exit_code == 0, first.output
    assert "3 built, 0 unchanged, 0 failed" in first.output
    before = {p: p.stat().st_mtime_ns for p in (samples / "build").rglob("email.html")}

    again = run(runner)
    assert again.exit_code == 0 and "0 built, 3 unchanged, 0 failed" in again.output
    assert {p: p.stat().st_mtime_ns for p in before} == before   # nothing rewritten

    touched = samples / "issues" / SAMPLES[1].name
    touched.write_text(touched.read_text() + "\nOne more line.\n")
    config = load_config(None, Problems())
    assert stale_issues(config) == [samples / "issues" / SAMPLES[1].name]
    result = run(runner)
    assert "1 built, 2 unchanged" in result.output
    assert built_lines(result.output) == [f"built build/{SAMPLES[1].stem}/"]
    assert "One more line." in (samples / "build" / SAMPLES[1].stem / "email.txt").read_text()
    assert "One more line." in (samples / "build/site" / SAMPLES[1].stem / "index.html").read_text()


@pytest.mark.parametrize("change", ["template", "config", "platform", "force", "deleted"])
def test_a_theme_config_or_platform_change_builds_everything(runner, samples, change):
    assert run(runner).exit_code == 0
    args = []
    if change == "template":
        (samples / "templates" / "partials").mkdir(parents=True)
        footer = ROOT / "templates" / "partials" / "footer.mjml"
        text = footer.read_text().replace("signed up for", "joined")
        (samples / "templates" / "partials" / "footer.mjml").write_text(text)
    elif change == "config":
        with open(samples / "newsletter.toml", "a") as fh:
            fh.write('\n[colors]\nprimary = "#aa0000"\n')
    elif change == "platform":
        args = ["--platform", "buttondown"]
    elif change == "force":
        args = ["--force"]
    else:
        shutil.rmtree(samples / "build" / "site" / SAMPLES[0].stem)
    result = run(runner, *args)
    assert result.exit_code == 0, result.output
    expected = 1 if change == "deleted" else 3
    assert f"{expected} built, {3 - expected} unchanged" in result.output
    if change == "template":
        assert "because you joined" in (samples / "build" / SAMPLES[0].stem / "email.html").read_text()


def test_a_failing_file_is_reported_and_the_rest_build(runner, samples):
    write_issue(samples, "2026-04-01-broken.md", BROKEN)
    result = run(runner, "--jobs", "2")
    assert result.exit_code == 1
    assert "3 built, 0 unchanged, 1 failed" in result.output
    assert "failed: issues/2026-04-01-broken.md:4:" in result.output
    assert not (samples / "build" / "2026-04-01-broken").exists()
    entries = manifest.load(samples / "build")
    assert entries["2026-04-01-broken"].ok is False
    # Unchanged and still broken: said again, not built again, and still a failure.
    again = run(runner)
    assert again.exit_code == 1
    assert "0 built, 3 unchanged, 1 failed" in again.output
    assert "issues/2026-04-01-broken.md:4:" in again.output
    index = (samples / "build" / "site" / "index.html").read_text()
    assert "Broken" not in index and "River Cleanup Day" in index


def test_problems_are_printed_as_they_are_found(samples, monkeypatch):
    write_issue(samples, "2026-04-01-broken.md", BROKEN)
    said = []
    build_all(load_config(None, Problems()), jobs=1,
              echo=lambda text, err=False: said.append((text, err)))
    # The broken file's error comes before the issue after it is done.
    errors = [i for i, (text, err) in enumerate(said) if err and "2026-04-01-broken.md:4" in text]
    done = [i for i, (text, err) in enumerate(said) if text.startswith("[4/4]")]
    assert errors and done and errors[0] < done[0], said


def test_a_terminal_gets_a_progress_bar(samples, capsys):
    write_issue(samples, "2026-04-01-broken.md", BROKEN)
    result = build_all(load_config(None, Problems()), jobs=1, terminal=True)
    assert result.built == 3
    out, err = capsys.readouterr()
    assert "[1/4]" not in out   # no plain lines: the bar drew on stderr instead
    # Every problem is printed above the bar, each on a line of its own, once.
    lines = err.splitlines()
    assert result.problems and all(lines.count(str(p)) == 1 for p in result.problems), err


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_swap_is_synced_before_the_manifest_vouches_for_it(samples, monkeypatch, jobs):
    """Workers leave their swaps unsynced; the parent syncs both folders before it
    saves the entries, so a power cut can't keep an entry and lose its folder's swap."""
    events = []
    real_sync, real_save = disk.fsync_dir, manifest.save

    def sync(folder):
        events.append(("sync", Path(folder)))
        real_sync(folder)

    def save(folder, entries):
        events.append(("save", {stem for stem, entry in entries.items() if entry.ok}))
        real_save(folder, entries)
    monkeypatch.setattr(disk, "fsync_dir", sync)   # in the parent; jobs=1 builds there too
    monkeypatch.setattr(manifest, "save", save)
    result = build_all(load_config(None, Problems()), jobs=jobs, echo=lambda *a, **k: None)
    assert result.built == 3
    build, site = (samples / "build").resolve(), (samples / "build" / "site").resolve()
    saves = [i for i, (kind, stems) in enumerate(events) if kind == "save" and stems]
    assert saves and events[saves[-1]][1] == {p.stem for p in SAMPLES}
    first = saves[0]
    synced = {folder for kind, folder in events[:first] if kind == "sync"}
    assert {build, site} <= synced, events
    # Each sync of the two is the parent's, just before a save; not one after each write
    # (with jobs=1 the writes' own syncs of their staging folders show in between).
    for i, (kind, folder) in enumerate(events):
        if kind == "sync" and folder in (build, site):
            after = events[i + 1]
            assert after[0] == "save" or after[1] in (build, site), events


def test_a_batch_first_removes_what_killed_writes_left(runner, samples):
    """Once, for every folder, before the workers start: their writes then skip it."""
    assert run(runner).exit_code == 0
    stem = SAMPLES[0].stem
    junk = [samples / "build" / f".{stem}.tmp-{1:016x}", samples / "build" / "site" /
            f".{stem}.old-{2:016x}", samples / "build" / f".gone.tmp-{3:016x}"]
    for folder in junk:
        folder.mkdir()
        (folder / "email.html").write_text("half")
    mine = samples / "build" / f".{stem}.tmp-notes"   # not a name a write makes
    mine.mkdir()
    assert run(runner, "--force").exit_code == 0
    assert not any(folder.exists() for folder in junk) and mine.is_dir()


def test_two_files_building_into_one_folder(runner, samples):
    (samples / "issues" / "old").mkdir()
    shutil.copy(SAMPLES[0], samples / "issues" / "old" / SAMPLES[0].name)
    result = run(runner)
    assert result.exit_code == 1
    assert f"builds into the same folder as issues/{SAMPLES[0].name}" in result.output


def test_building_one_file_takes_it_out_of_the_manifest(runner, samples):
    assert run(runner).exit_code == 0
    assert runner.invoke(main, ["build", f"issues/{SAMPLES[0].name}", "--platform",
                                "buttondown"]).exit_code == 0
    email = samples / "build" / SAMPLES[0].stem / "email.html"
    assert "{{ unsubscribe_url }}" in email.read_text()
    assert SAMPLES[0].stem not in manifest.load(samples / "build")
    result = run(runner)
    assert "1 built, 2 unchanged" in result.output   # back to the config's platform
    assert "{{ unsubscribe_url }}" not in email.read_text()


def test_options_that_need_all(runner, samples):
    for args in (["build", "--jobs", "2"], ["build", "--force"],
                 ["build", "--all", f"issues/{SAMPLES[0].name}"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2 and "go with --all" in result.output


# --- a kill in the middle of --all ---------------------------------------------------

def issue_text(n: int, version: str) -> str:
    return (f"---\ntitle: Issue {n} {version}\ndate: 2026-05-{n + 1:02d}\n"
            f"event-start-date: 2026-06-{n + 1:02d} 10:00:00 -04:00\n---\n\n"
            f"Text of version {version}, with [a link](https://example.org/{version}/{n}).\n")


def test_sigkill_in_the_middle_of_all_leaves_old_or_new_and_the_manifest_true(
        runner, workspace, monkeypatch, tmp_path_factory):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1784000000")
    count = 6
    # The new set, built once elsewhere: what each folder must hold if not the old one.
    reference = tmp_path_factory.mktemp("reference")
    shutil.copy(workspace / "newsletter.toml", reference)
    (reference / "issues").mkdir()
    for n in range(count):
        write_issue(reference, f"2026-05-{n + 1:02d}-i{n}.md", issue_text(n, "new"))
        write_issue(workspace, f"2026-05-{n + 1:02d}-i{n}.md", issue_text(n, "old"))
    subprocess.run([sys.executable, "-m", "newsletter", "build", "--all"], cwd=reference,
                   check=True, capture_output=True)
    assert run(runner).exit_code == 0
    build = workspace / "build"
    old, new = tree(build), tree(reference / "build")
    for n in range(count):
        write_issue(workspace, f"2026-05-{n + 1:02d}-i{n}.md", issue_text(n, "new"))
    states = set()
    for after in (1, 4):
        shutil.rmtree(build)
        for name, data in old.items():   # the old build, put back plainly
            (build / name).parent.mkdir(parents=True, exist_ok=True)
            (build / name).write_bytes(data)
        proc = subprocess.Popen([sys.executable, "-m", "newsletter", "build", "--all",
                                 "--jobs", "2"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        # Killed once `after` issues are done: others are being written right then.
        for _ in range(after):
            assert proc.stdout.readline().startswith("[")
        proc.kill()
        proc.wait()
        proc.stdout.close()
        time.sleep(0.3)   # the workers end with their parent
        entries = manifest.load(build)
        for n in range(count):
            stem = f"2026-05-{n + 1:02d}-i{n}"
            for folder in (stem, f"site/{stem}"):
                got = {f"{folder}/{k}": v for k, v in tree(build / folder).items()}
                olds = {k: v for k, v in old.items() if k.startswith(folder + "/")}
                news = {k: v for k, v in new.items() if k.startswith(folder + "/")}
                assert got in (olds, news), (folder, sorted(got))
                states.add("new" if got == news else "old")
                if stem in entries:   # the manifest vouches only for the new set
                    assert got == news, folder
    assert states == {"old", "new"}, states   # the kills landed in the middle
    result = run(runner)
    assert result.exit_code == 0, result.output
    after = tree(build)
    assert {k: v for k, v in after.items() if k != manifest.MANIFEST_NAME} == \
        {k: v for k, v in new.items() if k != manifest.MANIFEST_NAME}
    entries = manifest.load(build)
    assert len(entries) == count and all(e.ok for e in entries.values())
    assert f"0 built, {count} unchanged" in run(runner).output
