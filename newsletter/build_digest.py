"""Many dated issue files -> one digest email, written like `build` does.

`digest/items.py` chooses and de-duplicates the entries, `digest/layout.py`
lays them out as one Content; this module reads the digest's own settings, keeps
the email under the size budget and writes the files.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .checks.output import check_email
from .config import Config, parse_toml
from .content.calendar import ics_bytes, ics_link_target, ics_url, no_ics_url
from .content.links import apply_utm
from .content.model import Block
from .digest.items import SECTIONS, Digest, Entry, Settings, dedupe, order, select
from .digest.layout import assemble, read_intro
from .errors import IssueError, NewsletterError, Problems, UsageError
from .output import write_email
from .render import platforms
from .content.placeholders import Marker
from .render.email import Email, make_email, render_html
from .render.finalize import finalize_html
from .source.issue import display_path, read_text
from .source.readers.jekyll import parse_front_matter, split_front_matter


def load_settings(config: Config, problems: Problems) -> Settings:
    """digest.toml, then digest.md (front matter and intro) beside newsletter.toml."""
    settings = Settings()
    toml_path = config.root / "digest.toml"
    md_path = config.root / "digest.md"
    data: dict = {}
    if toml_path.is_file():
        data = parse_toml(toml_path, read_text(toml_path))
        settings.source = display_path(toml_path)
    if md_path.is_file():
        front, body, body_line = split_front_matter(md_path, read_text(md_path))
        meta, _ = parse_front_matter(md_path, front) if front is not None else ({}, {})
        data = {**data, **meta}
        if body.strip():
            data["intro"] = body
            settings.intro_line = body_line
        settings.source = display_path(md_path)
    for key, value in data.items():
        if key == "title":
            settings.title = " ".join(str(value).split())
        elif key == "intro":
            settings.intro = str(value)
        elif key == "sections":
            names = [str(v).lower() for v in value] if isinstance(value, list) else []
            if sorted(names) != sorted(SECTIONS):
                raise IssueError(settings.source, None, "sections must list each of "
                                 + ", ".join(f'"{s}"' for s in SECTIONS) + " once")
            settings.sections = tuple(names)
        elif key == "upcoming_days":
            if not isinstance(value, int) or value < 0:
                raise IssueError(settings.source, None, "upcoming_days must be a whole number")
            settings.upcoming_days = value
        elif key not in ("layout", "date"):
            problems.warn(settings.source, None, "config-key", f"unknown digest key '{key}'")
    return settings


def fit(digest: Digest, entries: list[Entry], settings: Settings, intro: list[Block],
        config: Config) -> int:
    """How many entries, in priority order, fit in the size budget."""
    budget = config.size_budget_kb * 1024

    def size(k: int) -> int:
        content = assemble(digest, entries[:k], entries[k:], settings, intro, config)
        apply_utm(content, config, digest.name)
        # Only the HTML's size counts: the text part and the MJML file are not
        # rendered for each try, only the HTML with the service's tags written.
        content.mark_literals(Marker(content.source, Problems()))
        html = render_html(content, config, Problems())[1]
        return len(finalize_html(html, platform, config)[0].encode())
    platform = platforms.get_platform(config.platform)
    if size(len(entries)) <= budget:
        return len(entries)
    fits, too_big = 0, len(entries)
    while too_big - fits > 1:
        mid = (fits + too_big) // 2
        if size(mid) <= budget:
            fits = mid
        else:
            too_big = mid
    return fits


def _now(tz) -> dt.datetime:
    return dt.datetime.now(tz)


def today(config: Config) -> dt.date:
    """Today where the group is, not where the machine is (often a UTC server)."""
    return _now(config.tz).date()


def date_range(config: Config, since: dt.date | None = None, until: dt.date | None = None,
               days: int | None = None, as_of: dt.date | None = None
               ) -> tuple[dt.date, dt.date, dt.date]:
    """The command's --since/--until/--days/--as-of -> (since, until, as_of)."""
    as_of = as_of or today(config)
    if days is not None and (since or until):
        raise UsageError("give either --days or --since/--until, not both")
    if days is not None:
        return as_of - dt.timedelta(days=days - 1), as_of, as_of
    if since is None:
        raise UsageError("give --since DATE (and --until DATE), or --days N")
    return since, until or as_of, as_of


