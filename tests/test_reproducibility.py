"""What book/running.md says about a second run of a chapter: with PyTensor's fast-math off, a model
loaded from the compile cache draws exactly what the freshly compiled model drew; with fast-math on (the
default), it does not. Each run is a fresh Python process, as a reader's second run would be, sharing
one compile cache with the first."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

#: A varying-intercept model of the size of Part III's (65 groups, 4,059 observations): the small
#: eight-schools model happens to round the same either way, so it would show nothing.
SCRIPT = """\
import hashlib, sys
import numpy as np, pymc as pm, nutpie, pytensor
pytensor.config.numba__fastmath = sys.argv[1] == "on"
rng = np.random.default_rng(0)
group, x = rng.integers(0, 65, 4059), rng.normal(size=4059)
y = rng.normal(size=4059)
with pm.Model() as model:
    a, b, tau = pm.Normal("a", 0, 1), pm.Normal("b", 0, 1), pm.HalfNormal("tau", 0.5)
    z, sigma = pm.Normal("z", 0, 1, shape=65), pm.HalfNormal("sigma", 1)
    pm.Normal("y", a + (tau * z)[group] + b * x, sigma, observed=y)
trace = nutpie.sample(nutpie.compile_pymc_model(model), draws=200, tune=200, chains=2, seed=1,
                      progress_bar=False)
print("draws", hashlib.sha256(trace["posterior"]["b"].values.tobytes()).hexdigest())
"""


def first_and_second_run(tmp_path, fastmath: str) -> tuple[str, str]:
    script = tmp_path / "model.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={tmp_path / 'pytensor'}"}
    env.pop("IPYTHONDIR", None)  # a reader's plain Python, not the build's kernel profile
    env.pop("NUMBA_OPT", None)
    runs = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, str(script), fastmath], env=env, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs.append(proc.stdout.split("draws ")[-1].strip())
    return runs[0], runs[1]


@pytest.mark.parametrize("fastmath", ["off", "on"])
def test_a_second_run_draws_what_the_first_drew_only_with_fastmath_off(tmp_path, fastmath):
    first, second = first_and_second_run(tmp_path, fastmath)
    if fastmath == "off":
        assert first == second, "with fast-math off, the cached model drew other numbers"
    else:
        assert first != second, ("with fast-math on, the cached model now draws what the fresh one drew: "
                                 "book/running.md's reason for turning it off no longer holds")
