"""`make seeds`: execute every teaching chapter under another BOOK_SEED and report which claims break.

The book's claims must hold for other seeds, not only the default: this runs each chapter (all its
assertions included) in a fresh kernel with BOOK_SEED set, two chapters at a time, and exits non-zero
if any chapter fails. Example: `make seeds BOOK_SEED=3`, or `python tests/bench/run_seeds.py --seed 1 2 3`
(`make seeds` alone tries seeds 1 to 8).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jupytext
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(ROOT / "_ext"))
import lint_book  # noqa: E402
import strict_warnings  # noqa: E402


def execute_notebook(nb, cwd: Path, env: dict, timeout: int = 600) -> tuple[float, str | None]:
    """Run a notebook top to bottom in a fresh kernel with ``env`` and working directory ``cwd``:
    (seconds from kernel start to the last cell, error line or None)."""
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", shutdown_kernel="immediate",
                       resources={"metadata": {"path": str(cwd)}}).execute(env=env)
        error = None
    except Exception as err:  # noqa: BLE001 - report, don't stop
        error = failure_summary(str(err))
    return time.perf_counter() - start, error


def failure_summary(message: str) -> str:
    """The failing line of a cell (the traceback's last ``---->`` line, with its comment: the claim the
    assertion guards) and the error line, from nbclient's message: a bare ``AssertionError`` says
    nothing on its own."""
    lines = re.sub(r"\x1b\[[0-9;]*m", "", message).strip().splitlines()
    arrows = [line.split(">", 1)[1].strip() for line in lines if re.match(r"^-+>", line)]
    return " | ".join(([arrows[-1]] if arrows else []) + lines[-1:])[:600]


def execute_chapter(path: Path, env: dict) -> tuple[float, str | None]:
    """Run a chapter as the build does: a fresh kernel, the chapter's folder as working directory."""
    return execute_notebook(jupytext.read(path), path.parent, env)


def run(chapter: str, seed: int) -> tuple[str, int, float, str | None]:
    # The kernel's environment: the seed, and deprecations as errors, as in the build.
    env = {**os.environ, "BOOK_SEED": str(seed), "IPYTHONDIR": str(strict_warnings.ipython_dir(ROOT / "_build"))}
    seconds, error = execute_chapter(ROOT / f"{chapter}.md", env)
    return chapter, seed, seconds, error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="Chapters come before --seed: run_seeds.py crossed --seed 1 2 3")
    parser.add_argument("--seed", type=int, nargs="+", default=[1])
    parser.add_argument("chapters", nargs="*", help="chapter slugs (default: every teaching chapter)")
    args = parser.parse_args()
    chapters = [c for c in lint_book.part_chapters() if not args.chapters or Path(c).name in args.chapters]
    jobs = [(c, s) for s in args.seed for c in chapters]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda job: run(*job), jobs))
    failed = 0
    print("| chapter | seed | seconds | result |\n|---|---:|---:|---|")
    for chapter, seed, seconds, error in results:
        failed += error is not None
        print(f"| {Path(chapter).name} | {seed} | {seconds:.1f} | {'ok' if error is None else 'FAIL: ' + error} |")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
