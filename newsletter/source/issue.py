"""Issue files -> Issue: metadata with line numbers, the title and date, the raw body.

An issue file is Markdown, with Jekyll's YAML front matter (as every file
in `_posts/`), Hugo's TOML or YAML, Pelican's `Key: value` lines, or nothing.
`read_issue` is the one way in: a reader per format (source/readers/) splits
the file, and everything after that is the same for every format. Everything
here is about reading one file faithfully and saying exactly where it is wrong.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IssueError, NewsletterError, display_path
from . import readers
from .readers.common import CONTROL, date_in_path, leading_heading, named_controls, readable_name

SUFFIXES = (".md", ".markdown")
# Invisible characters that editors and web forms leave behind; they break
# YAML keys and URLs without anyone being able to see why.
# Zero-width space, word joiner, BOM: invisible debris of copy and paste. Not
# ZWJ or ZWNJ, which emoji sequences and scripts such as Persian need.
INVISIBLE_CHARS = "\u200b\u2060\ufeff"
# Front matter shown on one line, where a tab is a space.
ONE_LINE = ("title", "subject", "preheader", "description", "location")
# An issue is a page of text; far bigger input could only be a mistake, and
# would take minutes to build into an email that is clipped at 102 KB anyway.
MAX_BYTES = 1024 * 1024
DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_DATETIME = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2})(?:[ T]+(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?)?$")


@dataclass
class Issue:
    path: Path
    title: str
    date: dt.date | dt.datetime
    meta: dict[str, Any]
    lines: dict[str, int]          # front matter key -> line in the file
    body: str
    body_line: int                 # line of the file where `body` starts
    subject: str = ""
    preheader: str | None = None
    published: bool = True
    duplicates: dict[str, list[int]] = field(default_factory=dict)   # key -> lines, if set twice
    # Warnings found while reading, as (line, check id, message); checks report them.
    read_warnings: list[tuple[int, str, str]] = field(default_factory=list)
    # Notes (info) on how the file was read, as (line, check id, message).
    notes: list[tuple[int | None, str, str]] = field(default_factory=list)
    format: str = "jekyll"         # the reader that read it: jekyll, pelican, hugo, markdown

    @property
    def display(self) -> str:
        return display_path(self.path)

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def day(self) -> dt.date:
        return self.date.date() if isinstance(self.date, dt.datetime) else self.date

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)


def parse_date(value: Any) -> dt.date | dt.datetime | None:
    """Jekyll's date forms: `2019-07-14`, `2019-07-14 22:46:00 -04:00`, `... Z`."""
    if isinstance(value, dt.datetime | dt.date):
        return value
    if not isinstance(value, str):
        return None
    match = _DATETIME.match(value.strip())
    if not match:
        return None
    day, time, zone = match.groups()
    try:
        date = dt.date(*map(int, day.split("-")))
        if time is None:
            return date
        parts = [int(float(p)) for p in time.split(":")] + [0]
        moment = dt.datetime.combine(date, dt.time(parts[0], parts[1], parts[2]))
    except ValueError:
        return None
    if zone:
        if zone == "Z":
            return moment.replace(tzinfo=dt.timezone.utc)
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if offset >= dt.timedelta(hours=24):
            return None   # `+25:00` is no zone on Earth: unreadable, said at its line
        return moment.replace(tzinfo=dt.timezone(sign * offset))
    return moment


