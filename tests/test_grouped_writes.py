"""Attacks on a batch's grouped writes: concurrent writers, failed swaps, a killed worker.

What each test sets up: a small project of a few issues in tmp_path, built
through build_all or the CLI; another writer (a thread, or a second real
`build --all`) at the same moment; a write that fails, and the run after it;
a worker process that SIGKILLs itself at a chosen step (a monkeypatch made
before the pool forks, so no timing decides where the kill lands).
"""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from newsletter import disk, manifest, output
from newsletter.batch import build_all
from newsletter.cli import main
from newsletter.config import load_config
from newsletter.errors import Problems

from conftest import ROOT, write_issue


def issue_text(n: int, version: str) -> str:
    return (f"---\ntitle: The community issue {n}, {version} version\ndate: 2026-05-{n + 1:02d}\n"
            f"preheader: What issue {n} brings\nevent-title: Meeting {n}\n"
            f"event-start-date: 2026-06-{n + 1:02d} 10:00:00 -04:00\n---\n\n"
            f"Text of version {version}, with [a link](https://example.org/{version}/{n}).\n")


def stems(count: int) -> list[str]:
    return [f"2026-05-{n + 1:02d}-i{n}" for n in range(count)]


def write_issues(folder: Path, count: int, version: str) -> None:
    for n, stem in enumerate(stems(count)):
        write_issue(folder, f"{stem}.md", issue_text(n, version))


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(build: Path) -> list[str]:
    return [str(p.relative_to(build)) for p in build.rglob("*")
            if ".tmp-" in p.name or ".old-" in p.name]


def quiet(*args, **kwargs) -> None:
    pass


# --- another writer of the same file at the same moment (promise 3) ----------------

def test_a_file_write_leaves_another_writers_temporary_file_alone(tmp_path, monkeypatch):
    """Two batches write the manifest, feed.xml and each .ics: one's clean-up of a
    killed write's temporary file must not take the other's live one."""
    path, errors = tmp_path / "feed.xml", []
    inside, second_done = threading.Event(), threading.Event()
    real_fsync = os.fsync

    def fsync(fd):
        if threading.current_thread() is first and not inside.is_set():
            inside.set()   # the first writer's temporary file exists, not yet renamed
            second_done.wait(1)   # where the writes exclude each other, the second waits
        real_fsync(fd)
    monkeypatch.setattr(os, "fsync", fsync)

    def write(data: bytes, done: threading.Event | None = None) -> None:
        try:
            manifest.write_file_atomically(path, data)
        except OSError as exc:
            errors.append(exc)
        if done is not None:
            done.set()
    first = threading.Thread(target=write, args=(b"first",))
    second = threading.Thread(target=write, args=(b"second", second_done))
    first.start()
    assert inside.wait(10)
    second.start()
    first.join()
    second.join()
    assert errors == []
    assert path.read_bytes() in (b"first", b"second") and os.listdir(tmp_path) == ["feed.xml"]


