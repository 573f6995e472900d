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
    entry = server.preview.get("2026-04-01-preview")   # built, so a change rebuilds it
    version = entry.version
    (workspace / "serve.log").write_text("rebuilt\n", encoding="utf-8")
    time.sleep(0.8)         # well past the 0.2 s debounce
    assert entry.version == version
    config = workspace / "newsletter.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _wait_for(lambda: entry.version > version)


def test_a_save_by_renaming_a_hidden_temp_file_rebuilds(server, workspace):
    # gedit, JetBrains and atomic writers save as .something then rename.
    entry = server.preview.get("2026-04-01-preview")
    version = entry.version
    tmp = workspace / "issues" / ".goutputstream-ABC123"
    tmp.write_text(ISSUE.format(title="Renamed into place"), encoding="utf-8")
    os.replace(tmp, workspace / "issues" / "2026-04-01-preview.md")
    assert _wait_for(lambda: entry.version > version)
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


# --- issue 12: a preview that never gets stuck -------------------------------

NAMED = """---
title: {title}
date: 2026-04-02
---

Hi [[first_name|neighbor]], one action:

* Sign the petition [HERE](https://example.org/petition).
"""


def test_break_and_fix_recovers_without_a_reload(workspace, browser):
    """Two issues; break one's YAML: its error shows above the last good email,
    only its own problems; fix it: the new title shows, the page never reloaded."""
    write_issue(workspace, "2026-04-01-one.md", ISSUE.format(title="One good"))
    write_issue(workspace, "2026-04-02-two.md", "---\ntitle: Two\ndate: 2026-04-02\n---\n\n"
                "* A [bare](http://example.org/insecure) link.\n")
    with running() as srv:
        page = browser.new_page()
        page.goto(base_url(srv) + "/")
        page.click("text=One good")
        assert email_frame(page).locator("h1").inner_text() == "One good"
        page.evaluate("window.notReloaded = true")

        write_issue(workspace, "2026-04-01-one.md", "---\ntitle: [unclosed\n---\n")
        page.locator(".problems li.error", has_text="2026-04-01-one.md:2").wait_for(timeout=15000)
        assert "2026-04-02-two" not in page.inner_text(".problems")   # not another issue's
        assert page.locator(".stale").is_visible()
        assert email_frame(page).locator("h1").inner_text() == "One good"   # the last good one

        write_issue(workspace, "2026-04-01-one.md", ISSUE.format(title="One fixed"))
        email_frame(page).locator("h1", has_text="One fixed").wait_for(timeout=15000)
        assert page.locator(".stale").count() == 0 and page.locator(".problems li.error").count() == 0
        assert page.evaluate("window.notReloaded") is True
        assert page.url.endswith("/2026-04-01-one/")


def test_copy_buttons_put_exactly_the_built_files_on_the_clipboard(workspace, browser):
    write_issue(workspace, "2026-04-02-named.md", NAMED.format(title="Copy me"))
    (workspace / "newsletter.toml").write_text(
        'org_name = "Test Group"\nplatform = "mailchimp"\npostal_address = "1 Test St"\n')
    with running() as srv:
        context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
        try:
            page = context.new_page()
            page.goto(base_url(srv) + "/")
            folder = workspace / "build" / "2026-04-02-named"
            for button, name in (("#copy-html", "email.html"), ("#copy-text", "email.txt")):
                page.click(button)
                page.wait_for_function("document.getElementById('copied').textContent !== ''")
                pasted = page.evaluate("navigator.clipboard.readText()")
                assert pasted == (folder / name).read_text(encoding="utf-8")
                page.evaluate("document.getElementById('copied').textContent = ''")
            assert "*|UNSUB|*" in pasted and "*|IF:FNAME|*" in pasted   # the service's tags
        finally:
            context.close()


def test_fill_and_dark_toggles(workspace, browser):
    write_issue(workspace, "2026-04-02-named.md", NAMED.format(title="Toggles"))
    (workspace / "newsletter.toml").write_text(
        'org_name = "Test Group"\nplatform = "mailchimp"\npostal_address = "1 Test St"\n')
    with running() as srv:
        page = browser.new_page(color_scheme="light")
        page.goto(base_url(srv) + "/")
        body = email_frame(page).locator("body")
        # On by default: what a reader with no name sees, no raw tags.
        assert "Hi neighbor," in body.inner_text() and "*|" not in body.inner_text()
        light = body.evaluate("b => getComputedStyle(b).backgroundColor")
        page.check("#dark")
        page.wait_for_function("[...document.querySelectorAll('iframe')].every("
                               "f => f.getAttribute('src').includes('dark=1'))")
        email_frame(page).locator("h1").wait_for()
        dark = email_frame(page).locator("body").evaluate(
            "b => getComputedStyle(b).backgroundColor")
        assert dark != light and dark == "rgb(17, 24, 39)"   # the theme's dark background
        page.uncheck("#fill")
        email_frame(page).locator("text=*|IF:FNAME|*").filter(visible=True).first.wait_for(
            timeout=10000)


def test_a_non_latin_file_name_loads(workspace, browser):
    write_issue(workspace, "2026-03-09-привет-мир.md", ISSUE.format(title="Привет, мир"))
    with running() as srv:
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=10)
        conn.request("GET", "/")
        response = conn.getresponse()
        response.read()
        conn.close()
        assert response.status == 302
        assert response.getheader("Location") == \
            "/2026-03-09-%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82-%D0%BC%D0%B8%D1%80/"
        page = browser.new_page()
        page.goto(base_url(srv) + "/")
        assert email_frame(page).locator("h1").inner_text() == "Привет, мир"


