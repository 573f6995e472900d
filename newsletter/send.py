"""An issue file or a built folder -> a test copy in your inbox, or in a Maildir outbox.

In: a path (an issue file, or a folder `build` or `digest` wrote, or a file
in it), the Config, recipients and the send options. Out: the message sent
over SMTP, or written to build/outbox/ (a Maildir) when no SMTP server is
configured, or only described (`dry_run`). Real sending to a list is the
mailing service's job; this is for seeing the email in a real inbox before
you paste it. The SMTP password comes only from the environment.
"""
from __future__ import annotations

import mailbox
import os
import smtplib
import ssl
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from .build import issue_email
from .config import Config
from .errors import NewsletterError, Problems
from .render.email import Email, filled
from .render.message import message_date, parse_address, to_message
from .source.issue import display_path, find_issue_files

PASSWORD_ENV = "NEWSLETTER_SMTP_PASSWORD"
USER_ENV = "NEWSLETTER_SMTP_USER"
TEST_PREFIX = "[TEST] "


@dataclass
class Sent:
    message: EmailMessage
    where: str          # "smtp", "outbox" or "dry-run"
    path: Path | None   # the outbox file
    note: str = ""      # e.g. why the merge tags went as built


def smtp_settings(config: Config, **overrides) -> dict:
    settings = {"host": "127.0.0.1", "port": 587, "security": "starttls", "from": "",
                "user": os.environ.get(USER_ENV, "")}
    settings.update({k: v for k, v in config.smtp.items() if k in settings})
    settings.update({k: v for k, v in overrides.items() if v is not None})
    if settings["security"] not in ("starttls", "ssl", "none"):
        raise NewsletterError("smtp security must be 'starttls', 'ssl' or 'none'")
    return settings


def smtp_configured(config: Config, overrides: dict) -> bool:
    """A server named anywhere ([smtp] host, --smtp-host, --smtp-port); else the outbox."""
    return "host" in config.smtp or any(overrides.get(k) is not None for k in ("host", "port"))


def check_security(settings: dict, insecure_auth: bool) -> None:
    """Refuse to send a password in the clear unless the user said so, this time."""
    if settings["user"] and settings["security"] == "none" and not insecure_auth:
        raise NewsletterError(
            f"not sending the SMTP password without encryption: security is 'none', so "
            f"anyone on the network to {settings['host']} could read it. Use --security "
            f"starttls or ssl; for a server on your own machine, pass --insecure-auth, or "
            f"unset {USER_ENV} (and [smtp] user) to send without logging in")


def built_folder(path: Path) -> Path | None:
    """The output folder `path` is or is in, if it holds a built email."""
    folder = path if path.is_dir() else path.parent
    return folder if (folder / "email.html").is_file() and (folder / "email.txt").is_file() \
        else None


def read_built(folder: Path) -> Email:
    """A built folder's email as the service gets it; the subject from email.eml."""
    html = (folder / "email.html").read_text(encoding="utf-8")
    text = (folder / "email.txt").read_text(encoding="utf-8")
    subject = folder.name
    if (folder / "email.eml").is_file():
        parsed = message_from_bytes((folder / "email.eml").read_bytes(), policy=policy.default)
        subject = str(parsed["Subject"] or subject)
    return Email(display_path(folder), subject, "", html, text, "")


def choose_email(path: Path, config: Config, problems: Problems,
                 fill_tags: bool) -> tuple[Email, str]:
    """The email to send, filled or not, and a note when it could not be filled."""
    folder = built_folder(path) if path.is_dir() or path.name.startswith("email.") else None
    if folder is None:
        # The same pipeline as `build` (UTM tags, calendar link, checks), so the
        # test copy is what you will paste.
        email, _ = issue_email(path, config, problems)
        if problems.errors:
            raise NewsletterError(f"not sent: {len(problems.errors)} error(s), listed above")
        return (filled(email, config) if fill_tags else email), ""
    built = read_built(folder)
    if not fill_tags:
        return built, ""
    # Filling needs the email's typed parts, which only a build in this
    # process has: rebuild the issue of that name, and use it only if it is
    # still what the folder holds.
    sources = [p for p in find_issue_files([config.issues_path]) if p.stem == folder.name] \
        if config.issues_path.is_dir() else []
    if sources:
        email, _ = issue_email(sources[0], config, Problems())
        if email.html == built.html and email.text == built.text:
            return filled(email, config), ""
        why = f"{display_path(sources[0])} changed since it was built"
    else:
        why = "no issue file of that name to fill them from (a digest's tags are sent as built)"
    return built, f"merge tags sent as the service gets them: {why}"


