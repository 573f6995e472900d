"""An output folder is one set: old or new, never a mix, even under SIGKILL.

The kill tests run real `python -m newsletter build` processes and kill them
at random moments: some spread over the whole run, some just after the
staging folder appears (the write itself, which is a few milliseconds of a
one-second build). The rest test the recovery rules directly, with the
state a killed build would leave made by hand.
"""
from __future__ import annotations

import ctypes
import errno
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from newsletter import disk, output
from newsletter.cli import main
from newsletter.config import Config
from newsletter.errors import IssueError
from newsletter.render.email import Email

from conftest import ROOT, write_issue

STEM = "2026-02-01-kill"
OLD_ISSUE = "---\ntitle: Old\ndate: 2026-02-01\n---\n\nThe old text, with [a link](https://example.org/old).\n"
NEW_ISSUE = ("---\ntitle: New\ndate: 2026-02-01\nevent-start-date: 2026-02-07 10:00:00 -05:00\n"
             "---\n\nThe new text, with [a link](https://example.org/new).\n")
LEFTOVER = re.compile(rf"\.{re.escape(STEM)}\.(tmp|old)-[0-9a-f]{{16}}")

# In the child, not in the product: make the renames fallback run where
# renameat2 exists, so kills can land between its two renames.
FALLBACK_CHILD = ("import sys, newsletter.disk as d; d.renameat2 = lambda: None; "
                  "from newsletter.cli import main; main(['build'])")


def files_in(folder: Path) -> dict[str, bytes]:
    """Every entry in the folder; a subfolder or odd entry shows up as a mismatch."""
    return {p.name: (p.read_bytes() if p.is_file() and not p.is_symlink() else b"<not a file>")
            for p in folder.iterdir()}


def put_back(folder: Path, files: dict[str, bytes]) -> None:
    """The old set, written plainly (not through the code under test)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)


@pytest.fixture
def sets(runner, workspace, monkeypatch):
    """(build folder, old set, new set); the issue now says 'New' and has an event."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))   # the child imports this checkout
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1784000000")   # the .ics build time, fixed
    issue = write_issue(workspace, f"{STEM}.md", OLD_ISSUE)
    assert runner.invoke(main, ["build"]).exit_code == 0
    folder = workspace / "build" / STEM
    old = files_in(folder)
    issue.write_text(NEW_ISSUE, encoding="utf-8")
    assert runner.invoke(main, ["build"]).exit_code == 0
    new = files_in(folder)
    # The sets differ in every file and in which files there are.
    assert set(new) - set(old) == {f"{STEM}.ics"} and set(old) < set(new)
    assert all(old[name] != new[name] for name in old)
    return folder, old, new


def start(fallback: bool) -> subprocess.Popen:
    args = ["-c", FALLBACK_CHILD] if fallback else ["-m", "newsletter", "build"]
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def kill_at(delay: float, fallback: bool = False) -> None:
    proc = start(fallback)
    try:
        proc.wait(timeout=delay)   # finished first: nothing to kill
    except subprocess.TimeoutExpired:
        proc.kill()   # SIGKILL; Popen never signals a pid it has already reaped
        proc.wait()


def watch_write(folder: Path, proc: subprocess.Popen) -> float:
    """Wait for the staging folder to appear; seconds from the start to then."""
    began, prefix = time.monotonic(), f".{STEM}.tmp-"
    while proc.poll() is None:
        if any(name.startswith(prefix) for name in os.listdir(folder.parent)):
            return time.monotonic() - began
        time.sleep(0.0003)   # leave the child a CPU; the write lasts milliseconds
    return time.monotonic() - began


def write_window(folder: Path, fallback: bool) -> float:
    """How long one unkilled write lasts: staging folder seen until no temp folder is left."""
    proc = start(fallback)
    watch_write(folder, proc)
    seen = time.monotonic()
    while proc.poll() is None and any(LEFTOVER.fullmatch(n) for n in os.listdir(folder.parent)):
        time.sleep(0.0003)
    window = time.monotonic() - seen
    proc.wait()
    return window


def kill_in_write(folder: Path, delay: float, fallback: bool) -> None:
    """Kill `delay` seconds after the staging folder appears: inside the write."""
    proc = start(fallback)
    watch_write(folder, proc)
    time.sleep(delay)
    proc.kill()   # SIGKILL, unless it has already exited and been reaped
    proc.wait()


