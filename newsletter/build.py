"""Issue files -> Email -> files in the output folder.

Outputs are written to temporary files and renamed into place, so a build
that fails leaves the previous outputs as they were. A batch build reports
every failure and still builds the rest.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .checks import run_checks
from .config import Config
from .content.calendar import attach_calendar
from .content.links import apply_utm
from .content.model import Content
from .content.reader import build_content
from .errors import IssueError, NewsletterError, Problems
from . import manifest
from .output import write_email
from .render.email import Email, make_email
from .source.issue import Issue, display_path, find_issue_files, newest_issue_file, read_issue

def issue_config(config: Config, stem: str) -> Config:
    """The config for one issue: `{stem}` in view_online_url becomes the issue's
    stem, so the generic platform's "View in your browser" can point at the
    issue's page in the web archive (`https://example.org/news/{stem}/`)."""
    if "{stem}" not in config.view_online_url:
        return config
    return dataclasses.replace(config, view_online_url=config.view_online_url.replace(
        "{stem}", quote(stem)))


def taken_names(config: Config) -> dict[str, str]:
    """Names an issue's file may not have: its email folder, or its page in
    the web archive, would replace what newsletter keeps under that name."""
    taken = {"outbox": "the test-send outbox (build/outbox/)"}
    archive = config.archive_path
    if archive.parent.resolve() == config.output_path.resolve():
        taken[archive.name] = f"the web archive's folder ({display_path(archive)}/)"
    taken.update({"calendar": "the web archive's calendar/ folder",
                  "index.html": "the web archive's index page",
                  "feed.xml": "the web archive's Atom feed"})
    return taken


def issue_parts(path: Path, config: Config, problems: Problems,
                allow_missing_unsubscribe: bool = False) -> tuple[Issue, Content, Email]:
    """The issue, its Content and its Email: the one pipeline build, send and the archive share."""
    issue = read_issue(path, config)
    taken = taken_names(config).get(issue.stem)
    if taken:
        raise IssueError(issue.display, None, f"the file name '{issue.stem}' is also the name of "
                         f"{taken}; building it would replace that, "
                         "so rename the file")
    config = issue_config(config, issue.stem)
    content = build_content(issue, config, problems)
    apply_utm(content, config, issue.stem)
    ics = attach_calendar(content.event, issue.stem, issue.date, issue.display, config, problems)
    email = make_email(content, config, problems)
    email.attachments.update(ics)
    email.date = issue.date
    problems[:] = run_checks(issue, content, email, config, problems, allow_missing_unsubscribe)
    return issue, content, email


def issue_email(path: Path, config: Config, problems: Problems,
                allow_missing_unsubscribe: bool = False) -> tuple[Email, str]:
    """The issue's email and its file stem."""
    issue, _, email = issue_parts(path, config, problems, allow_missing_unsubscribe)
    return email, issue.stem


def build_issue(path: Path, config: Config, problems: Problems,
                allow_missing_unsubscribe: bool = False) -> tuple[Email, Path]:
    email, stem = issue_email(path, config, problems, allow_missing_unsubscribe)
    folder = config.output_path / stem
    if not problems.errors:
        write_email(email, folder, config)
    return email, folder


@dataclass
class BuildResult:
    built: list[tuple[Email, Path]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)


def build(paths: list[Path], config: Config, problems: Problems | None = None,
          allow_missing_unsubscribe: bool = False) -> BuildResult:
    """Build each issue; a bad one is reported and the rest still build."""
    result = BuildResult(problems=problems if problems is not None else Problems())
    files = find_issue_files(paths) if paths else [newest_issue_file(config.issues_path)]
    if not files:
        raise NewsletterError("no issue files found in " + ", ".join(map(display_path, paths)))
    # These folders are about to change: the manifest must not vouch for them.
    manifest.forget(config.output_path, [path.stem for path in files])
    seen = set(result.problems)
    owners: dict[str, Path] = {}
    for path in files:
        mine = Problems()
        if owners.setdefault(path.stem, path) != path:
            # Building it would silently replace the other file's email.
            mine.error(display_path(path), None, "input",
                       f"builds into the same folder as {display_path(owners[path.stem])}; "
                       "rename one of them")
            result.failed.append(display_path(path))
            result.problems.extend(mine)
            continue
        try:
            email, folder = build_issue(path, config, mine, allow_missing_unsubscribe)
        except IssueError as exc:
            mine.error(exc.path, exc.line, "input", exc.detail)
        else:
            if not mine.errors:
                result.built.append((email, folder))
        if mine.errors:
            result.failed.append(display_path(path))
        # Findings about newsletter.toml or a template recur for every file; say them once.
        fresh = [p for p in mine if p not in seen]
        seen.update(fresh)
        result.problems.extend(fresh)
    return result


def stale_issues(config: Config, files: list[Path] | None = None,
                 allow_missing_unsubscribe: bool = False) -> list[Path]:
    """The issue files (default: every one in issues/) that `build --all` would
    build now: changed since the manifest's build, never built, or built with
    another config, theme, option or version. For `serve`, which rebuilds
    what a save touches by calling batch.build_all (it skips the rest itself)."""
    files = find_issue_files([config.issues_path]) if files is None else files
    stale, _ = manifest.plan(files, config, manifest.load(config.output_path),
                             allow_missing_unsubscribe=allow_missing_unsubscribe)
    return [path for path, _ in stale]


def check_file(path: Path, config: Config, allow_missing_unsubscribe: bool = False) -> Problems:
    """Every problem in one issue file; a file that can't be read is one error."""
    found = Problems()
    try:
        issue = read_issue(path, config)
    except IssueError as exc:
        found.error(exc.path, exc.line, "input", exc.detail)
        return found
    content = email = None
    try:
        content = build_content(issue, config, found)
        email = make_email(content, config, found)
    except IssueError as exc:
        found.error(exc.path, exc.line, "input", exc.detail)
    return run_checks(issue, content, email, config, found, allow_missing_unsubscribe)


def check_paths(paths: list[Path], config: Config,
                allow_missing_unsubscribe: bool = False) -> tuple[Problems, int]:
    """`newsletter check`: every problem in every file, each said once."""
    files = find_issue_files(paths or [config.issues_path])
    problems, seen = Problems(), set()
    for path in files:
        # Findings about newsletter.toml or a template recur for every file; say them once.
        for problem in check_file(path, config, allow_missing_unsubscribe):
            if problem not in seen:
                seen.add(problem)
                problems.append(problem)
    return problems, len(files)
