"""`newsletter push` against a contract server per service on 127.0.0.1.

Each server (tests/push_contracts.py) checks what the service's documentation
asks of a request and answers as it shows; these tests drive the real CLI.
"""
from __future__ import annotations

import base64
import json
import shutil
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import httpx
import pytest

from newsletter.build import build_issue
from newsletter.cli import main
from newsletter.config import load_config
from newsletter.errors import Problems
from newsletter.output import write_atomically
from newsletter.push import client
from newsletter.push.run import SERVICES
from push_contracts import CONTRACTS, KEY, Server

ISSUE = """---
title: Pushed issue of the week
date: 2026-02-01
preheader: One action and a thank-you
---

Hello [[first_name|friend]], one action:

* Sign the petition [HERE](https://example.org/petition?a=1&b=2).
"""
STEM = "2026-02-01-pushed"
BASE_TOML = ('org_name = "Test Group"\npostal_address = "1 Test St, Testville"\n'
             'site_url = "https://example.org/"\nunsubscribe_url = "https://example.org/unsub"\n')
UPDATABLE = [c for c in CONTRACTS if SERVICES[c.name].can_update]


def toml_value(value) -> str:
    return json.dumps(value)   # strings, numbers and flat lists read the same in TOML


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The issue built once for each service: {name: (folder, Email)}."""
    root = tmp_path_factory.mktemp("built")
    (root / "issues").mkdir()
    (root / "issues" / f"{STEM}.md").write_text(ISSUE, encoding="utf-8")
    (root / "newsletter.toml").write_text(BASE_TOML)
    out = {}
    for name in SERVICES:
        config = load_config(root / "newsletter.toml", platform=name, output_dir=f"build-{name}")
        problems = Problems()
        email, folder = build_issue(root / "issues" / f"{STEM}.md", config, problems)
        assert not problems.errors, problems
        out[name] = (folder, email)
    return out


@pytest.fixture(autouse=True)
def quick_client(monkeypatch):
    monkeypatch.setattr(client, "RETRY_CAP", 2.0)
    monkeypatch.setattr(client, "TIMEOUT", httpx.Timeout(0.25))
    for cls in SERVICES.values():
        monkeypatch.delenv(cls.env, raising=False)
    monkeypatch.delenv("NEWSLETTER_API_KEY", raising=False)


def make_service(contract_cls, workspace, built, extra: dict | None = None):
    contract = contract_cls()
    server = Server(contract)
    name = contract.name
    settings = {"api_url": server.api_url, **contract.settings, **(extra or {})}
    (workspace / "newsletter.toml").write_text(
        f'platform = "{name}"\n' + BASE_TOML + f"\n[push.{name}]\n"
        + "".join(f"{k} = {toml_value(v)}\n" for k, v in settings.items() if v is not None))
    (workspace / "issues" / f"{STEM}.md").write_text(ISSUE, encoding="utf-8")
    folder = workspace / "build" / STEM
    shutil.copytree(built[name][0], folder)
    return SimpleNamespace(contract=contract, server=server, name=name, folder=folder,
                           env=SERVICES[name].env, email=built[name][1],
                           record=folder / "push.json")


@pytest.fixture(params=CONTRACTS, ids=lambda c: c.name)
def svc(request, workspace, built):
    service = make_service(request.param, workspace, built)
    yield service
    service.server.close()


@pytest.fixture(params=UPDATABLE, ids=lambda c: c.name)
def updatable(request, workspace, built):
    service = make_service(request.param, workspace, built)
    yield service
    service.server.close()


def push(runner, svc, *args, key=KEY, env=None):
    result = runner.invoke(main, ["push", *args], env={env or svc.env: key} if key else {})
    assert_no_key(result.output, svc)
    return result


def assert_no_key(text: str, svc) -> None:
    for secret in [KEY] + [base64.b64encode(f"{u}:{KEY}".encode()).decode()
                           for u in ("newsletter", "anystring")]:
        assert secret not in text
        if svc.record.exists():
            assert secret not in svc.record.read_text()


def record(svc) -> dict:
    return json.loads(svc.record.read_text())["drafts"][svc.name]


def pushed_html(svc, entry) -> str:
    body = entry["body"]
    return (body.get("body") or body.get("html") or body.get("content") or body.get("htmlContent")
            or body.get("html_text") or body["emails"][0]["content"])


def test_create_then_update_the_same_draft(runner, svc):
    first = push(runner, svc, f"issues/{STEM}.md")
    assert first.exit_code == 0, first.output
    assert "created a" in first.output
    assert len(svc.contract.campaigns) == 1
    saved = record(svc)
    assert saved["subject"] == "Pushed issue of the week" and "key" not in json.dumps(saved).lower()
    # The service's version of the email, as built: its own merge tags, not filled ones.
    sent = [r for r in svc.contract.log if r.get("body") and pushed_html_or_none(svc, r)]
    assert pushed_html(svc, sent[-1]) == (svc.folder / "email.html").read_text()
    assert "[[" not in pushed_html(svc, sent[-1])

    svc.contract.log.clear()
    second = push(runner, svc, f"issues/{STEM}.md")   # builds again: push.json must survive
    assert second.exit_code == 0, second.output
    if SERVICES[svc.name].can_update:
        assert "updated the" in second.output or "updated a" in second.output
        assert len(svc.contract.campaigns) == 1
        assert record(svc)["id"] == saved["id"]
        methods = [r["method"] for r in svc.contract.log]
        assert methods[0] == "GET" and "POST" not in methods
    else:   # Sendy can't update: a new draft, and it says so
        assert "can't find or change" in second.output
        assert len(svc.contract.campaigns) == 2


def pushed_html_or_none(svc, entry):
    try:
        return pushed_html(svc, entry)
    except (KeyError, IndexError, TypeError):
        return None


def test_subject_and_preheader_go_in_the_services_fields(runner, svc):
    result = push(runner, svc, str(svc.folder))   # a built folder: read back from email.html
    assert result.exit_code == 0, result.output
    body = svc.contract.log[0]["body"]
    subject = svc.email.subject
    preheader = svc.email.preheader
    assert preheader == "One action and a thank-you"
    fields = {"buttondown": lambda: (body["subject"], None),
              "mailchimp": lambda: (body["settings"]["subject_line"],
                                    body["settings"]["preview_text"]),
              "listmonk": lambda: (body["subject"], None),
              "mailerlite": lambda: (body["emails"][0]["subject"], None),
              "kit": lambda: (body["subject"], body["preview_text"]),
              "brevo": lambda: (body["subject"], body["previewText"]),
              "sendy": lambda: (body["subject"], None)}[svc.name]()
    assert fields[0] == subject
    if fields[1] is not None:
        assert fields[1] == preheader


def test_a_sent_campaign_is_left_alone(runner, updatable):
    svc = updatable
    assert push(runner, svc, str(svc.folder)).exit_code == 0
    (cid,) = svc.contract.campaigns
    svc.contract.mark_sent(cid)
    before = json.dumps(svc.contract.campaigns)
    svc.contract.log.clear()
    result = push(runner, svc, str(svc.folder))
    assert result.exit_code == 1
    assert "no longer a draft" in result.output and "left as it is" in result.output
    assert [r["method"] for r in svc.contract.log] == ["GET"]
    assert json.dumps(svc.contract.campaigns) == before


def test_a_refused_key_is_one_clear_message(runner, svc):
    result = push(runner, svc, str(svc.folder), key="wrong-key-0000-us21")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    said = {"buttondown": "Invalid token", "mailchimp": "API Key Invalid",
            "listmonk": "invalid API credentials", "mailerlite": "Unauthenticated",
            "kit": "access token is invalid", "brevo": "Key not found",
            "sendy": "Invalid API key"}[svc.name]
    assert said in result.output
    assert "wrong-key-0000-us21" not in result.output
    assert not svc.contract.campaigns and not svc.record.exists()


def test_a_deleted_draft_is_made_again(runner, updatable):
    svc = updatable
    assert push(runner, svc, str(svc.folder)).exit_code == 0
    old = record(svc)["id"]
    svc.contract.campaigns.clear()   # deleted in the service: GET answers 404
    result = push(runner, svc, str(svc.folder))
    assert result.exit_code == 0, result.output
    assert "no longer has draft" in result.output
    assert len(svc.contract.campaigns) == 1 and record(svc)["id"] != old


def test_429_waits_for_retry_after_then_goes_on(runner, svc):
    svc.contract.faults.append((429, {"Retry-After": "0", "Content-Type": "application/json"},
                                b'{"message": "Too many requests"}'))
    result = push(runner, svc, str(svc.folder))
    assert result.exit_code == 0, result.output
    assert "answered 429; trying again" in result.output
    assert [r["method"] for r in svc.contract.log][:2] == ["POST", "POST"]
    assert len(svc.contract.campaigns) == 1


def test_a_retry_after_past_the_cap_is_an_error(runner, svc):
    when = format_datetime(datetime.now(timezone.utc) + timedelta(hours=1), usegmt=True)
    svc.contract.faults.append((429, {"Retry-After": when}, b"slow down"))
    started = time.monotonic()
    result = push(runner, svc, str(svc.folder))
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert "answered 429" in result.output and "slow down" in result.output
    assert not svc.contract.campaigns


def test_a_server_that_never_answers_times_out(runner, svc):
    svc.contract.delay = 0.75
    result = push(runner, svc, str(svc.folder))
    assert result.exit_code == 1
    assert "did not answer in time" in result.output
    assert "look in the service whether a draft was made" in result.output
    assert not svc.record.exists()


def test_dry_run_prints_the_requests_and_sends_nothing(runner, svc):
    result = push(runner, svc, str(svc.folder), "--dry-run")
    assert result.exit_code == 0, result.output
    assert svc.contract.log == []
    assert not svc.record.exists()
    assert f"POST {svc.server.api_url}" in result.output
    assert "****" in result.output and "body: " in result.output
    assert "would create" in result.output


def test_dry_run_of_an_update_shows_the_check_first(runner, updatable):
    svc = updatable
    assert push(runner, svc, str(svc.folder)).exit_code == 0
    svc.contract.log.clear()
    result = push(runner, svc, str(svc.folder), "--dry-run")
    assert result.exit_code == 0, result.output
    assert svc.contract.log == []
    assert result.output.index("GET ") < result.output.index("would update")


def test_dry_run_needs_no_key(runner, workspace, built):
    svc = make_service(CONTRACTS[1], workspace, built)   # Mailchimp
    try:
        result = push(runner, svc, str(svc.folder), "--dry-run", key=None)
        assert result.exit_code == 0, result.output
        assert "https://<dc>.api.mailchimp.com" not in result.output   # api_url is set
        assert svc.contract.log == []
    finally:
        svc.server.close()


def test_no_key_says_which_variable(runner, workspace, built):
    svc = make_service(CONTRACTS[0], workspace, built)
    try:
        result = push(runner, svc, str(svc.folder), key=None)
        assert result.exit_code == 1
        assert "export BUTTONDOWN_API_KEY" in result.output and "NEWSLETTER_API_KEY" in result.output
        generic = push(runner, svc, str(svc.folder), env="NEWSLETTER_API_KEY")
        assert generic.exit_code == 0, generic.output
    finally:
        svc.server.close()


def test_an_error_in_the_build_stops_the_push(runner, workspace, built):
    svc = make_service(CONTRACTS[0], workspace, built)
    try:
        (workspace / "issues" / f"{STEM}.md").write_text(
            ISSUE + "\nAnd [[bogus_tag]].\n", encoding="utf-8")
        result = push(runner, svc, f"issues/{STEM}.md")
        assert result.exit_code == 1
        assert f"issues/{STEM}.md:11: unknown placeholder [[bogus_tag]]" in result.output
        assert svc.contract.log == []
    finally:
        svc.server.close()


def test_a_folder_built_for_another_service_is_refused(runner, workspace, built):
    svc = make_service(CONTRACTS[0], workspace, built)   # Buttondown
    try:
        shutil.rmtree(svc.folder)
        shutil.copytree(built["mailchimp"][0], svc.folder)
        result = push(runner, svc, str(svc.folder))
        assert result.exit_code == 1
        assert "not ready for buttondown" in result.output and "--platform buttondown" in result.output
        assert svc.contract.log == []
    finally:
        svc.server.close()


def test_missing_and_wrong_settings(runner, workspace, built):
    svc = make_service(CONTRACTS[1], workspace, built, {"list_id": None})
    try:
        result = push(runner, svc, str(svc.folder))
        assert result.exit_code == 1 and "needs list_id under [push.mailchimp]" in result.output
        text = (workspace / "newsletter.toml").read_text() + "list_id = []\n"
        (workspace / "newsletter.toml").write_text(text)
        line = text.splitlines().index("list_id = []") + 1
        result = push(runner, svc, str(svc.folder))
        assert result.exit_code == 1
        assert f"newsletter.toml:{line}: [push.mailchimp] list_id must be an id" in result.output
    finally:
        svc.server.close()


def test_a_wrong_audience_says_what_to_set(runner, workspace, built):
    svc = make_service(CONTRACTS[1], workspace, built, {"list_id": "nope"})
    try:
        result = push(runner, svc, str(svc.folder))
        assert result.exit_code == 1
        assert "Invalid MailChimp List ID" in result.output
        assert "set [push.mailchimp] list_id" in result.output
    finally:
        svc.server.close()


def test_generic_platform_cannot_push(runner, workspace):
    result = runner.invoke(main, ["push", "--dry-run"])
    assert result.exit_code == 1
    assert "push needs a mailing service" in result.output


def test_a_rebuild_carries_push_json_over(tmp_path):
    folder = tmp_path / "build" / "x"
    write_atomically(folder, {"email.html": "one"})
    (folder / "push.json").write_text('{"drafts": {}}')
    (folder / "stray.txt").write_text("old")
    write_atomically(folder, {"email.html": "two"})
    assert sorted(p.name for p in folder.iterdir()) == ["email.html", "push.json"]
    assert (folder / "push.json").read_text() == '{"drafts": {}}'


def test_retry_after_reads_seconds_and_dates():
    assert client.retry_after("3", default=9) == 3
    assert client.retry_after(None, default=9) == 9
    assert client.retry_after("soon", default=9) == 9
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=100), usegmt=True)
    assert 95 < client.retry_after(later, default=0) <= 100


def test_service_text_finds_the_services_words():
    assert client.service_text('{"errors": {"emails.0.from": ["is required"]}, '
                               '"message": "The given data was invalid."}') == \
        "The given data was invalid.; emails.0.from: is required"
    assert client.service_text('{"title": "API Key Invalid", "detail": "Wrong dc"}') == \
        "API Key Invalid; Wrong dc"
    assert client.service_text("Brand ID not passed") == "Brand ID not passed"


def test_a_key_inside_api_url_is_masked_in_every_dry_run_line(runner, workspace, built):
    """api_url may carry the key (in its user part or path); no printed line shows it."""
    svc = make_service(CONTRACTS[0], workspace, built,   # Buttondown
                       {"api_url": "http://user:sekret123@127.0.0.1:8932/v1/sekret123"})
    try:
        for earlier in ("https://api.buttondown.com/v1",   # a draft pushed elsewhere
                        "http://user:****@127.0.0.1:8932/v1/****"):   # here, as kept
            svc.record.write_text(json.dumps(
                {"drafts": {"buttondown": {"id": "d-1", "api_url": earlier}}}))
            result = push(runner, svc, str(svc.folder), "--dry-run", "--platform", "buttondown",
                          key="sekret123", env="NEWSLETTER_API_KEY")
            assert result.exit_code == 0, result.output
            assert "sekret123" not in result.output
            assert "http://user:****@127.0.0.1:8932/v1/****/emails" in result.output
        assert "GET " in result.output and "would update" in result.output   # the draft kept
        assert svc.contract.log == []
    finally:
        svc.server.close()


def test_a_key_inside_api_url_reaches_no_output_and_no_file(runner, workspace, built):
    sendy = next(c for c in CONTRACTS if c.name == "sendy")
    svc = make_service(sendy, workspace, built)
    try:
        port = svc.server.httpd.server_address[1]
        api_url = f"http://key:{KEY}@127.0.0.1:{port}"
        config = (workspace / "newsletter.toml").read_text()
        (workspace / "newsletter.toml").write_text(
            config.replace(json.dumps(svc.server.api_url), json.dumps(api_url)))
        result = push(runner, svc, str(svc.folder))   # the output and push.json, checked there
        assert result.exit_code == 0, result.output
        assert f"open it to review and send: http://key:****@127.0.0.1:{port}/app" in result.output
        assert record(svc)["api_url"] == f"http://key:****@127.0.0.1:{port}"
        again = push(runner, svc, str(svc.folder))
        assert "push.json names" not in again.output   # the same place, as kept
    finally:
        svc.server.close()
