"""A Sphinx extension for the book's chapter header, so every chapter shows it the same way.

Usage in a chapter (MyST)::

    :::{chapter-header}
    :reading: 20
    :exercises: 30
    :prerequisites: {doc}`scores_frequentist`; basic probability
    - First learning objective.
    - Second learning objective.
    :::

``reading`` and ``exercises`` are minutes (whole numbers); the content is the list of objectives.
The directive also records the header in the build environment, and ``{chapter-objectives}`` renders
every chapter's header, in table-of-contents order, for the instructor guide.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective


def _minutes(text: str) -> int:
    value = directives.nonnegative_int(text)
    if value == 0:
        raise ValueError("minutes must be a positive whole number")
    return value


class ChapterHeader(SphinxDirective):
    has_content = True
    required_arguments = 0
    option_spec = {
        "reading": _minutes,
        "exercises": _minutes,
        "prerequisites": directives.unchanged_required,
    }

    def run(self):
        for key in ("reading", "exercises", "prerequisites"):
            if key not in self.options:
                raise self.error(f"chapter-header needs the :{key}: option")
        if not self.content:
            raise self.error("chapter-header needs a list of learning objectives as its content")

        box = nodes.container(classes=["chapter-header"])
        box += nodes.rubric(text="In this chapter")
        objectives = nodes.container(classes=["chapter-objectives"])
        objectives += nodes.paragraph(text="You will learn to:")
        self.state.nested_parse(self.content, self.content_offset, objectives)
        box += objectives

        prereq_nodes, messages = self.state.inline_text(self.options["prerequisites"], self.lineno)
        prereq = nodes.paragraph(classes=["chapter-prerequisites"])
        prereq += nodes.strong(text="Prerequisites: ")
        prereq += prereq_nodes
        box += prereq

        reading, exercises = self.options["reading"], self.options["exercises"]
        time = nodes.paragraph(classes=["chapter-time"])
        time += nodes.strong(text="Estimated time: ")
        time += nodes.Text(
            f"{reading} min reading and running the code, {exercises} min for the exercises."
        )
        box += time

        env = self.env
        store = env.domaindata.setdefault("chapter_header", {})
        store[env.docname] = {
            "reading": reading,
            "exercises": exercises,
            "objectives": "\n".join(self.content),
            "prerequisites": self.options["prerequisites"],
        }
        return [box, *messages]


def _purge(app, env, docname):
    env.domaindata.get("chapter_header", {}).pop(docname, None)


def _merge(app, env, docnames, other):
    env.domaindata.setdefault("chapter_header", {}).update(
        {d: v for d, v in other.domaindata.get("chapter_header", {}).items() if d in docnames}
    )


def setup(app):
    app.add_directive("chapter-header", ChapterHeader)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.add_css_file("chapter_header.css")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
