"""email.eml, written by build and digest, read back with Python's own email parser."""
import quopri
import random
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

from newsletter.cli import main
from newsletter.render.message import quoted_printable

from conftest import write_issue

ISSUE = """---
title: Ça marche — 日本語 too
date: 2026-03-09
preheader: One line for the inbox
---

Hi [[first_name|neighbor]], a long line follows {long}

* Sign the petition [HERE](https://example.org/petition?a=1&b=2).
"""


def read_back(folder):
    raw = (folder / "email.eml").read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")   # CRLF throughout
    return message_from_bytes(raw, policy=policy.default)


def same(part: str, path) -> None:
    """The parsed part is the file, but for the CRLF line ends mail uses: not
    a character more (the line end before a boundary belongs to the boundary)."""
    assert part.replace("\r\n", "\n") == path.read_text(encoding="utf-8")


def test_eml_parses_back_into_the_built_text_and_html(runner, workspace):
    (workspace / "newsletter.toml").write_text(
        'org_name = "Grupo Ñandú"\nplatform = "mailchimp"\npostal_address = "1 Test St"\n'
        'unsubscribe_url = "https://example.org/unsub"\ntimezone = "America/New_York"\n',
        encoding="utf-8")
    write_issue(workspace, "2026-03-09-привет-мир.md", ISSUE.format(long="word " * 60))
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert "email.eml" in result.output
    folder = workspace / "build" / "2026-03-09-привет-мир"
    msg = read_back(folder)
    assert msg["Subject"] == "Ça marche — 日本語 too"
    assert msg["From"].addresses[0].display_name == "Grupo Ñandú"
    assert msg["MIME-Version"] == "1.0"
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith(">")
    assert parsedate_to_datetime(msg["Date"]).isoformat() == "2026-03-09T00:00:00-04:00"
    assert msg["List-Unsubscribe"] == "<https://example.org/unsub>"
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    same(parts[0].get_content(), folder / "email.txt")
    same(parts[1].get_content(), folder / "email.html")
    # The service's version: its merge tags, not the preview's fallbacks.
    assert "*|UNSUB|*" in parts[1].get_content()


def test_no_unsubscribe_url_no_header_and_a_digest_has_one_too(runner, workspace):
    (workspace / "newsletter.toml").write_text('org_name = "Test Group"\npostal_address = "1 Test St"\n')
    write_issue(workspace, "2026-03-09-a.md", ISSUE.format(long=""))
    write_issue(workspace, "2026-03-10-b.md", ISSUE.format(long="").replace("Ça", "Second"))
    result = runner.invoke(main, ["digest", "--since", "2026-03-09", "--until", "2026-03-10",
                                  "--as-of", "2026-03-10"])
    assert result.exit_code == 0, result.output
    folder = workspace / "build" / "digest-2026-03-09-2026-03-10"
    msg = read_back(folder)
    assert "List-Unsubscribe" not in msg
    assert parsedate_to_datetime(msg["Date"]).date().isoformat() == "2026-03-10"
    same(msg.get_body(("plain",)).get_content(), folder / "email.txt")
    same(msg.get_body(("html",)).get_content(), folder / "email.html")


# Text shaped like RFC 2047 encoded words: Python's email package (before
# 3.11.10) decodes it when a header is set from a string and writes the
# decoded line breaks as they are, so a title could write its own headers.
INJECTIONS = [
    "=?utf-8?q?Hello=0D=0AReply-To:_attacker@evil.org=0D=0A=0D=0AFake_body?= tail",
    "=?utf-8?b?QmNjOiBldmlsQHgub3Jn?= =?utf-8?q?x=0D=0ABcc:_e@x?= plain",
    "Plain words then =?UTF-8?Q?=E2=98=83?= a snowman",
]


def test_a_title_shaped_like_encoded_words_writes_no_header_of_its_own(runner, workspace):
    for n, title in enumerate(INJECTIONS):
        name = f"2026-03-1{n}-ew.md"
        write_issue(workspace, name, f'---\ntitle: "{title}"\ndate: 2026-03-1{n}\n---\n\n'
                    "Hello there, [a link](https://example.org/a).\n")
        result = runner.invoke(main, ["build", f"issues/{name}"])
        assert result.exit_code == 0, result.output
        msg = read_back(workspace / "build" / name[:-3])
        assert set(msg.keys()) <= {"Subject", "From", "Date", "Message-ID", "List-Unsubscribe",
                                   "MIME-Version", "Content-Type"}, msg.keys()
        assert str(msg["Subject"]) == title
        assert msg.is_multipart() and msg.get_content_type() == "multipart/alternative"


def test_quoted_printable_keeps_every_character_and_the_76_character_limit():
    # binascii alone writes 77-78 character lines when a space or tab just
    # before a line end must be escaped; these put one at every column.
    texts = ["a" * n + tail for n in range(60, 90) for tail in (" \nb", "\t\nb", " ", "é \n")]
    rng = random.Random(2045)
    pieces = ["a", " ", "\t", "\n", "=", ".", "é", "€", "😀", "<p>", "=20", "From "]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 400))) for _ in range(3000)]
    for text in texts:
        encoded = quoted_printable(text)
        assert all(len(line) <= 76 for line in encoded.split("\n")), text
        assert quopri.decodestring(encoded.encode()) == text.encode(), text
        msg = message_from_bytes(b"Content-Type: text/plain; charset=utf-8\r\n"
                                 b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                                 + encoded.replace("\n", "\r\n").encode(), policy=policy.default)
        assert msg.get_content().replace("\r\n", "\n") == text


def test_every_line_of_a_built_eml_fits_the_mime_limit(runner, workspace):
    write_issue(workspace, "2026-03-10-long.md",
                "---\ntitle: Long lines\ndate: 2026-03-10\n---\n\n"
                + "".join("word " * n + "\n\n" for n in range(10, 30)))
    assert runner.invoke(main, ["build"]).exit_code == 0
    raw = (workspace / "build" / "2026-03-10-long" / "email.eml").read_bytes()
    assert max(map(len, raw.split(b"\r\n"))) <= 78   # headers: the email package folds at 78
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert max(map(len, body.split(b"\r\n"))) <= 76
