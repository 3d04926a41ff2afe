"""Downloadable notebooks: the MyST lowering (unit tests) and the notebooks the build wrote."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT, find_python

sys.path.insert(0, str(ROOT / "_ext"))
import notebooks as N  # noqa: E402

import lint_book  # noqa: E402

CHAPTERS = [Path(c).name for c in lint_book.part_chapters()]
# A role ({name}`...`, the name starting with a letter: `nuts={...}` in inline code is no role), a
# directive fence or a target.
MYST_LEFTOVERS = re.compile(r"\{[A-Za-z][\w:.-]*\}`|^\s*[`:]{3,}\{|^\s*\([\w:.-]+\)=\s*$", re.M)


# ---- the lowering, on small inputs ---------------------------------------------------------------


def ctx(**kw):
    base = dict(
        docname="book/demo",
        glue={"demo_mean": "8.75", "demo_n": "8", "demo_name": "'school A'"},
        doc_titles={"book/funnel": "Neal's funnel", "book/glossary": "Glossary"},
        labels={"fig-x": ("book/demo", "fig-x", "caption"), "funnel": ("book/funnel", "funnel", "Neal's funnel")},
        figures={"fig-x": "Figure 2"},
        equations={"eq-model": 3},
        citations={"rubin1981": ("Rubin", "1981"), "gelman2013bda": ("Gelman et al.", "2013")},
        base_url="https://book.example/",
    )
    base.update(kw)
    return N.Context(**base)


@pytest.mark.parametrize(
    "myst, plain",
    [
        ("Mean {glue:text}`demo_mean:.1f`.", "Mean 8.8."),
        ("n = {glue:text}`demo_n`, {glue:text}`demo_name`", "n = 8, school A"),
        ("See {doc}`funnel`.", "See [Neal's funnel](https://book.example/book/funnel.html)."),
        ("See {doc}`the funnel <funnel>`.", "See [the funnel](https://book.example/book/funnel.html)."),
        # in the same notebook: the page's number, no link (a notebook has no anchor for it)
        ("In {numref}`fig-x`.", "In Figure 2."),
        ("By {eq}`eq-model`.", "By (3)."),
        ("{ref}`funnel`", "[Neal's funnel](https://book.example/book/funnel.html#funnel)"),
        ("{cite:t}`rubin1981`", "Rubin (1981)"),
        ("{cite:p}`rubin1981,gelman2013bda`", "(Rubin, 1981; Gelman et al., 2013)"),
        ("a {term}`partial pooling` model", "a [partial pooling](https://book.example/book/glossary.html#term-partial-pooling) model"),
        ("math $\\theta_j$ stays", "math $\\theta_j$ stays"),
    ],
)
def test_roles_are_lowered(myst, plain):
    assert N.lower_markdown(myst, ctx(), N.State()) == plain


def test_without_the_sites_address_other_chapters_are_named_not_linked():
    """A notebook in a zip has no site beside it: no relative link that would be dead."""
    plain = ctx(base_url="")
    assert N.lower_markdown("See {doc}`funnel`.", plain, N.State()) == "See *Neal's funnel*."
    assert N.lower_markdown("{ref}`funnel`", plain, N.State()) == "Neal's funnel"
    assert N.lower_markdown("a {term}`partial pooling` model", plain, N.State()) == "a partial pooling model"
    assert "](" not in N.lower_markdown("{numref}`fig-x` and {eq}`eq-model`", plain, N.State())


def test_exercises_and_references_carry_the_pages_numbers():
    """Sphinx numbers exercises, figures and equations through the book; the notebook says the same."""
    numbered = ctx(labels={"ex-a": ("book/demo", "ex-a", ""), "ex-b": ("book/other", "ex-b", "")},
                   figures={"ex-a": "Exercise 14", "ex-b": "Exercise 2"}, equations={"eq-model": "31"})
    text = ":::{exercise}\n:label: ex-a\nDo it.\n:::\n\nTry {ref}`ex-a`, see {eq}`eq-model`."
    out = N.lower_markdown(text, numbered, N.State())
    assert "**Exercise 14**" in out and "Try Exercise 14, see (31)." in out, out
    assert N.lower_markdown("{ref}`ex-b`", numbered, N.State()) == "[Exercise 2](https://book.example/book/other.html#ex-b)"


@pytest.mark.parametrize(
    "myst, problem",
    [
        ("{glue:text}`nope:.2f`", "glue key 'nope'"),
        ("{cite:t}`nobody2000`", "unknown citation key 'nobody2000'"),
        ("{ref}`no-label`", "unknown reference 'no-label'"),
        ("{weird}`x`", "role {weird}"),
        (":::{mystery}\nx\n:::", "directive {mystery}"),
        (":::{note}\nnever closed", "unclosed directive"),
    ],
)
def test_unknown_syntax_is_an_error_not_raw_text(myst, problem):
    with pytest.raises(N.LoweringError, match=re.escape(problem)):
        N.lower_markdown(myst, ctx(), N.State())


def test_header_exercise_and_admonition_become_markdown():
    text = "\n".join(
        [
            "(demo)=",
            "# Demo",
            ":::{chapter-header}",
            ":reading: 10",
            ":exercises: 20",
            ":prerequisites: {doc}`funnel`",
            "- Fit a model.",
            ":::",
            "::::{exercise}",
            ":label: demo-ex",
            "Compute {glue:text}`demo_n`.",
            ":::{hint}",
            "Count.",
            ":::",
            "::::",
            "```{math}",
            ":label: eq-model",
            "y = x",
            "```",
        ]
    )
    out = N.lower_markdown(text, ctx(), N.State())
    assert not MYST_LEFTOVERS.search(out), out
    assert "**Prerequisites:** [Neal's funnel](https://book.example/book/funnel.html)" in out
    assert "10 min reading" in out and "- Fit a model." in out
    assert "**Exercise 1**" in out and "Compute 8." in out and "> **Hint**" in out  # no page number known
    assert "$$\ny = x\n$$" in out


def _notebook(cells):
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_student_version_drops_solutions_across_cells():
    executed = _notebook(
        [
            {"cell_type": "markdown", "metadata": {}, "source": ":::{exercise}\n:label: e1\nDo it.\n:::\n\n:::{solution-start} e1\n:class: dropdown\n:::\nSecret words."},
            {"cell_type": "code", "metadata": {}, "source": "secret = 1", "outputs": [], "execution_count": 1},
            {"cell_type": "markdown", "metadata": {}, "source": ":::{solution-end}\n:::\nAfter the solution.\n\n:::{exercise}\n:label: e2\nSecond task.\n:::\n\n:::{solution-start} e2\n:::\nMore secrets."},
            {"cell_type": "code", "metadata": {}, "source": "secret = 2", "outputs": [], "execution_count": 1},
            {"cell_type": "markdown", "metadata": {}, "source": ":::{solution-end}\n:::"},
        ]
    )
    complete, student = N.make_notebooks(executed, ctx())
    text = json.dumps(student)
    assert "Do it." in text and "After the solution." in text and "Second task." in text
    assert "ecret" not in text and "More secrets" not in text  # neither prose nor code of a solution
    assert "Secret words." in json.dumps(complete) and "secret = 1" in json.dumps(complete)
    assert "**Solution to Exercise 1**" in json.dumps(complete)
    # the student writes under each exercise, in a code cell of its own
    kinds = [(c["cell_type"], c["source"]) for c in student["cells"]]
    answers = [i for i, (kind, source) in enumerate(kinds) if kind == "code"]
    assert len(answers) == 2 and all(kinds[i][1] == "# Your answer here" for i in answers), kinds
    assert "Do it." in kinds[answers[0] - 1][1] and "Second task." in kinds[answers[1] - 1][1], kinds
    assert not any(c["source"] == "# Your answer here" for c in complete["cells"])


def test_notebooks_hold_the_pages_cells_and_nothing_else():
    """No remove-cell cell (checks and glue), a figure's caption under its cell, numbered as on the page."""
    executed = _notebook([
        {"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [], "execution_count": 1},
        {"cell_type": "code", "metadata": {"tags": ["remove-cell"]}, "source": "assert x == 1",
         "outputs": [], "execution_count": 2},
        {"cell_type": "code", "metadata": {"mystnb": {"figure": {"caption": "Draws of {glue:text}`demo_n`\n  schools.",
                                                                 "name": "fig-x"}}},
         "source": "plot(x)", "outputs": [], "execution_count": 3},
    ])
    for nb in N.make_notebooks(executed, ctx()):
        sources = [c["source"] for c in nb["cells"]]
        assert sources == ["x = 1", "plot(x)", "**Figure 2** Draws of 8 schools."], sources


def test_code_for_readers_drops_glue_and_its_import():
    source = "import numpy as np\nfrom myst_nb import glue\n\nx = np.ones(2)\nglue(\"k\", float(x.sum()),\n     display=False)\nassert x.size == 2"
    assert N.reader_code(source) == "import numpy as np\n\nx = np.ones(2)\nassert x.size == 2"


def test_a_cell_of_only_glue_disappears_and_a_shown_glue_is_displayed():
    assert N.reader_code('glue("a", 1, display=False)\n# the value for the text') == ""
    assert N.reader_code('for i in range(2):\n    glue(f"a{i}", i)') == "for i in range(2):\n    display(i)"
    assert N.reader_code("%matplotlib inline") == "%matplotlib inline"  # IPython syntax: left alone
    # at any depth, not only in bodies: an else branch too
    assert N.reader_code('if x:\n    pass\nelse:\n    glue("a", 1, display=False)\n    y = 2') == (
        "if x:\n    pass\nelse:\n    y = 2")


@pytest.mark.parametrize(
    "source, problem",
    [
        ("from myst_nb import glue, render", "imports render from myst_nb"),
        ('glue("only-a-name")', "without a name and a value"),
    ],
)
def test_code_for_readers_rejects_what_it_cannot_lower(source, problem):
    with pytest.raises(N.LoweringError, match=re.escape(problem)):
        N.reader_code(source)


def test_inputs_fingerprint_changes_with_any_input(tmp_path):
    """A no-change rebuild skips writing the notebooks only while the fingerprint of its inputs holds."""
    a, b = tmp_path / "a.ipynb", tmp_path / "b.md"
    a.write_text("one")
    b.write_text("two")
    first = N.inputs_fingerprint([a, b])
    assert N.inputs_fingerprint([b, a]) == first  # order does not matter
    b.write_text("two!")  # a new size
    second = N.inputs_fingerprint([a, b])
    assert second != first
    os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 10**9))  # same size, newer
    assert N.inputs_fingerprint([a, b]) != second
    b.unlink()  # a missing input counts too
    assert N.inputs_fingerprint([a, b]) != N.inputs_fingerprint([a])


