"""Whole-process timings for issue 11, each comparison interleaved in one run.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/archive_speed.py [--runs 5] [--every 1]

Prints min / median / max of wall and CPU seconds (and peak RSS) for:
- one issue: `newsletter build ISSUE` against the MJML JS CLI v5 (installed
  by npm into .tools/benchmark/ if absent) compiling the same email.mjml,
  run in turn A B A B ..., with the ratio taken pair by pair;
- `newsletter --help`;
- the corpus (../shared/corpus/acton, every Nth file): a cold `build --all
  --jobs 2` (files per second, peak RSS of the largest of its processes), a no-op
  rebuild, and a rebuild after touching one file;
- a month's digest dated by file name (2019-07), as a whole process.
The machine (nproc, CPU model) and the date head the output.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "acton"
PY = [sys.executable, "-m", "newsletter"]


def run(cmd: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """(wall s, CPU s, peak RSS KB of the largest process, stdout+stderr) of one run.

    wait4 gives this run's own figures, its workers included; the
    RUSAGE_CHILDREN peak would be the largest child of the whole benchmark
    so far, the MJML CLI's node (about 270 MB) among them."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, text


def spread(values: list[float], unit: str = "s") -> str:
    return (f"min {min(values):.3f} / median {statistics.median(values):.3f} / "
            f"max {max(values):.3f} {unit}")


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"nproc {os.cpu_count()}, {model}, Python {platform.python_version()}, {dt.date.today()}"


def mjml_cli() -> Path:
    """npm's `mjml` v5, the issue's yardstick, in a folder of its own: the
    tests' reference compiler in .tools/ is v4 and must stay so."""
    base = ROOT / ".tools" / "benchmark"
    binary = base / "node_modules" / ".bin" / "mjml"
    if not binary.exists():
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund",
                        "--prefix", str(base), "mjml@5"], check=True)
    return binary


def one_issue(work: Path, runs: int) -> None:
    shutil.copytree(ROOT / "issues", work / "issues")
    shutil.copy(ROOT / "newsletter.toml", work)
    issue = sorted((work / "issues").glob("*.md"))[0]
    run(PY + ["build", str(issue)], work)   # warm the disk cache, and make email.mjml
    mjml = work / "build" / issue.stem / "email.mjml"
    ours, theirs, ratios = [], [], []
    node = [str(mjml_cli()), str(mjml), "-o", str(work / "out.html")]
    for _ in range(runs):
        a = run(PY + ["build", str(issue)], work)[0]
        b = run(node, work)[0]
        ours.append(a), theirs.append(b), ratios.append(a / b)
    print(f"one issue, newsletter build   wall {spread(ours)}")
    print(f"one issue, mjml CLI (node)    wall {spread(theirs)}")
    print(f"  ratio newsletter / mjml     {spread(ratios, 'x')}")
    helps = [run(PY + ["--help"], work)[0] for _ in range(runs)]
    print(f"newsletter --help             wall {spread(helps)}")


def corpus(work: Path, runs: int, every: int) -> None:
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}; skipped")
        return
    issues = work / "corpus"
    issues.mkdir()
    files = sorted(CORPUS.iterdir())[::every]
    for path in files:   # links, not copies: the corpus stays where it is
        (issues / path.name).symlink_to(path)
    (work / "newsletter.toml").write_text(
        'issues_dir = "corpus"\ntimezone = "America/New_York"\nsite_url = "https://example.org/"\n')
    cold = []
    for _ in range(max(1, runs // 5)):
        shutil.rmtree(work / "build", ignore_errors=True)
        cold.append(run(PY + ["build", "--all", "--jobs", "2"], work))
    print(f"corpus: {len(files)} files, cold build --all --jobs 2")
    print(f"  wall {spread([c[0] for c in cold])}; CPU {spread([c[1] for c in cold])}")
    print(f"  files/s (median wall) {len(files) / statistics.median(c[0] for c in cold):.1f}; "
          f"peak RSS {cold[-1][2] / 1024:.0f} MB; {cold[-1][3].strip().splitlines()[-1]}")
    noop = [run(PY + ["build", "--all"], work) for _ in range(runs)]
    print(f"  no-op rebuild     wall {spread([n[0] for n in noop])}; "
          f"{[line for line in noop[-1][3].splitlines() if 'unchanged' in line][0]}")
    touched = []
    for _ in range(runs):
        target = Path(os.path.realpath(issues / files[len(files) // 2].name))
        (issues / target.name).unlink()
        (issues / target.name).write_bytes(target.read_bytes() + f"\n{time.time()}\n".encode())
        touched.append(run(PY + ["build", "--all"], work))
        (issues / target.name).unlink()
        (issues / target.name).symlink_to(target)
    print(f"  one file touched  wall {spread([t[0] for t in touched])}; "
          f"{[line for line in touched[-1][3].splitlines() if 'unchanged' in line][0]}")


def digest(work: Path, runs: int) -> None:
    if not CORPUS.is_dir():
        return
    times = [run([sys.executable, str(ROOT / "benchmarks" / "digest_corpus.py"), "2019-07"],
                 work) for _ in range(runs)]
    print(f"digest 2019-07 by file name, whole process  wall {spread([t[0] for t in times])}; "
          f"CPU {spread([t[1] for t in times])}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--every", type=int, default=1, help="every Nth corpus file")
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(ROOT)
    # As pip installs it: our modules' bytecode cached. Without it every
    # process compiles them from source (60-110 ms here); startup.py shows both.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    print(machine())
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        one_issue(Path(tmp) / "one", args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        digest(Path(tmp), args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        corpus(Path(tmp), args.runs, args.every)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
