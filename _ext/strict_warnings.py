"""Deprecations fail the build: every chapter's kernel turns them into errors (and compiles with
Numba's optimization level 1, see NUMBA_STARTUP).

A chapter that calls anything its libraries have deprecated (a ``DeprecationWarning``,
``PendingDeprecationWarning`` or ``FutureWarning`` raised by or on behalf of pymc, pytensor, arviz and its
parts, nutpie, bambi, xarray, numpy, scipy, pandas, matplotlib or statsmodels, or attributed to the
chapter's own code or ``hbm``) stops at that cell with the warning as its error, so the build fails and
names the chapter. Readers' notebooks carry none of this: it lives in an IPython startup file that only
the build's kernels load, through ``IPYTHONDIR`` (a folder under ``_build``).

Python attributes a warning to the module of the frame its ``stacklevel`` points at: a deprecated
``pm.something()`` called from a cell is attributed to ``__main__``, a deprecated xarray call made
inside ArviZ to ``arviz_*``. Filtering on those names catches both, and leaves alone warnings that
Jupyter's own machinery (ipykernel, jupyter_client, zmq) raises about itself.
"""

from __future__ import annotations

import os
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


#: Numba's optimization level in the build's kernels (unless NUMBA_OPT is set already). Level 1 instead
#: of Numba's default 3 compiles faster and, for this book's small models, samples as fast. Measured
#: (2026-12-02), each chapter alone in a fresh kernel: with empty compile caches varying_slopes took
#: 52.0 s instead of 58.5, counts 36.0 instead of 42.6, non_centered 14.5 instead of 19.0; with warm
#: caches 13 of 16 chapters took less time (funnel 12.1 s instead of 15.1; counts, 21.6 instead of 19.8,
#: the exception). Every printed and glued number of a clean build was identical at both levels, except
#: three timings. Readers' notebooks keep Numba's default. Numba reads the variable when it is first
#: imported, which a startup file precedes.
NUMBA_STARTUP = """\
# Written by _ext/strict_warnings.py for the book's build: Numba compiles at optimization level 1.
import os as _os

_os.environ.setdefault("NUMBA_OPT", "1")
del _os
"""


def ipython_dir(build_dir: str | os.PathLike) -> Path:
    """Write the IPython profile of the build's kernels: a startup file that makes deprecations errors,
    and one that sets Numba's optimization level; return its folder (the value for ``IPYTHONDIR``)."""
    folder = Path(build_dir).resolve() / "ipython"
    startup = folder / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    for name, text in (("00-strict-warnings.py", STARTUP), ("01-numba-opt.py", NUMBA_STARTUP)):
        path = startup / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return folder


def _use_strict_kernels(app, config):
    # Kernels inherit the build's environment: every chapter the build executes loads the startup file.
    os.environ["IPYTHONDIR"] = str(ipython_dir(Path(app.outdir).parent))


def setup(app):
    app.connect("config-inited", _use_strict_kernels)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
