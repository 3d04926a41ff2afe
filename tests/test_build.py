"""The strict, executed build of the real book: `make book`, exactly as a reader runs it."""

from __future__ import annotations

import re

from conftest import ROOT, SITE, STRICT_FLAGS


def test_makefile_build_is_strict():
    makefile = (ROOT / "Makefile").read_text()
    strict = re.search(r"^STRICT\s*:?=\s*(.+)$", makefile, re.M)
    assert strict and strict.group(1).split() == STRICT_FLAGS
    assert re.search(r"^book:.*\n\t\$\(JB\) build \. \$\(STRICT\)", makefile, re.M)
    assert re.search(r"^\.PHONY:.*\bbook\b.*\btest\b", makefile, re.M)


def test_strict_build_of_the_book_succeeds(book_build):
    tail = book_build.stdout[-6000:]
    assert book_build.returncode == 0, f"the strict build failed:\n{tail}"
    assert "build succeeded" in book_build.stdout
    assert (SITE / "index.html").exists()


def test_every_chapter_executed_without_error(book_build):
    assert "Executing notebook failed" not in book_build.stdout
    # Sphinx's own warnings look like "path:line: WARNING: ..."; -W turns them into failures, and this
    # names them if one ever slips through (the kernel's "[IPKernelApp] WARNING |" lines are not).
    plain = re.sub(r"\x1b\[[0-9;]*m", "", book_build.stdout)
    assert not re.findall(r"^.*: (?:WARNING|ERROR|CRITICAL): .*$", plain, re.M)
