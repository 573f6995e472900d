"""Start-up of one whole process, interleaved in one run (issue 11).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/startup.py [--runs 7]

Each round runs, in turn: `newsletter --help`, `newsletter build ISSUE` (the
first bundled sample issue), both with our modules' bytecode cached (as pip
installs them) and without (PYTHONDONTWRITEBYTECODE=1, so every module is
compiled from source each time), then the MJML JS CLI (.tools/) on the same
email.mjml. Prints min / median / max wall seconds of each (and its median
CPU seconds, steadier on a shared machine), each one's ratio to the MJML CLI
of the same round, then the ten imports of `build ISSUE` with
the most self time (`python -X importtime`).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archive_speed import ROOT, machine, mjml_cli, spread

PY = [sys.executable, "-m", "newsletter"]


def run(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def importtime(work: Path, env: dict, issue: Path) -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "newsletter", "build",
                           str(issue)], cwd=work, env=env, capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self" not in line:
            own, total, name = line.removeprefix("import time:").split("|")
            rows.append((int(own), int(total), name.strip()))
    print(f"importtime of build ISSUE (with .pyc), {len(rows)} modules, "
          f"{sum(r[0] for r in rows) / 1000:.0f} ms in all; most self time:")
    for own, total, name in sorted(rows, reverse=True)[:10]:
        print(f"  {own / 1000:6.1f} ms self {total / 1000:7.1f} ms cumulative  {name}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(machine())
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "issues", work / "issues")
        shutil.copy(ROOT / "newsletter.toml", work)
        issue = sorted((work / "issues").glob("*.md"))[0]
        # A cache of our own for Jinja's compiled templates, filled by the
        # first run, as a user's would be after their first build.
        base = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(work / "cache")}
        pyc = {**base, "PYTHONPYCACHEPREFIX": str(work / "pyc")}
        pyc.pop("PYTHONDONTWRITEBYTECODE", None)
        envs = {"with .pyc": pyc, "no .pyc": {**base, "PYTHONDONTWRITEBYTECODE": "1"}}
        commands = {f"{cmd} ({mode})": (args_, env) for mode, env in envs.items()
                    for cmd, args_ in (("--help", ["--help"]),
                                       ("build ISSUE", ["build", str(issue)]))}
        for args_, env in commands.values():   # warm the caches; make email.mjml
            run(PY + args_, work, env)
        mjml = work / "build" / issue.stem / "email.mjml"
        node = [str(mjml_cli()), str(mjml), "-o", str(work / "out.html")]
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in [*commands, "mjml CLI"]}
        ratios: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            ours = {name: run(PY + args_, work, env) for name, (args_, env) in commands.items()}
            theirs = run(node, work)
            times["mjml CLI"].append(theirs)
            for name, wall_cpu in ours.items():
                times[name].append(wall_cpu)
                ratios[name].append(wall_cpu[0] / theirs[0])
        for name, values in times.items():
            print(f"{name:24} wall {spread([v[0] for v in values])}; "
                  f"CPU median {statistics.median(v[1] for v in values):.3f} s")
            if name in ratios:
                print(f"{'':24} wall / mjml CLI's, pair by pair: {spread(ratios[name], 'x')}")
        importtime(work, pyc, issue)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
