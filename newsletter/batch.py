"""`newsletter build --all` and `newsletter archive`: every issue, in parallel, only what changed.

In: the Config, and options: jobs (worker processes, default the core
count), force (build even what has not changed), allow_missing_unsubscribe,
and how to show progress (progress.py). Out: for each issue whose inputs
changed (manifest.py), its email folder (`<output>/<stem>/`) and its web
version and .ics in the archive; the manifest; the archive's index.html and
feed.xml; and a BatchResult: how many were built, unchanged and failed
(with `path:line`), and the time taken.

Each worker takes a group of a few issues (GROUP), builds them one at a
time, staging each one's folders on disk, then syncs and swaps in all of
them at once (output.commit: one round of disk syncs for the group, not one
per issue); it hands back only the few facts the manifest keeps, so memory
stays flat however many issues there are. The web version is made in the
worker that built the email, because the email's marked parts hold that
process's markers.

Kill safety: entries of the issues about to be built are dropped from the
manifest (saved) before any folder is touched; an entry is added back only
after both folders are swapped in. So at any instant the manifest vouches only
for folders that hold what it says, and each folder is wholly old or new.
An issue that failed in writing (a full disk, a file in the way) or whose
worker was killed keeps no entry, so the next run builds it again.
Power-cut safety: a worker leaves its swaps unsynced and names the folders
they were made in; the parent syncs those folders before each save of the
manifest, so a saved entry never outlives its folder's swap. The parent
also removes what killed builds left (output.recover_all) once, before the
workers start, so their writes skip that (output.Deferred).
"""
from __future__ import annotations

import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import click

from . import manifest, progress
from .config import Config
from .errors import IssueError, NewsletterError, Problem, Problems
from .source.issue import display_path, find_issue_files

SAVE_EVERY = 1.0   # seconds between saves of the manifest while building
GROUP = 8   # issues a worker builds before it syncs and swaps in their folders


@dataclass
class Outcome:
    """What a worker hands back for one issue."""
    stem: str
    entry: manifest.Entry
    problems: list[Problem]
    unsynced: set[Path] = field(default_factory=set)   # folders of swaps not yet synced
    # Failed in writing, not in building: no property of the issue (a full disk,
    # a file in the way), so no entry is kept and the next run builds it again.
    retry: bool = False


@dataclass
class BatchResult:
    built: int = 0
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)    # `path:line: message`, one per issue
    problems: Problems = field(default_factory=Problems)
    seconds: float = 0.0
    archive: Path | None = None


def build_one(path: Path, key: str, config: Config, allow_missing_unsubscribe: bool,
              deferred) -> tuple[Outcome, list[Path]]:
    """Build one issue and stage its email folder and web pages in `deferred`
    (in a worker process); the folders it staged come back with its Outcome."""
    from .archive.site import write_issue_pages
    from .build import issue_parts
    from .content.placeholders import plain
    from .output import write_email

    problems = Problems()
    entry = manifest.Entry(key=key, source=display_path(path), ok=False)
    staged_before = len(deferred.staged)
    writing = False
    try:
        issue, content, email = issue_parts(path, config, problems, allow_missing_unsubscribe)
        if not problems.errors:
            writing = True
            write_email(email, config.output_path / issue.stem, config, deferred)
            entry.title, entry.date = plain(content.title), issue.date.isoformat()
            entry.preheader, entry.published = plain(content.preheader or ""), issue.published
            if issue.published:
                entry.ics = write_issue_pages(email, issue.stem, config, problems, deferred)
            else:   # a draft has no public page, even one from when it was published
                shutil.rmtree(config.archive_path / issue.stem, ignore_errors=True)
            entry.ok = True
    except IssueError as exc:
        problems.error(exc.path, exc.line, "input", exc.detail)
    except OSError as exc:
        problems.error(display_path(path), None, "input", f"cannot write the output: {exc}")
    except Exception as exc:   # a bug: this file fails, the batch goes on, the bug is named
        problems.error(display_path(path), None, "input",
                       f"could not be built ({type(exc).__name__}: {exc}); please report this")
    if not entry.ok:
        entry.problems = [p.as_dict() for p in problems.errors][:1]
    folders = [folder for _, folder, _ in deferred.staged[staged_before:]]
    return Outcome(path.stem, entry, list(problems), retry=writing and not entry.ok), folders


def build_group(items: list[tuple[Path, str]], config: Config,
                allow_missing_unsubscribe: bool = False) -> list[Outcome]:
    """Build a few issues, then sync and swap in all their folders at once
    (output.commit), in a worker process. An issue whose folder could not be
    swapped in fails, with why; its old folders stay whole."""
    from .output import Deferred, commit

    # build_all ran recover_all, and syncs the swapped folders' parents.
    deferred = Deferred(recovered=True, grouped=os.name == "posix")
    built = [build_one(path, key, config, allow_missing_unsubscribe, deferred)
             for path, key in items]
    failed = commit(deferred)
    for (outcome, folders), (path, _) in zip(built, items):
        why = next((failed[f] for f in folders if f in failed), None)
        if why is not None:
            problem = Problem(display_path(path), None, "error", "input",
                              f"cannot write the output: {getattr(why, 'strerror', None) or why}")
            outcome.problems.append(problem)
            outcome.entry.ok, outcome.retry = False, True
            outcome.entry.problems = [problem.as_dict()]
        outcome.unsynced = set(deferred.unsynced)
    return [outcome for outcome, _ in built]