def send_issue(path: Path, config: Config, to: list[str], problems: Problems,
               insecure_auth: bool = False, fill_tags: bool = True, prefix: bool = True,
               dry_run: bool = False, **overrides) -> Sent:
    """Make the test copy of `path` and send it, or write it to build/outbox/."""
    if not to:
        raise NewsletterError("say who gets the test: --to you@example.org")
    recipients = [parse_address(a, "--to") for a in to]
    settings = smtp_settings(config, **overrides)
    use_smtp = smtp_configured(config, overrides)
    if overrides.get("from") is not None:
        sender, where = settings["from"], "--from"
    elif settings["from"]:
        sender, where = settings["from"], "[smtp] from in newsletter.toml"
    else:   # the login name, when it is an address
        sender, where = (settings["user"] if "@" in settings["user"] else ""), "the SMTP user"
    if not sender and use_smtp and not dry_run:
        raise NewsletterError("no sender address: set [smtp] from = \"you@example.org\" "
                              "in newsletter.toml or pass --from")
    sender_address = parse_address(sender, where, display_name=True) if sender else None
    if use_smtp and not dry_run:
        check_security(settings, insecure_auth)
    email, note = choose_email(path, config, problems, fill_tags)
    subject = (TEST_PREFIX if prefix else "") + email.subject
    # Dated now, with a Message-ID of its own: a copy dated like the issue would
    # sink in the inbox, and clients hide a second message with a Message-ID seen before.
    msg = to_message(email, config, from_=sender_address, to=recipients, subject=subject,
                     date=message_date(None, config), unique=True)
    if dry_run:
        return Sent(msg, "dry-run", None, note)
    if not use_smtp:
        return Sent(msg, "outbox", write_outbox(msg, config), note)
    deliver(msg, settings, config, overrides)
    return Sent(msg, "smtp", None, note)


def write_outbox(msg: EmailMessage, config: Config) -> Path:
    """build/outbox/ as a Maildir (new/ holds the message): any mail client can open it."""
    folder = config.output_path / "outbox"
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)   # Maildir makes only the last folder
        box = mailbox.Maildir(folder, create=True)
        key = box.add(msg)
    except OSError as exc:
        raise NewsletterError(f"cannot write the outbox {display_path(folder)}: "
                              f"{exc.strerror or exc}") from None
    return folder / "new" / key


def deliver(msg: EmailMessage, settings: dict, config: Config, overrides: dict) -> None:
    password = os.environ.get(PASSWORD_ENV, "")
    if settings["user"] and not password:
        raise NewsletterError(f"SMTP user is set but {PASSWORD_ENV} is empty; "
                              f"export {PASSWORD_ENV}=... first")
    try:
        if settings["security"] == "ssl":
            client = smtplib.SMTP_SSL(settings["host"], int(settings["port"]), timeout=30,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings["host"], int(settings["port"]), timeout=30)
        with client:
            if settings["security"] == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings["user"]:
                client.login(settings["user"], password)
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        hint = ""
        if "host" not in config.smtp and not overrides.get("host"):
            hint = ("; no [smtp] host in newsletter.toml, so it tried this computer: "
                    "set your provider's server there or pass --smtp-host")
        raise NewsletterError(f"could not send through {settings['host']}:{settings['port']}: "
                              f"{exc}{hint}") from None
