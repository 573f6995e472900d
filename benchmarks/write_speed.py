"""What writing a built issue and a batch's parent cost, two checkouts side by side.

    /work/main/.venv/bin/python benchmarks/write_speed.py OLD_CHECKOUT [NEW_CHECKOUT] [--runs 5]
        [--files 100] [--siblings 900] [--batch-every 0]

Each run starts one process per checkout, in turn (A B A B ...), each
importing its own checkout's code. In-process phases, per issue, over the
first FILES corpus files (../shared/corpus/acton), built once in memory:
- eml: render/message.py's eml_bytes;
- write cold / warm: output.write_email into an output folder that already
  holds SIBLINGS other issue folders (a big archive), first new, then over
  the previous set;
- pages: archive/site.write_issue_pages (its web_version included).
Wall and CPU (user+system) milliseconds per issue.

With --batch-every N > 0, also a cold `build --all --jobs 2` of every Nth
corpus file, as a whole process: wall, the parent's own CPU (RUSAGE_SELF)
and the workers' (RUSAGE_CHILDREN), in seconds.

Prints min / median / max over the runs.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "acton"

# Runs in a child with PYTHONPATH set to one checkout; prints one JSON line.
PHASES = r"""
import json, os, resource, shutil, sys, time
from pathlib import Path
from newsletter.build import issue_parts
from newsletter.config import load_config
from newsletter.errors import Problems
from newsletter.output import write_email
from newsletter.render.message import eml_bytes
from newsletter.archive.site import write_issue_pages

project, siblings = Path(sys.argv[1]), int(sys.argv[2])
os.chdir(project)
config = load_config("newsletter.toml")
built = []
for path in sorted((project / "issues").iterdir()):
    problems = Problems()
    try:
        issue, _, email = issue_parts(path, config, problems)
    except Exception:
        continue
    if not problems.errors:
        built.append((issue.stem, email))
for i in range(siblings):
    (config.output_path / f"sibling-{i:04d}").mkdir(parents=True)
    (config.archive_path / f"sibling-{i:04d}").mkdir(parents=True)

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

def timed(step):
    wall, used = time.perf_counter(), cpu()
    for stem, email in built:
        step(stem, email)
    n = len(built)
    return [(time.perf_counter() - wall) * 1000 / n, (cpu() - used) * 1000 / n]

out = {}
out["eml"] = timed(lambda stem, email: eml_bytes(email, config))
def write(stem, email):
    write_email(email, config.output_path / stem, config)

out["write cold"] = timed(write)
out["write warm"] = timed(write)
out["pages"] = timed(lambda stem, email: write_issue_pages(email, stem, config, Problems()))
print(json.dumps({"issues": len(built), "phases": out}))
"""

BATCH = r"""
import contextlib, io, json, resource, time
import click
from newsletter.cli import main
started = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(["build", "--all", "--jobs", "2"], standalone_mode=False)
    except click.ClickException:
        pass   # the corpus has files that fail, on purpose
wall = time.perf_counter() - started
me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"wall": wall, "parent": me.ru_utime + me.ru_stime,
                  "workers": kids.ru_utime + kids.ru_stime}))
"""


def project(files: list[Path], folder: Path) -> Path:
    """A project whose issues/ links to the given corpus files."""
    issues = folder / "issues"
    issues.mkdir(parents=True)
    for path in files:
        (issues / path.name).symlink_to(path)
    (folder / "newsletter.toml").write_text('timezone = "America/New_York"\n'
                                            'site_url = "https://example.org/"\n')
    return folder


def child(checkout: Path, code: str, args: list[str], cwd: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("{")]
    if not lines:
        sys.exit(f"{checkout}: no result\n{proc.stdout}{proc.stderr}")
    return json.loads(lines[-1])


def spread(values: list[float]) -> str:
    return f"{min(values):7.2f} {statistics.median(values):7.2f} {max(values):7.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--siblings", type=int, default=900)
    parser.add_argument("--batch-every", type=int, default=0)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"no corpus at {CORPUS}")
    corpus = sorted(CORPUS.iterdir())
    checkouts = [c.resolve() for c in args.checkouts]
    phases: dict[Path, dict[str, list[list[float]]]] = {c: {} for c in checkouts}
    batches: dict[Path, dict[str, list[float]]] = {c: {} for c in checkouts}
    print(f"nproc {os.cpu_count()}, {args.runs} runs, {args.files} issues, "
          f"{args.siblings} sibling folders; min / median / max", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            for checkout in checkouts:
                folder = project(corpus[:args.files], Path(tmp) / f"p{run}")
                result = child(checkout, PHASES, [str(folder), str(args.siblings)], folder)
                for name, values in result["phases"].items():
                    phases[checkout].setdefault(name, []).append(values)
                shutil.rmtree(folder)
                if args.batch_every:
                    folder = project(corpus[::args.batch_every], Path(tmp) / f"b{run}")
                    for name, value in child(checkout, BATCH, [], folder).items():
                        batches[checkout].setdefault(name, []).append(value)
                    shutil.rmtree(folder)
    for checkout in checkouts:
        print(f"\n{checkout}")
        print(f"  {'ms per issue':14s} {'wall min/med/max':>23s}   {'CPU min/med/max':>23s}")
        for name, runs in phases[checkout].items():
            print(f"  {name:14s} {spread([r[0] for r in runs])}   {spread([r[1] for r in runs])}")
        if batches[checkout]:
            n = len(corpus[::args.batch_every])
            print(f"  batch of {n} files, --jobs 2, seconds:")
            for name, values in batches[checkout].items():
                print(f"  {name:14s} {spread(values)}")


if __name__ == "__main__":
    main()
