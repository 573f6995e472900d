"""`newsletter build --screenshots` and the Chromium it starts."""
from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import pytest

from newsletter.cli import main
from newsletter.screenshots import INSTALL_HINT, chromium, find_chromium

from conftest import write_issue

ISSUE = """---
title: Screenshot test
date: 2026-02-02
---

Hello from the screenshot test.

* Sign the letter [HERE](https://example.org/letter).
"""

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason=INSTALL_HINT)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_screenshots_without_chromium_is_one_clear_error(runner, workspace, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_CHROMIUM", str(workspace / "no-such-chromium"))
    write_issue(workspace, "2026-02-02-shot.md", ISSUE)
    result = runner.invoke(main, ["build", "--screenshots"])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {INSTALL_HINT}"
    assert not (workspace / "build").exists()


@needs_chromium
def test_build_writes_phone_and_desktop_screenshots(runner, workspace):
    write_issue(workspace, "2026-02-02-shot.md", ISSUE)
    result = runner.invoke(main, ["build", "--screenshots"])
    assert result.exit_code == 0, result.output
    out = workspace / "build" / "2026-02-02-shot"
    for name, width in [("phone", 375), ("phone-dark", 375), ("desktop", 600), ("desktop-dark", 600)]:
        path = out / f"screenshot-{name}.png"
        assert f"wrote build/2026-02-02-shot/screenshot-{name}.png" in result.output
        w, h = png_size(path)
        assert w == width and h > 300


def chromium_processes() -> set[int]:
    """Live (not zombie) Chromium processes, from /proc."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:]
        if name.startswith("chrom") and not rest.startswith(("Z", "X")):
            pids.add(int(entry.name))
    return pids


@needs_chromium
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list processes")
def test_chromium_processes_end_with_the_block():
    before = chromium_processes()
    with chromium() as browser:
        browser.new_page().close()
        started = chromium_processes() - before
    assert started, "found no Chromium process while the browser was open"
    # The main process has exited when close() returns; helpers may take a moment.
    deadline = time.monotonic() + 10
    while started & chromium_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not started & chromium_processes(), f"still running: {started & chromium_processes()}"
    assert os.getpid() not in started
