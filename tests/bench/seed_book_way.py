"""The seed notebook's four fits, done the way the book does them, in one process.

Same work as ``seed_baseline.py``: the same two model structures, the same data (the real eight
schools, and a simulated study drawn the same way), the same draws, tuning steps, chains and
target_accept, the same summaries and the same two plots. What differs is only how the book samples:
nutpie instead of PyMC's Python NUTS, and each structure compiled once with its data in ``pm.Data``,
so the second data set is swapped in with ``compiled.with_data`` instead of compiling again.

This is the like-for-like comparison: it isolates the sampler and compile-once choices from the
per-chapter cost of a fresh Jupyter kernel, a PyMC import and a first Numba compile, which the
Part II chapters pay seven times over (see ``bench_eight_schools.py``). Prints the wall time at the end.

Run from the repository root:  .venv/bin/python tests/bench/seed_book_way.py
"""

import time

START = time.perf_counter()

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import arviz as az  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import nutpie  # noqa: E402
import pandas as pd  # noqa: E402
import pymc as pm  # noqa: E402
from scipy import stats  # noqa: E402

SEED = 20261121
rng = np.random.default_rng(SEED)

schools = pd.DataFrame({
    "School": ["A", "B", "C", "D", "E", "F", "G", "H"],
    "Effect": [28, 8, -3, 7, -1, 1, 18, 12],
    "SE": [15, 10, 16, 11, 9, 11, 10, 18],
})
print(schools)

# The simulated study, drawn as in the seed: K=8, mu=5, tau=3.5, sigma=12.
K, true_mu, true_tau, sigma = 8, 5, 3.5, 12
theta_true = stats.norm.rvs(true_mu, true_tau, K, random_state=rng)
y_sim = stats.norm.rvs(theta_true, sigma, random_state=rng)
real = {"y": schools["Effect"].to_numpy(float), "se": schools["SE"].to_numpy(float)}
simulated = {"y": y_sim, "se": np.full(K, float(sigma))}


def model(centered: bool) -> pm.Model:
    with pm.Model() as m:
        y = pm.Data("y", real["y"])
        se = pm.Data("se", real["se"])
        tau = pm.HalfCauchy("tau", 5)
        mu = pm.Normal("mu", mu=0, sigma=5)
        if centered:
            theta = pm.Normal("theta", mu=mu, sigma=tau, shape=K)
        else:
            eta = pm.Normal("eta", 0, 1, shape=K)
            theta = pm.Deterministic("theta", mu + tau * eta)
        pm.Normal("y_obs", mu=theta, sigma=se, observed=y)
    return m


def fit(compiled, data, draws, target_accept):
    return nutpie.sample(compiled.with_data(**data), draws=draws, tune=1000, chains=4,
                         target_accept=target_accept, seed=int(rng.integers(2**31)),
                         progress_bar=False)


centered = nutpie.compile_pymc_model(model(centered=True))
non_centered = nutpie.compile_pymc_model(model(centered=False))

# Centered model, real data; the seed's divergence scatter of theta[0] against log(tau).
trace = fit(centered, real, 5000, 0.9)
print(az.summary(trace, var_names=["mu", "tau", "theta"]))
az.plot_pair(trace, var_names=["theta", "tau_log__"], coords={"theta_dim_0": [0]}, divergences=True)
plt.close("all")

# The simulated study, both forms.
for compiled in (centered, non_centered):
    trace = fit(compiled, simulated, 4000, 0.9)
    print(az.summary(trace, var_names=["mu", "tau"]))

# Non-centered model, real data; forest plot.
trace = fit(non_centered, real, 5000, 0.95)
print(az.summary(trace, var_names=["mu", "theta", "tau"]))
az.plot_forest(trace, var_names=["theta"])
plt.close("all")

print(f"seed's four fits, the book's way: wall time {time.perf_counter() - START:.1f} s")
