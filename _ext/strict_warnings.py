"""Deprecations fail the build: every chapter's kernel turns them into errors (and compiles with
Numba's optimization level 1, a short slice-assignment error and no g++ for a Scan in a Python-only
function, see NUMBA_STARTUP and PATCH_STARTUP).

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


#: Three shortcuts, each applied when its module is first imported (an import hook), so pages that
#: never import Numba, PyTensor or ArviZ do not pay for importing them. If a library moves the
#: function patched, nothing changes here and tests/test_strictness.py says so.
#:
#: 1. Numba 0.62+ compiles, into every function that assigns to an array slice, an error message that
#:    formats both shapes with f-strings (numba.np.arrayobj.raise_with_shape_context). Compiling that
#:    string code is most of the cost of a first slice assignment in a process: 2.2 s against 0.5 s
#:    with numba's own short message (the one its "generic" target raises), and again about 1 s for
#:    each new number of dimensions. nutpie's C-callback wrappers assign slices and cannot be cached,
#:    so every chapter kernel paid it. Measured (2026-12-02), each chapter alone in a fresh kernel:
#:    varying_slopes 51.3 and 57.1 s with empty caches instead of 60.8 and 70.8, centered 7.0-8.6 s
#:    with warm caches instead of 9.8-11.9. The short message still names the error (ValueError),
#:    without the shapes.
#: 2. PyTensor links the inner function of a Scan with a VM that compiles C thunks (g++) even when the
#:    function around it runs in Python only (thunk ``impl="py"``, as in PyTensor's FAST_COMPILE mode,
#:    which PyMC uses for a model's initial point). LKJCholeskyCov's initial point contains such a Scan,
#:    so varying_slopes compiled 15 C modules and PyTensor's C helpers with g++ on every clean build.
#:    Linked in Python, as the outer function is, the Scan computes the same values (the same sampler
#:    draws, to the last digit). Measured (2026-12-02), with empty caches: the LKJ model's nutpie compile
#:    17.6 and 16.9 s instead of 22.6 and 22.6; a clean execution of the book 97.2 and 95.7 s instead of
#:    102.7 and 99.1, every output the same but the timings.
#: 3. arviz-stats' PSIS-LOO loops over the observations in Python and calls SciPy's ``logsumexp`` four
#:    times for each; most of such a call, on a few thousand draws, is SciPy's array-API dispatch. The
#:    build's kernels give arviz-stats :data:`EXACT_LOGSUMEXP` instead: SciPy's own algorithm, step for
#:    step, in plain NumPy, for the calls arviz-stats makes (a float64 array, no axis, no weights or one
#:    scalar weight); any other call goes to SciPy. The results are the same to the last bit
#:    (tests/test_strictness.py compares them, and az.loo's). Measured (2026-12-02), az.loo on 4 x 1,000
#:    draws of 4,059 observations: 2.5-3.6 s instead of 4.3-4.9.
EXACT_LOGSUMEXP = """\
def _logsumexp_like_scipy(scipy_logsumexp):
    import numpy as np

    def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
        # scipy.special.logsumexp (SciPy 1.18) for a float64 ndarray, axis=None, and b None or
        # one non-zero float: the same NumPy operations in the same order, without array-API dispatch.
        if (axis is not None or keepdims or return_sign or type(a) is not np.ndarray
                or a.dtype != np.float64 or a.size == 0
                or not (b is None or (type(b) in (float, np.float64) and b != 0))):
            return scipy_logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)
        axis = tuple(range(a.ndim))
        b = None if b is None else np.float64(b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            b_exp_a = np.exp(a) if b is None else b * np.exp(a)
            out_inf = np.log(np.sum(b_exp_a, axis=axis, keepdims=True))
        with np.errstate(divide="ignore", invalid="ignore"):
            a_max = np.max(a, axis=axis, keepdims=True)
            i_max = a == a_max
            a = a.copy()
            a[i_max] = -np.inf
            i_max_dt = i_max.astype(a.dtype)
            m = np.sum(i_max_dt if b is None else b * i_max_dt, axis=axis, keepdims=True, dtype=a.dtype)
            exp = np.exp(a - a_max) if b is None else b * np.exp(a - a_max)
            s = np.sum(exp, axis=axis, keepdims=True, dtype=exp.dtype)
            s = np.where(s == 0, s, s / m)
            sgn = np.sign(s + 1) * np.sign(m)
            s = np.where(s < -1, -s - 2, s)
            m = np.abs(m)
            out = np.log1p(s) + np.log(m) + a_max
            out[sgn < 0] = np.nan
        out = np.where(np.isfinite(out), out, out_inf)
        return np.squeeze(out, axis=axis)[()]

    logsumexp.scipy_logsumexp = scipy_logsumexp
    return logsumexp
"""
PATCH_STARTUP = """\
# Written by _ext/strict_warnings.py for the book's build: Numba compiles a short slice-assignment
# error, PyTensor links a Scan inside a Python-only function in Python (no g++), and arviz-stats'
# PSIS-LOO calls a logsumexp without SciPy's array-API dispatch (the same results, bit for bit).
import sys as _sys


def _short_setitem_error(arrayobj):
    current = getattr(arrayobj, "raise_with_shape_context", None)
    if current is None or getattr(current, "short", False):
        return  # moved, or patched already (the fork server ran this file before the kernel did)
    from numba.core.extending import overload

    def raise_with_shape_context(src_shapes, index_shape):
        raise NotImplementedError

    @overload(raise_with_shape_context)
    def _short(src_shapes, index_shape):
        def impl(src_shapes, index_shape):
            raise ValueError("cannot assign slice from input of different size")
        return impl

    raise_with_shape_context.short = True
    arrayobj.raise_with_shape_context = raise_with_shape_context


def _python_inner_functions(inner_function):
    if not hasattr(getattr(inner_function, "HasInnerFunction", None), "link_mode"):
        return
    from pytensor.link.vm import VMLinker

    link_mode = inner_function.HasInnerFunction.link_mode
    if getattr(link_mode, "python_inner", False):
        return

    def python_link_mode(self, impl):
        if impl == "py":
            return inner_function.link_only_mode(VMLinker(use_cloop=False, c_thunks=False))
        return link_mode(self, impl)

    python_link_mode.python_inner = True
    inner_function.HasInnerFunction.link_mode = python_link_mode


""" + EXACT_LOGSUMEXP + """

def _exact_logsumexp(diagnostics):
    from scipy.special import logsumexp

    if getattr(diagnostics, "logsumexp", None) is logsumexp:
        diagnostics.logsumexp = _logsumexp_like_scipy(logsumexp)


_PATCHES = {"numba.np.arrayobj": _short_setitem_error,
            "pytensor.compile.inner_function": _python_inner_functions,
            "arviz_stats.base.diagnostics": _exact_logsumexp}


class _AfterImport:
    # Import hook: once a module of _PATCHES has run, patch it; step aside when none is left.

    def find_spec(self, name, path=None, target=None):
        patch = _PATCHES.pop(name, None)
        if patch is None:
            return None
        if not _PATCHES:
            _sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)  # this hook no longer answers for name
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            patch(module)

        spec.loader.exec_module = exec_module
        return spec


for _imported in [name for name in _PATCHES if name in _sys.modules]:
    _PATCHES.pop(_imported)(_sys.modules[_imported])
if _PATCHES:
    _sys.meta_path.insert(0, _AfterImport())
"""


def ipython_dir(build_dir: str | os.PathLike) -> Path:
    """Write the IPython profile of the build's kernels: a startup file that makes deprecations errors,
    one that sets Numba's optimization level and one with three shortcuts; return
    its folder (the value for ``IPYTHONDIR``)."""
    folder = Path(build_dir).resolve() / "ipython"
    startup = folder / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    files = {"00-strict-warnings.py": STARTUP, "01-numba-opt.py": NUMBA_STARTUP,
             "02-compile-shortcuts.py": PATCH_STARTUP}
    for path in startup.glob("*.py"):  # a startup file an older version wrote, and this one does not
        if path.name not in files:
            path.unlink()
    for name, text in files.items():
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
