"""Issue files -> Email -> files in the output folder.

Outputs are written to temporary files and renamed into place, so a build
that fails leaves the previous outputs as they were. A batch build reports
every failure and still builds the rest.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import links, platforms
from .calendar import attach_calendar, calendar_links
from .config import Config
from .content import Content, build_content
from .errors import IssueError, NewsletterError, Problems
from .issues import display_path, find_issue_files, newest_issue_file, read_issue
from .plaintext import render_text
from .render import compile_mjml, default_templates, inline_css, render_mjml

GMAIL_CLIP = 102 * 1024
_UMASK = os.umask(0)
os.umask(_UMASK)


@dataclass
class Email:
    source: str
    subject: str
    preheader: str
    html: str
    text: str
    mjml: str
    links: list[str] = field(default_factory=list)
    attachments: dict[str, bytes] = field(default_factory=dict)   # extra files, e.g. .ics

    @property
    def size(self) -> int:
        return len(self.html.encode())


def render_html(content: Content, config: Config, problems: Problems) -> tuple[str, str]:
    """MJML and HTML; card lists turn compact when the HTML would pass the budget."""
    mjml = render_mjml(content, config)
    html = inline_css(compile_mjml(mjml, config))
    budget = config.size_budget_kb * 1024
    card_lists = [b for s in content.sections for b in s.blocks
                  if b.kind == "list" and b.style == "cards"]
    # Most-linked lists first: compacting them saves the most.
    card_lists.sort(key=lambda b: -len(b.items))
    compacted = 0
    while len(html.encode()) > budget and card_lists:
        block = card_lists.pop(0)
        block.style = "compact"
        compacted += sum(item.button is not None or item.kind == "link" for item in block.items)
        mjml = render_mjml(content, config)
        html = inline_css(compile_mjml(mjml, config))
    if compacted:
        problems.info(content.source, None, "size",
                      f"{compacted} action cards shown as compact lists to stay "
                      f"under the {config.size_budget_kb} KB budget")
    return mjml, html


def make_email(content: Content, config: Config, problems: Problems,
               allow_missing_unsubscribe: bool = False, text_content: Content | None = None) -> Email:
    """Render both parts from one Content and write the service's merge tags.

    `text_content`, if given, is the same Content with shorter calendar links
    for the text part, where every address is printed in full.
    """
    platform = platforms.get_platform(config.platform)
    mjml, html = render_html(content, config, problems)
    calendar = calendar_links(content.event, config, short=True) if content.event else []
    text = platforms.protect(render_text(text_content or content, config, event_calendar=calendar))
    missing: list[str] = []
    parts = []
    for part, is_html in ((html, True), (text, False), (mjml, True)):
        done, lacking = platforms.finalize(part, platform, config, html_part=is_html)
        parts.append(done)
        missing += [m for m in lacking if m not in missing]
    check_platform(content, config, platform, missing, problems)
    check_required(content, platform, {"html": parts[0], "text": parts[1]}, problems,
                   allow_missing_unsubscribe, config)
    # The subject is pasted into the service's subject field, so it carries tags too.
    subject, preheader = (platforms.finalize(field, platform, config)[0]
                          for field in (content.subject, content.preheader))
    email = Email(content.source, subject, preheader, parts[0], parts[1],
                  parts[2], links=content.all_links())
    check_size(email, config, problems)
    return email


def check_platform(content: Content, config: Config, platform, missing: list[str],
                   problems: Problems) -> None:
    """Placeholders the service can't fill: the issue's were reported already,
    so these come from templates; point at the template line."""
    reported = " ".join(p.message for p in problems if p.id == "platform-tag")
    for name in missing:
        if f"[[{name}" in reported:
            continue   # the issue's own placeholder, reported with its line
        if not platform.strict:
            # The fix is a URL in the config, so point there.
            problems.warn(config.source or "newsletter.toml", None, "platform-tag",
                          f"platform '{platform.name}' has no tag for [[{name}]]; "
                          f"set {name} in newsletter.toml or choose a platform")
            continue
        path, line = platforms.locate_in_templates(
            name, [config.templates_path, default_templates()])
        if Path(path).is_relative_to(default_templates()):
            # Not a file the user has; name it as the README's theme table does.
            path = "default theme: " + Path(path).relative_to(default_templates()).as_posix()
        else:
            path = display_path(Path(path))
        problems.error(path, line, "platform-tag",
                       f"{platform.name} has no tag for [[{name}]]; set {name} in "
                       "newsletter.toml or remove it from the template")
    if not config.postal_address:
        problems.warn(config.source or "newsletter.toml", None, "postal-address",
                      "no postal_address in newsletter.toml; anti-spam laws (CAN-SPAM, "
                      "CASL) want a postal address in the footer of bulk mail")


def check_required(content: Content, platform, parts: dict[str, str], problems: Problems,
                   allow: bool, config: Config | None = None) -> None:
    for part, tag in platforms.missing_required(platform, parts):
        footer = "templates/partials/footer.mjml"
        if config is not None:
            footer = display_path(config.templates_path / "partials" / "footer.mjml")
        message = (f"{platform.name} refuses to send without {tag} in the {part.upper()} part "
                   f"(email.{'html' if part == 'html' else 'txt'}), and this email has none; "
                   f"put <a href=\"[[unsubscribe_url]]\">Unsubscribe</a> back in your footer "
                   f"template ({footer})")
        if allow:
            problems.warn(content.source, None, "required-tag",
                          message + " (allowed by --allow-missing-unsubscribe)")
        else:
            problems.error(content.source, None, "required-tag",
                           message + ", or pass --allow-missing-unsubscribe if the service "
                           "adds its own unsubscribe link")


def check_size(email: Email, config: Config, problems: Problems) -> None:
    budget = config.size_budget_kb * 1024
    kb = email.size / 1024
    if email.size > GMAIL_CLIP:
        problems.error(email.source, None, "size",
                       f"HTML is {kb:.1f} KB; Gmail clips messages over 102 KB and hides "
                       "the rest, footer and unsubscribe link included; shorten the issue "
                       "or split it in two")
    elif email.size > budget:
        problems.warn(email.source, None, "size",
                      f"HTML is {kb:.1f} KB, over the {config.size_budget_kb} KB budget; "
                      "services add their own markup and Gmail clips at 102 KB")


def write_atomically(folder: Path, files: dict[str, str | bytes]) -> None:
    """Write every file to a temporary name first, then rename them all."""
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
            staged.append((tmp, folder / name))   # before writing, so a failed write is cleaned up
            with os.fdopen(fd, "wb") as fh:
                fh.write(data.encode() if isinstance(data, str) else data)
            os.chmod(tmp, 0o666 & ~_UMASK)   # mkstemp makes 0600; outputs are ordinary files
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def write_email(email: Email, folder: Path) -> None:
    """email.html, email.txt, email.mjml and any attachments, all or none."""
    files = {"email.html": email.html, "email.txt": email.text, "email.mjml": email.mjml,
             **email.attachments}
    try:
        write_atomically(folder, files)
    except OSError as exc:
        raise IssueError(display_path(folder), None,
                         f"cannot write the output: {exc.strerror or exc}") from None


def issue_email(path: Path, config: Config, problems: Problems,
                allow_missing_unsubscribe: bool = False) -> tuple[Email, str]:
    """The issue's email and its file stem: the one pipeline that build and send share."""
    issue = read_issue(path)
    content = build_content(issue, config, problems)
    links.apply_utm(content, config, issue.stem)
    ics = attach_calendar(content.event, issue.stem, issue.date, issue.display, config, problems)
    email = make_email(content, config, problems, allow_missing_unsubscribe)
    email.attachments.update(ics)
    from .checks import run_checks   # checks reads Email, so import it late
    problems[:] = run_checks(issue, content, email, config, problems)
    return email, issue.stem


def build_issue(path: Path, config: Config, problems: Problems,
                allow_missing_unsubscribe: bool = False) -> tuple[Email, Path]:
    email, stem = issue_email(path, config, problems, allow_missing_unsubscribe)
    folder = config.output_path / stem
    if not problems.errors:
        write_email(email, folder)
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
    seen = set(result.problems)
    for path in files:
        mine = Problems()
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
