"""`newsletter push`: an issue or a built folder -> a draft in the mailing service.

In: an issue file (built first, with its checks; an error stops the push) or
a folder `newsletter build`/`digest` wrote, the Config (platform and
`[push.<service>]`) and the key from the environment. Out: a draft created,
or the one made before updated after checking it is still a draft; its id
and address kept in the folder's push.json (never the key), and lines for
the writer saying what was done and where to open it. With dry_run, the
requests are printed and nothing is sent or written.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import html5lib

from ..build import build_issue
from ..config import Config
from ..errors import NewsletterError, Problems, display_path
from ..output import write_one
from ..render import gate, platforms
from ..render.email import Email
from ..source.issue import newest_issue_file
from .brevo import Brevo
from .buttondown import Buttondown
from .client import Client, NotFound, PushError
from .kit import Kit
from .listmonk import Listmonk
from .mailchimp import Mailchimp
from .mailerlite import MailerLite
from .sendy import Sendy
from .service import Draft, Message, Service, api_key, missing_settings

SERVICES: dict[str, type[Service]] = {
    cls.name: cls for cls in (Buttondown, Mailchimp, Listmonk, MailerLite, Kit, Brevo, Sendy)}
RECORD = "push.json"
# The hidden preview line is the preheader followed by this padding (render/html.py).
PADDING = "\u034f\u200c\u00a0"


@dataclass
class Pushed:
    service: str
    draft: Draft
    created: bool
    folder: Path


def push_draft(target: Path | None, config: Config, problems: Problems, dry_run: bool = False,
               echo: Callable[[str], None] = print) -> Pushed:
    """Build (or read) the email and create or update its draft in config.platform."""
    cls = service_for(config)
    settings = config.push.get(cls.name, {})
    missing = missing_settings(cls, settings)
    if missing:
        where = display_path(config.source) if config.source else "newsletter.toml"
        raise NewsletterError(f"{where}: {cls.title} needs " + ", ".join(missing)
                              + f" under [push.{cls.name}]; see the README's 'Pushing drafts'")
    key = api_key(cls, dry_run)
    message, folder = load(target, config, problems)
    client = Client(cls.title, key, echo, dry_run)
    echo = client.say   # from here on every line may name api_url, which may hold the key
    service = cls(settings, key, client)
    client.hints = service.hint
    base = client.redact(service.base)   # as push.json keeps it
    earlier = read_record(folder).get(cls.name) or {}
    if earlier.get("api_url") not in (None, base, service.base):
        echo(f"push.json names a {cls.title} draft at {earlier['api_url']}, not {base}; "
             "making a new draft here")
        earlier = {}
    if dry_run:
        echo(f"dry run: these requests would go to {cls.title}; nothing is sent, "
             "push.json is left as it is")
    try:
        draft, created = _push(service, message, earlier, folder, echo)
    finally:
        client.close()
    if not dry_run:
        remember(folder, cls.name, base, Draft(draft.id, client.redact(draft.url), draft.extra),
                 message)
    say_done(cls, draft, created, folder, dry_run, echo)
    return Pushed(cls.name, draft, created, folder)


def service_for(config: Config) -> type[Service]:
    cls = SERVICES.get(config.platform)
    if cls is None:
        raise NewsletterError(
            f"push needs a mailing service, and platform is '{config.platform}': pass "
            f"--platform NAME or set platform in newsletter.toml ({', '.join(SERVICES)})")
    return cls


def _push(service: Service, message: Message, earlier: dict, folder: Path,
          echo) -> tuple[Draft, bool]:
    title, draft_id = service.title, str(earlier.get("id") or "")
    if earlier and not service.can_update:
        echo(f"note: {title}'s API can't find or change a campaign, so this makes a new draft; "
             f"delete the earlier \"{earlier.get('name', message.name)}\" draft "
             f"(pushed {earlier.get('pushed_at', 'before')}) in {title}")
    if not draft_id or not service.can_update:
        return service.create(message), True
    try:
        state = service.state(draft_id)
    except NotFound:
        echo(f"{title} no longer has draft {draft_id} (deleted?); making a new one")
        return service.create(message), True
    if not state.is_draft:
        raise PushError(
            f"{title} says campaign {draft_id} is no longer a draft (status: {state.status}): "
            f"it has been sent or scheduled, so it was left as it is. To push this issue as a "
            f"new draft, delete {display_path(folder / RECORD)} (or its \"{service.name}\" "
            "entry) and push again")
    return service.update(draft_id, message), False


def say_done(cls, draft: Draft, created: bool, folder: Path, dry_run: bool, echo) -> None:
    verb = ("would create" if created else "would update") if dry_run else \
        ("created" if created else "updated")
    echo(f"{verb} a {cls.title} draft" + (f" (id {draft.id})" if draft.id and not dry_run else ""))
    if not dry_run:
        if draft.url:
            echo(f"  open it to review and send: {draft.url}")
        echo(f"  remembered in {display_path(folder / RECORD)}")


def load(target: Path | None, config: Config, problems: Problems) -> tuple[Message, Path]:
    """The email to push and its folder: an issue built now, or a folder built before."""
    if target is not None and target.is_dir():
        return read_built(target, config), target
    path = target or newest_issue_file(config.issues_path)
    email, folder = build_issue(path, config, problems)
    if problems.errors:
        raise NewsletterError(f"not pushed: {len(problems.errors)} error(s), listed above")
    return Message(folder.name, email.subject, email.preheader, email.html, email.text), folder


def read_built(folder: Path, config: Config) -> Message:
    """email.html and email.txt of a built folder, subject and preheader read from the HTML.

    The build wrote the folder only when its checks passed; what can have
    changed since is the service, so the final gate runs again for this one.
    """
    try:
        html = (folder / "email.html").read_text(encoding="utf-8")
        text = (folder / "email.txt").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NewsletterError(f"{display_path(folder)} is not a built email folder (no "
                              f"{Path(exc.filename).name}); build it first or name the issue file") from None
    subject, preheader = subject_and_preheader(html)
    if not subject:
        raise NewsletterError(f"{display_path(folder)}/email.html has no <title> to take the "
                              "subject from; rebuild it with newsletter build")
    email = Email(str(folder), subject, preheader, html, text, "")
    found = gate.violations(email, platforms.get_platform(config.platform), config)
    if found:
        raise NewsletterError(
            f"not pushed: {display_path(folder)} is not ready for {config.platform}: "
            + "; ".join(found) + f". Rebuild it with --platform {config.platform}")
    return Message(folder.name, subject, preheader, html, text)


def subject_and_preheader(html: str) -> tuple[str, str]:
    """The <title>, and the hidden preview line the template puts first in <body>."""
    root = html5lib.parse(html, namespaceHTMLElements=False)
    title = root.find(".//title")
    subject = " ".join("".join(title.itertext()).split()) if title is not None else ""
    body = root.find("body")
    first = next(iter(body), None) if body is not None else None
    preheader = ""
    if first is not None and first.tag == "div" and \
            "display:none" in (first.get("style") or "").replace(" ", ""):
        preheader = "".join(first.itertext()).rstrip(PADDING + " \n\t").strip()
    return subject, preheader


def read_record(folder: Path) -> dict:
    """push.json's drafts by service; {} when there is none or it is unreadable."""
    try:
        data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return {}
    drafts = data.get("drafts") if isinstance(data, dict) else None
    return {k: v for k, v in drafts.items() if isinstance(v, dict)} \
        if isinstance(drafts, dict) else {}


def remember(folder: Path, service: str, base: str, draft: Draft, message: Message) -> None:
    drafts = read_record(folder)
    drafts[service] = {"id": draft.id, "url": draft.url, "api_url": base, "name": message.name,
                       "subject": message.subject,
                       "pushed_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                       **(draft.extra or {})}
    data = json.dumps({"drafts": drafts}, indent=2, ensure_ascii=False) + "\n"
    try:
        write_one(folder, RECORD, data.encode())
    except OSError as exc:
        raise NewsletterError(f"the draft was pushed (id {draft.id or 'not given'}), but "
                              f"{display_path(folder / RECORD)} could not be written: "
                              f"{exc.strerror or exc}; the next push will make a new draft") from None