def state_after_kill(folder: Path, old: dict, new: dict) -> str:
    """'old', 'new' or 'between' (renames fallback only); fails on anything else."""
    others = [n for n in os.listdir(folder.parent) if n != folder.name]
    assert all(LEFTOVER.fullmatch(n) for n in others), others   # nothing but our own temps
    if not folder.exists():
        # Killed between the fallback's two renames: the old set is whole in its .old- folder.
        olds = [n for n in others if ".old-" in n]
        assert len(olds) == 1 and files_in(folder.parent / olds[0]) == old, others
        return "between"
    got = files_in(folder)
    assert got in (old, new), sorted(got)
    return "old" if got == old else "new"


def build_again_and_check(runner, folder: Path, new: dict) -> None:
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert os.listdir(folder.parent) == [folder.name]   # every leftover cleaned up
    assert files_in(folder) == new


def test_sigkill_anywhere_in_a_build_leaves_old_or_new(runner, sets):
    folder, old, new = sets
    rng = random.Random(20260201)
    durations = []
    for _ in range(3):
        put_back(folder, old)
        began = time.monotonic()
        subprocess.run([sys.executable, "-m", "newsletter", "build"], check=True,
                       capture_output=True)
        durations.append(time.monotonic() - began)
        assert files_in(folder) == new
    duration = sorted(durations)[1]
    # Spread over the whole run and a little past it, with a quarter of the
    # kills in its last 20% where the write happens. How long a run takes
    # moves with the machine's load (one CI run was slower than its measured
    # run every time, so no kill landed late), so the last kills wait twice
    # the slowest run: the harness must see a finished build as new.
    delays = [rng.uniform(0, 1.1) * duration for _ in range(12)]
    delays += [rng.uniform(0.8, 1.05) * duration for _ in range(4)]
    delays += [2 * max(durations)] * 2
    seen = []
    for delay in delays:
        put_back(folder, old)
        kill_at(delay)
        seen.append(state_after_kill(folder, old, new))
        build_again_and_check(runner, folder, new)
    assert "between" not in seen, seen   # renameat2 swaps in one step
    assert "old" in seen and "new" in seen, seen   # the kills did land before and after


@pytest.mark.parametrize("fallback", [False, True], ids=["exchange", "renames"])
def test_sigkill_inside_the_write_leaves_old_or_new(runner, sets, fallback):
    folder, old, new = sets
    rng = random.Random(7 + fallback)
    put_back(folder, old)
    window = write_window(folder, fallback)
    assert files_in(folder) == new
    seen = []
    for _ in range(4):
        put_back(folder, old)
        kill_in_write(folder, rng.uniform(0, 1.2) * window, fallback)
        seen.append(state_after_kill(folder, old, new))
        build_again_and_check(runner, folder, new)
    if not fallback:
        assert "between" not in seen, seen


# --- the recovery rules, with a killed build's state made by hand --------------------

def hexname(kind: str, n: int, stem: str = "x") -> str:
    return f".{stem}.{kind}-{n:016x}"


def test_leftovers_of_a_killed_build_are_removed_and_nothing_else(tmp_path):
    folder = tmp_path / "x"
    output.write_atomically(folder, {"email.html": "old"})
    for name in (hexname("tmp", 1), hexname("old", 2)):   # final present: both are junk
        (tmp_path / name).mkdir()
        (tmp_path / name / "email.html").write_text("half")
    keep = [hexname("tmp", 3, stem="y"), ".x.tmp-notes", "x.tmp-0000000000000004",
            hexname("tmp", 5) + ".bak"]
    for name in keep:
        (tmp_path / name).mkdir()
    (tmp_path / hexname("tmp", 6)).write_text("a file, not our folder")
    keep.append(hexname("tmp", 6))
    output.write_atomically(folder, {"email.html": "new", "email.txt": "text"})
    assert sorted(os.listdir(tmp_path)) == sorted(keep + ["x"])
    assert files_in(folder) == {"email.html": b"new", "email.txt": b"text"}