def _pins(text: str) -> dict[str, str]:
    return {N._canonical(name): version for name, version in
            (line.split("==") for line in text.splitlines() if line and not line.startswith("#"))}


def test_reader_requirements_pin_what_the_code_imports_and_all_it_pulls_in():
    from importlib.metadata import distribution, version

    from packaging.requirements import Requirement

    pins = _pins(N.reader_requirements(["import os\nimport numpy as np\nfrom scipy import stats\nimport hbm"]))
    assert {"numpy", "scipy", "ipykernel", "jupyterlab", "nutpie", "jinja2"} <= set(pins)
    assert "hbm" not in pins and "os" not in pins
    for name, pinned in pins.items():
        assert version(name) == pinned, name
        for line in distribution(name).requires or []:  # closed: whatever a pin needs is pinned
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                assert N._canonical(requirement.name) in pins, f"{name} needs {requirement.name}"
    assert "pyarrow" in pins or "pandas" not in pins  # (a dependency, not only the imports)
    assert "traitlets" in pins  # ipykernel's dependency


@pytest.mark.parametrize(
    "source, problem",
    [("import myst_nb", "build-only package"), ("import no_such_module_here", "'no_such_module_here'")],
)
def test_reader_requirements_reject_build_only_or_unknown_imports(source, problem):
    with pytest.raises(N.LoweringError, match=re.escape(problem)):
        N.reader_requirements([source])


