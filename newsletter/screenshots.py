"""Screenshots of a built email in headless Chromium.

Uses the system Chromium (Debian's `chromium` package) through playwright;
a browser is never downloaded. The visual tests open emails the same way,
so what a user sees in `--screenshots` is what the tests checked.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import NewsletterError

INSTALL_HINT = ("Chromium not found: install it with `apt-get install chromium` "
                "(or set NEWSLETTER_CHROMIUM to its path)")
PLAYWRIGHT_HINT = "screenshots need playwright: pip install 'newsletter[screenshots]'"

# Headless and quiet: without the background-networking flags Chromium keeps
# calling home, which on a closed network means a flood of failed requests.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-crash-reporter", "--disable-breakpad",
]

SIZES = {"phone": 375, "desktop": 600}
SCHEMES = ("light", "dark")

# Remote images are drawn as a grey 16:9 box: screenshots must not depend on
# the network, yet a broken-image icon would hide the real layout.
PLACEHOLDER_IMAGE = ('<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675">'
                     '<rect width="1200" height="675" fill="#9ca3af"/></svg>')


def find_chromium() -> str | None:
    """The Chromium to use: $NEWSLETTER_CHROMIUM if set, else one on PATH."""
    wanted = os.environ.get("NEWSLETTER_CHROMIUM")
    candidates = [wanted] if wanted else [shutil.which(name) for name in
                                          ("chromium", "chromium-browser")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def require_chromium() -> str:
    """Chromium's path, or a clear error when it or playwright is missing."""
    path = find_chromium()
    if path is None:
        raise NewsletterError(INSTALL_HINT)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise NewsletterError(PLAYWRIGHT_HINT) from None
    return path


@contextmanager
def chromium() -> Iterator:
    """A headless Chromium that is closed, with playwright's driver, on exit."""
    path = require_chromium()
    from playwright.sync_api import sync_playwright
    driver = sync_playwright().start()
    try:
        browser = driver.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        driver.stop()


def _offline(route) -> None:
    request = route.request
    if request.url.startswith(("file:", "data:")):
        route.continue_()
    elif request.resource_type == "image":
        route.fulfill(body=PLACEHOLDER_IMAGE, content_type="image/svg+xml")
    else:
        route.abort()


@contextmanager
def open_page(browser, html: Path, width: int, scheme: str = "light", height: int = 800):
    """A page showing `html` at `width` CSS px in the given colour scheme."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  color_scheme=scheme)
    try:
        page = context.new_page()
        page.route("**/*", _offline)
        page.goto(Path(html).resolve().as_uri())
        yield page
    finally:
        context.close()


def screenshot(browser, html: Path, out: Path, width: int, scheme: str = "light") -> Path:
    with open_page(browser, html, width, scheme) as page:
        page.screenshot(path=str(out), full_page=True)
    return out


def write_screenshots(emails: list[tuple[str, Path]]) -> list[Path]:
    """screenshot-<phone|desktop>[-dark].png in each folder, of the HTML given
    with it: the email as a reader sees it, merge tags filled, not email.html."""
    import tempfile

    written = []
    with chromium() as browser, tempfile.TemporaryDirectory() as tmp:
        for html, folder in emails:
            page = Path(tmp) / "email.html"
            page.write_text(html, encoding="utf-8")
            for size, width in SIZES.items():
                for scheme in SCHEMES:
                    suffix = "" if scheme == "light" else f"-{scheme}"
                    out = folder / f"screenshot-{size}{suffix}.png"
                    written.append(screenshot(browser, page, out, width, scheme))
    return written