def test_files_the_new_set_lacks_are_gone(tmp_path):
    folder = tmp_path / "x"
    output.write_atomically(folder, {"email.html": "old", "x.ics": b"cal"})
    (folder / "screenshot-phone.png").write_bytes(b"png")
    output.write_atomically(folder, {"email.html": "new"})
    assert files_in(folder) == {"email.html": b"new"}


@pytest.fixture(params=["missing", "einval"])
def no_exchange(request, monkeypatch):
    """renameat2 absent (not Linux, old glibc), or refused by the filesystem."""
    def refuses(*args):
        ctypes.set_errno(errno.EINVAL)
        return -1
    monkeypatch.setattr(disk, "renameat2", lambda: None if request.param == "missing" else refuses)


def test_the_renames_fallback_replaces_the_set(tmp_path, no_exchange):
    folder = tmp_path / "x"
    output.write_atomically(folder, {"email.html": "old", "x.ics": b"cal"})
    output.write_atomically(folder, {"email.html": "new"})
    assert os.listdir(tmp_path) == ["x"]
    assert files_in(folder) == {"email.html": b"new"}


def test_a_kill_between_the_fallback_renames_is_undone(tmp_path, no_exchange):
    # The state after `rename(x, .x.old-)` and before `rename(.x.tmp-, x)`.
    folder = tmp_path / "x"
    output.write_atomically(folder, {"email.html": "old", "email.txt": "old text"})
    os.rename(folder, tmp_path / hexname("old", 1))
    staged = tmp_path / hexname("tmp", 2)
    staged.mkdir()
    (staged / "email.html").write_text("new, maybe half")
    output.recover(folder)
    assert os.listdir(tmp_path) == ["x"]
    assert files_in(folder) == {"email.html": b"old", "email.txt": b"old text"}
    # And a write that finds that state ends with the new set, nothing else.
    os.rename(folder, tmp_path / hexname("old", 3))
    output.write_atomically(folder, {"email.html": "new"})
    assert os.listdir(tmp_path) == ["x"] and files_in(folder) == {"email.html": b"new"}


def test_a_failed_second_rename_puts_the_old_set_back(tmp_path, no_exchange, monkeypatch):
    folder = tmp_path / "x"
    output.write_atomically(folder, {"email.html": "old"})
    real_rename = os.rename

    def rename(src, dst):
        if ".tmp-" in str(src):
            raise OSError(errno.EIO, "I/O error")
        real_rename(src, dst)
    monkeypatch.setattr(output.os, "rename", rename)
    with pytest.raises(OSError):
        output.write_atomically(folder, {"email.html": "new"})
    assert os.listdir(tmp_path) == ["x"] and files_in(folder) == {"email.html": b"old"}


@pytest.mark.parametrize("where", ["sync", "exchange"])
def test_a_failed_write_is_an_issue_error_and_changes_nothing(tmp_path, monkeypatch, where):
    folder = tmp_path / "build" / "x"
    output.write_atomically(folder, {"email.html": "old", "email.txt": "old text"})
    full = OSError(errno.ENOSPC, "No space left on device")
    if where == "sync":
        monkeypatch.setattr(disk, "sync_data", lambda fd: (_ for _ in ()).throw(full))
    else:
        monkeypatch.setattr(disk, "exchange", lambda a, b: (_ for _ in ()).throw(full))
    email = Email(source="x.md", subject="s", preheader="", html="new", text="new text",
                  mjml="<mjml/>", attachments={"x.ics": b"cal"})
    with pytest.raises(IssueError) as caught:
        output.write_email(email, folder, Config())
    assert "cannot write the output: No space left on device" in str(caught.value.detail)
    assert os.listdir(folder.parent) == ["x"]   # no staging folder left behind
    assert files_in(folder) == {"email.html": b"old", "email.txt": b"old text"}


def test_modes_are_those_of_ordinary_files_and_folders(tmp_path):
    mask = os.umask(0o027)
    try:
        output.write_atomically(tmp_path / "x", {"email.html": "a"})
        output.write_atomically(tmp_path / "x", {"email.html": "b"})   # a swap keeps them too
    finally:
        os.umask(mask)
    assert (tmp_path / "x").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "x" / "email.html").stat().st_mode & 0o777 == 0o640


