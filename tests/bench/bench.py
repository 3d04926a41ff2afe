"""`make bench`: how long the book takes to build, and where the time goes.

1. A clean ``make book`` of a copy of the book in a temporary folder (no _build, empty PyTensor and
   Numba compile caches), timed: the execution (``make execute``, jupyter-cache's local-parallel
   executor) and the strict build.
2. A no-change rebuild of the same folder (``make book`` again), timed.
3. Each chapter's execution seconds, from that clean build's execution cache (two at a time, cold
   compile caches), and again alone: each chapter's reader notebook (the complete notebook the build
   wrote) in a plain fresh kernel with nothing else running, after the build (PyTensor's and Numba's
   disk caches warm, as on a reader's second run; nutpie's compiled model is never cached, so every
   run compiles its models). The targets apply to the alone column.
4. The floor under a modelling chapter: ``floor_chapter.md`` (fresh kernel, imports, nutpie's first
   compile, one small fit) in a fresh kernel, with the same empty caches.
5. Each page's transfer size.
6. Lighthouse's scores for every chapter page, the median of three runs each (tests/bench/lighthouse_scores.py).

Targets on a 2-core machine: clean build <= 200 s, no-change rebuild <= 5 s, every chapter <= 20 s
(Parts III to V <= 30 s, and simulation-based calibration, which fits a model once per simulated data
set, <= 60 s). The tables mark what misses its target; the
benchmark informs, it does not fail.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV = Path(sys.executable).parent.parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from run_seeds import execute_notebook  # noqa: E402  (one way to run a notebook, shared with make seeds)
from timing import timed_run  # noqa: E402

TARGETS = {"clean": 200.0, "rebuild": 5.0, "chapter": 20.0}
#: Seconds a chapter may take alone, by the start of its part's caption in _toc.yml (else "chapter"),
#: and for single chapters that the issues allowed more.
PART_TARGETS = {"Part III": 30.0, "Part IV": 30.0, "Part V": 30.0}
CHAPTER_TARGETS = {"calibration": 60.0}
#: What a copy of the book needs to build (README, tests and the like are not part of the site).
BOOK_FILES = ("Makefile", "requirements.txt", "_config.yml", "_toc.yml", "_ext", "book", "data")


def copy_book(out: Path) -> None:
    """The book's sources in ``out``, with their modification times (so make sees .venv as current)."""
    out.mkdir(parents=True)
    for name in BOOK_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, out / name)


def timed_build(out: Path, env: dict) -> tuple[float, float]:
    """``make book`` in ``out``, as a reader runs it: the seconds of its two steps (``make execute``,
    then the rest)."""
    make = ["make", "--no-print-directory", f"VENV={VENV}"]
    execute = timed_run([*make, "execute"], f"bench: make execute in {out}", env, cwd=out)
    return execute, timed_run([*make, "book"], f"bench: make book in {out}", env, cwd=out)


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


def chapter_targets() -> dict[str, float]:
    """Each chapter's target in seconds alone (slug -> seconds), from its part's caption."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    targets = {}
    for part in toc.get("parts", []):
        caption = str(part.get("caption", ""))
        part_target = next((t for prefix, t in PART_TARGETS.items()
                            if caption == prefix or caption.startswith(prefix + ":")), TARGETS["chapter"])
        for chapter in part.get("chapters", []):
            slug = Path(chapter["file"]).name
            targets[slug] = CHAPTER_TARGETS.get(slug, part_target)
    return targets


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
        copy_book(out)
        clean_parts = timed_build(out, env)
        clean, rebuild = sum(clean_parts), sum(timed_build(out, env))
        per_chapter = chapter_seconds(out)
        # Alone, each chapter's reader notebook runs in a plain kernel (no build profile), in the
        # chapter's folder (hbm.py beside it, data/ one level up), as a reader runs it.
        import nbformat

        notebooks = out / "_build" / "html" / "_notebooks"
        alone = {}
        for name in sorted(per_chapter):
            if not (notebooks / f"{name}.ipynb").is_file():
                continue  # a page without a reader notebook (running, instructors)
            nb = nbformat.read(notebooks / f"{name}.ipynb", as_version=4)
            seconds, error = execute_notebook(nb, out / "book", env)
            alone[name] = float("nan") if error else seconds
            if error:
                print(f"bench: {name} failed when run alone: {error}", file=sys.stderr)
        floor_env = {**env, "PYTENSOR_FLAGS": f"base_compiledir={tmp / 'pytensor-floor'}",
                     "NUMBA_CACHE_DIR": str(tmp / "numba-floor")}
        import jupytext

        floor, floor_error = execute_notebook(jupytext.read(HERE / "floor_chapter.md"), HERE, floor_env)

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
        targets = chapter_targets()
        print("| page | alone | target | | in the clean build |\n|---|---:|---:|---|---:|")
        for name, seconds in sorted(alone.items(), key=lambda kv: -kv[1]):
            target = targets.get(name, TARGETS["chapter"])
            print(f"| {name} | {seconds:.1f} | {target:g} | {mark(seconds <= target)} | {per_chapter[name]:.1f} |")
        median = statistics.median(alone.values()) if alone else float("nan")
        in_build = [per_chapter[name] for name in alone]
        print(f"| **median** | {median:.1f} | | | {statistics.median(in_build) if in_build else float('nan'):.1f} |")
        print(f"| **total** | {sum(alone.values()):.1f} | | | {sum(in_build):.1f} |")

        print("\n## Page weight\n")
        from page_weight import main as page_weight_main

        page_weight_main([str(out / "_build" / "html")])

        print("\n## Lighthouse (mobile preset, served with gzip on localhost)\n")
        from lighthouse_scores import main as lighthouse_main

        lighthouse_main([str(out / "_build" / "html")])


if __name__ == "__main__":
    main()