def test_two_batches_at_once_both_build_everything(workspace, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1784000000")
    write_issues(workspace, 24, "new")
    command = [sys.executable, "-m", "newsletter", "build", "--all", "--jobs", "2", "--force"]
    subprocess.run(command, check=True, capture_output=True)
    alone = tree(workspace / "build")
    for _ in range(3):
        procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err[-2000:]
            assert "Traceback" not in err and "cannot write" not in err, err[-2000:]
        assert leftovers(workspace / "build") == []
        got = tree(workspace / "build")
        assert {k: v for k, v in got.items() if k != manifest.MANIFEST_NAME} == \
            {k: v for k, v in alone.items() if k != manifest.MANIFEST_NAME}
        assert all(e.ok for e in manifest.load(workspace / "build").values())


# --- a write that fails, and the run after it (promises 1 and 2) --------------------

def run(runner, *args):
    return runner.invoke(main, ["build", "--all", *args])


def test_a_folder_that_could_not_be_written_is_built_by_the_next_run(runner, workspace):
    write_issues(workspace, 3, "new")
    assert run(runner).exit_code == 0
    folder = workspace / "build" / stems(3)[1]
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    folder.write_text("a file in the way")
    result = run(runner, "--force")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"build/{stems(3)[1]}: cannot write the output: a file is in the way" in result.output
    assert "2 built, 0 unchanged, 1 failed" in result.output
    folder.unlink()   # the way is clear: a failed write is no property of the issue
    again = run(runner)
    assert again.exit_code == 0, again.output
    assert "1 built, 2 unchanged, 0 failed" in again.output
    assert (folder / "email.html").is_file()


def test_a_swap_that_fails_in_commit_fails_that_issue_and_is_retried(workspace, monkeypatch):
    write_issues(workspace, 3, "new")
    victim = stems(3)[2]
    real = disk.sync_files

    def sync_files(folder):
        if folder.name.startswith(f".{victim}."):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(folder)
    monkeypatch.setattr(disk, "sync_files", sync_files)
    config = load_config(None, Problems())
    result = build_all(config, jobs=1, echo=quiet)
    assert result.built == 2
    assert result.failed == [f"issues/{victim}.md: cannot write the output: "
                             "No space left on device"]
    assert not (workspace / "build" / victim).exists()
    assert leftovers(workspace / "build") == []
    monkeypatch.setattr(disk, "sync_files", real)   # space was freed
    again = build_all(config, jobs=1, echo=quiet)
    assert (again.built, again.unchanged, again.failed) == (1, 2, [])
    assert (workspace / "build" / victim / "email.html").is_file()


# --- a worker killed in the middle of its group's swaps (promise 1) -----------------

def test_a_killed_worker_fails_its_issues_cleanly_and_the_next_run_builds_them(
        workspace, monkeypatch, tmp_path_factory):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1784000000")
    count = 8
    reference = tmp_path_factory.mktemp("reference")
    (reference / "issues").mkdir()
    (reference / "newsletter.toml").write_bytes((workspace / "newsletter.toml").read_bytes())
    write_issues(reference, count, "new")
    subprocess.run([sys.executable, "-m", "newsletter", "build", "--all"], cwd=reference,
                   check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    new = tree(reference / "build")
    write_issues(workspace, count, "old")
    config = load_config(None, Problems())
    assert build_all(config, jobs=1, echo=quiet).built == count
    build = workspace / "build"
    old = tree(build)
    write_issues(workspace, count, "new")

    # The worker swaps in this issue's email folder, then is killed before its web page.
    victim, parent, real_swap = stems(count)[3], os.getpid(), output._swap_in

    def swap_in(staged, folder):
        real_swap(staged, folder)
        if os.getpid() != parent and folder.name == victim and folder.parent.name == "build":
            os.kill(os.getpid(), signal.SIGKILL)
    monkeypatch.setattr(output, "_swap_in", swap_in)
    result = build_all(config, jobs=2, echo=quiet)   # no BrokenProcessPool out of here
    assert any(line.startswith(f"issues/{victim}.md: ") and "ended" in line
               for line in result.failed), result.failed
    assert result.built + len(result.failed) == count
    entries = manifest.load(build)
    assert victim not in entries
    # The kill landed between the issue's two swaps: its email folder is new, its web page old.
    assert tree(build / victim) == {k.split("/", 1)[1]: v for k, v in new.items()
                                    if k.startswith(victim + "/")}
    assert tree(build / "site" / victim) == {k.split("/", 2)[2]: v for k, v in old.items()
                                             if k.startswith(f"site/{victim}/")}
    for stem in stems(count):
        for folder in (stem, f"site/{stem}"):
            got = {f"{folder}/{k}": v for k, v in tree(build / folder).items()}
            olds = {k: v for k, v in old.items() if k.startswith(folder + "/")}
            news = {k: v for k, v in new.items() if k.startswith(folder + "/")}
            assert got in (olds, news), folder
            if stem in entries:
                assert entries[stem].ok and got == news, folder

    monkeypatch.setattr(output, "_swap_in", real_swap)
    again = build_all(config, jobs=2, echo=quiet)
    assert again.failed == [] and again.built == count - len(entries)
    assert leftovers(build) == []
    assert {k: v for k, v in tree(build).items() if k != manifest.MANIFEST_NAME} == \
        {k: v for k, v in new.items() if k != manifest.MANIFEST_NAME}
