"""Build a one-month digest of ../shared/corpus/acton and print its numbers.

    .venv/bin/python benchmarks/digest_corpus.py [YYYY-MM]
"""
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from newsletter.config import load_config
from newsletter.build_digest import make_digest
from newsletter.errors import Problems

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "acton"


def main() -> None:
    year, month = map(int, (sys.argv[1] if len(sys.argv) > 1 else "2019-07").split("-"))
    since = dt.date(year, month, 1)
    until = (since + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        config = load_config()
        problems = Problems()
        start = time.perf_counter()
        email, folder, digest = make_digest([CORPUS], config, since, until, since, False,
                                            problems, dated_by="file-name")
        took = time.perf_counter() - start
    events = sum(e.event is not None for e in digest.entries)
    print(f"range            {since} .. {until} (as of {since}, dated by file name)")
    print(f"files in range   {digest.files_in_range}")
    print(f"entries kept     {len(digest.entries)} ({events} events, "
          f"{len(digest.entries) - events} other)")
    print(f"events dropped   {digest.events_dropped} (over before {since})")
    print(f"drafts skipped   {digest.drafts_skipped}")
    print(f"duplicates       {digest.duplicates} merged")
    print(f"moved to 'More'  {len(digest.moved)}")
    print(f"links            {len(set(email.links))} distinct")
    print(f"HTML size        {email.size / 1024:.1f} KB of {config.size_budget_kb} KB budget")
    print(f"text size        {len(email.text.encode()) / 1024:.1f} KB")
    print(f"warnings         {len(problems.warnings)}")
    print(f"time             {took:.2f} s")


if __name__ == "__main__":
    main()
