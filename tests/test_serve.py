"""The preview server, driven by a real headless Chromium."""
import importlib.util
import os
import signal
import subprocess
import sys
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from newsletter.cli import main
from newsletter.config import load_config
from newsletter.screenshots import INSTALL_HINT, PLAYWRIGHT_HINT, chromium, find_chromium
from newsletter.serve import DigestOptions, make_server, stop

from conftest import write_issue

ISSUE = """---
title: {title}
date: 2026-04-01
---

* Sign the petition [HERE](https://example.org/petition).
"""


@pytest.fixture
def browser():
    # The same launcher as `newsletter build --screenshots` and the visual tests.
    if find_chromium() is None:
        pytest.skip(f"preview tests skipped: {INSTALL_HINT}")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip(f"preview tests skipped: {PLAYWRIGHT_HINT}")
    with chromium() as browser:
        yield browser


@contextmanager
def running(**kwargs):
    """A real preview server on a free port of 127.0.0.1, in a thread."""
    srv = make_server(load_config(), [], port=0, **kwargs)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        stop(srv)


def base_url(srv) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}"


@pytest.fixture
def server(workspace):
    write_issue(workspace, "2026-04-01-preview.md", ISSUE.format(title="First title"))
    with running() as srv:
        yield srv


def email_frame(page, index: int = 0):
    """The email's frame: sandboxed, so reached through the browser, not the page's DOM."""
    page.wait_for_function(f"document.querySelectorAll('iframe').length > {index}")
    return page.frame_locator("iframe").nth(index)


def test_binds_to_loopback_by_default(server):
    assert server.server_address[0] == "127.0.0.1"


def test_preview_shows_the_issue_and_reloads_on_save(server, browser, workspace):
    base = f"http://127.0.0.1:{server.server_address[1]}"
    page = browser.new_page()
    page.goto(base + "/")
    page.click("text=2026-04-01-preview")
    frame = email_frame(page)
    assert frame.locator("h1").inner_text() == "First title"
    # Phone and desktop previews side by side, sandboxed: no scripts, no same origin.
    frames = page.eval_on_selector_all(
        "iframe", "els => els.map(e => [e.width, e.getAttribute('sandbox'), e.contentDocument])")
    assert frames == [["375", "", None], ["600", "", None]]

    write_issue(workspace, "2026-04-01-preview.md", ISSUE.format(title="Second title"))
    email_frame(page).locator("h1", has_text="Second title").wait_for(timeout=15000)

    text = page.request.get(base + "/2026-04-01-preview/email.txt")
    assert text.ok and "https://example.org/petition" in text.text()


def test_only_built_files_are_served(server, browser):
    base = f"http://127.0.0.1:{server.server_address[1]}"
    page = browser.new_page()
    for path in ("/2026-04-01-preview/../../newsletter.toml", "/nope/email.html",
                 "/2026-04-01-preview/email.mjml"):
        assert page.request.get(base + path).status == 404




def _wait_for(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_other_files_beside_the_config_do_not_rebuild(server, workspace):
    # `newsletter serve > serve.log` in the project folder used to rebuild
    # on every line it logged, for ever.
    version = server.preview.version
    (workspace / "serve.log").write_text("rebuilt\n", encoding="utf-8")
    time.sleep(0.8)         # well past the 0.2 s debounce
    assert server.preview.version == version
    config = workspace / "newsletter.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _wait_for(lambda: server.preview.version > version)


def test_a_save_by_renaming_a_hidden_temp_file_rebuilds(server, workspace):
    # gedit, JetBrains and atomic writers save as .something then rename.
    version = server.preview.version
    tmp = workspace / "issues" / ".goutputstream-ABC123"
    tmp.write_text(ISSUE.format(title="Renamed into place"), encoding="utf-8")
    os.replace(tmp, workspace / "issues" / "2026-04-01-preview.md")
    assert _wait_for(lambda: server.preview.version > version)
    entry = server.preview.get("2026-04-01-preview")
    assert "Renamed into place" in entry.shown.email.html
    assert "Renamed into place" in (entry.shown.folder / "email.html").read_text()


def test_a_busy_port_is_one_clear_error_and_builds_nothing(runner, workspace):
    write_issue(workspace, "2026-04-01-preview.md", ISSUE.format(title="Busy"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: cannot listen on 127.0.0.1:{port}: "
                                      "Address already in use; try --port")
    assert not (workspace / "build").exists()


def test_a_theme_file_copied_in_while_serving_reloads(server, browser, workspace):
    # The README's way to change the theme: make templates/ and copy one file
    # into it. The folder did not exist when the server started.
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{server.server_address[1]}/2026-04-01-preview/")
    partials = workspace / "templates" / "partials"
    partials.mkdir(parents=True)
    default = (Path(__file__).parent.parent / "templates" / "partials" / "footer.mjml")
    (partials / "footer.mjml").write_text(
        default.read_text(encoding="utf-8").replace("<strong>", "Printed on recycled pixels. <strong>", 1),
        encoding="utf-8")
    email_frame(page).locator("text=Printed on recycled pixels.").first.wait_for(timeout=15000)


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT, as Ctrl-C does")
def test_ctrl_c_stops_cleanly(workspace):
    write_issue(workspace, "2026-04-01-preview.md", ISSUE.format(title="Stop me"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # A child of a non-interactive shell may inherit SIGINT ignored; a terminal's doesn't.
    proc = subprocess.Popen([sys.executable, "-m", "newsletter", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C stops" in line:
                break
        assert f"http://127.0.0.1:{port}/" in "".join(lines)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert err == ""


def test_one_issue_opens_directly_and_head_requests_work(server):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    conn.request("GET", "/")
    response = conn.getresponse()
    response.read()
    assert response.status == 302 and response.getheader("Location") == "/2026-04-01-preview/"
    conn.request("HEAD", "/2026-04-01-preview/email.html")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b""
    assert int(response.getheader("Content-Length")) > 1000
    conn.close()
