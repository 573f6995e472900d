"""CPU milliseconds per file of the in-memory stages, each on its own.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/content_stages.py [--every 9] [--runs 7] [FOLDER]

Builds every Nth issue file of FOLDER (default ../shared/corpus/acton, with
newsletter.toml's settings from this checkout) once, then times each stage
over all of them, `--runs` times: build_content (Issue -> Content),
run_checks (and the output gate within it), render_mjml (Jinja) and
render_text. Prints min and median CPU ms per file; CPU rather than wall
time, so that other work on a shared machine counts less.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from newsletter import build
from newsletter.checks import run_checks
from newsletter.config import Config
from newsletter.content.reader import build_content
from newsletter.errors import NewsletterError, Problems
from newsletter.render import email as render_email, gate
from newsletter.render.platforms import get_platform

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "acton"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--every", type=int, default=9)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    config = Config(site_url="https://example.org/")
    parts = []
    for path in sorted(args.folder.iterdir())[::args.every]:
        try:
            issue = build.read_issue(path, config)
            cfg = build.issue_config(config, issue.stem)
            content = build_content(issue, cfg, Problems())
            build.apply_utm(content, cfg, issue.stem)
            email = build.make_email(content, cfg, Problems())
        except NewsletterError:
            continue
        parts.append((issue, cfg, content, email))
    stages = {
        "build_content": lambda i, c, n, e: build_content(i, c, Problems()),
        "run_checks": lambda i, c, n, e: run_checks(i, n, e, c, Problems()),
        "  gate.violations": lambda i, c, n, e: gate.violations(e, get_platform(c.platform), c),
        "render_mjml": lambda i, c, n, e: render_email.render_mjml(n, c),
        "render_text": lambda i, c, n, e: render_email.render_text(n, c, event_calendar=[]),
    }
    print(f"{len(parts)} files from {args.folder}, {args.runs} runs")
    for name, stage in stages.items():
        times = []
        for _ in range(args.runs):
            start = time.process_time()
            for part in parts:
                stage(*part)
            times.append((time.process_time() - start) * 1000 / len(parts))
        print(f"{name:20s} min {min(times):6.2f}  median {statistics.median(times):6.2f} ms/file")


if __name__ == "__main__":
    main()
