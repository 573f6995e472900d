"""Test sends go through a real SMTP server (aiosmtpd) on 127.0.0.1."""
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from newsletter.cli import main

from conftest import write_issue

ISSUE = """---
title: Test send of the week
date: 2026-02-01
---

Hello [[first_name|friend]], one action:

* Sign the petition [HERE](https://example.org/petition?a=1&b=2).
"""


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        self.logged_in = session.authenticated
        return "250 OK"


def _auth(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
    return AuthResult(success=ok)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=_auth,
                            auth_require_tls=False)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_send_delivers_a_multipart_message(runner, workspace, smtp, monkeypatch):
    inbox, port = smtp
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    (workspace / "newsletter.toml").write_text(
        'org_name = "Test Group"\nplatform = "mailchimp"\npostal_address = "1 Test St"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nfrom = "editor@example.org"\n')
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    result = runner.invoke(main, ["send", "--to", "me@example.org", "--raw-tags"])
    assert result.exit_code == 0, result.output
    assert len(inbox.messages) == 1
    sender, rcpts, raw = inbox.messages[0]
    assert sender == "editor@example.org" and rcpts == ["me@example.org"]
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == "[TEST] Test send of the week"
    assert msg["From"] == "Test Group <editor@example.org>"   # the organisation's name
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "https://example.org/petition?a=1&b=2" in text
    assert "https://example.org/petition?a=1&amp;b=2" in html
    assert "*|UNSUB|*" in text and "*|UNSUB|*" in html
    assert "*|IF:FNAME|*" in text


def test_password_comes_from_the_environment(runner, workspace, smtp, monkeypatch):
    inbox, port = smtp
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    args = ["send", "--to", "me@example.org", "--from", "editor@example.org",
            "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--security", "none",
            "--insecure-auth"]   # a test server without TLS
    monkeypatch.setenv("NEWSLETTER_SMTP_USER", "editor")
    monkeypatch.delenv("NEWSLETTER_SMTP_PASSWORD", raising=False)
    missing = runner.invoke(main, args)
    assert missing.exit_code == 1 and "NEWSLETTER_SMTP_PASSWORD" in missing.output
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "s3cret")
    good = runner.invoke(main, args)
    assert good.exit_code == 0, good.output
    assert len(inbox.messages) == 1


def test_unreachable_server_is_a_clear_error(runner, workspace, monkeypatch):
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    # Port 9 on loopback: nothing listens there.
    result = runner.invoke(main, ["send", "--to", "me@example.org", "--from", "a@example.org",
                                  "--smtp-port", "9", "--security", "none"])
    assert result.exit_code == 1
    assert "could not send through 127.0.0.1:9" in result.output
    assert "no [smtp] host in newsletter.toml" in result.output   # why this computer
    named = runner.invoke(main, ["send", "--to", "me@example.org", "--from", "a@example.org",
                                 "--smtp-host", "127.0.0.1", "--smtp-port", "9", "--security", "none"])
    assert named.exit_code == 1 and "no [smtp] host" not in named.output


def test_no_recipient(runner, workspace):
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    result = runner.invoke(main, ["send", "--from", "a@example.org"])
    assert result.exit_code == 1 and "--to" in result.output


def test_send_matches_the_built_email(runner, workspace, smtp, monkeypatch):
    """The test copy goes through build's pipeline: UTM tags, calendar link, a Date."""
    inbox, port = smtp
    write_issue(workspace, "2026-02-01-test.md", ISSUE.replace(
        "date: 2026-02-01\n",
        "date: 2026-02-01\nevent-start-date: 2026-02-07 10:00:00 -05:00\n"))
    (workspace / "newsletter.toml").write_text(
        'platform = "mailchimp"\npostal_address = "1 Test St"\nsite_url = "https://example.org/"\n'
        '[utm]\nsource = "letter"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nfrom = "editor@example.org"\n')
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    assert runner.invoke(main, ["build"]).exit_code == 0
    result = runner.invoke(main, ["send", "--to", "me@example.org", "--raw-tags"])
    assert result.exit_code == 0, result.output
    msg = message_from_bytes(inbox.messages[0][2], policy=policy.default)
    assert msg["Date"]
    text = msg.get_body(("plain",)).get_content()
    built = (workspace / "build" / "2026-02-01-test" / "email.txt").read_text()
    assert "utm_source=letter" in text and "calendar/2026-02-01-test.ics" in text
    assert text.replace("\r\n", "\n").rstrip("\n") == built.rstrip("\n")


