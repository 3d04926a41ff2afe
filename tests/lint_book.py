"""The chapter lint: checks that keep prose, code and the table of contents from drifting apart.

Each check takes a chapter (path) and returns a list of problems, each naming the file and, where
there is one, the cell. ``tests/test_lint.py`` runs them on every chapter and on deliberately bad
examples, so each check is seen to fail.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import jupytext
import yaml

ROOT = Path(__file__).resolve().parent.parent
ALLOWED_TAGS = {"hide-input", "hide-output", "remove-cell", "raises-exception"}

# Calls that draw a figure; a cell making one must carry a caption and alt text.
DRAWING = re.compile(r"\bplt\.(subplots|figure|subplot_mosaic)\(|\baz\.plot_\w+\(|\bhbm\.plot_\w+\(")
GLUE_ROLE = re.compile(r"\{glue(?::(?:text|md|any|figure|math))?\}`([^`:]+)(?::[^`]*)?`")
GLUE_DIRECTIVE = re.compile(r"^[`:]{3,}\{glue(?::(?:figure|math|md|any))?\}\s+(\S+)", re.M)


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every file named in a ``_toc.yml`` (root, parts and chapters), in order, as written there
    (paths relative to the book's root, usually without extension)."""
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


def book_pages(book_dir: Path = ROOT / "book") -> list[Path]:
    return sorted(p for p in book_dir.glob("*.md"))


