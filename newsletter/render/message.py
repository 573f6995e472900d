"""Email -> an RFC 5322 message: `email.eml`, test sends and the Maildir outbox.

In: a finished Email, the Config, the sender and recipients, a date. Out: an
`EmailMessage`, multipart/alternative (the text part, then HTML, as RFC 2046
asks: the last part is the preferred one), UTF-8 and quoted-printable, with
Subject, From, Date, Message-ID, MIME-Version and List-Unsubscribe when the
config knows an unsubscribe URL. The `email` package writes every header and
part under its SMTP policy (CRLF line ends, RFC 2047 encoded words), never
this module by hand; only the parts' quoted-printable comes from binascii.
`parse_address` is where every address a user gives is judged, so the built
file and `send` refuse the same things.
"""
from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import unicodedata
from email import policy
from email.errors import MessageError
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid

from ..config import Config
from ..config_values import ENCODED_WORD
from ..errors import NewsletterError
from .email import Email

# RFC 2606 keeps .invalid for names that must never resolve: a built file with
# no sender configured says so instead of inventing a real-looking address.
NO_ADDRESS = "newsletter@invalid"


class EncodedSubject:
    """A Subject header whose every character is in RFC 2047 encoded words.

    The email package (Python before 3.11.10 and 3.12.5) decodes text that
    looks like an encoded word when a header is set from a string, then
    writes what it decoded as it is: a title holding
    `=?utf-8?q?x=0D=0ABcc:_y?=` would write a Bcc header of its own. The
    package's policy stores, and folds, any header object that has a `name`
    and `fold()` as it is; this one is encoded by email.header.Header, so it
    reads back as exactly the text given. Used only for such subjects: others
    keep the plain, readable form.
    """

    name = "Subject"

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    def fold(self, *, policy) -> str:
        encoded = Header(self.text, "utf-8", header_name=self.name).encode(
            linesep=policy.linesep, maxlinelen=policy.max_line_length or 78)
        return f"{self.name}: {encoded}{policy.linesep}"


def parse_address(value: str, option: str, display_name: bool = False) -> Address:
    """One email address, or a NewsletterError naming the option it came from.

    A line break would let an address write its own headers (Bcc: ...), and a
    list or a typo would send somewhere else than meant; so exactly one
    address with a local part and a domain, and no control characters. `From`
    may carry a display name (Ann <ann@example.org>); a recipient is just the address.
    """
    bad = NewsletterError(f"not an email address: {value!r} ({option})")
    if not isinstance(value, str) or any(unicodedata.category(c) in ("Cc", "Zl", "Zp")
                                         for c in value):
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


def sender(config: Config, address: Address | None = None) -> Address:
    """Who the email is from: the address given (else [smtp] from, else none),
    named after the organisation unless the address carries a name of its own."""
    if address is None:
        try:
            address = parse_address(config.smtp.get("from") or NO_ADDRESS, "[smtp] from",
                                    display_name=True)
        except NewsletterError:
            address = parse_address(NO_ADDRESS, "")   # build: `send` reports a bad one
    return Address(display_name=address.display_name or config.org_name,
                   username=address.username, domain=address.domain)


def message_date(value: dt.date | dt.datetime | None, config: Config) -> dt.datetime:
    """An aware datetime for the Date header: a bare date is midnight where the group is."""
    if value is None:
        return dt.datetime.now(config.tz).replace(microsecond=0)
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return value if value.tzinfo else value.replace(tzinfo=config.tz)


def to_message(email: Email, config: Config, *, from_: Address | None = None,
               to: list[Address] | tuple = (), date: dt.date | dt.datetime | None = None,
               subject: str | None = None, unique: bool = False) -> EmailMessage:
    """The email as one message. With no `date`, the email's own (its issue's
    date); the Message-ID and MIME boundary come from the content, so two
    builds of one input give the same bytes, unless `unique` (a test send)."""
    from_ = sender(config, from_)
    subject = email.subject if subject is None else subject
    digest = hashlib.sha256("\0".join((subject, email.text, email.html)).encode()).hexdigest()
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = EncodedSubject(subject) if ENCODED_WORD.search(subject) else subject
    msg["From"] = _header("From", (from_.display_name, from_.username, from_.domain), from_)
    if to:
        msg["To"] = list(to)
    msg["Date"] = message_date(date if date is not None else email.date, config)
    msg["Message-ID"] = make_msgid(domain=from_.domain) if unique \
        else f"<{digest[:32]}@{from_.domain}>"
    if config.unsubscribe_url.startswith(("https://", "http://", "mailto:")):
        # RFC 2369: the address in angle brackets; mail clients show an Unsubscribe button.
        msg["List-Unsubscribe"] = _header("List-Unsubscribe", config.unsubscribe_url,
                                          f"<{config.unsubscribe_url}>")
    msg["MIME-Version"] = _header("MIME-Version", "1.0", "1.0")
    # What make_alternative() and set_boundary() would leave, parsed once
    # rather than twice. Quoted-printable writes every '=' as =3D, so a
    # boundary starting '=_' can't occur in either part; the email
    # package's own would be random.
    msg["Content-Type"] = f'multipart/alternative; boundary="=_{digest[32:64]}"'
    msg.attach(_part(email.text, "plain"))
    msg.attach(_part(email.html, "html"))
    return msg


# Parsed headers whose value is the same for every issue of a batch (the
# sender, the parts' types), by (name, key): the email package parses a
# header each time it is set, a twentieth of a millisecond each. A header
# object is read, never changed, when a message is written, so messages can
# share one.
_HEADERS: dict[tuple, object] = {}


def _header(name: str, key, value):
    header = _HEADERS.get((name, key))
    if header is None:
        # header_store_parse, as setting it would: it refuses a line break.
        header = policy.SMTP.header_store_parse(name, value)[1]
        if len(_HEADERS) < 64:
            _HEADERS[(name, key)] = header
    return header


def _part(text: str, subtype: str) -> EmailMessage:
    """One UTF-8, quoted-printable part. set_content() would encode it with
    email.quoprimime, in Python: 1 ms for a 48 KB email, an eighth of a
    batch's time per issue; binascii's C encoder does the same in a third of
    that. Both write RFC 2045 quoted-printable (lines of at most 76
    characters, soft breaks, trailing spaces encoded); the generator turns
    its line ends into CRLF."""
    part = EmailMessage(policy=policy.SMTP)
    part["Content-Type"] = _header("Content-Type", subtype, f'text/{subtype}; charset="utf-8"')
    part["Content-Transfer-Encoding"] = _header("Content-Transfer-Encoding", "",
                                                "quoted-printable")
    part.set_payload(quoted_printable(text))
    return part


def quoted_printable(text: str) -> str:
    """UTF-8 `text` as quoted-printable, every line at most 76 characters."""
    lines = binascii.b2a_qp(text.encode(), istext=True).decode("ascii").split("\n")
    for i, line in enumerate(lines):
        # binascii (CPython 3.11-3.13) lets a line reach 78 characters when a
        # space or tab before its end is written as =20/=09: that escape
        # goes onto a line of its own after a soft break.
        if len(line) > 76 and line[-3:] in ("=20", "=09"):
            lines[i] = f"{line[:-3]}=\n{line[-3:]}"
    return "\n".join(lines)


def eml_bytes(email: Email, config: Config) -> bytes:
    """`email.eml`: the email exactly as the service gets it, merge tags and all."""
    return to_message(email, config).as_bytes()