def groups(stale: list, jobs: int) -> list[list]:
    """The issues in groups of up to GROUP, smaller when there are few, so
    that every worker gets several and none waits long for the last."""
    size = max(1, min(GROUP, len(stale) // (jobs * 4)))
    return [stale[i:i + size] for i in range(0, len(stale), size)]


def _die_with_parent() -> None:
    """In a worker: end when the parent ends, even by SIGKILL, rather than
    go on building for nobody (Linux only; elsewhere the queue's end does it)."""
    try:
        import ctypes
        import signal
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _pool(jobs: int) -> ProcessPoolExecutor:
    import multiprocessing

    # fork: a worker starts with the modules the parent already imported.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(max_workers=jobs, initializer=_die_with_parent,
                               mp_context=multiprocessing.get_context(method))


def ended(path: Path, key: str) -> Outcome:
    """An issue whose worker process died before handing it back: it failed, and
    the next run builds it again (each of its folders is wholly old or new)."""
    problem = Problem(display_path(path), None, "error", "input",
                      "not built: the worker process building it ended before it was done "
                      "(killed, or out of memory?)")
    entry = manifest.Entry(key=key, source=display_path(path), ok=False,
                           problems=[problem.as_dict()])
    return Outcome(path.stem, entry, [problem], retry=True)


def _where(problem: dict) -> str:
    line = problem.get("line")
    return f"{problem['path']}:{line}" if line else problem["path"]


def build_all(config: Config, jobs: int | None = None, force: bool = False,
              allow_missing_unsubscribe: bool = False,
              echo: Callable[..., None] | None = None, terminal: bool | None = None) -> BatchResult:
    """Build every issue in issues/ whose inputs changed; see the module's docstring."""
    started = time.perf_counter()
    files = find_issue_files([config.issues_path]) if config.issues_path.is_dir() else []
    if not files:
        raise NewsletterError(f"no issue files (*.md) in {display_path(config.issues_path)}/")
    result = BatchResult()
    seen: set[Problem] = set()
    owners: dict[str, Path] = {}
    clashes: list[Path] = []
    for path in files:
        if path.stem in owners:
            clashes.append(path)
        else:
            owners[path.stem] = path
    out = config.output_path
    old = manifest.load(out)
    stale, entries = manifest.plan(list(owners.values()), config, old, force,
                                   allow_missing_unsubscribe=allow_missing_unsubscribe)
    if entries != old:
        manifest.save(out, entries)   # before any folder changes; see the docstring
    if stale:
        from .output import recover_all
        recover_all(out)
        recover_all(config.archive_path)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(stale)))
    pool = futures = None
    if jobs > 1:
        # Workers are forked here, before the progress bar starts its thread.
        pool = _pool(jobs)
        futures = {pool.submit(build_group, group, config, allow_missing_unsubscribe): group
                   for group in groups(stale, jobs)}
    show = progress.reporter(len(stale), echo or click.echo, terminal)

    def tell(problems) -> None:
        new = []
        for problem in problems:
            # Findings about newsletter.toml or a template recur for every file; say them once.
            if problem not in seen:
                seen.add(problem)
                result.problems.append(problem)
                new.append(str(problem))
        show.problems(new)

    for path in clashes:
        problem = Problem(display_path(path), None, "error", "input",
                          f"builds into the same folder as {display_path(owners[path.stem])}; "
                          "rename one of them")
        tell([problem])
        result.failed.append(str(problem))
    for stem, entry in entries.items():
        if entry.ok:
            result.unchanged += 1
        else:   # unchanged and still failing: say why again, without building it
            problems = [Problem(**p) for p in entry.problems]
            tell(problems)
            result.failed.append(f"{_where(entry.problems[0])}: {entry.problems[0]['message']}"
                                 if entry.problems else entry.source)

    saved = time.monotonic()
    unsynced: set[Path] = set()

    def save() -> None:
        if unsynced:
            from .disk import sync_folders
            sync_folders(unsynced)   # the swaps first, then the entries that vouch for them
        manifest.save(out, entries)

    def done(outcome: Outcome) -> None:
        nonlocal saved
        tell(outcome.problems)
        unsynced.update(outcome.unsynced)
        if outcome.retry:
            entries.pop(outcome.stem, None)
        else:
            entries[outcome.stem] = outcome.entry
        if outcome.entry.ok:
            result.built += 1
            show.finished(f"built {display_path(out / outcome.stem)}/")
        else:
            first = outcome.entry.problems[0] if outcome.entry.problems else None
            result.failed.append(f"{_where(first)}: {first['message']}" if first
                                 else outcome.entry.source)
            show.finished(f"failed {outcome.entry.source}")
        if time.monotonic() - saved > SAVE_EVERY:
            save()
            saved = time.monotonic()

    try:
        if pool is None:
            for group in groups(stale, jobs):
                for outcome in build_group(group, config, allow_missing_unsubscribe):
                    done(outcome)
        else:
            for future in as_completed(futures):
                try:
                    outcomes = future.result()
                except BrokenProcessPool:   # a worker was killed (the OOM killer, kill -9)
                    outcomes = [ended(path, key) for path, key in futures[future]]
                for outcome in outcomes:
                    done(outcome)
    finally:
        show.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if stale:
            save()
    site = config.archive_path
    if stale or entries != old or not (site / "index.html").is_file() \
            or not (site / "feed.xml").is_file():
        from .archive.site import write_index
        write_index(entries, config)
    result.archive = site
    result.seconds = time.perf_counter() - started
    return result