def test_send_stops_on_errors_and_lists_them(runner, workspace, smtp, monkeypatch):
    inbox, port = smtp
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    tpl = workspace / "templates" / "partials"
    tpl.mkdir(parents=True)
    (tpl / "footer.mjml").write_text("<mj-section><mj-column><mj-text>Bye</mj-text>"
                                     "</mj-column></mj-section>\n")
    (workspace / "newsletter.toml").write_text(
        'platform = "mailchimp"\npostal_address = "1 Test St"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nfrom = "editor@example.org"\n')
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    result = runner.invoke(main, ["send", "--to", "me@example.org"])
    assert result.exit_code == 1
    assert "[required-tag]" in result.output and "not sent" in result.output
    assert inbox.messages == []


def plain_server_args(port: int) -> list[str]:
    return ["send", "--to", "me@example.org", "--from", "editor@example.org",
            "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--security", "none"]


def test_no_password_over_a_plain_connection_without_insecure_auth(runner, workspace, smtp,
                                                                    monkeypatch):
    inbox, port = smtp
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    monkeypatch.setenv("NEWSLETTER_SMTP_USER", "editor")
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "s3cret")
    refused = runner.invoke(main, plain_server_args(port))
    assert refused.exit_code == 1, refused.output
    assert refused.exception is None or isinstance(refused.exception, SystemExit)
    assert "not sending the SMTP password without encryption" in refused.output
    assert "--insecure-auth" in refused.output and "--security" in refused.output
    assert "Traceback" not in refused.output and "sent" not in refused.output.split()
    assert inbox.messages == []
    sent = runner.invoke(main, plain_server_args(port) + ["--insecure-auth"])
    assert sent.exit_code == 0, sent.output
    assert len(inbox.messages) == 1 and inbox.logged_in   # it did log in, as asked


def test_insecure_auth_is_only_a_flag_not_a_setting(runner, workspace, monkeypatch):
    """Sending a password in the clear is a deliberate act each time, not a default."""
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    (workspace / "newsletter.toml").write_text(
        'platform = "mailchimp"\npostal_address = "1 Test St"\n'
        '[smtp]\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\nuser = "editor"\n'
        'insecure_auth = true\nfrom = "editor@example.org"\n')
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "s3cret")
    result = runner.invoke(main, ["send", "--to", "me@example.org"])
    assert result.exit_code == 1 and "--insecure-auth" in result.output


@pytest.mark.parametrize("args, option", [
    (["--to", "me@example.org\r\nBcc: evil@example.org"], "--to"),
    (["--to", "me@example.org\nBcc: evil@example.org"], "--to"),
    (["--to", "me@example.org\r"], "--to"),
    (["--to", "me@exa\x00mple.org"], "--to"),
    (["--to", "me@exa\tmple.org"], "--to"),
    (["--to", "garbage"], "--to"),
    (["--to", "@example.org"], "--to"),
    (["--to", "me@"], "--to"),
    (["--to", "me@example.org, evil@example.org"], "--to"),
    (["--to", "me@example.org>"], "--to"),
    (["--to", "Me <me@example.org>"], "--to"),
    (["--to", "me@example.org", "--to", "not an address"], "--to"),
    (["--to", "me@example.org", "--from", "editor@example.org\r\nBcc: evil@example.org"],
     "--from"),
    (["--to", "me@example.org", "--from", "editor"], "--from"),
    (["--to", "me@example.org", "--from", "Ann <editor@example.org> evil@example.org"], "--from"),
])
def test_bad_addresses_are_refused_and_nothing_is_sent(runner, workspace, smtp, monkeypatch,
                                                      args, option):
    inbox, port = smtp
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    (workspace / "newsletter.toml").write_text(
        'platform = "mailchimp"\npostal_address = "1 Test St"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nfrom = "editor@example.org"\n')
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    result = runner.invoke(main, ["send", *args])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert "Error: not an email address: '" in result.output and f"({option})" in result.output
    assert "\r" not in result.output and not any(line.startswith("Bcc") for line in
                                                 result.output.splitlines())
    assert "sent" not in result.output.split()
    assert inbox.messages == []


