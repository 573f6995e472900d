"""How fast `newsletter serve` starts on a big folder and rebuilds one saved file.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/serve_speed.py [FOLDER]

FOLDER defaults to ../shared/corpus/acton (about 900 pages); it is read, never
written: the issues are copied into a temporary folder first. Prints the time
from start to the first answer of `/`, to the first issue page (one build), to
the full list of titles, and from saving that issue to its rebuilt email.
"""
from __future__ import annotations

import http.client
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from newsletter.config import load_config
from newsletter.serve import make_server, stop

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "acton"


def get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    if not source.is_dir():
        sys.exit(f"{source} is missing")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(source, work / "issues")
        (work / "newsletter.toml").write_text('org_name = "Bench"\npostal_address = "1 St"\n')
        config = load_config(work / "newsletter.toml")
        start = time.perf_counter()
        server = make_server(config, [], port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        assert get(port, "/") == 200
        print(f"started, / answered: {time.perf_counter() - start:.2f} s "
              f"({len(server.preview.entries)} files listed)")
        entry = next(e for e in server.preview.listing() if e.path and e.path.suffix == ".md")
        t = time.perf_counter()
        get(port, f"/{entry.key}/")
        print(f"first issue page (one build): {time.perf_counter() - t:.2f} s")
        while not all(e.title for e in server.preview.entries.values()):
            time.sleep(0.05)
        print(f"all titles read: {time.perf_counter() - start:.2f} s after start")
        version = entry.version
        t = time.perf_counter()
        entry.path.write_text(entry.path.read_text(encoding="utf-8") + "\nSaved.\n",
                              encoding="utf-8")
        while entry.version == version:
            time.sleep(0.01)
        print(f"save -> rebuilt {entry.key}: {time.perf_counter() - t:.2f} s "
              f"(0.2 s of it the debounce)")
        server.shutdown()
        stop(server)


if __name__ == "__main__":
    main()
