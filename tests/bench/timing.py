"""One way to time a command for the benchmarks: wall seconds, or exit naming what failed."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def timed_run(cmd: list[str], what: str, env: dict, cwd: Path | None = None) -> float:
    """Run ``cmd`` to its end and return its wall time in seconds; if it fails, print the end of its
    output and exit with a message naming ``what``."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stdout[-5000:])
        raise SystemExit(f"{what} failed")
    return seconds
