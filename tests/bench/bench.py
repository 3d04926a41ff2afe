"""`make bench`: how long the book takes to build, and where the time goes.

1. A clean build into a temporary folder (no _build, empty PyTensor and Numba compile caches), timed.
2. A no-change rebuild of the same folder, timed.
3. Each chapter's execution seconds, from that clean build's execution cache.
4. The eight-schools speed ratio: the seed's four models as written against Part II's chapters.
5. Each page's transfer size.

Targets on a 2-core machine: clean build <= 240 s, no-change rebuild <= 10 s, every chapter <= 60 s,
median chapter <= 30 s, Part II at least 3x faster than the seed, chapter pages < 3 MB. The table marks
what misses its target; the benchmark informs, it does not fail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
JB = Path(sys.executable).parent / "jupyter-book"
sys.path.insert(0, str(HERE.parent))
from conftest import STRICT_FLAGS as STRICT  # noqa: E402  (the Makefile's flags; test_build checks)
from timing import timed_run  # noqa: E402


def timed_build(out: Path, env: dict) -> float:
    return timed_run([str(JB), "build", str(ROOT), "--path-output", str(out), *STRICT],
                     f"bench: the build into {out}", env)


def chapter_seconds(build_dir: Path) -> dict[str, float]:
    """Execution seconds per page, from the jupyter-cache records of the build."""
    from jupyter_cache import get_cache

    cache = get_cache(build_dir / "_build" / ".jupyter_cache")
    found = {}
    for record in cache.list_cache_records():
        seconds = (record.data or {}).get("execution_seconds")
        if seconds is not None:
            found[Path(record.uri).stem] = float(seconds)
    return found


def mark(ok: bool) -> str:
    return "ok" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-ratio", action="store_true", help="skip the eight-schools baseline")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ)
        env["PYTENSOR_FLAGS"] = f"base_compiledir={tmp / 'pytensor'}"
        env["NUMBA_CACHE_DIR"] = str(tmp / "numba")
        env.pop("BOOK_SEED", None)
        out = tmp / "book"
        clean = timed_build(out, env)
        rebuild = timed_build(out, env)
        per_chapter = chapter_seconds(out)

        print("\n## Build\n")
        print(f"| what | seconds | target | |\n|---|---:|---:|---|")
        print(f"| clean build (empty caches) | {clean:.1f} | 240 | {mark(clean <= 240)} |")
        print(f"| no-change rebuild | {rebuild:.1f} | 10 | {mark(rebuild <= 10)} |")

        print("\n## Chapter execution (clean build)\n")
        print("| page | seconds | |\n|---|---:|---|")
        for name, seconds in sorted(per_chapter.items(), key=lambda kv: -kv[1]):
            print(f"| {name} | {seconds:.1f} | {mark(seconds <= 60)} |")
        median = statistics.median(per_chapter.values()) if per_chapter else float("nan")
        print(f"| **median** | {median:.1f} | {mark(median <= 30)} |")
        print(f"| **total** | {sum(per_chapter.values()):.1f} | |")

        if not args.skip_ratio:
            print("\n## Eight schools: the seed's four models against Part II\n")
            ratio = subprocess.run([sys.executable, str(HERE / "bench_eight_schools.py")], env=env)
            if ratio.returncode != 0:
                print("bench: the eight-schools comparison failed")

        print("\n## Page weight\n")
        sys.path.insert(0, str(HERE))
        from page_weight import main as page_weight_main

        page_weight_main([str(out / "_build" / "html")])


if __name__ == "__main__":
    main()
