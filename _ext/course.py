"""The course edition (``make course``): the same book without its solutions, for graded homework.

What it does for an instructor: a second site, built into ``_build/course/_build/html`` from the same
sources and the same execution cache, with every solution left out, the same numbers for exercises,
figures and equations (Sphinx numbers them before the solutions are removed), a note on the landing
page and under each chapter's header that this is the course edition, and student notebooks only in
its downloads (``_ext/notebooks.py`` reads ``book_edition``). The answer key is printed separately
(``_ext/pdf.py --answer-key``), outside both sites.

Why not sphinx-exercise's own ``hide_solutions``: with gated solutions (``solution-start`` /
``solution-end``, which every solution here is, to hold code cells) it crashes the build
("departing unknown node type: solution_end_node"; sphinx-exercise issue #89, open on its main branch
at 1.2.1). So this extension removes sphinx-exercise's merged ``solution_node``s from each page when it
is written (``doctree-resolved``), after numbering and cross-references are settled.

Run as ``python _ext/course.py OUT/_config.yml`` to write the course build's configuration: the book's
``_config.yml`` with ``book_edition: course``, the main build's execution cache, and the extension
paths made absolute (Jupyter Book resolves them against the config file's folder).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docutils import nodes

ROOT = Path(__file__).resolve().parent.parent
EDITION_NOTE = ("This is the course edition of the book: the exercises are here, their solutions are "
                "not. Your instructor has the answer key.")


def is_course(app) -> bool:
    return app.config.book_edition == "course"


def drop_solutions(app, doctree, docname):
    """Remove every solution (sphinx-exercise's merged ``solution_node``) and add the edition's note."""
    if not is_course(app):
        return
    from sphinx_exercise.nodes import solution_node

    for solution in list(doctree.findall(solution_node)):
        solution.parent.remove(solution)
    note = nodes.note("", nodes.paragraph("", EDITION_NOTE), classes=["course-edition"])
    header = next((n for n in doctree.findall(nodes.container) if "chapter-header" in n["classes"]), None)
    if header is not None:
        header.parent.insert(header.parent.index(header) + 1, note)
    elif docname == app.config.root_doc:
        section = next(iter(doctree.findall(nodes.section)), None)
        if section is not None:
            section.insert(1, note)


def write_config(target: Path, root: Path = ROOT) -> Path:
    """The course build's ``_config.yml`` (see the module's docstring)."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    sphinx.setdefault("config", {})["book_edition"] = "course"
    sphinx["local_extensions"] = {name: str((root / path).resolve())
                                  for name, path in sphinx.get("local_extensions", {}).items()}
    config.setdefault("execute", {})["cache"] = str((root / "_build" / ".jupyter_cache").resolve())
    config["title"] = f"{config.get('title', '')} (course edition)".strip()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("# Written by _ext/course.py for make course: do not edit.\n"
                      + yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def setup(app):
    app.add_config_value("book_edition", "", "env", [str])
    app.connect("doctree-resolved", drop_solutions)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python _ext/course.py OUT/_config.yml")
    print(write_config(Path(sys.argv[1])))
