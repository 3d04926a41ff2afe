"""Fill the build's execution cache two chapters at a time, before ``jupyter-book build`` runs.

Jupyter Book 1 executes the pages one after another while Sphinx reads them, although most of a
chapter's time is a single-core fixed cost (kernel start, imports, the first compile). This runs first
(``make book`` calls it): it reads every page of the table of contents as the build will (myst-nb's own
MyST reader, so the cache key, a hash of the code cells, their metadata and the kernelspec, is the
build's), skips the ones the cache already holds, and executes the others in fresh kernels, up to one
per core (longest first: by the times the cache recorded last, in a clean build by those of make bench,
``execution_seconds.json``), with book/ as the working directory
and deprecations as errors (``strict_warnings``), exactly as the build would. Each success goes into
the cache; the build then finds every page there and executes nothing.

A page that fails is not cached and is only reported here: the build executes it again itself and fails
with its usual strict message, naming the chapter. So strictness, the per-chapter error messages and the
cache are the build's own. What the chapters compile is cached between the kernels by PyTensor (its
compile directory takes a lock) and Numba (atomic file writes), both made for concurrent processes.
The kernels are forked from one process that imported the chapters' libraries while this one read the
pages (``kernel_forkserver``; ``--plain-kernels`` starts each as a new interpreter instead).

When a run ends with every page cached, it leaves a stamp in the cache folder; the next run returns at
once if no page of the table of contents (nor _toc.yml) changed since, without importing or reading
anything (the no-change rebuild).

Usage: python _ext/execute_parallel.py [SOURCE_DIR] [--path-output DIR] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import kernel_forkserver  # noqa: E402
import strict_warnings  # noqa: E402


STAMP = "execute_parallel.stamp"  # in the cache folder: every page was cached when it was written
HINTS = "execution_seconds.json"  # beside this file, written by make bench: the order of a clean build

#: Pages whose code reads other pages: the instructors' guide reads every chapter's header and _toc.yml.
#: The cache keys a page on its own code only, so each of these runs again when any page of the table
#: of contents, or _toc.yml, changed after it was executed.
READS_OTHER_PAGES = ("book/instructors.md",)


def toc_files(toc_path: Path) -> list[str]:
    """Every file named in a ``_toc.yml`` (root, parts and chapters), in order, as written there
    (paths relative to the book's root, usually without extension)."""
    import yaml

    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def toc_pages(root: Path) -> list[Path]:
    """The source files that ``root/_toc.yml`` names, once each, in order."""
    found = []
    for name in toc_files(root / "_toc.yml"):
        path = root / name
        path = path if path.suffix else path.with_suffix(".md")
        if path.is_file() and path not in found:
            found.append(path)
    return found


def read_notebook(path: Path):
    """The page as myst-nb reads it for the build (None for a page that is not a notebook)."""
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    text = path.read_text(encoding="utf-8")
    if not is_myst_markdown_notebook(text):
        return None
    nb = read_myst_markdown_notebook(text, config=MdParserConfig(), add_source_map=True, path=str(path))
    return nb if any(cell.cell_type == "code" for cell in nb.cells) else None


def load_hints(root: Path) -> dict[Path, float]:
    """Each page's execution seconds in the last ``make bench`` clean build (HINTS, beside this file),
    by absolute path; {} if there is no such file. Only the order of execution depends on it."""
    import json

    hints = HERE / HINTS
    if not hints.is_file():
        return {}
    try:
        found = json.loads(hints.read_text(encoding="utf-8"))
        return {(root / name).resolve(): float(seconds) for name, seconds in found.items()}
    except (ValueError, TypeError, AttributeError) as err:
        raise SystemExit(f"execute_parallel: {hints} is not a JSON object of page: seconds ({err}); "
                         "delete it or run make bench again") from None


def longest_first(todo: list, last_seconds: dict[Path, float], hints: dict[Path, float]) -> list:
    """``todo`` ((path, notebook) pairs) longest first, so that two long chapters don't end up last on
    one core: by the seconds the cache recorded for the page, else its ``make bench`` hint (a clean
    build has no records), else 0; ties by file size."""
    def seconds(path):
        return last_seconds.get(path) or hints.get(path.resolve(), 0.0)

    return sorted(todo, key=lambda item: (-seconds(item[0]), -item[0].stat().st_size))


def execute(path: Path, nb, timeout: int):
    from jupyter_cache.executors.utils import single_nb_execution

    # shutdown_kernel="immediate": once the last cell has replied (nbclient has every output by
    # then), the kernel is stopped at once. A graceful shutdown waits 0.7-1.5 s for the interpreter to
    # tear down pymc, numba and nutpie's threads, time that no output depends on.
    result = single_nb_execution(nb, cwd=str(path.parent), timeout=timeout, allow_errors=False,
                                 meta_override=True, shutdown_kernel="immediate",
                                 kernel_manager_class=kernel_forkserver.kernel_manager_class())
    return path, nb, result


def start_forkserver(cwd: Path):
    """Start the kernels' fork server (_ext/kernel_forkserver.py) in ``cwd``, importing the chapters'
    libraries while this process reads the pages; None if it cannot be started here."""
    import subprocess
    import tempfile

    if not hasattr(os, "fork"):
        return None
    folder = tempfile.mkdtemp(prefix="book-kernels-")
    path = os.path.join(folder, "socket")
    # env: os.environ, as jupyter_client gives each kernel; without it the server would inherit the
    # process's C-level environment, which a library may have changed behind os.environ's back.
    server = subprocess.Popen([sys.executable, kernel_forkserver.__file__, "serve", path], cwd=cwd,
                              env=dict(os.environ), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              text=True)
    return server, path, folder


def await_forkserver(started) -> bool:
    """Wait for the server to have imported the libraries; True if kernels will be forked from it."""
    if started is None:
        return False
    server, path, _ = started
    line = server.stdout.readline().strip()  # "ready", or nothing if it stopped (its error is on stderr)
    if line != "ready":
        server.wait()
        print(f"execute_parallel: kernels start plainly: the fork server stopped ({server.returncode}) "
              "before it was ready", flush=True)
        return False
    os.environ[kernel_forkserver.SOCKET_VARIABLE] = path
    return True


def stop_forkserver(started) -> None:
    if started is None:
        return
    import shutil

    server, _, folder = started
    os.environ.pop(kernel_forkserver.SOCKET_VARIABLE, None)
    server.terminate()
    server.wait()
    shutil.rmtree(folder, ignore_errors=True)


def _timestamp(when) -> float:
    """A cache record's time (jupyter-cache stores UTC, read back without a time zone) in seconds."""
    from datetime import timezone

    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


def _write_stamp(stamp: Path, when_ns: int) -> None:
    stamp.touch()
    os.utime(stamp, ns=(when_ns, when_ns))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=".", help="the book's root (where _toc.yml is)")
    parser.add_argument("--path-output", default=None, help="as jupyter-book build's (default: SOURCE)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="kernels at once")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell, as in _config.yml")
    parser.add_argument("--plain-kernels", action="store_true",
                        help="start every kernel as a new interpreter, without the fork server")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")

    root = Path(args.source).resolve()
    build = Path(args.path_output or root).resolve() / "_build"
    stamp = build / ".jupyter_cache" / STAMP
    started_ns = time.time_ns()  # the stamp gets this time: a page edited during the run is not missed
    pages = toc_pages(root)
    newest_source_ns = max(p.stat().st_mtime_ns for p in [root / "_toc.yml", *pages])
    if stamp.is_file() and newest_source_ns <= stamp.stat().st_mtime_ns:
        print("execute_parallel: no page changed since every page was cached")
        return 0

    build.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)
    os.environ["IPYTHONDIR"] = str(strict_warnings.ipython_dir(build))  # the kernels inherit it
    folders = Counter(path.parent for path in pages)
    forkserver = None if args.plain_kernels or not folders else start_forkserver(folders.most_common(1)[0][0])
    try:
        return _execute_pages(root, build, pages, stamp, started_ns, newest_source_ns, args, forkserver)
    finally:
        stop_forkserver(forkserver)


