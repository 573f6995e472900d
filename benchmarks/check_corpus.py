"""Run every check over the real pages in ../shared/corpus/acton.

Prints the number of problems per check id and the seconds taken:

    .venv/bin/python benchmarks/check_corpus.py [CORPUS_DIR]
"""
from __future__ import annotations

import collections
import sys
import time
from pathlib import Path

from newsletter.build import check_paths
from newsletter.errors import summary
from newsletter.config import Config

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "acton"


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    if not corpus.is_dir():
        sys.exit(f"no corpus at {corpus}")
    # The site's own timezone, and no site_url: what a new user starts with.
    config = Config(root=corpus, timezone="America/New_York")
    start, cpu = time.perf_counter(), time.process_time()
    problems, files = check_paths([corpus], config)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    counts = collections.Counter((p.id, p.level) for p in problems)
    for (id, level), n in sorted(counts.items()):
        print(f"{id:18} {level:8} {n:6}")
    print(summary(problems, files))
    print(f"{seconds:.1f} s ({cpu:.1f} s CPU) for {files} files ({1000 * seconds / files:.0f} ms per file)")


if __name__ == "__main__":
    main()
