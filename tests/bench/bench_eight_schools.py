"""The eight-schools speed ratio: the seed notebook's four models, as written, against Part II.

In one run, on the same machine:
  (a) ``seed_baseline.py`` (the seed's four models, PyMC 5 API fixes only, PyMC's default sampler) in a
      fresh Python process, timed from start to exit;
  (b) each Part II chapter executed in a fresh Jupyter kernel (jupytext + nbclient, book/ as working
      directory, BOOK_SEED unset, as in the build), timed from kernel start to the end of the last cell;
  (c) the floor under (b): ``floor_chapter.md``, the cheapest chapter that fits a model (kernel,
      imports, nutpie's first compile, one small fit), in a fresh kernel; the six modelling chapters
      of Part II cannot cost less than six of these;
  (d) like for like: ``seed_book_way.py``, the seed's four fits with the same draws and settings done
      the book's way (nutpie, each structure compiled once), in one fresh Python process.
Chapters that are still stubs are skipped and listed. Prints a table: seconds per chapter, their total,
the baseline, the ratio baseline / total (the issue's target: at least 3), the floor, and the
like-for-like ratio baseline / (d).

``--one-kernel`` also runs the seven chapters one after another in a single kernel (``%reset -f``
between chapters, so imports and JIT caches stay warm but no variable carries over) and prints that
total: what a shared-kernel build would cost, an option weighed in issue 4.

``--cold`` runs both sides with empty, private PyTensor and Numba compile caches (a first build);
by default the caches already on the machine are used (a rebuild after a code change).

Run from anywhere:  .venv/bin/python tests/bench/bench_eight_schools.py [--cold] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run_seeds import execute_chapter, execute_notebook  # noqa: E402  (one way to run a chapter, shared with make seeds)
from timing import timed_run  # noqa: E402

ROOT = HERE.parent.parent
BOOK = ROOT / "book"
PART_II = ["eight_schools", "centered", "funnel", "simulated_schools", "non_centered", "exact_answer",
           "when_centering_wins"]
TARGET_RATIO = 3.0


def is_stub(path: Path) -> bool:
    text = path.read_text()
    return "# STUB" in text or 'print("stub")' in text


def time_script(name: str, env: dict) -> float:
    """Wall time of ``python tests/bench/<name>`` in a fresh process, from start to exit."""
    return timed_run([sys.executable, str(HERE / name)], f"bench_eight_schools: {name}", env, cwd=ROOT)


def time_chapter(name: str, env: dict) -> tuple[float, str | None]:
    return execute_chapter(BOOK / f"{name}.md", env)


def time_one_kernel(chapters: list[str], env: dict) -> float:
    """All chapters' code cells in one notebook, ``%reset -f`` before each chapter, one fresh kernel."""
    import jupytext
    import nbformat

    nb = nbformat.v4.new_notebook()
    for name in chapters:
        chapter = jupytext.read(BOOK / f"{name}.md")
        nb.metadata = chapter.metadata
        nb.cells.append(nbformat.v4.new_code_cell("%reset -f"))
        nb.cells.extend(cell for cell in chapter.cells if cell.cell_type == "code")
    seconds, error = execute_notebook(nb, BOOK, env, timeout=1200)
    if error:
        raise SystemExit(f"bench_eight_schools: Part II in one kernel failed: {error}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="empty private PyTensor/Numba caches")
    parser.add_argument("--one-kernel", action="store_true", help="also time Part II in one kernel")
    parser.add_argument("--skip-baseline", action="store_true", help="time the chapters only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-eight-schools-") as tmp:
        env = dict(os.environ)
        env.pop("BOOK_SEED", None)
        if args.cold:
            env["PYTENSOR_FLAGS"] = f"base_compiledir={Path(tmp) / 'pytensor'}"
            env["NUMBA_CACHE_DIR"] = str(Path(tmp) / "numba")

        chapters = [c for c in PART_II if not is_stub(BOOK / f"{c}.md")]
        stubs = [c for c in PART_II if c not in chapters]
        timings = {}
        for name in chapters:
            timings[name] = time_chapter(name, env)
            print(f"  {name}: {timings[name][0]:.1f} s" + (f"  FAILED: {timings[name][1]}" if timings[name][1] else ""),
                  flush=True)
        one_kernel = time_one_kernel(chapters, env) if args.one_kernel else None
        floor, floor_error = execute_chapter(HERE / "floor_chapter.md", env)
        if floor_error:
            raise SystemExit(f"bench_eight_schools: floor_chapter.md failed: {floor_error}")
        book_way = time_script("seed_book_way.py", env)
        baseline = None if args.skip_baseline else time_script("seed_baseline.py", env)

    total = sum(seconds for seconds, _ in timings.values())
    print(f"\ncaches: {'cold (empty, private)' if args.cold else 'as found on this machine'}; "
          f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print("| Part II chapter | seconds | |\n|---|---:|---|")
    for name, (seconds, error) in timings.items():
        print(f"| {name} | {seconds:.1f} | {'FAILED: ' + error if error else ''} |")
    for name in stubs:
        print(f"| {name} | (stub, skipped) | |")
    print(f"| **total** | {total:.1f} | |")
    if one_kernel is not None:
        print(f"| the same chapters in one kernel (%reset -f between them) | {one_kernel:.1f} | |")
    modelling = sum("nutpie" in (BOOK / f"{name}.md").read_text() for name in chapters)  # chapters that fit
    print(f"| floor: one fresh kernel + imports + first compile + one small fit | {floor:.1f} | "
          f"x {modelling} modelling chapters = {modelling * floor:.1f} |")
    print(f"| the seed's four fits done the book's way, one process | {book_way:.1f} | |")
    if baseline is not None:
        ratio = baseline / total if total else float("nan")
        print(f"| seed baseline (4 models as written, PyMC default sampler) | {baseline:.1f} | |")
        print(f"| **ratio baseline / Part II total** | {ratio:.2f} | "
              f"{'ok' if ratio >= TARGET_RATIO else 'MISS'} (target >= {TARGET_RATIO:g}; the floor alone "
              f"allows at most {baseline / (modelling * floor):.2f}) |")
        print(f"| **ratio baseline / the book's way (like for like)** | {baseline / book_way:.2f} | "
              f"{'ok' if baseline / book_way >= TARGET_RATIO else 'MISS'} |")


if __name__ == "__main__":
    main()
