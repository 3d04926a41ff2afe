"""The build's strictness, shown on a tiny throwaway book that uses the project's configuration.

Each fault below must make the build command fail, and the output must name the chapter at fault.
A clean control book must succeed, so a failure can't come from the harness itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import ROOT, VENV_BIN

sys.path.insert(0, str(ROOT / "_ext"))
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
    """A book with the project's Makefile, _config.yml, extensions and static files, and one chapter."""
    book = tmp_path / "tinybook"
    (book / "book").mkdir(parents=True)
    for name in ("_config.yml", "Makefile", "requirements.txt"):  # with their times: no reinstall
        shutil.copy2(ROOT / name, book / name)
    shutil.copytree(ROOT / "_ext", book / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "book" / "_static", book / "book" / "_static")
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/index\nchapters:\n  - file: book/tiny\n")
    (book / "book" / "index.md").write_text("(tiny-home)=\n# Tiny book\n\nA test book.\n")
    (book / "book" / "tiny.md").write_text(HEADER + body)
    return book


def build(book, *make_args):
    """``make book`` in the tiny book, with the project's environment (.venv) and Makefile; the
    finished process, its stdout and stderr together."""
    return subprocess.run(["make", "--no-print-directory", "book", f"VENV={VENV_BIN.parent}", *make_args],
                          cwd=book, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)


def test_clean_tiny_book_builds(tmp_path):
    proc = build(make_tiny_book(tmp_path, GOOD))
    assert proc.returncode == 0, proc.stdout[-4000:]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_fails_build_and_names_chapter(tmp_path, fault):
    proc = build(make_tiny_book(tmp_path, FAULTS[fault]))
    assert proc.returncode != 0, f"the build passed despite a {fault}:\n{proc.stdout[-4000:]}"
    assert "tiny" in proc.stdout and ("warning" in proc.stdout.lower() or "error" in proc.stdout.lower())
    assert "book/tiny" in proc.stdout, f"the output does not name the chapter:\n{proc.stdout[-4000:]}"


def _second_page(book, code="print(2)"):
    second = HEADER.replace("(tiny)=", "(tiny2)=") + f"```{{code-cell}} ipython3\n{code}\n```\n"
    (book / "book" / "tiny2.md").write_text(second)
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/index\nchapters:\n  - file: book/tiny\n"
                                   "  - file: book/tiny2\n")
    return second


def test_jupyter_cache_executes_the_pages_in_parallel_and_the_build_uses_them(tmp_path):
    """make book runs jupyter-cache's local-parallel executor over the pages with code; the strict
    build then finds both cached and executes nothing."""
    book = make_tiny_book(tmp_path, GOOD)
    second = _second_page(book)
    first = build(book)
    assert first.returncode == 0, first.stdout[-3000:]
    assert "--executor local-parallel" in first.stdout
    assert "succeeded:" in first.stdout and first.stdout.count("tinybook/book/tiny") >= 2, first.stdout[-3000:]
    assert "Executing notebook using" not in first.stdout, first.stdout[-3000:]
    # Nothing changed: make does not run jupyter-cache at all.
    again = build(book)
    assert again.returncode == 0 and "jcache" not in again.stdout, again.stdout[-3000:]
    # A page's prose edited: jupyter-cache looks, and finds every page cached.
    time.sleep(1.1)  # newer than the stamp, in whole seconds on some file systems
    (book / "book" / "tiny2.md").write_text(second + "\nMore prose.\n")
    prose = build(book)
    assert "jcache" in prose.stdout and "succeeded: []" in prose.stdout, prose.stdout[-3000:]
    # Its code edited: executed again.
    time.sleep(1.1)
    (book / "book" / "tiny2.md").write_text(second.replace("print(2)", "print(3)"))
    code = build(book)
    assert "succeeded:\n- " in code.stdout and "tiny2.md" in code.stdout.split("succeeded:")[1], code.stdout[-3000:]