def check_toc(book_dir: Path = ROOT / "book", toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    problems = []
    listed = toc_files(toc_path)
    root = book_dir.parent
    for entry in listed:
        if not (root / f"{entry}.md").exists():
            problems.append(f"_toc.yml: entry {entry!r} has no file {entry}.md")
    if len(set(listed)) != len(listed):
        problems.append("_toc.yml: a file is listed twice")
    for page in book_pages(book_dir):
        rel = page.relative_to(root).with_suffix("").as_posix()
        if rel not in listed:
            problems.append(f"{rel}.md is not in _toc.yml")
    return problems


def _cells(path: Path):
    nb = jupytext.read(path, fmt="md:myst")
    return nb


def check_front_matter(path: Path) -> list[str]:
    text = path.read_text()
    if "{code-cell}" not in text:
        return []
    if not text.startswith("---\n"):
        return [f"{path.name}: has code cells but no front matter (jupytext + kernelspec)"]
    meta = yaml.safe_load(text.split("---\n", 2)[1]) or {}
    problems = []
    if meta.get("kernelspec", {}).get("name") != "python3":
        problems.append(f"{path.name}: front matter lacks kernelspec name python3")
    if "jupytext" not in meta:
        problems.append(f"{path.name}: front matter lacks the jupytext block")
    return problems


def check_tags(path: Path) -> list[str]:
    problems = []
    for i, cell in enumerate(_cells(path).cells):
        for tag in cell.metadata.get("tags", []):
            if tag not in ALLOWED_TAGS:
                problems.append(f"{path.name}: cell {i}: tag {tag!r} is not one of {sorted(ALLOWED_TAGS)}")
    return problems


def _calls(source: str):
    """Yield (owner, name, keywords) for every `owner.name(...)` call in a code cell, where owner is a
    plain name (`pm`, `nutpie`, ...) or, for method calls on other expressions, None."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value.id if isinstance(node.func.value, ast.Name) else None
            yield owner, node.func.attr, {k.arg for k in node.keywords}


def _is_sampling(owner: str | None, name: str) -> bool:
    return (owner == "pm" and name.startswith("sample")) or (owner == "nutpie" and name == "sample")


def _sampling_calls(source: str):
    """Yield (name, keywords) for every pm.sample*/nutpie.sample call in a code cell."""
    for owner, name, keywords in _calls(source):
        if _is_sampling(owner, name):
            yield f"{owner}.{name}", keywords


#: Calls that compile a model without sampling it.
COMPILING_CALLS = {("pm", "draw"), ("pm", "compute_log_likelihood"), ("nutpie", "compile_pymc_model")}


def _compiles(source: str) -> bool:
    """Whether a code cell compiles a model: it samples, draws, computes a log-likelihood, compiles
    with nutpie, or fits a Bambi model with an inference method."""
    return any(
        _is_sampling(owner, name) or (owner, name) in COMPILING_CALLS
        or (name == "fit" and "inference_method" in keywords)
        for owner, name, keywords in _calls(source)
    )


def check_seeded_sampling(path: Path) -> list[str]:
    problems = []
    for i, cell in enumerate(_cells(path).cells):
        if cell.cell_type != "code":
            continue
        for name, keywords in _sampling_calls(cell.source):
            needed = "seed" if name == "nutpie.sample" else "random_seed"
            if needed not in keywords and None not in keywords:  # None: **kwargs passed through
                problems.append(f"{path.name}: cell {i}: {name}(...) without {needed}=")
        if re.search(r"np\.random\.seed\(|\ball\(az\.rhat\(", cell.source):
            problems.append(f"{path.name}: cell {i}: global seed or always-true all(az.rhat(...))")
    return problems


#: The setting that makes a second run of a chapter draw what the first drew (book/running.md).
FASTMATH_OFF = "pytensor.config.numba__fastmath = False"


def check_fastmath_off_before_compiling(path: Path) -> list[str]:
    """A chapter that compiles or samples a model turns PyTensor's fast-math off first: with it on, a
    model loaded from the compile cache rounds differently from one compiled afresh, and a second run
    of the chapter would draw other numbers from the same seed."""
    for i, cell in enumerate(_cells(path).cells):
        if cell.cell_type != "code":
            continue
        if FASTMATH_OFF in cell.source:
            return []
        if _compiles(cell.source):
            return [f"{path.name}: cell {i}: compiles or samples before `{FASTMATH_OFF}` (see book/running.md)"]
    return []


def check_figures(path: Path) -> list[str]:
    problems = []
    for i, cell in enumerate(_cells(path).cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("mystnb", {})
        draws = DRAWING.search(cell.source) and "remove-cell" not in cell.metadata.get("tags", [])
        if not (draws or "figure" in meta):
            continue
        figure, image = meta.get("figure", {}), meta.get("image", {})
        if not str(figure.get("caption", "")).strip():
            problems.append(f"{path.name}: cell {i}: a figure without mystnb.figure.caption")
        if not str(figure.get("name", "")).strip():
            problems.append(f"{path.name}: cell {i}: a figure without mystnb.figure.name (for {{numref}})")
        alt = str(image.get("alt", "")).strip()
        if len(alt) < 20:
            problems.append(f"{path.name}: cell {i}: a figure without alt text that says what it shows")
    return problems


def check_glue_keys(path: Path) -> list[str]:
    nb = _cells(path)
    glued, used = set(), set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            glued.update(re.findall(r"\bglue\(\s*[\"']([^\"']+)[\"']", cell.source))
        else:
            used.update(GLUE_ROLE.findall(cell.source))
            used.update(GLUE_DIRECTIVE.findall(cell.source))
    return [f"{path.name}: glue key {key!r} is used but never glued in this chapter" for key in sorted(used - glued)]


# A number a reader reads that looks computed: a decimal or a percentage (integers are mostly counts
# of inputs, "8 schools", "4 chains", and stay allowed).
TYPED_NUMBER = re.compile(r"(?<![\w.$\\-])-?(\d+\.\d+|\d+(?:\.\d+)?\s?%)(?![\w.]*\w)")
# Section numbers of a cited book ("Section 5.5", "§5.4") are references, not results.
SECTION_NUMBER = re.compile(r"(?:\b[Ss]ections?|§)\s*\d+(?:\.\d+)+")


def _code_literals(nb) -> set[str]:
    """Numeric literals in the chapter's code, as text: the inputs a reader may see typed."""
    found = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = [ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                found.add(repr(float(node.value)))
    return found


def _reader_text(nb) -> list[tuple[str, str]]:
    """(where, text) for everything a reader reads that is not code: Markdown cells (prose, exercises,
    solutions) and each figure's caption and alt text; without math, inline code and roles."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            found.append((f"cell {i}", cell.source))
        elif cell.cell_type == "code":
            meta = cell.metadata.get("mystnb", {})
            caption = str(meta.get("figure", {}).get("caption", ""))
            alt = str(meta.get("image", {}).get("alt", ""))
            found += [(f"cell {i} caption", caption), (f"cell {i} alt text", alt)]
    cleaned = []
    for where, text in found:
        text = re.sub(r"^```\{math\}.*?^```", "", text, flags=re.M | re.S)
        text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", "", text, flags=re.S)
        text = re.sub(r"\{[\w:.-]+\}`[^`]*`|`[^`]*`", "", text)
        text = re.sub(r"^:[\w-]+:.*$", "", text, flags=re.M)  # directive options
        cleaned.append((where, text))
    return cleaned


def check_typed_numbers(path: Path) -> list[str]:
    """No computed number typed where a reader reads it: prose, exercises, solutions, captions and alt
    text. A decimal or percentage is allowed only when the same value is a literal in the chapter's code
    (an input such as target_accept 0.9, or a 94% interval from ci_prob=0.94); anything else must be
    glued (or, in captions and alt text, worded without the number)."""
    if "{chapter-header}" not in path.read_text():
        return []  # reference pages (versions, licenses) carry no results
    nb = _cells(path)
    inputs = _code_literals(nb)
    problems = []
    for where, text in _reader_text(nb):
        for match in TYPED_NUMBER.finditer(SECTION_NUMBER.sub("", text)):
            token = match.group(1).replace(" ", "")
            value = float(token.rstrip("%")) / (100 if token.endswith("%") else 1)
            if repr(float(value)) in inputs or (not token.endswith("%") and repr(float(token)) in inputs):
                continue
            problems.append(f"{path.name}: {where}: typed number {match.group(0).strip()!r} "
                            "(glue it, or make it an input the code names)")
    return problems


# Spellings of PyMC 5 / ArviZ 0.x that PyMC 6 and ArviZ 1 replaced (what replaced them, for the message).
OLD_API = {
    r"\.to_array\(\)": "DataTree/ArviZ 1 results have no .to_array(); reduce each variable to a float",
    r"\bInferenceData\b": "pm.sample returns an xarray.DataTree",
    r"\bhdi_prob\s*=": "ArviZ 1 names intervals with ci_kind= and ci_prob=",
    r"\bdivergences\s*=\s*True": "ArviZ 1 shows divergences through visuals={...}",
    r"\bnuts_sampler_kwargs\b": "sampler settings go in nuts={...}",
    r"\baz\.(plot_posterior|plot_ppc|plot_hdi|waic|autocorr)\(": "not in ArviZ 1",
    r"\bsd\s*=": "sigma= (sd= was removed)",
    r"\bpm\.traceplot\b": "az.plot_trace_dist",
}


def check_current_api(path: Path) -> list[str]:
    """No PyMC 5 / ArviZ 0.x spellings in code, and sampler settings in pm.sample(nuts={...})."""
    problems = []
    for i, cell in enumerate(_cells(path).cells):
        if cell.cell_type != "code":
            continue
        for pattern, why in OLD_API.items():
            if re.search(pattern, cell.source):
                problems.append(f"{path.name}: cell {i}: {re.search(pattern, cell.source).group(0)!r}: {why}")
        for name, keywords in _sampling_calls(cell.source):
            if name == "pm.sample" and "target_accept" in keywords:
                problems.append(f"{path.name}: cell {i}: pm.sample(target_accept=...): use nuts={{'target_accept': ...}}")
    return problems



# ---- one code path: the page's visible code runs alone ---------------------------------------------


class _Names(ast.NodeVisitor):
    """The module-level names a statement binds, the names it changes through ``name[...] = ``,
    ``name.attr = `` or ``del name[...]``, and the names it reads from the module (free names inside
    functions, lambdas and comprehensions count; their own parameters and locals do not)."""

    def __init__(self):
        self.binds, self.changes, self.reads = set(), set(), set()
        self._local: list[set[str]] = []

    @staticmethod
    def _root(node):
        while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    def _is_local(self, name):
        return any(name in scope for scope in self._local)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            # a name the statement bound before reading it (a loop variable) is the statement's own
            if not self._is_local(node.id) and node.id not in self.binds:
                self.reads.add(node.id)
        elif not self._local:
            self.binds.add(node.id)

    def _store_through(self, target):
        if isinstance(target, (ast.Attribute, ast.Subscript)) and not self._local:
            root = self._root(target)
            if root:
                self.changes.add(root)

    def visit_Assign(self, node):  # the value is read before the targets are bound
        self.visit(node.value)
        for target in node.targets:
            self._store_through(target)
            self.visit(target)

    def visit_For(self, node):  # the iterable, then the loop variable, then the body
        self.visit(node.iter)
        self.visit(node.target)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_With(self, node):
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.visit(item.optional_vars)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def visit_AugAssign(self, node):
        self._store_through(node.target)
        if isinstance(node.target, ast.Name) and not self._is_local(node.target.id):
            self.reads.add(node.target.id)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
        self._store_through(node.target)
        self.visit(node.target)

    def visit_Delete(self, node):
        for target in node.targets:
            self._store_through(target)
        self.generic_visit(node)

    def visit_Import(self, node):
        if not self._local:
            self.binds.update((a.asname or a.name).split(".")[0] for a in node.names)

    def visit_ImportFrom(self, node):
        if not self._local:
            self.binds.update(a.asname or a.name for a in node.names if a.name != "*")

    def _scope(self, node, params, body):
        if not self._local and hasattr(node, "name"):
            self.binds.add(node.name)
        for default in getattr(node.args, "defaults", []) + [d for d in getattr(node.args, "kw_defaults", []) if d]:
            self.visit(default)
        for decorator in getattr(node, "decorator_list", []):
            self.visit(decorator)
        local = set(params)
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                local.add(child.id)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
                local.add(child.name)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                local.update((a.asname or a.name).split(".")[0] for a in child.names)
        self._local.append(local)
        for stmt in body:
            self.visit(stmt)
        self._local.pop()

    def visit_FunctionDef(self, node):
        a = node.args
        params = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs] + \
            [x.arg for x in (a.vararg, a.kwarg) if x]
        self._scope(node, params, node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        a = node.args
        params = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs] + \
            [x.arg for x in (a.vararg, a.kwarg) if x]
        self._scope(node, params, [node.body])

    def visit_ClassDef(self, node):
        if not self._local:
            self.binds.add(node.name)
        for base in node.bases:
            self.visit(base)
        self._local.append(set())
        for stmt in node.body:
            self.visit(stmt)
        self._local.pop()

    def _comprehension(self, node, parts):
        self.visit(node.generators[0].iter)  # evaluated in the enclosing scope
        local = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        self._local.append(local)
        for g in node.generators:
            if g is not node.generators[0]:
                self.visit(g.iter)
            for cond in g.ifs:
                self.visit(cond)
        for part in parts:
            self.visit(part)
        self._local.pop()

    def visit_ListComp(self, node):
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])


def _statements(source: str) -> list:
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines)).body


#: A hidden cell that so much as reads a random generator changes it (drawing from it moves its state),
#: and the reader's run of the page would then draw other numbers than the page shows.
GENERATOR_NAME = re.compile(r"(^|_)rng(_|$)")


def _solution_flags(cells) -> list[bool]:
    """For each cell, whether it lies inside a solution (between ``{solution-start}`` and
    ``{solution-end}``, which may sit in different Markdown cells)."""
    flags, inside = [], False
    for cell in cells:
        if cell.cell_type == "markdown":
            for match in re.finditer(r"\{solution-(start|end)\}", cell.source):
                inside = match.group(1) == "start"
            flags.append(False)
        else:
            flags.append(inside)
    return flags


def _reads_of_hidden_names(path: Path, cells, hidden: list[bool], checked: list[bool], what: str,
                            report=lambda cell_index: True) -> list[str]:
    last_by_hidden: dict[str, int] = {}  # name -> the hidden cell that bound or changed it last
    problems = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        try:
            statements = _statements(cell.source)
        except SyntaxError as err:
            problems.append(f"{path.name}: cell {i}: does not parse ({err.msg})")
            continue
        found = {}
        for stmt in statements:
            names = _Names()
            names.visit(stmt)
            if checked[i]:
                for name in names.reads & last_by_hidden.keys():
                    if report(last_by_hidden[name]):
                        found.setdefault(name, last_by_hidden[name])
            changed = names.binds | names.changes
            if hidden[i]:
                changed |= {n for n in names.reads if GENERATOR_NAME.search(n)}
                last_by_hidden.update(dict.fromkeys(changed, i))
            else:
                for name in changed:
                    last_by_hidden.pop(name, None)
        problems += [f"{path.name}: cell {i}: {what} reads {name!r}, which cell {cell_index} bound or "
                     "changed last: a reader's run fails or differs there; compute it in the code the "
                     "reader has" for name, cell_index in sorted(found.items())]
    return problems


def check_visible_code_runs_alone(path: Path) -> list[str]:
    """The page's code runs on its own: no visible cell reads a name that a hidden (``remove-cell``)
    cell bound or changed last (hidden cells may read what visible ones made, to check and glue it,
    but not a random generator, which reading changes). The same for the student notebook: no cell
    outside the solutions reads what a solution's code made. Statements are followed in order, so a
    cell that binds a name again before reading it is fine. Teaching chapters only (the pages with a
    chapter header, which readers download as notebooks)."""
    if "{chapter-header}" not in path.read_text():
        return []
    cells = _cells(path).cells
    removed = ["remove-cell" in c.metadata.get("tags", []) for c in cells]
    solution = _solution_flags(cells)
    page = _reads_of_hidden_names(path, cells, removed, [not r for r in removed],
                                  "visible code", report=lambda j: True)
    student_hidden = [r or s for r, s in zip(removed, solution)]
    student = _reads_of_hidden_names(path, cells, student_hidden, [not h for h in student_hidden],
                                     "the student notebook's code (without solutions)",
                                     report=lambda j: solution[j])  # hidden cells: reported above
    return page + student


#: What the page shows of a code line without scrolling (about 80 characters at 1366 px and on a phone
#: held sideways; issue 29): longer lines are cut off until the reader scrolls the code box.
CODE_LINE_LIMIT = 80


def check_code_line_length(path: Path) -> list[str]:
    """Every line of code a reader sees (code cells not tagged ``remove-cell``) fits in
    :data:`CODE_LINE_LIMIT` characters, so the page shows it whole."""
    problems = []
    for i, cell in enumerate(_cells(path).cells):
        if cell.cell_type != "code" or "remove-cell" in cell.metadata.get("tags", []):
            continue
        for number, line in enumerate(cell.source.splitlines(), start=1):
            if len(line) > CODE_LINE_LIMIT:
                problems.append(f"{path.name}: cell {i}, line {number}: {len(line)} characters (at most "
                                f"{CODE_LINE_LIMIT} show on the page): {line.strip()[:50]}...")
    return problems


CHECKS = [check_front_matter, check_tags, check_seeded_sampling, check_fastmath_off_before_compiling,
          check_figures, check_glue_keys, check_typed_numbers, check_current_api,
          check_visible_code_runs_alone, check_code_line_length]


def lint(path: Path) -> list[str]:
    return [problem for check in CHECKS for problem in check(path)]


def part_chapters(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """The teaching chapters: the files of the parts whose caption starts with 'Part'."""
    toc = yaml.safe_load(toc_path.read_text())
    return [c["file"] for part in toc.get("parts", []) if str(part.get("caption", "")).startswith("Part")
            for c in part.get("chapters", [])]


def check_chapter_shape(path: Path) -> list[str]:
    """A teaching chapter: the shared header, key takeaways, at least three exercises with solutions."""
    text = path.read_text()
    problems = []
    if "{chapter-header}" not in text:
        problems.append(f"{path.name}: no chapter-header (objectives, prerequisites, time)")
    if not re.search(r"^## Key takeaways", text, re.M):
        problems.append(f"{path.name}: no '## Key takeaways' section")
    exercises = re.findall(r"^[`:]{3,}\{exercise(?:-start)?\}", text, re.M)
    solutions = re.findall(r"^[`:]{3,}\{solution(?:-start)?\}", text, re.M)
    if len(exercises) < 3:
        problems.append(f"{path.name}: {len(exercises)} exercises; a chapter needs at least three")
    if len(solutions) < len(exercises):
        problems.append(f"{path.name}: {len(exercises)} exercises but {len(solutions)} solutions")
    return problems


def glossary_terms(glossary: Path = ROOT / "book" / "glossary.md") -> list[str]:
    text = glossary.read_text()
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S).group(1)
    return [ln.strip() for ln in block.splitlines() if ln.strip() and not ln.startswith((" ", "\t"))]


def _prose(path: Path) -> str:
    """The chapter's Markdown prose, without code cells, math, inline code and directive options."""
    text = path.read_text()
    text = re.sub(r"^```\{code-cell\}.*?^```", "", text, flags=re.M | re.S)
    text = re.sub(r"^```\{math\}.*?^```", "", text, flags=re.M | re.S)
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", "", text, flags=re.S)
    # directive options, targets and headings (a title is no place for a glossary link)
    text = re.sub(r"^:[\w-]+:.*$|^\(.*\)=$|^#+ .*$", "", text, flags=re.M)
    # inline code goes; roles stay whole (scanning left to right, a role is matched before its body)
    text = re.sub(r"\{[\w:.-]+\}`[^`]*`|`[^`]*`", lambda m: m.group(0) if m.group(0)[0] == "{" else "", text)
    return re.sub(r"\{(?:glue|doc|ref|numref|eq|cite)[\w:]*\}`[^`]*`", "", text)


def check_glossary_links(path: Path, terms: list[str] | None = None) -> list[str]:
    """Each glossary term the chapter uses is linked with {term} at its first use."""
    terms = glossary_terms() if terms is None else terms
    prose = _prose(path)
    problems = []
    for term in terms:
        plain = re.compile(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", re.I)
        role = re.compile(r"\{term\}`(?:[^`<]*<\s*)?" + re.escape(term) + r"\s*>?`", re.I)
        first_plain, first_role = plain.search(prose), role.search(prose)
        if first_plain is None and first_role is None:
            continue
        if first_role is None:
            problems.append(f"{path.name}: glossary term {term!r} is used but never linked with {{term}}")
        elif first_plain is not None and first_plain.start() < first_role.start():
            # a plain occurrence inside the role's own text doesn't count
            if not (first_role.start() <= first_plain.start() <= first_role.end()):
                line = prose[: first_plain.start()].count("\n") + 1
                problems.append(f"{path.name}: first use of {term!r} (prose line {line}) is not the {{term}} link")
    return problems


NON_SYMBOLS = {
    "mathrm", "mathbf", "mathcal", "operatorname", "text", "textrm", "sim", "mid", "frac", "left", "right",
    "sum", "prod", "int", "log", "exp", "sqrt", "cdot", "times", "quad", "qquad", "approx", "propto", "le",
    "ge", "leq", "geq", "in", "infty", "hat", "bar", "tilde", "begin", "end", "label", "nonumber", "big",
    "Big", "bigg", "Bigg", "ldots", "dots", "cdots", "to", "overset", "underset", "mathbb", "boldsymbol",
    "partial", "mathrm", "displaystyle", "notag", "tag", "max", "min", "lvert", "rvert", "vert", "neq",
    "ne", "pm", "prime", "top", "underbrace", "overbrace", "lim", "ln", "det", "Pr", "text", "sup", "inf",
    "color", "rm", "it", "bf", "mathit", "iid", "stackrel", "equiv", "forall", "dagger", "circ", "star",
}


def check_notation(path: Path, notation: Path = ROOT / "book" / "notation.md") -> list[str]:
    """Every Greek-letter symbol used in the chapter's math is listed on the notation page."""
    listed = set(re.findall(r"\\([A-Za-z]+)", notation.read_text()))
    text = path.read_text()
    text = re.sub(r"^```\{code-cell\}.*?^```", "", text, flags=re.M | re.S)
    math = re.findall(r"\$\$.*?\$\$|\$[^$\n]+\$", text, re.S)
    math += re.findall(r"^```\{math\}.*?^```", text, re.M | re.S)
    used = {cmd for m in math for cmd in re.findall(r"\\([A-Za-z]+)", m)} - NON_SYMBOLS
    return [f"{path.name}: symbol \\{cmd} is not on the notation page" for cmd in sorted(used - listed)]