def digest_command(paths: list[Path], config: Config, problems: Problems, *,
                   since: dt.date | None = None, until: dt.date | None = None,
                   days: int | None = None, as_of: dt.date | None = None,
                   include_unpublished: bool = False, dated_by: str = "front-matter"
                   ) -> tuple[Email, Path, Digest]:
    """`newsletter digest`: the date range from its options, then make_digest."""
    since, until, as_of = date_range(config, since, until, days, as_of)
    return make_digest(paths, config, since, until, as_of, include_unpublished, problems,
                       dated_by)


def make_digest(paths: list[Path], config: Config, since: dt.date, until: dt.date,
                as_of: dt.date, include_unpublished: bool, problems: Problems,
                dated_by: str = "front-matter") -> tuple[Email, Path, Digest]:
    """Build and write build/digest-<since>-<until>/; return the email, the folder
    and what was chosen, dropped and merged."""
    if since > until:
        raise NewsletterError(f"--since {since} is after --until {until}")
    settings = load_settings(config, problems)
    paths = list(paths) or [config.issues_path]
    entries, digest = select(paths, config, since, until, as_of, include_unpublished,
                             dated_by, settings, problems)
    entries = dedupe(order(entries, config, dated_by), digest)
    if not entries:
        why = [f"{digest.files_in_range} file(s) in range"]
        if digest.events_dropped:
            why.append(f"{digest.events_dropped} event(s) already over by {as_of}")
        if digest.drafts_skipped:
            why.append(f"{digest.drafts_skipped} draft(s) skipped (--include-unpublished)")
        raise NewsletterError(f"nothing to put in a digest for {since} to {until} in "
                              + ", ".join(map(display_path, paths)) + ": " + "; ".join(why))
    intro_content = read_intro(settings, config, problems)
    intro = intro_content.blocks() if intro_content else []
    # Placeholders the service can't fill stop the digest, as they stop a build.
    found = [f for e in entries for f in e.content.found]
    platforms.check_found(found + (intro_content.found if intro_content else []),
                          platforms.get_platform(config.platform), config, problems)
    keep = fit(digest, entries, settings, intro, config)
    kept, digest.moved = entries[:keep], entries[keep:]
    digest.entries = kept
    content = assemble(digest, kept, digest.moved, settings, intro, config)
    text_content = assemble(digest, kept, digest.moved, settings, intro, config, short=True)
    # As `build` does, so [utm] covers digests too; both parts get the same links.
    apply_utm(content, config, digest.name)
    apply_utm(text_content, config, digest.name)
    email = make_email(content, config, problems, text_content=text_content)
    email.date = as_of
    check_email(content, email, config, problems)
    events = [(e.event, e.issue.stem, e.issue.date, ics_link_target(e.event))
              for e in kept if e.event is not None]
    if events:
        email.attachments[f"{digest.name}.ics"] = ics_bytes(events, config, "digest")
        if not ics_url(config, digest.name):
            no_ics_url(config, problems)
    summarize(digest, config, problems)
    folder = config.output_path / digest.name
    if not problems.errors:
        write_email(email, folder, config)
    return email, folder, digest


def summarize(digest: Digest, config: Config, problems: Problems) -> None:
    events = sum(e.event is not None for e in digest.entries)
    parts = [f"{digest.files_in_range} file(s) in range", f"{events} event(s)",
             f"{len(digest.entries) - events} other item(s)"]
    if digest.events_dropped:
        parts.append(f"{digest.events_dropped} past event(s) dropped")
    if digest.drafts_skipped:
        parts.append(f"{digest.drafts_skipped} draft(s) skipped")
    if digest.duplicates:
        parts.append(f"{digest.duplicates} duplicate(s) merged")
    problems.info(digest.name, None, "digest", ", ".join(parts))
    if digest.moved:
        where = "behind a 'More on our site' link" if config.site_url else \
            "out of the email (set site_url to link them)"
        report = problems.info if config.site_url else problems.warn
        report(digest.name, None, "size", f"{len(digest.moved)} lowest-priority item(s) moved "
               f"{where} to stay under the {config.size_budget_kb} KB budget")
