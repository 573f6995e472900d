"""Build time and HTML size for the sample issues, the seed and the corpus.

    .venv/bin/python benchmarks/build_speed.py [--corpus N]

Prints one line per input (milliseconds, HTML KB, text KB) and a summary of
the corpus: how many built, the median and worst times, the largest HTML and
how many were over the 85 KB budget or Gmail's 102 KB clip.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from newsletter.render.email import make_email
from newsletter.config import load_config
from newsletter.content.reader import build_content
from newsletter.errors import IssueError, Problems
from newsletter.source.issue import read_issue

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def measure(path: Path, config) -> tuple[float, int, int]:
    start = time.perf_counter()
    problems = Problems()
    email = make_email(build_content(read_issue(path), config, problems), config, problems)
    return (time.perf_counter() - start) * 1000, email.size, len(email.text.encode())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=int, default=0,
                        help="also build every Nth corpus file (0: all, -1: none)")
    args = parser.parse_args()
    config = load_config(ROOT / "newsletter.toml")
    inputs = sorted((ROOT / "issues").glob("*.md"))
    seed = SHARED / "seed" / "2019-07-14-support-immigration-justice.md"
    if seed.is_file():
        inputs.append(seed)
    measure(inputs[0], config)   # warm up imports and the template cache
    print(f"{'input':60} {'ms':>7} {'html KB':>8} {'text KB':>8}")
    for path in inputs:
        ms, html, text = measure(path, config)
        print(f"{path.name[:60]:60} {ms:7.1f} {html / 1024:8.1f} {text / 1024:8.1f}")

    corpus = SHARED / "corpus" / "acton"
    if args.corpus < 0 or not corpus.is_dir():
        return
    files = sorted(corpus.iterdir())[:: max(args.corpus, 1)]
    times, sizes, failed = [], [], 0
    for path in files:
        try:
            ms, html, _ = measure(path, config)
        except IssueError:
            failed += 1
            continue
        times.append(ms)
        sizes.append((html, path.name))
    sizes.sort()
    print(f"\ncorpus: {len(files)} files, {len(times)} built, {failed} refused with path:line")
    print(f"  time per file: median {statistics.median(times):.1f} ms, "
          f"worst {max(times):.1f} ms, total {sum(times) / 1000:.1f} s")
    print(f"  HTML size: median {statistics.median(s for s, _ in sizes) / 1024:.1f} KB, "
          f"largest {sizes[-1][0] / 1024:.1f} KB ({sizes[-1][1]})")
    over = sum(s > config.size_budget_kb * 1024 for s, _ in sizes)
    clipped = sum(s > 102 * 1024 for s, _ in sizes)
    print(f"  over the {config.size_budget_kb} KB budget: {over}; over Gmail's 102 KB clip: {clipped}")


if __name__ == "__main__":
    main()
