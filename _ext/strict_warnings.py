"""Deprecations fail the build: every chapter's kernel turns them into errors.

What it does for a reader: the book's code never calls anything its libraries have deprecated, so
the code a reader copies keeps working on the next release. A chapter that calls such a thing (a
``DeprecationWarning``, ``PendingDeprecationWarning`` or ``FutureWarning`` attributed to the chapter's
own code, to ``hbm``, or to a call that pymc, pytensor, arviz and its parts, nutpie, bambi, xarray,
numpy, scipy, pandas, matplotlib or statsmodels make on its behalf) stops at that cell with the
warning as its error, so the build fails and names the chapter.

How: IPython's documented configuration, nothing replaced. The build's kernels get an IPython
profile (``IPYTHONDIR``, a folder under ``_build``) whose startup file adds warning filters, and whose
kernel configuration sets ``IPKernelApp.log_level`` so that ipykernel's notice about unencrypted
local TCP (printed once per kernel, about Jupyter's plumbing, never about a chapter) stays out of the
build log. Readers' notebooks run without the profile; their results are the same, since a filter
only turns a warning into an error. Why not a package or ``PYTHONWARNINGS``: none exists, and IPython
puts its own ``default`` filter for ``__main__`` in front of the ones from ``PYTHONWARNINGS``, while a
startup file runs after it.

Python attributes a warning to the module of the frame its ``stacklevel`` points at: a deprecated
``pm.something()`` called from a cell is attributed to ``__main__``, a deprecated xarray call made
inside ArviZ to ``arviz_*``. Filtering on those names catches both, and leaves alone warnings that
Jupyter's own machinery (ipykernel, jupyter_client, zmq) raises about itself.

``make book`` writes the profile before it executes the chapters (``python _ext/strict_warnings.py
_build``); as a Sphinx extension it writes the same profile and sets ``IPYTHONDIR`` for any chapter the
build itself executes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Modules whose deprecation warnings fail the build (regular expression, matched at the start).
MODULES = (
    r"(__main__|hbm|pymc|pytensor|arviz|arviz_base|arviz_stats|arviz_plots|nutpie|bambi|formulae|"
    r"xarray|numpy|scipy|pandas|matplotlib|statsmodels)(\.|$)"
)
CATEGORIES = ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning")

STARTUP = f'''\
# Written by _ext/strict_warnings.py for the book's build: deprecations are errors in chapter kernels.
import warnings as _warnings

for _category in ({", ".join(CATEGORIES)},):
    _warnings.filterwarnings("error", category=_category, module={MODULES!r})
del _warnings, _category
'''

KERNEL_CONFIG = """\
# Written by _ext/strict_warnings.py for the book's build: ipykernel's own notices (such as running
# over local TCP without encryption) stay out of the build log; chapter output is not affected.
c.IPKernelApp.log_level = "ERROR"
"""


def ipython_dir(build_dir: str | os.PathLike) -> Path:
    """Write the IPython profile of the build's kernels under ``build_dir`` and return its folder (the
    value for ``IPYTHONDIR``)."""
    folder = Path(build_dir).resolve() / "ipython"
    profile = folder / "profile_default"
    startup = profile / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    files = {startup / "00-strict-warnings.py": STARTUP, profile / "ipython_kernel_config.py": KERNEL_CONFIG}
    for path in startup.glob("*.py"):  # a startup file an older version wrote, and this one does not
        if path not in files:
            path.unlink()
    for path, text in files.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return folder


def _use_strict_kernels(app, config):
    # Kernels inherit the build's environment: every chapter the build executes loads the profile.
    os.environ["IPYTHONDIR"] = str(ipython_dir(Path(app.outdir).parent))


def setup(app):
    app.connect("config-inited", _use_strict_kernels)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":  # python _ext/strict_warnings.py BUILD_DIR: write the profile, print its folder
    if len(sys.argv) != 2:
        sys.exit("usage: python _ext/strict_warnings.py BUILD_DIR")
    print(ipython_dir(sys.argv[1]))