# ---- the notebooks the build wrote ----------------------------------------------------------------


@pytest.fixture(scope="module")
def notebook_dir(built_site):
    return built_site / N.NOTEBOOK_DIR


@pytest.fixture(scope="module")
def reader_kernel(notebook_dir, tmp_path_factory):
    """A reader's environment: a fresh venv with only the zip's requirements.txt installed (no
    jupyter-book, no myst-nb), registered as a Jupyter kernel; yields (its python, kernel name). It
    uses a Python 3.12 where the machine has one (the oldest the book supports), else the Python
    that runs the tests, in a separate environment all the same; it says which."""
    python312 = find_python([(3, 12)])
    base = python312 or sys.executable
    print(f"reader environment: {'Python 3.12 at ' + python312 if python312 else 'no Python 3.12 here; ' + base}")
    root = tmp_path_factory.mktemp("reader")
    with zipfile.ZipFile(notebook_dir / "complete-notebooks.zip") as zf:
        requirements = zf.read("hierarchical-models-complete/requirements.txt").decode()
    (root / "requirements.txt").write_text(requirements)
    # a venv made from the base interpreter (sys.executable is the project's venv: use its base)
    real = subprocess.run([base, "-c", "import sys; print(sys._base_executable)"], capture_output=True,
                          text=True, check=True).stdout.strip()
    subprocess.run([real, "-m", "venv", str(root / "venv")], check=True)
    python = str(root / "venv" / "bin" / "python")
    install = subprocess.run([python, "-m", "pip", "install", "--quiet", "-r", str(root / "requirements.txt")],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-3000:]
    spec = root / "jupyter" / "kernels" / "reader"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Reader", "language": "python"}))
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(root / "jupyter"), old]))
    yield python, "reader"
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