def test_a_bad_from_in_the_config_is_refused(runner, workspace, smtp, monkeypatch):
    inbox, port = smtp
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    (workspace / "newsletter.toml").write_text(
        'platform = "mailchimp"\npostal_address = "1 Test St"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'from = "editor@example.org\\nBcc: evil@example.org"\n')
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    result = runner.invoke(main, ["send", "--to", "me@example.org"])
    # Refused by config.py at its line, before send.py's address check sees it.
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "newsletter.toml:7: smtp.from must be one line" in result.output
    assert inbox.messages == []
    assert inbox.messages == []


def test_from_may_have_a_display_name(runner, workspace, smtp, monkeypatch):
    inbox, port = smtp
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    args = plain_server_args(port)
    args[args.index("editor@example.org")] = "Ann Editor <editor@example.org>"
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    sender, rcpts, raw = inbox.messages[0]
    msg = message_from_bytes(raw, policy=policy.default)
    assert sender == "editor@example.org" and rcpts == ["me@example.org"]
    assert msg["From"] == "Ann Editor <editor@example.org>"
    assert msg["Message-ID"].endswith("@example.org>")


# --- issue 12: test sends that look like the real thing ----------------------

def smtp_config(workspace, port):
    (workspace / "newsletter.toml").write_text(
        'org_name = "Test Group"\nplatform = "mailchimp"\npostal_address = "1 Test St"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nfrom = "editor@example.org"\n')


def test_test_sends_fill_merge_tags_by_default_and_prefix_the_subject(runner, workspace, smtp,
                                                                      monkeypatch):
    inbox, port = smtp
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    smtp_config(workspace, port)
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    result = runner.invoke(main, ["send", "--to", "me@example.org"])
    assert result.exit_code == 0, result.output
    msg = message_from_bytes(inbox.messages[0][2], policy=policy.default)
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Hello friend," in text and "*|" not in text and "*|" not in html
    assert msg["Subject"] == "[TEST] Test send of the week"
    plain = runner.invoke(main, ["send", "--to", "me@example.org", "--no-prefix"])
    assert plain.exit_code == 0, plain.output
    second = message_from_bytes(inbox.messages[1][2], policy=policy.default)
    assert second["Subject"] == "Test send of the week"
    assert second["Message-ID"] != msg["Message-ID"]   # no client hides the second copy


def test_aiosmtpd_receives_a_built_digest(runner, workspace, smtp, monkeypatch):
    inbox, port = smtp
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    write_issue(workspace, "2026-02-03-more.md", ISSUE.replace("Test send of the week", "More")
                .replace("2026-02-01", "2026-02-03"))
    smtp_config(workspace, port)
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    made = runner.invoke(main, ["digest", "--since", "2026-02-01", "--until", "2026-02-07",
                                "--as-of", "2026-02-07"])
    assert made.exit_code == 0, made.output
    folder = workspace / "build" / "digest-2026-02-01-2026-02-07"
    for target in (f"{folder}/", f"{folder}/email.html"):
        result = runner.invoke(main, ["send", target, "--to", "me@example.org"])
        assert result.exit_code == 0, result.output
        assert "a digest's tags are sent as built" in result.output
    msg = message_from_bytes(inbox.messages[-1][2], policy=policy.default)
    built = message_from_bytes((folder / "email.eml").read_bytes(), policy=policy.default)
    assert msg["Subject"] == "[TEST] " + built["Subject"]
    assert msg.get_body(("html",)).get_content() == built.get_body(("html",)).get_content()
    assert len(inbox.messages) == 2


def test_a_built_issue_folder_is_filled_from_its_file(runner, workspace, smtp, monkeypatch):
    inbox, port = smtp
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    smtp_config(workspace, port)
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    assert runner.invoke(main, ["build"]).exit_code == 0
    result = runner.invoke(main, ["send", "build/2026-02-01-test", "--to", "me@example.org"])
    assert result.exit_code == 0 and "note:" not in result.output, result.output
    text = message_from_bytes(inbox.messages[0][2], policy=policy.default) \
        .get_body(("plain",)).get_content()
    assert "Hello friend," in text


def test_no_smtp_configured_writes_a_maildir_outbox(runner, workspace, monkeypatch):
    import mailbox
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    result = runner.invoke(main, ["send", "--to", "me@example.org"])
    assert result.exit_code == 0, result.output
    assert "build/outbox" in result.output and "no SMTP server is configured" in result.output
    box = mailbox.Maildir(workspace / "build" / "outbox", create=False)
    messages = [box.get_message(key) for key in box.keys()]
    assert len(messages) == 1
    raw = messages[0].as_bytes()
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == "[TEST] Test send of the week" and msg["To"] == "me@example.org"
    assert msg["From"].startswith("Test Group <")
    assert "Hello friend," in msg.get_body(("plain",)).get_content()


def test_dry_run_prints_headers_and_sizes_and_sends_nothing(runner, workspace, smtp,
                                                            monkeypatch):
    inbox, port = smtp
    write_issue(workspace, "2026-02-01-test.md", ISSUE)
    smtp_config(workspace, port)
    monkeypatch.delenv("NEWSLETTER_SMTP_USER", raising=False)
    result = runner.invoke(main, ["send", "--to", "me@example.org", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Subject: [TEST] Test send of the week" in result.output
    assert "From: Test Group <editor@example.org>" in result.output
    assert "text/plain:" in result.output and "text/html:" in result.output
    assert "nothing sent" in result.output
    assert inbox.messages == [] and not (workspace / "build" / "outbox").exists()
