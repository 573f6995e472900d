"""css-inline against premailer, side by side, on the same compiled HTML.

    .venv/bin/python benchmarks/inliners.py [--runs N]

For the sample issues and the seed (when ../shared is there), compiles each
email's MJML once, then times each inliner on that same HTML (median of N
runs) and prints milliseconds, the HTML size each makes, and how many
images keep MJML's pixel width. A last line times a whole single-issue
build with each inliner (read, render, inline, gate, write) in one process.
"""
from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from newsletter.build import build
from newsletter.config import load_config
from newsletter.content.reader import build_content
from newsletter.errors import Problems
from newsletter.render.html import compile_mjml, render_mjml
from newsletter.render.inline import INLINERS, inline_css
from newsletter.source.issue import read_issue

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "2019-07-14-support-immigration-justice.md"


def median_ms(run, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def pixel_widths(html: str) -> str:
    widths = re.findall(r"<img\b[^>]*?\swidth=\"([^\"]*)\"", html)
    return f"{sum(w.isdigit() for w in widths)}/{len(widths)}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    config = load_config(ROOT / "newsletter.toml")
    inputs = sorted((ROOT / "issues").glob("*.md")) + ([SEED] if SEED.is_file() else [])
    print(f"{'input':44} " + "  ".join(f"{name:>22}" for name in INLINERS))
    print(f"{'':44} " + "  ".join(f"{'ms    KB   px-widths':>22}" for _ in INLINERS))
    for path in inputs:
        html = compile_mjml(render_mjml(build_content(read_issue(path), config, Problems()),
                                        config), config)
        cells = []
        for name in INLINERS:
            out = inline_css(html, name)
            ms = median_ms(lambda: inline_css(html, name), args.runs)
            cells.append(f"{ms:7.1f} {len(out.encode()) / 1024:6.1f} {pixel_widths(out):>7}")
        print(f"{path.name[:44]:44} " + "  ".join(f"{c:>22}" for c in cells))
    if SEED.is_file():
        whole = []
        for name in INLINERS:
            with tempfile.TemporaryDirectory() as out:
                cfg = replace(config, inliner=name, output_dir=out)
                build([SEED], cfg)   # warm: imports and the template cache
                whole.append(f"{name} {median_ms(lambda: build([SEED], cfg), 5):.0f} ms")
        print("whole build of the seed, in process: " + ", ".join(whole))


if __name__ == "__main__":
    main()