def _lines_outside_yaml(block: str) -> list[str]:
    """The lines of a chunk of MyST, without code cells' YAML headers (they become cell metadata)."""
    kept, in_header, after_fence = [], False, False
    for line in block.splitlines():
        stripped = line.strip()
        if after_fence and stripped == "---":
            in_header, after_fence = True, False
            continue
        after_fence = stripped.startswith("```{code-cell}")
        if in_header:
            in_header = stripped != "---"
            continue
        kept.append(stripped)
    return kept


def _solution_snippets(chapter: str) -> list[str]:
    """Distinctive lines found only inside the chapter's solutions, to look for in student files."""
    text = (ROOT / "book" / f"{chapter}.md").read_text()
    # hidden cells are in neither notebook
    text = re.sub(r"```\{code-cell\}[^\n]*\n:tags: \[remove-cell\]\n.*?\n```\n", "", text, flags=re.S)
    pattern = re.compile(r"\{solution-start\}.*?\n(.*?)[`:]{3,}\{solution-end\}", re.S)
    outside = "\n".join(_lines_outside_yaml(pattern.sub("", text)))
    snippets = []
    for block in pattern.findall(text):
        for line in _lines_outside_yaml(block):
            if (len(line) > 25 and line not in outside and "{" not in line  # (substring test)
                    and not line.startswith((":", "```", "#", "-", "import ", "from ", "glue("))):  # glue: build only
                snippets.append(line)
    return snippets


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_both_notebooks_exist_and_are_plain(notebook_dir, chapter):
    for name in (f"{chapter}.ipynb", f"{chapter}-student.ipynb"):
        nb = nbformat.read(notebook_dir / name, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                assert not MYST_LEFTOVERS.search(cell.source), f"{name}: MyST left in:\n{cell.source}"


def _page_numbers(html: str, word: str) -> list[str]:
    return re.findall(rf'caption-number">{re.escape(word)} (\d+)', html)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebooks_are_the_pages_cells_numbered_as_the_page(notebook_dir, built_site, chapter):
    """No hidden cell; exercises, figures and equations carry the page's numbers (Sphinx numbers them
    through the book); the student notebook has an answer cell under each exercise."""
    html = (built_site / "book" / f"{chapter}.html").read_text()
    page_code = [c for c in lint_book._cells(ROOT / "book" / f"{chapter}.md").cells if c.cell_type == "code"]
    visible = [c for c in page_code if "remove-cell" not in c.metadata.get("tags", [])]
    complete = nbformat.read(notebook_dir / f"{chapter}.ipynb", as_version=4)
    student = nbformat.read(notebook_dir / f"{chapter}-student.ipynb", as_version=4)
    code = [c for c in complete.cells if c.cell_type == "code"]
    assert not any("remove-cell" in c.metadata.get("tags", []) for c in code)
    assert len(code) <= len(visible) < len(page_code) + 1  # glue-only visible cells may go
    text = "\n".join(c.source for c in complete.cells if c.cell_type == "markdown")
    exercises = _page_numbers(html, "Exercise")
    assert exercises and re.findall(r"\*\*Exercise (\d+)\*\*", text) == exercises
    assert re.findall(r"^\*\*Fig\. (\d+)\*\* ", text, re.M) == _page_numbers(html, "Fig.")
    # the equations the page cites, by the page's numbers, in the same order (a subsequence: the
    # notebook's text has other numbers in parentheses too)
    cited = iter(re.findall(r"\((\d+)\)", text))
    for number in re.findall(r'href="[^"]*#equation-[^"]*">\((\d+)\)</a>', html):
        assert number in cited, f"{chapter}: equation ({number}) is not cited as on the page"
    answers = [i for i, c in enumerate(student.cells) if c.cell_type == "code" and c.source == "# Your answer here"]
    assert len(answers) == len(exercises)
    assert all("**Exercise " in student.cells[i - 1].source for i in answers)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_notebook_has_no_solutions(notebook_dir, chapter):
    student = (notebook_dir / f"{chapter}-student.ipynb").read_text()
    complete = (notebook_dir / f"{chapter}.ipynb").read_text()
    snippets = _solution_snippets(chapter)
    assert snippets, f"{chapter}: found no solution text to look for"
    assert "**Solution" not in student
    for snippet in snippets:
        assert json.dumps(snippet)[1:-1] in complete or snippet in complete, snippet
        assert json.dumps(snippet)[1:-1] not in student, f"{chapter}: solution text in the student notebook: {snippet}"
    assert student.count("**Exercise ") == complete.count("**Exercise ") >= 3


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_links_both_notebooks(built_site, chapter):
    html = (built_site / "book" / f"{chapter}.html").read_text()
    box = re.search(r'<div class="notebook-downloads.*?</div>', html, re.S)
    assert box, f"{chapter}.html has no notebook download box"
    links = re.findall(r'href="([^"]+)"', box.group(0))
    assert f"../_notebooks/{chapter}.ipynb" in links and f"../_notebooks/{chapter}-student.ipynb" in links
    for link in links:
        assert (built_site / "book" / link).resolve().is_file(), link


def test_student_zip_has_everything_to_run(notebook_dir):
    with zipfile.ZipFile(notebook_dir / "student-notebooks.zip") as zf:
        names = set(zf.namelist())
    top = "hierarchical-models-student/"
    assert {f"{top}book/{c}-student.ipynb" for c in CHAPTERS} <= names
    assert {f"{top}book/hbm.py", f"{top}requirements.txt", f"{top}README.txt"} <= names
    data = {p.name for p in (ROOT / "data").iterdir() if p.suffix == ".csv"}
    assert {f"{top}data/{d}" for d in data} <= names
    assert not any(n.endswith(tuple(f"/{c}.ipynb" for c in CHAPTERS)) for n in names), "complete notebooks in the student zip"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebooks_import_nothing_build_only(notebook_dir, chapter):
    for name in (f"{chapter}.ipynb", f"{chapter}-student.ipynb"):
        nb = nbformat.read(notebook_dir / name, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "myst_nb" not in code and not re.search(r"^\s*glue\(", code, re.M), name


def test_chapter_zip_has_everything_to_run(notebook_dir):
    for chapter in CHAPTERS:
        with zipfile.ZipFile(notebook_dir / f"{chapter}.zip") as zf:
            names = set(zf.namelist())
            readme = zf.read(f"{chapter}/README.txt").decode()
        assert {f"{chapter}/book/{chapter}.ipynb", f"{chapter}/book/{chapter}-student.ipynb",
                f"{chapter}/book/hbm.py", f"{chapter}/requirements.txt"} <= names, chapter
        data = {p.name for p in (ROOT / "data").iterdir() if p.suffix in (".csv", ".json")}
        assert {f"{chapter}/data/{d}" for d in data} <= names, chapter
        assert "Python 3.12" in readme and "pip install -r requirements.txt" in readme
        assert "One environment serves every chapter" in readme


def test_reader_requirements_are_the_builds_versions(notebook_dir):
    """Pinned to what the build ran with, and nothing that only the build needs."""
    from importlib.metadata import version

    text = (notebook_dir / "requirements.txt").read_text()
    pins = _pins(text)
    assert {"pymc", "arviz", "arviz-base", "arviz-stats", "arviz-plots", "nutpie", "numba", "llvmlite",
            "numpy", "ipykernel", "jupyterlab"} <= set(pins)
    assert not {"jupyter-book", "myst-nb", "sphinx", "jupyter-cache"} & set(pins)
    for name, pinned in pins.items():
        assert version(name) == pinned, name


def _execute(path: Path, kernel: str) -> str | None:
    nb = nbformat.read(path, as_version=4)
    try:
        NotebookClient(nb, timeout=300, kernel_name=kernel, shutdown_kernel="immediate",  # as the build
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    except Exception as err:  # noqa: BLE001 - report every failure, not only the first
        return f"{path.name}: {type(err).__name__}: {str(err)[-1500:]}"
    return None


def test_reader_environment_is_the_pinned_closure_and_nothing_of_the_build(reader_kernel, notebook_dir):
    """Installed from the zip's requirements alone: every distribution in it is pinned there, at that
    version (the pins are the whole environment), and nothing that only the build needs is in it."""
    python, _kernel = reader_kernel
    out = subprocess.run([python, "-m", "pip", "list", "--format=freeze", "--exclude", "pip"],
                         capture_output=True, text=True, check=True).stdout
    installed = _pins(out)
    pins = _pins((notebook_dir / "requirements.txt").read_text())
    assert "pymc" in installed and not {"myst-nb", "jupyter-book", "sphinx"} & set(installed)
    unpinned = {name: v for name, v in installed.items() if pins.get(name) != v}
    assert not unpinned, f"installed but not pinned (or at another version): {unpinned}"
    version = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                             text=True, check=True).stdout.strip()
    assert version in ("(3, 12)", "(3, 13)", "(3, 14)")


def test_one_chapter_download_runs_alone(notebook_dir, reader_kernel, tmp_path):
    """A reader takes one chapter's zip, unzips it into an empty folder and runs the notebook there."""
    chapter = "eight_schools"
    with zipfile.ZipFile(notebook_dir / f"{chapter}.zip") as zf:
        zf.extractall(tmp_path)
    failure = _execute(tmp_path / chapter / "book" / f"{chapter}.ipynb", reader_kernel[1])
    assert failure is None, failure


def _code(notebook: Path) -> list[str]:
    return [c["source"] for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]


def test_every_notebook_runs_top_to_bottom_from_the_zips(notebook_dir, reader_kernel, tmp_path):
    """Unzip both zips as a reader would and run the complete notebooks in a fresh kernel of the
    reader's environment (Python 3.12, made from the zip's requirements.txt alone), two at a time,
    the longest first.

    A student notebook's code is its complete notebook's code in the same order, without the
    solutions' cells and with empty answer cells (checked here), and no code outside a solution reads
    what a solution made (the lint's student pass): so running the complete notebooks runs every line
    of the student ones, in the same order, and the main code is not run twice (it would cost a third
    of ``make test``)."""
    paths = {}
    for kind in ("student", "complete"):
        with zipfile.ZipFile(notebook_dir / f"{kind}-notebooks.zip") as zf:
            zf.extractall(tmp_path)
        paths[kind] = sorted((tmp_path / f"hierarchical-models-{kind}" / "book").glob("*.ipynb"))
    assert len(paths["student"]) == len(paths["complete"]) == len(CHAPTERS)
    for student, complete in zip(paths["student"], paths["complete"]):
        answers = [c for c in _code(student) if c.strip() == N.ANSWER_PROMPT]
        remaining = iter(_code(complete))
        lost = [c for c in _code(student) if c.strip() != N.ANSWER_PROMPT and c not in remaining]
        assert answers and not lost, f"{student.name}: code not in {complete.name} in the same order: {lost[:1]}"
    longest_first = sorted(paths["complete"], key=lambda p: -p.stat().st_size)
    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [f for f in pool.map(lambda p: _execute(p, reader_kernel[1]), longest_first) if f]
    assert not failures, "\n\n".join(failures)


def test_reader_notebooks_have_the_same_cell_ids_in_every_build():
    """Cell ids come from the cells, not from the random ones of the executed notebook, and stay
    unique when two cells are the same."""
    def executed(ids):
        return _notebook([{"cell_type": "markdown", "metadata": {}, "source": "Same.", "id": ids[0]},
                          {"cell_type": "markdown", "metadata": {}, "source": "Same.", "id": ids[1]},
                          {"cell_type": "code", "metadata": {}, "source": "x = 1", "id": ids[2],
                           "outputs": [], "execution_count": 1}])
    first, _ = N.make_notebooks(executed(["a1", "b2", "c3"]), ctx())
    second, _ = N.make_notebooks(executed(["x9", "y8", "z7"]), ctx())
    ids = [c["id"] for c in first["cells"]]
    assert ids == [c["id"] for c in second["cells"]]
    assert len(set(ids)) == 3 and all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", i) for i in ids)
