"""What the preview knows: issue files and digests -> entries, each with its last good build.

In: the Config, the paths to preview (default issues/) and, for `--digest`,
the digest's options. Out: `Preview`, whose entries are listed from file
names at once and from front matter in the background, and built lazily: an
entry is built when its page or files are first asked for, and again after a
change touches it. A failed build keeps the last good email on show beside
its problems. Builds write build/<issue>/ as `newsletter build` does.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from ..build import build_issue
from ..build_digest import date_range, make_digest
from ..config import Config
from ..errors import IssueError, NewsletterError, Problem, Problems
from ..render.email import Email, filled
from ..source.issue import display_path, find_issue_files, read_issue
from .dark import force_dark


@dataclass
class Shown:
    """One good build: the service's email (for Copy) and the reader's (for the eyes)."""

    email: Email
    filled: Email
    folder: Path
    dark: dict[str, str] = field(default_factory=dict)   # "email"/"filled" -> dark HTML

    def html(self, which: str, dark: bool) -> str:
        email = self.filled if which == "filled" else self.email
        if not dark:
            return email.html
        if which not in self.dark:
            self.dark[which] = force_dark(email.html)
        return self.dark[which]


@dataclass
class Entry:
    key: str                      # the URL's name: the file's stem, or digest-<from>-<to>
    path: Path | None             # the issue file; None for the digest
    title: str = ""
    date: str = ""
    shown: Shown | None = None
    problems: list[Problem] = field(default_factory=list)
    failed: bool = False
    stale: bool = True            # to build before it is shown next
    version: int = 0

    @property
    def kind(self) -> str:
        return "digest" if self.path is None else "issue"


@dataclass
class DigestOptions:
    """`serve --digest`'s options, as `newsletter digest` takes them."""

    since: dt.date | None = None
    until: dt.date | None = None
    days: int | None = None
    as_of: dt.date | None = None
    include_unpublished: bool = False
    dated_by: str = "front-matter"


class Preview:
    def __init__(self, config: Config, paths: list[Path], reload=None, echo=None,
                 digest: DigestOptions | None = None):
        self.config = config
        self.paths = paths
        self.reload = reload        # re-reads newsletter.toml, keeping CLI overrides
        self.echo = echo or (lambda message: None)
        self.digest = digest
        self.entries: dict[str, Entry] = {}
        self.config_problems: list[Problem] = []
        self.version = 0            # of the list of entries
        self.lock = threading.RLock()       # guards entries and versions
        self.building = threading.Lock()    # one build at a time: builds share build/
        self.scan()

    # --- the list ----------------------------------------------------------

    def files(self) -> list[Path]:
        roots = self.paths or [self.config.issues_path]
        return find_issue_files([p for p in roots if p.exists()])

    def digest_key(self) -> str:
        since, until, _ = self._digest_range()
        return f"digest-{since}-{until}"

    def _digest_range(self):
        d = self.digest
        return date_range(self.config, d.since, d.until, d.days, d.as_of)

    def scan(self) -> None:
        """List the files from their names; titles follow from `read_titles`."""
        found: dict[str, Path] = {}
        for path in self.files():
            found.setdefault(path.stem, path)   # the same stem twice: the first one
        with self.lock:
            old = self.entries
            entries = {}
            if self.digest is not None:
                key = self.digest_key()
                entries[key] = old.get(key) or Entry(key, None, title=f"Digest {key[7:]}")
            for key, path in found.items():
                entry = old.get(key)
                entries[key] = entry if entry and entry.path == path else Entry(key, path)
            self.entries = entries
            self.version += 1

    def read_titles(self) -> None:
        """Each issue's title and date from its front matter (the list, not a build)."""
        for entry in list(self.entries.values()):
            if entry.path is not None and not entry.title:
                self._read_title(entry)
        with self.lock:
            self.version += 1

    def _read_title(self, entry: Entry) -> None:
        try:
            issue = read_issue(entry.path)
            entry.title, entry.date = issue.title, issue.day.isoformat()
        except NewsletterError:
            entry.title = entry.key   # its page says what is wrong

    def listing(self) -> list[Entry]:
        with self.lock:
            entries = list(self.entries.values())
        # The digest first, then the newest issue.
        issues = sorted((e for e in entries if e.path is not None),
                        key=lambda e: (e.date or e.key[:10], e.key), reverse=True)
        return [e for e in entries if e.path is None] + issues

    def get(self, key: str, build: bool = True) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
        if entry is not None and build and entry.stale:
            self.build(entry)
        return entry

    # --- building ----------------------------------------------------------

    def build(self, entry: Entry) -> None:
        with self.building:
            if not entry.stale:
                return   # built by another request while this one waited
            start = time.perf_counter()
            problems = Problems()
            shown = None
            try:
                email, folder = self._make(entry, problems)
                if not problems.errors:
                    shown = Shown(email, filled(email, self.config), folder)
            except IssueError as exc:
                problems.error(exc.path, exc.line, "input", exc.detail)
            except NewsletterError as exc:
                problems.error(display_path(entry.path or self.config.issues_path), None,
                               "input", exc.format_message())
            except Exception as exc:   # a bug must not take the preview down
                self.echo(traceback.format_exc())
                problems.error(display_path(entry.path or self.config.issues_path), None,
                               "input", f"internal error while building: {exc!r}")
            with self.lock:
                if shown is not None:
                    entry.shown = shown
                    if entry.path is not None:
                        entry.title = shown.email.subject
                entry.problems, entry.failed = list(problems), bool(problems.errors)
                entry.stale = False
                entry.version += 1
            errors = len(problems.errors)
            self.echo(f"built {entry.key} in {time.perf_counter() - start:.2f} s"
                      + (f": {errors} error(s), showing the last good build" if errors else ""))

    def _make(self, entry: Entry, problems: Problems) -> tuple[Email, Path]:
        if entry.path is not None:
            return build_issue(entry.path, self.config, problems)
        since, until, as_of = self._digest_range()
        roots = self.paths or [self.config.issues_path]
        email, folder, _ = make_digest(roots, self.config, since, until, as_of,
                                       self.digest.include_unpublished, problems,
                                       self.digest.dated_by)
        return email, folder

    # --- changes -----------------------------------------------------------

    def changed(self, paths: set[Path], everything: bool = False) -> None:
        """Files changed on disk: rebuild what they touch and what was on show.

        A template or the config touches every entry; an issue file touches
        itself and the digest. What has not been shown yet is only marked
        stale, so a save costs one build, not one per file in the folder.
        """
        if everything:
            self._reload_config()
        before = set(self.entries)
        self.scan()
        with self.lock:
            entries = dict(self.entries)
        touched = []
        for key, entry in entries.items():
            if everything or key not in before or entry.kind == "digest" \
                    or (entry.path is not None and entry.path.resolve() in paths):
                if entry.path is not None and not everything:
                    self._read_title(entry)
                touched.append(entry)
        for entry in touched:
            was_built = entry.shown is not None or entry.failed
            entry.stale = True
            if was_built:
                self.build(entry)
            else:
                with self.lock:
                    entry.version += 1
        with self.lock:
            self.version += 1

    def _reload_config(self) -> None:
        if self.reload is None:
            return
        problems = Problems()
        try:
            self.config = self.reload(problems)
        except IssueError as exc:
            problems.error(exc.path, exc.line, "input", exc.detail)
        except NewsletterError as exc:
            problems.error("newsletter.toml", None, "input", exc.format_message())
        self.config_problems = list(problems)