def test_a_page_that_reads_other_pages_runs_again_when_they_change(tmp_path):
    """The instructors' guide reads the chapters' headers; its cache record is keyed on its own code, so
    make book runs it again when another page changed (the Makefile's READERS)."""
    book = make_tiny_book(tmp_path, GOOD)
    guide = HEADER.replace("(tiny)=", "(guide)=") + \
        '```{code-cell} ipython3\nprint(open("tiny.md").read().count("prose"))\n```\n'
    (book / "book" / "instructors.md").write_text(guide)
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/index\nchapters:\n  - file: book/tiny\n"
                                   "  - file: book/instructors\n")
    html = book / "_build" / "html" / "book" / "instructors.html"
    assert build(book).returncode == 0 and ">0\n<" in html.read_text()  # "prose" is not in tiny.md yet
    time.sleep(1.1)  # the edit must be newer than the stamp, in whole seconds on some file systems
    (book / "book" / "tiny.md").write_text(HEADER + GOOD + "\nMore prose.\n")  # its code is unchanged
    again = build(book)
    assert again.returncode == 0, again.stdout[-3000:]
    assert "instructors.md" in again.stdout.split("succeeded:")[1].split("excepted:")[0], again.stdout[-3000:]
    # and Sphinx writes the guide again although its own source did not change (chapter_header.py)
    assert ">1\n<" in html.read_text(), html.read_text()[-3000:]


def test_the_makefile_and_chapter_header_name_the_same_reading_pages():
    import re

    import chapter_header

    makefile = (ROOT / "Makefile").read_text()
    readers = re.search(r"^READERS\s*:=\s*(.+)$", makefile, re.M).group(1).split()
    assert tuple(readers) == chapter_header.READS_OTHER_PAGES


def test_the_build_profile_writes_its_files_and_removes_stale_startup_files(tmp_path):
    stale = tmp_path / "ipython" / "profile_default" / "startup" / "03-gone.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("raise SystemExit('a startup file the build no longer writes ran')")
    folder = strict_warnings.ipython_dir(tmp_path)
    assert not stale.exists()
    assert sorted(p.name for p in (folder / "profile_default" / "startup").iterdir()) == ["00-strict-warnings.py"]
    assert (folder / "profile_default" / "ipython_kernel_config.py").is_file()
    out = subprocess.run([sys.executable, str(ROOT / "_ext" / "strict_warnings.py"), str(tmp_path)],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(folder)


def test_build_kernels_run_the_libraries_unpatched(tmp_path):
    """The build's profile only adds warning filters: Numba and arviz-stats keep the functions their
    packages ship, and the import machinery is the same with the profile as without it (no hook)."""
    code = ("import sys\nprint('hooks:', [type(h).__qualname__ for h in sys.meta_path])\n"
            "import numba.np.arrayobj as a, arviz_stats.base.diagnostics as d, scipy.special as s\n"
            "print('shipped:', a.raise_with_shape_context.__module__, d.logsumexp is s.logsumexp)\n")
    script = tmp_path / "probe.py"
    script.write_text(code)

    def run(ipython_dir):
        return subprocess.run([sys.executable, "-m", "IPython", "--no-banner", str(script)],
                              env={**os.environ, "IPYTHONDIR": str(ipython_dir)},
                              capture_output=True, text=True, timeout=300).stdout

    build, plain = run(strict_warnings.ipython_dir(tmp_path / "build")), run(tmp_path / "plain")
    assert "shipped: numba.np.arrayobj True" in build, build
    hooks = [line for line in (build, plain) for line in line.splitlines() if line.startswith("hooks:")]
    assert len(hooks) == 2 and hooks[0] == hooks[1], hooks


def test_a_page_citing_anothers_equation_shows_its_new_number_after_an_incremental_build(tmp_path):
    """An equation added to one page renumbers the equations after it; a page that cites one of them
    (and did not change) must be written again with the new number (chapter_header.py)."""
    book = make_tiny_book(tmp_path, GOOD + "\n```{math}\n:label: eq-one\na = 1\n```\n")
    cites = HEADER.replace("(tiny)=", "(tiny2)=") + "See {eq}`eq-one`.\n"
    (book / "book" / "tiny2.md").write_text(cites)
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/index\nchapters:\n  - file: book/tiny\n"
                                   "  - file: book/tiny2\n")
    assert build(book).returncode == 0
    page = book / "_build" / "html" / "book" / "tiny2.html"
    assert 'equation-eq-one">(1)</a>' in page.read_text()
    time.sleep(1.1)
    (book / "book" / "tiny.md").write_text(HEADER + GOOD + "\n```{math}\n:label: eq-zero\nb = 2\n```\n\n"
                                           "```{math}\n:label: eq-one\na = 1\n```\n")
    again = build(book)
    assert again.returncode == 0, again.stdout[-3000:]
    assert 'equation-eq-one">(2)</a>' in page.read_text(), page.read_text()[-2000:]
