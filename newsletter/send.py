"""Email -> a MIME message, saved as email.eml or sent over SMTP as a test.

Real sending to a list is the mailing service's job. This is for sending
yourself a copy to see it in a real inbox before you paste it. The SMTP
password comes only from the environment, never from a file.
"""
from __future__ import annotations

import os
import smtplib
import ssl
import unicodedata
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, localtime, make_msgid
from pathlib import Path

from .build import issue_email
from .config import Config
from .errors import NewsletterError, Problems
from .render.email import Email

PASSWORD_ENV = "NEWSLETTER_SMTP_PASSWORD"
USER_ENV = "NEWSLETTER_SMTP_USER"


def to_message(email: Email, sender: str, recipients: list[str], date=None) -> EmailMessage:
    """A multipart/alternative message: the text part first, as RFC 2046 asks."""
    msg = EmailMessage()
    msg["Subject"] = email.subject
    msg["From"] = sender
    if recipients:
        msg["To"] = ", ".join(recipients)
    if date is not None:
        msg["Date"] = format_datetime(date)
    msg.set_content(email.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return msg


def smtp_settings(config: Config, **overrides) -> dict:
    settings = {"host": "127.0.0.1", "port": 587, "security": "starttls", "from": "",
                "user": os.environ.get(USER_ENV, "")}
    settings.update({k: v for k, v in config.smtp.items() if k in settings})
    settings.update({k: v for k, v in overrides.items() if v is not None})
    if settings["security"] not in ("starttls", "ssl", "none"):
        raise NewsletterError("smtp security must be 'starttls', 'ssl' or 'none'")
    return settings


def parse_address(value: str, option: str, display_name: bool = False) -> Address:
    """One email address, or a NewsletterError naming the option it came from.

    A line break would let an address write its own headers (Bcc: ...), and a
    list or a typo would send somewhere else than meant; so exactly one
    address with a local part and a domain, and no control characters. `From`
    may carry a display name (Ann <ann@example.org>); a recipient is just the address.
    """
    bad = NewsletterError(f"not an email address: {value!r} ({option})")
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
        raise bad
    found = getaddresses([value])
    if len(found) != 1:
        raise bad
    name, spec = found[0]
    if not display_name and (name or spec != value.strip()):
        raise bad
    try:
        address = Address(display_name=name, addr_spec=spec)
    except (ValueError, IndexError, MessageError):   # what the parser raises on junk
        raise bad from None
    if not address.username or not address.domain:
        raise bad
    return address


def check_security(settings: dict, insecure_auth: bool) -> None:
    """Refuse to send a password in the clear unless the user said so, this time."""
    if settings["user"] and settings["security"] == "none" and not insecure_auth:
        raise NewsletterError(
            f"not sending the SMTP password without encryption: security is 'none', so "
            f"anyone on the network to {settings['host']} could read it. Use --security "
            f"starttls or ssl; for a server on your own machine, pass --insecure-auth, or "
            f"unset {USER_ENV} (and [smtp] user) to send without logging in")


def send_issue(path: Path, config: Config, to: list[str], problems: Problems,
               insecure_auth: bool = False, **overrides) -> EmailMessage:
    """Build the issue and send it to `to` through the configured SMTP server."""
    if not to:
        raise NewsletterError("say who gets the test: --to you@example.org")
    recipients = [parse_address(a, "--to").addr_spec for a in to]
    settings = smtp_settings(config, **overrides)
    if overrides.get("from") is not None:
        sender, where = settings["from"], "--from"
    elif settings["from"]:
        sender, where = settings["from"], "[smtp] from in newsletter.toml"
    else:   # the login name, when it is an address
        sender, where = (settings["user"] if "@" in settings["user"] else ""), "the SMTP user"
    if not sender:
        raise NewsletterError("no sender address: set [smtp] from = \"you@example.org\" "
                              "in newsletter.toml or pass --from")
    sender_address = parse_address(sender, where, display_name=True)
    check_security(settings, insecure_auth)
    # The same pipeline as `build` (UTM tags, calendar link, checks), so the test
    # copy is what you will paste.
    email, _ = issue_email(path, config, problems)
    if problems.errors:
        raise NewsletterError(f"not sent: {len(problems.errors)} error(s), listed above")
    # A Date header: some servers reject or spam-file mail without one.
    msg = to_message(email, str(sender_address), recipients, date=localtime())
    msg["Message-ID"] = make_msgid(domain=sender_address.domain)
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
    return msg