def as_moment(value: dt.date | dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """An aware datetime to compare with others: a time without a zone is in
    `tz`, and a date is midnight there."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return dt.datetime.combine(value, dt.time(), tzinfo=tz)


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, or raise IssueError saying why it can't be read."""
    if not path.exists():
        raise IssueError(path, None, "no such file")
    if path.is_dir():
        raise IssueError(path, None, "is a folder with no issue files (*.md) in it")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise IssueError(path, 1, f"issue is {size / 1024 / 1024:.1f} MB; the limit is "
                             f"{MAX_BYTES // 1024 // 1024} MB (an email is clipped at 102 KB)")
        data = path.read_bytes()
    except OSError as exc:
        raise IssueError(path, None, f"cannot read: {exc.strerror}") from None
    if len(data) > MAX_BYTES:   # it grew since stat()
        raise IssueError(path, 1, f"issue is {len(data) / 1024 / 1024:.1f} MB; the limit is "
                         f"{MAX_BYTES // 1024 // 1024} MB (an email is clipped at 102 KB)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):   # Windows Notepad's "Unicode"
        raise IssueError(path, 1, "saved as UTF-16; save the file as UTF-8")
    if b"\x00" in data[:8192]:
        raise IssueError(path, None, "looks like a binary file, not Markdown text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise IssueError(path, line, "not UTF-8 text; save the file as UTF-8") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # What translate(INVISIBLE) does, one character at a time: translate with
    # a table looks up every character of the file (0.14 ms an issue), and
    # most files hold none of these.
    for ch in INVISIBLE_CHARS:
        if ch in text:
            text = text.replace(ch, "")
    return text


def _clean_values(meta: dict[str, Any], lines: dict[str, int], warnings: list) -> None:
    """Control characters out of every string value (a YAML escape such as
    "\x07" makes one), in lists and mappings too; tabs in one-line fields
    become spaces. Shared values (aliases) are cleaned once."""
    seen: set[int] = set()

    def clean(value, found: list[str]):
        if isinstance(value, str):
            if CONTROL.search(value):
                found.append(value)
                value = CONTROL.sub("", value)
            return value
        if isinstance(value, list | dict) and id(value) not in seen:
            seen.add(id(value))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for k, v in list(items):
                value[k] = clean(v, found)
        return value

    for key, value in meta.items():
        found: list[str] = []
        value = clean(value, found)
        if found:
            warnings.append((lines.get(key, 1), "control-character",
                             f"{named_controls(''.join(found))} removed from {key}"))
        if isinstance(value, str) and "\t" in value and \
                re.sub(r"[\s_-]+", "", key.lower()) in ONE_LINE:
            value = value.replace("\t", " ")
        meta[key] = value


def read_issue(path: str | Path, config=None) -> Issue:
    """The issue in `path`, read by the reader for its format: `config.format`,
    or by sniffing when that is "auto" or there is no config. A file that
    can't be read raises IssueError with its path and line."""
    path = Path(path)
    if path.stem.startswith("."):
        # `..md` would build into build/. (every output), `...md` into the
        # project folder itself; a hidden name is never an issue.
        raise IssueError(display_path(path), None, "a file name starting with '.' can't name "
                         "an output folder; rename the file")
    text = read_text(path)
    raw = readers.read(path, text, getattr(config, "format", "auto"))
    meta, warnings = raw.meta, raw.warnings
    lines = {key: found[-1] for key, found in raw.key_lines.items()}
    _clean_values(meta, lines, warnings)
    notes: list[tuple[int | None, str, str]] = []
    title, title_how = _title(path, raw, lines)
    date, date_how = _date(path, raw, lines, config)
    if not 1900 <= date.year <= 2999:
        # A typo (0219, 20190...); the year 1 or 9999 also overflows when a
        # calendar file converts the date to UTC.
        raise IssueError(path, lines.get("date", 1), f"the date {date.isoformat()[:10]} has the year "
                         f"{date.year}; is it a typo?")
    if title is None:
        title, title_how = f"{date:%B} {date.day}, {date.year}", "the date (nothing else names it)"
    if not raw.strict:
        # `newsletter check` says how a file in another format was understood.
        notes.append((1, "issue-format", f"read as {readers.NAMES[raw.format]}: title from "
                      f"{title_how}, date from {date_how}"))

    subject = meta.get("subject")
    subject = " ".join(str(subject).split()) if subject else title
    preheader = next((meta[k] for k in raw.preheader_keys if meta.get(k)), None)
    preheader = " ".join(str(preheader).split()) if preheader else None
    published = raw.published if raw.published is not None else \
        meta.get("published", True) is not False
    return Issue(path=path, title=title, date=date, meta=meta, lines=lines, body=raw.body,
                 body_line=raw.body_line, subject=subject, preheader=preheader,
                 published=published,
                 duplicates={k: found for k, found in raw.key_lines.items() if len(found) > 1},
                 read_warnings=warnings, notes=notes, format=raw.format)


def _title(path: Path, raw, lines: dict[str, int]) -> tuple[str | None, str]:
    """The title and how it was found; a leading heading that gives it leaves
    the body, so the email doesn't say it twice. None: name it by its date."""
    title = raw.meta.get("title")
    if isinstance(title, dict | list):
        raise IssueError(path, lines["title"], "'title' must be text")
    if title is not None and str(title).strip():
        return " ".join(str(title).split()), f"'{_key(raw, 'title')}' (line {lines['title']})"
    if raw.strict:
        raise IssueError(path, lines.get("title", 1), "missing 'title' in front matter")
    heading = leading_heading(raw.body, raw.body_line)
    if heading:
        title, line, raw.body, raw.body_line = heading
        lines["title"] = line
        return " ".join(title.split()), f"the first heading (line {line})"
    name = readable_name(path)
    return (name, f"the file name ({path.name})") if name else (None, "")


def _date(path: Path, raw, lines: dict[str, int], config) -> tuple[dt.date | dt.datetime, str]:
    """The date and how it was found: written, else in the file name (or, but
    for Jekyll, its folder's), else the day the file was last changed."""
    value = raw.meta.get("date")
    if value is not None:
        date = parse_date(value)
        if date is None:
            raise IssueError(path, lines.get("date", 1), f"cannot read date {str(value)!r}; "
                             "use 2019-07-14 or 2019-07-14 22:46:00 -04:00")
        return date, f"'{_key(raw, 'date')}' (line {lines['date']})"
    date = date_from_name(path)
    if date is not None:
        return date, f"the file name ({path.name})"
    if raw.strict:
        raise IssueError(path, 1, "no date: add 'date: YYYY-MM-DD' to the front matter "
                         "or start the file name with YYYY-MM-DD-")
    found = date_in_path(path)
    if found:
        return found[0], f"the {found[1]} ({path.name if found[1] == 'file name' else path.parent.name})"
    tz = config.tz if config is not None else None
    changed = dt.datetime.fromtimestamp(path.stat().st_mtime, tz).date()
    return changed, (f"the time the file was last changed ({changed}); name the file "
                     "YYYY-MM-DD-... or add a date to keep it")


def _key(raw, key: str) -> str:
    """A key as the format writes it: Pelican's are capitalised."""
    return key.capitalize() + ":" if raw.format == "pelican" else key


def date_from_name(path: Path) -> dt.date | None:
    match = DATE_PREFIX.match(path.name)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def find_issue_files(paths: list[Path]) -> list[Path]:
    """Expand folders into their issue files, sorted by name (so by date)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*")
                            if p.suffix in SUFFIXES and p.is_file()
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
            # A folder with no issues stays in the list, so reading it reports
            # it as one bad input instead of stopping the whole batch.
            found.extend(inside or [path])
        else:
            found.append(path)
    return found


def newest_issue_file(folder: Path) -> Path:
    """The newest issue in a folder, by file-name date, then front matter date;
    of two on the same day, the one saved last (the one being written)."""
    files = [p for p in find_issue_files([folder]) if p != folder] if folder.is_dir() else []
    if not files:
        raise NewsletterError(f"no issue files (*.md) in {display_path(folder)}/; "
                              "write one with 'newsletter new \"Title\"'")

    def key(p: Path):
        date = date_from_name(p)
        if date is None:
            try:
                date = read_issue(p).day
            except IssueError:
                date = dt.date.min
        return (date, p.stat().st_mtime_ns, p.name)
    return max(files, key=key)


def slugify(text: str) -> str:
    # Accents go ("Ça va" -> "ca-va"), but letters with no ASCII form stay, so
    # a Cyrillic or Arabic title gets its own file name, not "issue".
    def plain(char: str) -> str:
        bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        return bare if bare.isascii() else char
    slug = re.sub(r"[\W_]+", "-", "".join(map(plain, unicodedata.normalize("NFC", text))).lower())
    return slug.strip("-")[:60].strip("-") or "issue"