def test_a_symlinked_output_folder_stays_a_link(tmp_path):
    target = tmp_path / "elsewhere"
    output.write_atomically(target, {"email.html": "old"})
    (tmp_path / "build").mkdir()
    os.symlink(target, tmp_path / "build" / "x")
    output.write_atomically(tmp_path / "build" / "x", {"email.html": "new"})
    assert (tmp_path / "build" / "x").is_symlink()
    assert files_in(target) == {"email.html": b"new"}


def test_names_that_leave_the_folder_are_refused(tmp_path):
    for name in ("../evil", "a/b", "..", ""):
        with pytest.raises(ValueError):
            output.write_atomically(tmp_path / "x", {name: "x"})
    assert not (tmp_path / "evil").exists()


def test_two_writers_at_once_do_not_remove_each_others_staging(tmp_path):
    """A `serve` rebuild and a `build` at the same moment: both succeed, one set wins."""
    folder, errors = tmp_path / "x", []
    writers = [{"email.html": f"writer {i}", f"only-{i}.txt": str(i)} for i in range(2)]

    def write(files):
        try:
            for _ in range(25):
                output.write_atomically(folder, files)
        except OSError as exc:   # pragma: no cover - what the lock prevents
            errors.append(exc)
    threads = [threading.Thread(target=write, args=(files,)) for files in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert os.listdir(tmp_path) == ["x"]
    assert files_in(folder) in [{k: v.encode() for k, v in files.items()} for files in writers]


# --- a batch's grouped writes: staged first, then synced and swapped in together -----

def test_grouped_writes_change_nothing_until_commit(tmp_path):
    deferred = output.Deferred(grouped=True)
    for name in ("a", "b"):
        output.write_atomically(tmp_path / name, {"email.html": f"old {name}"})
        output.write_atomically(tmp_path / name, {"email.html": f"new {name}"}, deferred)
    assert [(tmp_path / n / "email.html").read_text() for n in "ab"] == ["old a", "old b"]
    assert len(deferred.staged) == 2 and not deferred.unsynced
    assert output.commit(deferred) == {}
    assert [(tmp_path / n / "email.html").read_text() for n in "ab"] == ["new a", "new b"]
    assert sorted(os.listdir(tmp_path)) == ["a", "b"]   # no staging folder left
    assert deferred.unsynced == {tmp_path.resolve()} and deferred.staged == []


def test_commit_carries_over_a_push_record_written_after_staging(tmp_path):
    folder = tmp_path / "x"
    output.write_atomically(folder, {"email.html": "old"})
    deferred = output.Deferred(grouped=True)
    output.write_atomically(folder, {"email.html": "new"}, deferred)
    output.write_one(folder, "push.json", b'{"draft": 1}')   # `push` ran in between
    assert output.commit(deferred) == {}
    assert files_in(folder) == {"email.html": b"new", "push.json": b'{"draft": 1}'}


def test_a_set_that_cannot_be_swapped_in_fails_alone(tmp_path):
    deferred = output.Deferred(grouped=True)
    for name in ("a", "b"):
        output.write_atomically(tmp_path / name, {"email.html": name}, deferred)
    (tmp_path / "a").write_text("a file now stands where the folder goes")
    failed = output.commit(deferred)
    assert list(failed) == [(tmp_path / "a").resolve()]
    assert isinstance(failed[(tmp_path / "a").resolve()], FileExistsError)
    assert (tmp_path / "a").is_file() and (tmp_path / "b" / "email.html").read_text() == "b"
    assert sorted(os.listdir(tmp_path)) == ["a", "b"]


def test_every_staged_file_is_synced_before_any_swap(tmp_path, monkeypatch):
    events = []
    real_sync, real_swap = disk.sync_data, output._swap_in
    monkeypatch.setattr(disk, "sync_data", lambda fd: (events.append("sync"), real_sync(fd)))
    monkeypatch.setattr(output, "_swap_in", lambda a, b: (events.append("swap"), real_swap(a, b)))
    deferred = output.Deferred(grouped=True)
    for name in ("a", "b", "c"):
        output.write_atomically(tmp_path / name, {"email.html": name, "email.txt": name}, deferred)
    assert events == []   # staging syncs nothing
    output.commit(deferred)
    assert events == ["sync"] * 6 + ["swap"] * 3