def _execute_pages(root, build, pages, stamp, started_ns, newest_source_ns, args, forkserver) -> int:
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(build / ".jupyter_cache"))
    readers = {(root / name).resolve() for name in READS_OTHER_PAGES}
    last_seconds = {}  # of the records that stay
    for record in cache.list_cache_records():
        path = Path(record.uri).resolve()
        if path in readers and _timestamp(record.created) < newest_source_ns / 1e9:
            cache.remove_cache(record.pk)  # it read pages that have changed since
            continue
        last_seconds[path] = (record.data or {}).get("execution_seconds") or 0.0

    todo = []
    for path in pages:
        nb = read_notebook(path)
        if nb is None:
            continue
        try:
            cache.match_cache_notebook(nb)
            continue  # cached: the build will use it
        except KeyError:
            todo.append((path, nb))
    if not todo:
        print("execute_parallel: every page is in the execution cache")
        _write_stamp(stamp, started_ns)
        return 0
    todo = longest_first(todo, last_seconds, load_hints(root))
    jobs = min(args.jobs, len(todo))
    forked = await_forkserver(forkserver)
    print(f"execute_parallel: executing {len(todo)} page(s), {jobs} at a time"
          + (", in kernels forked from one that imported their libraries" if forked else ""), flush=True)
    start, failed = time.perf_counter(), []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(execute, path, nb, args.timeout) for path, nb in todo]
        for future in as_completed(futures):
            path, nb, result = future.result()
            name = path.relative_to(root)
            if result.err is not None:
                failed.append(name)
                print(f"execute_parallel: {name} failed ({type(result.err).__name__}); "
                      "the build will run it again and report it", flush=True)
                continue
            cache.cache_notebook_bundle(CacheBundleIn(nb, str(path), data={"execution_seconds": result.time}),
                                        check_validity=False, overwrite=True)
            print(f"execute_parallel: {name} in {result.time:.1f} s", flush=True)
    print(f"execute_parallel: done in {time.perf_counter() - start:.1f} s"
          + (f"; {len(failed)} failed: {', '.join(map(str, failed))}" if failed else ""), flush=True)
    if not failed:
        _write_stamp(stamp, started_ns)
    return 0  # failures are the build's to report, with its strict message


if __name__ == "__main__":
    sys.exit(main())
