"""The strict, executed build of the real book: `make book`, exactly as a reader runs it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap

from conftest import ROOT, SITE, STRICT_FLAGS, find_python


def test_makefile_build_is_strict():
    makefile = (ROOT / "Makefile").read_text()
    strict = re.search(r"^STRICT\s*:?=\s*(.+)$", makefile, re.M)
    assert strict and strict.group(1).split() == STRICT_FLAGS
    assert re.search(r"^book: \$\(EXECUTED\)\n\t\$\(JB\) build \. \$\(STRICT\)$", makefile, re.M)
    # the pages are executed by jupyter-cache's own parallel executor, with myst-nb's reader
    assert "--reader myst_nb_md" in makefile and "execute --executor local-parallel" in makefile
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


def _make_env(tmp_path, **env):
    """`make env` into a throwaway venv folder, with the given environment changes."""
    return subprocess.run(["make", "--no-print-directory", "env", f"VENV={tmp_path / 'venv'}"],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def _stub_python(tmp_path, version: str, has_venv: bool = True):
    """A program that answers like a Python of ``version`` (the Makefile's probes), with or without the
    venv module: enough to test what make says, without that Python on the machine."""
    stub = tmp_path / f"python{version}"
    major, minor = version.split(".")
    stub.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        # A stand-in for Python {version}: runs the probe make sends with a real Python, faking the version.
        code="$2"
        case "$code" in
          *"import venv"*) {"exit 0" if has_venv else "echo 'No module named venv' >&2; exit 1"} ;;
          *"sys.version.split"*) echo "{version}.0" ;;
          *'"%d.%d"'*) echo "{version}" ;;
          *sys.exit*) {"exit 0" if (int(major), int(minor)) >= (3, 12) else "exit 1"} ;;
          *) echo "stub: unexpected call: $*" >&2; exit 2 ;;
        esac
        """))
    stub.chmod(0o755)
    return stub


def test_make_rejects_a_python_outside_3_12_to_3_14(tmp_path):
    old = _stub_python(tmp_path, "3.11")
    proc = _make_env(tmp_path, PYTHON=str(old))
    assert proc.returncode != 0 and f"PYTHON={old} does not run as Python 3.12-3.14" in proc.stdout + proc.stderr
    assert not (tmp_path / "venv").exists()


def test_make_says_which_package_to_install_when_python_cannot_make_a_venv(tmp_path):
    """Debian and Ubuntu ship the venv module as its own package (python3.13-venv)."""
    stub = _stub_python(tmp_path, "3.13", has_venv=False)
    proc = _make_env(tmp_path, PYTHON=str(stub))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "cannot make a virtual environment" in out and "python3.13-venv" in out, out
    assert not (tmp_path / "venv").exists()


def test_make_says_what_it_tried_when_no_python_fits(tmp_path):
    # A PATH with make's own tools but no Python and no pyenv.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("sh", "make", "echo", "env", "cat", "test", "touch"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    proc = _make_env(tmp_path, PATH=str(bin_dir))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "tried python3.13, python3.12, python3, and pyenv's 3.13 and 3.12" in out
    assert "uv python install 3.13" in out


def test_make_finds_a_python_that_runs(tmp_path):
    """The probe keeps the first candidate that runs as 3.12-3.14 (here pyenv's shims fail to run)."""
    proc = subprocess.run(["make", "--no-print-directory", "-n", "env", f"VENV={tmp_path / 'venv'}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    script = proc.stdout  # the recipe as the shell would run it
    probe = subprocess.run(["sh", "-c", script.split('"$py" -m venv')[0] + 'echo "FOUND $py"'],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    found = re.search(r"^FOUND (.+)$", probe.stdout, re.M)
    assert found, probe.stdout + probe.stderr
    version = subprocess.run([found.group(1), "-c", "import sys; print(sys.version_info[:2] >= (3, 12))"],
                             capture_output=True, text=True).stdout.strip()
    assert version == "True"


def test_make_will_not_empty_an_environment_it_reaches_through_a_link(tmp_path):
    """A checkout whose .venv links to another's must not `venv --clear` it (it emptied a shared
    environment once, mid-session): make stops and says where to set it up."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "keep").write_text("another checkout's environment")
    link = tmp_path / "venv"
    link.symlink_to(shared)
    proc = _make_env(tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "is a link to" in out and "run make env where it lives" in out, out
    assert (shared / "keep").is_file()