def test_load_2000_requests_50_at_a_time(server):
    """No timeouts with 50 clients and 20 idle half-open connections; nothing
    outside the build folder is ever served."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    port = server.server_address[1]
    good = ["/2026-04-01-preview/", "/2026-04-01-preview/email.html",
            "/2026-04-01-preview/filled.txt", "/__version", "/"]
    bad = ["/2026-04-01-preview/../../newsletter.toml", "/%2e%2e/newsletter.toml",
           "/2026-04-01-preview/email.mjml", "/2026-04-01-preview/%2e%2e%2fnewsletter.toml",
           "/issues/2026-04-01-preview.md", "//etc/passwd", "/2026-04-01-preview/x/y"]
    secret = (server.preview.config.root / "newsletter.toml").read_text()

    def fetch(i: int) -> int:
        path = (good + bad)[i % (len(good) + len(bad))]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        assert "postal_address" not in body or secret not in body
        expected = 404 if path in bad else (302 if path == "/" else 200)
        assert response.status == expected, path
        return response.status

    server.preview.get("2026-04-01-preview")   # built once, as a writer's first look does
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    try:
        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(fetch, range(2000)))
    finally:
        for sock in idle:
            sock.close()
    assert len(statuses) == 2000


def test_a_client_that_goes_away_is_not_an_error(server, capsys):
    for gone in (BrokenPipeError(), ConnectionResetError(), TimeoutError()):
        try:
            raise gone
        except OSError:
            server.handle_error(None, ("127.0.0.1", 1))
    assert capsys.readouterr().err == ""


def test_lazy_start_and_a_save_rebuilds_only_what_it_touches(workspace):
    for day in range(1, 21):
        write_issue(workspace, f"2026-04-{day:02}-n.md", ISSUE.format(title=f"Issue {day}"))
    build = workspace / "build"
    with running() as srv:
        assert len(srv.preview.entries) == 20 and not build.exists()   # nothing built to start
        assert srv.preview.get("2026-04-03-n").shown is not None
        assert sorted(p.name for p in build.iterdir()) == ["2026-04-03-n"]
        version = srv.preview.version
        write_issue(workspace, "2026-04-07-n.md", ISSUE.format(title="Seven, saved"))
        write_issue(workspace, "2026-04-03-n.md", ISSUE.format(title="Three, saved"))
        assert _wait_for(lambda: "Three, saved" in srv.preview.entries["2026-04-03-n"].shown.email.html)
        assert sorted(p.name for p in build.iterdir()) == ["2026-04-03-n"]   # 7 was never shown
        assert srv.preview.version > version
        assert srv.preview.entries["2026-04-07-n"].stale


def test_serve_previews_a_digest(workspace):
    write_issue(workspace, "2026-04-01-a.md", ISSUE.format(title="First of the week"))
    write_issue(workspace, "2026-04-03-b.md", ISSUE.format(title="Second of the week")
                .replace("2026-04-01", "2026-04-03"))
    import http.client
    options = DigestOptions(days=7, as_of=__import__("datetime").date(2026, 4, 5))
    with running(digest=options) as srv:
        assert "digest-2026-03-30-2026-04-05" in srv.preview.entries
        conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=30)
        conn.request("GET", "/")
        index = conn.getresponse().read().decode()
        assert "/digest-2026-03-30-2026-04-05/" in index and "(digest)" in index
        conn.request("GET", "/digest-2026-03-30-2026-04-05/filled.txt")
        text = conn.getresponse().read().decode()
        conn.close()
        assert "First of the week" in text and "Second of the week" in text


def get_with_host(port: int, path: str, host: str | None,
                  address: str = "127.0.0.1") -> tuple[int, bytes]:
    """GET `path` naming `host` in the Host header (None: no Host at all)."""
    import http.client
    conn = http.client.HTTPConnection(address, port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/2026-04-01-preview/", "/2026-04-01-preview/email.txt",
                                  "/__version"])
def test_only_requests_named_for_a_loopback_host_are_answered(server, path):
    """A page elsewhere whose name is rebound to 127.0.0.1 (DNS rebinding)
    reaches the preview with its own name as Host: it gets nothing."""
    port = server.server_address[1]
    for host in ("127.0.0.1", f"127.0.0.1:{port}", "localhost", f"LOCALHOST:{port}",
                 "[::1]", f"[::1]:{port}", None):
        status, body = get_with_host(port, path, host)
        assert status == 200, host
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example",
                 f"localhost.evil.example:{port}", "", f"127.0.0.1:{port}@evil.example"):
        status, body = get_with_host(port, path, host)
        assert status == 421, host
        assert b"Sign the petition" not in body and b'"' not in body
    status, body = get_with_host(port, f"http://evil.example{path}", f"127.0.0.1:{port}")
    assert status == 421


def test_the_host_it_was_started_with_is_answered(workspace):
    write_issue(workspace, "2026-04-01-preview.md", ISSUE.format(title="First title"))
    with running(host="127.0.0.2") as srv:   # all of 127/8 is loopback on Linux
        port = srv.server_address[1]
        for host in ("127.0.0.2", f"127.0.0.2:{port}"):
            status, body = get_with_host(port, "/2026-04-01-preview/email.txt", host,
                                         address="127.0.0.2")
            assert status == 200 and b"petition" in body
        assert get_with_host(port, "/2026-04-01-preview/", "127.0.0.3",
                             address="127.0.0.2")[0] == 421
