"""Shared fixtures. The strict build of the real book runs once per test session (``make book``, the
same command a reader uses); tests that need the built site depend on ``built_site``."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
SITE = ROOT / "_build" / "html"
VENV_BIN = Path(sys.executable).parent
JUPYTER_BOOK = VENV_BIN / "jupyter-book"
# The strict flags; the Makefile's STRICT must match (tests/test_build.py checks).
STRICT_FLAGS = ["-W", "-n", "--keep-going"]

sys.path.insert(0, str(BOOK))  # so tests can `import hbm`


def find_python(versions) -> str | None:
    """The first interpreter that runs as one of ``versions`` (e.g. ``[(3, 12)]``): ``python3.X`` on the
    PATH, else pyenv's. Probed by running each, as the Makefile does (pyenv's shims exist but fail)."""
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip() if \
        shutil.which("pyenv") else ""
    for major, minor in versions:
        candidates = [f"python{major}.{minor}"]
        if root:
            candidates += sorted(glob.glob(f"{root}/versions/{major}.{minor}*/bin/python{major}.{minor}"))
        for candidate in candidates:
            try:
                out = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                                     capture_output=True, text=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if out.returncode == 0 and out.stdout.strip() == str((major, minor)):
                return candidate
    return None


def make_ok(target: str) -> None:
    """Run ``make <target>`` in the repository; fail with the end of its output if it fails."""
    proc = subprocess.run(["make", "--no-print-directory", target], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.fixture(scope="session")
def book_build():
    """Run ``make book`` once; return the completed process (stdout+stderr in ``.stdout``)."""
    env = dict(os.environ)
    proc = subprocess.run(
        ["make", "--no-print-directory", "book"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "build.log").write_text(proc.stdout)
    return proc


@pytest.fixture(scope="session")
def built_site(book_build):
    """The built HTML site; fails (not skips) if the strict build failed."""
    if book_build.returncode != 0:
        pytest.fail("the strict build failed; see _build/build.log or test_build.py's output")
    return SITE


@pytest.fixture(scope="session")
def site_dir(request) -> Path:
    """The site the site tests check: the strict build's, or SITE_TESTS_HTML while developing."""
    override = os.environ.get("SITE_TESTS_HTML")  # for development: test an already built site
    if override:
        return Path(override)
    return request.getfixturevalue("built_site")
