"""`make bench`: how long the book takes to build, and where the time goes.

1. A clean build into a temporary folder (no _build, empty PyTensor and Numba compile caches), timed.
2. A no-change rebuild of the same folder, timed.
3. Each chapter's execution seconds, from that clean build's execution cache (two at a time, cold
   compile caches), and again alone: each chapter in a fresh kernel with nothing else running, after
   the build (PyTensor's and Numba's disk caches warm, as on a reader's second run; nutpie's compiled
   model is never cached, so every run compiles its models). The targets apply to the alone column,
   the issue's "in a fresh kernel on a 2-core machine".
4. The floor under a modelling chapter: ``floor_chapter.md`` (fresh kernel, imports, nutpie's first
   compile, one small fit) in a fresh kernel, with the same empty caches.
5. Each page's transfer size.
6. Lighthouse's scores for every chapter page, the median of three runs each (tests/bench/lighthouse_scores.py).

Targets on a 2-core machine: clean build <= 150 s, no-change rebuild <= 5 s, every chapter <= 20 s
(Part III chapters <= 30 s), median chapter <= 12 s. The tables mark what misses its target; the
benchmark informs, it does not fail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
JB = Path(sys.executable).parent / "jupyter-book"
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from conftest import STRICT_FLAGS as STRICT  # noqa: E402  (the Makefile's flags; test_build checks)
from run_seeds import execute_chapter  # noqa: E402  (one way to run a chapter, shared with make seeds)
from timing import timed_run  # noqa: E402
import strict_warnings  # noqa: E402  (on the path run_seeds puts _ext on)
from execute_parallel import HINTS  # noqa: E402  (the file it orders a clean build by)

TARGETS = {"clean": 150.0, "rebuild": 5.0, "chapter": 20.0, "part_iii_chapter": 30.0, "median": 12.0}


def timed_build(out: Path, env: dict) -> tuple[float, float]:
    """As `make book`: the parallel execution into the cache, then the strict build; the seconds of
    each."""
    execute = timed_run([sys.executable, str(ROOT / "_ext" / "execute_parallel.py"), str(ROOT), "--path-output",
                         str(out)], f"bench: the parallel execution into {out}", env)
    return execute, timed_run([str(JB), "build", str(ROOT), "--path-output", str(out), *STRICT],
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


def write_hints(per_chapter: dict[str, float]) -> None:
    """Keep the clean build's seconds per page for execute_parallel, which runs the longest first: a
    clean build has no cache records to order by. Commit the file when the order changes much."""
    import json

    hints = ROOT / "_ext" / HINTS
    found = {f"book/{name}.md": round(seconds, 1) for name, seconds in sorted(per_chapter.items())}
    hints.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
    print(f"bench: wrote {hints.relative_to(ROOT)} (the order of the next clean build)")


def part_iii_chapters() -> set[str]:
    """Slugs of the chapters in a toc part whose caption starts with 'Part III'."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return {Path(c["file"]).name for part in toc.get("parts", []) if str(part.get("caption", "")).startswith("Part III")
            for c in part.get("chapters", [])}


def mark(ok: bool) -> str:
    return "ok" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ)
        env["PYTENSOR_FLAGS"] = f"base_compiledir={tmp / 'pytensor'}"
        env["NUMBA_CACHE_DIR"] = str(tmp / "numba")
        env.pop("BOOK_SEED", None)
        out = tmp / "book"
        clean_parts = timed_build(out, env)
        clean, rebuild = sum(clean_parts), sum(timed_build(out, env))
        per_chapter = chapter_seconds(out)
        write_hints(per_chapter)
        # Alone, each chapter runs in a kernel like the build's (strict_warnings' IPython profile).
        env["IPYTHONDIR"] = str(strict_warnings.ipython_dir(out / "_build"))
        alone = {}
        for name in per_chapter:
            seconds, error = execute_chapter(ROOT / "book" / f"{name}.md", env)
            alone[name] = float("nan") if error else seconds
            if error:
                print(f"bench: {name} failed when run alone: {error}", file=sys.stderr)
        floor_env = {**env, "PYTENSOR_FLAGS": f"base_compiledir={tmp / 'pytensor-floor'}",
                     "NUMBA_CACHE_DIR": str(tmp / "numba-floor")}
        floor, floor_error = execute_chapter(HERE / "floor_chapter.md", floor_env)

        print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print("\n## Build\n")
        print("| what | seconds | target | |\n|---|---:|---:|---|")
        print(f"| clean build (empty caches) | {clean:.1f} | {TARGETS['clean']:g} | {mark(clean <= TARGETS['clean'])} |")
        print(f"| of which: executing the pages, two at a time | {clean_parts[0]:.1f} | | |")
        print(f"| of which: Sphinx (reading, writing the site, notebooks and zips) | {clean_parts[1]:.1f} | | |")
        print(f"| no-change rebuild | {rebuild:.1f} | {TARGETS['rebuild']:g} | {mark(rebuild <= TARGETS['rebuild'])} |")
        print(f"| floor: fresh kernel + imports + first compile + one small fit | {floor:.1f} | | "
              f"{'FAILED: ' + floor_error if floor_error else ''} |")

        print("\n## Chapter execution\n")
        print("Seconds per page: alone in a fresh kernel (the targets), and in the clean build (two at a "
              "time, cold caches).\n")
        part_iii = part_iii_chapters()
        print("| page | alone | target | | in the clean build |\n|---|---:|---:|---|---:|")
        for name, seconds in sorted(alone.items(), key=lambda kv: -kv[1]):
            target = TARGETS["part_iii_chapter" if name in part_iii else "chapter"]
            print(f"| {name} | {seconds:.1f} | {target:g} | {mark(seconds <= target)} | {per_chapter[name]:.1f} |")
        median = statistics.median(alone.values()) if alone else float("nan")
        build_median = statistics.median(per_chapter.values()) if per_chapter else float("nan")
        print(f"| **median** | {median:.1f} | {TARGETS['median']:g} | {mark(median <= TARGETS['median'])} | "
              f"{build_median:.1f} |")
        print(f"| **total** | {sum(alone.values()):.1f} | | | {sum(per_chapter.values()):.1f} |")

        print("\n## Page weight\n")
        from page_weight import main as page_weight_main

        page_weight_main([str(out / "_build" / "html")])

        print("\n## Lighthouse (mobile preset, served with gzip on localhost)\n")
        from lighthouse_scores import main as lighthouse_main

        lighthouse_main([str(out / "_build" / "html")])


if __name__ == "__main__":
    main()
