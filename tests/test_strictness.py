"""The build's strictness, shown on a tiny throwaway book that uses the project's configuration.

Each fault below must make the build command fail, and the output must name the chapter at fault.
A clean control book must succeed, so a failure can't come from the harness itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import JUPYTER_BOOK, ROOT, STRICT_FLAGS

sys.path.insert(0, str(ROOT / "_ext"))
import execute_parallel as ep  # noqa: E402
import strict_warnings  # noqa: E402

HEADER = textwrap.dedent(
    """\
    ---
    jupytext: {text_representation: {extension: .md, format_name: myst}}
    kernelspec: {display_name: Python 3, language: python, name: python3}
    ---
    (tiny)=
    # A tiny chapter

    """
)

GOOD = textwrap.dedent(
    """\
    ```{code-cell} ipython3
    from myst_nb import glue
    glue("tiny_answer", 42, display=False)
    ```

    The answer is {glue:text}`tiny_answer`. See {ref}`tiny`.
    """
)

FAULTS = {
    "failing cell": GOOD + '\n```{code-cell} ipython3\nraise RuntimeError("boom")\n```\n',
    "sphinx warning": GOOD + "\n```{unknown-directive}\nThis directive does not exist.\n```\n",
    "undefined glue key": GOOD + "\nMissing: {glue:text}`no_such_key`.\n",
    "dangling ref": GOOD + "\nSee {ref}`no-such-label`.\n",
    # A deprecated call a reader might write: xarray's Dataset.dims as a mapping (a FutureWarning).
    "deprecated call": GOOD + '\n```{code-cell} ipython3\nimport xarray as xr\n'
    'xr.Dataset({"a": ("x", [1, 2])}).dims["x"]\n```\n',
    # A deprecation raised inside a library on the chapter's behalf (attributed to numpy, not the cell).
    "deprecation inside the stack": GOOD + '\n```{code-cell} ipython3\nimport warnings\n'
    'exec(compile("warnings.warn(\'old\', DeprecationWarning)", "numpy/fake.py", "exec"), '
    '{"warnings": warnings, "__name__": "numpy.fake"})\n```\n',
}


def make_tiny_book(tmp_path, body: str):
    """A book with the project's _config.yml, extensions and static files, and one chapter."""
    book = tmp_path / "tinybook"
    (book / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    shutil.copytree(ROOT / "_ext", book / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "book" / "_static", book / "book" / "_static")
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/index\nchapters:\n  - file: book/tiny\n")
    (book / "book" / "index.md").write_text("(tiny-home)=\n# Tiny book\n\nA test book.\n")
    (book / "book" / "tiny.md").write_text(HEADER + body)
    return book


def build(book):
    """As `make book` builds: the parallel execution first, then the strict build (whose output is
    returned; the first step reports failures but leaves them to the build)."""
    run_parallel(book).check_returncode()
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", str(book), *STRICT_FLAGS],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )


def test_clean_tiny_book_builds(tmp_path):
    proc = build(make_tiny_book(tmp_path, GOOD))
    assert proc.returncode == 0, proc.stdout[-4000:]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_fails_build_and_names_chapter(tmp_path, fault):
    proc = build(make_tiny_book(tmp_path, FAULTS[fault]))
    assert proc.returncode != 0, f"the build passed despite a {fault}:\n{proc.stdout[-4000:]}"
    assert "tiny" in proc.stdout and ("warning" in proc.stdout.lower() or "error" in proc.stdout.lower())
    assert "book/tiny" in proc.stdout, f"the output does not name the chapter:\n{proc.stdout[-4000:]}"


def test_parallel_execution_fills_the_cache_the_build_uses(tmp_path):
    """Two chapters executed by _ext/execute_parallel.py are cache hits for the strict build."""
    book = make_tiny_book(tmp_path, GOOD)
    second = HEADER.replace("(tiny)=", "(tiny2)=") + "```{code-cell} ipython3\nprint(2)\n```\n"
    (book / "book" / "tiny2.md").write_text(second)
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/index\nchapters:\n  - file: book/tiny\n"
                                   "  - file: book/tiny2\n")
    first = subprocess.run([sys.executable, str(ROOT / "_ext" / "execute_parallel.py"), str(book), "--jobs", "2"],
                           capture_output=True, text=True, timeout=600)
    assert "executing 2 page(s), 2 at a time" in first.stdout, first.stdout + first.stderr
    proc = subprocess.run([str(JUPYTER_BOOK), "build", str(book), *STRICT_FLAGS, "-v"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert proc.stdout.count("Using cached notebook") == 2 and "Executing notebook using" not in proc.stdout
    # Nothing changed: the stamp the first run left makes the second return at once.
    assert "no page changed since every page was cached" in run_parallel(book).stdout
    # A page edited (prose only): it is read again, and found in the cache.
    (book / "book" / "tiny2.md").write_text(second + "\nMore prose.\n")
    assert "every page is in the execution cache" in run_parallel(book).stdout
    assert "no page changed" in run_parallel(book).stdout
    # Its code edited: it is executed again.
    (book / "book" / "tiny2.md").write_text(second.replace("print(2)", "print(3)"))
    assert "executing 1 page(s)" in run_parallel(book).stdout


def test_a_page_that_reads_other_pages_runs_again_when_they_change(tmp_path):
    """The instructors' guide reads the chapters' headers; its cache record is keyed on its own code, so
    execute_parallel runs it again when another toc page changed after it (READS_OTHER_PAGES)."""
    book = make_tiny_book(tmp_path, GOOD)
    guide = HEADER.replace("(tiny)=", "(guide)=") + \
        '```{code-cell} ipython3\nprint(open("tiny.md").read().count("prose"))\n```\n'
    (book / "book" / "instructors.md").write_text(guide)
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/index\nchapters:\n  - file: book/tiny\n"
                                   "  - file: book/instructors\n")
    assert "executing 2 page(s)" in run_parallel(book).stdout
    assert "no page changed" in run_parallel(book).stdout
    html = book / "_build" / "html" / "book" / "instructors.html"
    assert build(book).returncode == 0 and ">0\n<" in html.read_text()  # "prose" is not in tiny.md yet
    time.sleep(1.1)  # the edit must be newer than the cache record, in whole seconds on some file systems
    (book / "book" / "tiny.md").write_text(HEADER + GOOD + "\nMore prose.\n")  # its code is unchanged
    again = run_parallel(book).stdout
    assert "executing 1 page(s)" in again and "instructors.md in" in again, again
    # and Sphinx writes the guide again although its own source did not change (chapter_header.py)
    assert build(book).returncode == 0 and ">1\n<" in html.read_text(), html.read_text()[-3000:]


def run_parallel(book):
    return subprocess.run([sys.executable, str(ROOT / "_ext" / "execute_parallel.py"), str(book)],
                          capture_output=True, text=True, timeout=600)


def test_parallel_execution_leaves_no_stamp_after_a_failure(tmp_path):
    """A page that failed is not cached, so the next run must look again (no "no page changed")."""
    book = make_tiny_book(tmp_path, FAULTS["failing cell"])
    assert "failed" in run_parallel(book).stdout
    again = run_parallel(book).stdout
    assert "no page changed" not in again and "executing 1 page(s)" in again, again


def test_a_clean_build_runs_the_longest_pages_first_by_the_bench_hints(tmp_path):
    """With no cache record, the hints from make bench decide; a recorded time beats a hint."""
    pages = {name: tmp_path / f"{name}.md" for name in ("short", "long", "middle", "unknown")}
    for name, path in pages.items():
        path.write_text("x" * (10 if name != "unknown" else 1000))  # size breaks ties only
    todo = [(path, None) for path in pages.values()]
    hints = {pages["short"]: 2.0, pages["long"]: 50.0, pages["middle"]: 20.0}
    order = [p.stem for p, _ in ep.longest_first(todo, {}, hints)]
    assert order == ["long", "middle", "short", "unknown"], order
    order = [p.stem for p, _ in ep.longest_first(todo, {pages["short"]: 99.0}, hints)]
    assert order[0] == "short", order


def test_the_hints_file_beside_execute_parallel_is_read_and_bad_ones_are_named(tmp_path, monkeypatch):
    monkeypatch.setattr(ep, "HERE", tmp_path)
    assert ep.load_hints(tmp_path) == {}  # no file: no hints
    (tmp_path / ep.HINTS).write_text('{"book/a.md": 3.5}')
    assert ep.load_hints(tmp_path) == {(tmp_path / "book/a.md").resolve(): 3.5}
    for bad in ("not json", '["book/a.md"]', '{"book/a.md": "slow"}'):
        (tmp_path / ep.HINTS).write_text(bad)
        with pytest.raises(SystemExit, match="execution_seconds.json is not a JSON object"):
            ep.load_hints(tmp_path)


def test_the_committed_hints_name_every_executed_page():
    """A hint for a page that no longer exists, or a page without one, means the file is stale."""
    hints = json.loads((ROOT / "_ext" / ep.HINTS).read_text())
    executed = {str(p.relative_to(ROOT)) for p in ep.toc_pages(ROOT) if ep.read_notebook(p) is not None}
    assert set(hints) == executed, "run make bench (it rewrites _ext/execution_seconds.json)"


@pytest.mark.parametrize("preset, expected", [(None, 1), ("2", 2)])
def test_build_kernels_compile_at_numba_level_1_unless_told(tmp_path, preset, expected):
    """The build's IPython profile sets NUMBA_OPT before Numba is imported; a value already set wins."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_OPT"}
    env["IPYTHONDIR"] = str(strict_warnings.ipython_dir(tmp_path))
    if preset:
        env["NUMBA_OPT"] = preset
    out = subprocess.run([sys.executable, "-m", "IPython", "--no-banner", "-c",
                          "import numba; print('OPT', int(numba.config.OPT))"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert f"OPT {expected}" in out.stdout, out.stdout + out.stderr


def run_in_build_kernel(tmp_path, code, timeout, **env):
    """Run ``code`` as a script in IPython with the build's kernel profile, ``env`` added to the
    environment; return the finished process (its stdout and stderr as text)."""
    script = tmp_path / "probe.py"
    script.write_text(code)
    return subprocess.run([sys.executable, "-m", "IPython", "--no-banner", str(script)],
                          env={**os.environ, "IPYTHONDIR": str(strict_warnings.ipython_dir(tmp_path)),
                               **env},
                          capture_output=True, text=True, timeout=timeout)


def test_build_kernels_compile_numbas_short_slice_assignment_error(tmp_path):
    """The build's profile swaps Numba's shape-formatting slice-assignment error (seconds to compile in
    every kernel) for Numba's own short one, and does not import Numba in kernels that never do. If
    this fails after a Numba upgrade, numba.np.arrayobj.raise_with_shape_context has moved: find its new
    name, or drop that patch from PATCH_STARTUP in _ext/strict_warnings.py."""
    stale = tmp_path / "ipython" / "profile_default" / "startup" / "03-gone.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("raise SystemExit('a startup file the build no longer writes ran')")
    strict_warnings.ipython_dir(tmp_path)
    assert not stale.exists()
    code = ("import sys; print('imported at start:', 'numba' in sys.modules)\n"
            "import numba, numpy as np\n"
            "@numba.njit\ndef f(out, src):\n    out[...] = src\n"
            "try:\n    f(np.zeros(5), np.ones(4))\nexcept ValueError as error:\n    print('error:', error)\n")
    out = run_in_build_kernel(tmp_path, code, 120, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    assert "imported at start: False" in out.stdout, out.stdout + out.stderr
    assert "error: cannot assign slice from input of different size" in out.stdout, out.stdout + out.stderr


def test_build_kernels_link_a_scan_in_a_python_only_function_without_gxx(tmp_path):
    """PyMC compiles a model's initial point in FAST_COMPILE mode (Python only), and PyTensor would
    still compile a Scan's inner graph there with g++ (LKJCholeskyCov's initial point has one). The
    build's profile links it in Python; the values are the same. If this fails after a PyTensor
    upgrade, pytensor.compile.inner_function.HasInnerFunction.link_mode has moved or changed: check
    whether the upgrade fixed the C thunks itself, else find the new name."""
    code = ("import sys; print('imported at start:', 'pytensor' in sys.modules)\n"
            "import numpy as np, pytensor, pytensor.tensor as pt\n"
            "x = pt.vector('x')\n"
            "ys = pytensor.scan(lambda v, acc: pt.sqrt(acc + v), sequences=[x],\n"
            "                   outputs_info=[pt.zeros(())], return_updates=False)\n"
            "f = pytensor.function([x], ys, mode='FAST_COMPILE')\n"
            "print('values:', f(np.array([4.0, 5.0, 6.0])).tolist())\n"
            "from pathlib import Path\n"
            "ops = [p for p in Path(pytensor.config.compiledir).glob('*/mod.cpp')\n"
            "       if p.parent.name != 'lazylinker_ext']  # PyTensor's own VM helper, compiled once\n"
            "print('C modules:', len(ops))\n")
    out = run_in_build_kernel(tmp_path, code, 300, PYTENSOR_FLAGS=f"base_compiledir={tmp_path / 'pytensor'}")
    assert "imported at start: False" in out.stdout, out.stdout + out.stderr
    assert "values: [2.0, 2.6457513110645907, 2.9403658464661486]" in out.stdout, out.stdout + out.stderr
    assert "C modules: 0" in out.stdout, out.stdout + out.stderr


def test_the_build_kernels_shortcuts_apply_once_when_their_startup_file_runs_twice(tmp_path):
    """The fork server (_ext/kernel_forkserver.py) runs the profile's startup files before it imports
    the libraries, and each kernel forked from it runs them again: the second run must leave the
    patched functions as they are, not wrap them a second time."""
    code = ("import os\nfrom pathlib import Path\n"
            "import numba.np.arrayobj as a, pytensor.compile.inner_function as i\n"
            "import arviz_stats.base.diagnostics as d\n"
            "def patched():\n"
            "    return (a.raise_with_shape_context, i.HasInnerFunction.link_mode, d.logsumexp)\n"
            "before = patched()\n"
            "startup = Path(os.environ['IPYTHONDIR']) / 'profile_default' / 'startup'\n"
            "for path in sorted(startup.glob('*.py')):\n"
            "    exec(path.read_text(), {'__name__': '__main__'})\n"
            "print('patched:', [getattr(before[0], 'short', False), getattr(before[1], 'python_inner', False),\n"
            "                   hasattr(before[2], 'scipy_logsumexp')])\n"
            "print('unchanged:', [b is c for b, c in zip(before, patched())])\n")
    out = run_in_build_kernel(tmp_path, code, 120)
    assert "patched: [True, True, True]" in out.stdout, out.stdout + out.stderr
    assert "unchanged: [True, True, True]" in out.stdout, out.stdout + out.stderr


def exact_logsumexp():
    """The build kernels' logsumexp for arviz-stats (EXACT_LOGSUMEXP), built around SciPy's."""
    from scipy.special import logsumexp

    namespace = {}
    exec(strict_warnings.EXACT_LOGSUMEXP, namespace)  # noqa: S102 - the project's own source text
    return namespace["_logsumexp_like_scipy"](logsumexp), logsumexp


def test_the_build_kernels_logsumexp_gives_scipys_results_to_the_last_bit():
    """EXACT_LOGSUMEXP repeats SciPy's algorithm in plain NumPy for the calls arviz-stats' PSIS makes,
    and hands every other call to SciPy. If this fails after a SciPy upgrade, SciPy changed its
    algorithm: port the change, or drop the patch from PATCH_STARTUP in _ext/strict_warnings.py."""
    import warnings

    import numpy as np

    fast, scipy_logsumexp = exact_logsumexp()
    rng = np.random.default_rng(20261202)
    checked = 0
    for trial in range(1500):
        # sizes up to PSIS's 4,000 draws, where NumPy's pairwise summation works in blocks
        size = int(rng.integers(1, 60)) if trial % 3 else int(rng.integers(60, 5000))
        shape = (size,) if trial % 2 else (int(rng.integers(1, 5)), max(1, size // 4))
        a = rng.normal(0, 10 ** rng.uniform(-3, 3), size=shape)
        edit = trial % 7  # the edge cases: -inf, all -inf, ties at the maximum, +inf, nan, huge values
        if edit == 1:
            a.flat[rng.integers(a.size)] = -np.inf
        elif edit == 2:
            a[...] = -np.inf
        elif edit == 3:
            a.flat[:2] = a.max() + 1
        elif edit == 4:
            a.flat[rng.integers(a.size)] = np.inf
        elif edit == 5:
            a.flat[rng.integers(a.size)] = np.nan
        elif edit == 6:
            a *= 1e3
        for b in (None, 1 / a.size, 0.5, float(rng.uniform(1e-300, 1e300)), np.float64(3.0)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # inf - inf and the like, in both
                expected, got = scipy_logsumexp(a, b=b), fast(a, b=b)
            assert type(got) is type(expected), (a, b)
            assert np.array_equal(got, expected, equal_nan=True), (a, b, got, expected)
            checked += 1
    assert checked == 7500
    # Every other kind of call goes to SciPy itself.
    a = rng.normal(size=(3, 4))
    others = [dict(axis=1), dict(axis=0, keepdims=True), dict(return_sign=True), dict(b=np.full((3, 4), 0.5)),
              dict(b=0.0), dict(keepdims=True)]
    for kwargs in others:
        assert np.array_equal(fast(a, **kwargs), scipy_logsumexp(a, **kwargs))
    assert fast(a.astype(np.float32)).dtype == np.float32
    assert fast([1.0, 2.0]) == scipy_logsumexp([1.0, 2.0])
    assert fast(np.array([])) == -np.inf


def test_build_kernels_compute_psis_loo_with_it_and_get_the_same_answer(tmp_path):
    """In a build kernel, arviz-stats' diagnostics module uses EXACT_LOGSUMEXP (imported only when a
    page imports ArviZ), and az.loo comes out the same as with SciPy's logsumexp, bit for bit."""
    code = ("import sys; print('imported at start:', 'arviz_stats' in sys.modules)\n"
            "import numpy as np, arviz as az, arviz_stats.base.diagnostics as diagnostics\n"
            "from scipy.special import logsumexp\n"
            "print('patched:', getattr(diagnostics.logsumexp, 'scipy_logsumexp', None) is logsumexp)\n"
            "rng = np.random.default_rng(3)\n"
            "idata = az.from_dict({'posterior': {'a': rng.normal(size=(4, 250))},\n"
            "                      'log_likelihood': {'y': rng.normal(-1, 0.5, size=(4, 250, 300))}})\n"
            "fast = az.loo(idata, pointwise=True)\n"
            "diagnostics.logsumexp = logsumexp\n"
            "scipy = az.loo(idata, pointwise=True)\n"
            "same = [fast.elpd == scipy.elpd, fast.se == scipy.se, fast.p == scipy.p,\n"
            "        np.array_equal(fast.elpd_i, scipy.elpd_i), np.array_equal(fast.pareto_k, scipy.pareto_k)]\n"
            "print('same:', [bool(x) for x in same])\n")
    out = run_in_build_kernel(tmp_path, code, 120)
    assert "imported at start: False" in out.stdout, out.stdout + out.stderr
    assert "patched: True" in out.stdout, out.stdout + out.stderr
    assert "same: [True, True, True, True, True]" in out.stdout, out.stdout + out.stderr
