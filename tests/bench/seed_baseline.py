"""Speed baseline: the eight-schools seed notebook's four models, run as written.

Ported from PyMC3 to PyMC 5 with API fixes only: ``pymc3`` -> ``pymc``, ``sd`` -> ``sigma``,
``pm.summary`` -> ``az.summary`` on the returned InferenceData, ``pm.forestplot`` -> ``az.plot_forest``,
and the pair plot reads InferenceData. Same draws, tune, chains, cores and target_accept as the seed;
PyMC's default sampler (no ``nuts_sampler`` argument). The seed drew its simulated data without a
seed; here the draws come from a fixed seed so runs are comparable. Plots are drawn with the Agg
backend and not shown. Prints the wall time at the end.

Run from the repository root:  .venv/bin/python tests/bench/seed_baseline.py
"""

import time

START = time.perf_counter()

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import arviz as az  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pymc as pm  # noqa: E402
import scipy as sp  # noqa: E402
from scipy import stats  # noqa: E402,F401

SEED = 20261121
rng = np.random.default_rng(SEED)

d = {
    "School": ["A", "B", "C", "D", "E", "F", "G", "H"],
    "Effect": [28, 8, -3, 7, -1, 1, 18, 12],
    "SE": [15, 10, 16, 11, 9, 11, 10, 18],
}
schools = pd.DataFrame(data=d)
print(schools)

# Centered model, real data.
with pm.Model() as centered_model:
    tau = pm.HalfCauchy("tau", 5)
    mu = pm.Normal("mu", mu=0, sigma=5)
    theta = pm.Normal("theta", mu=mu, sigma=tau, shape=8)
    y_obs = pm.Normal("y_obs", mu=theta, sigma=schools["SE"], observed=schools["Effect"])
    trace = pm.sample(5000, target_accept=0.9, chains=4, cores=4, tune=1000, random_seed=rng)

print(az.summary(trace))


def pairplot_divergence(trace, ax=None, divergence=True, color="C3", divergence_color="C2"):
    theta = trace.posterior["theta"].values[..., 0].ravel()
    logtau = np.log(trace.posterior["tau"].values.ravel())
    if not ax:
        _, ax = plt.subplots(1, 1, figsize=(10, 5))
    ax.plot(theta, logtau, "o", color=color, alpha=0.5)
    if divergence:
        divergent = trace.sample_stats["diverging"].values.ravel()
        ax.plot(theta[divergent], logtau[divergent], "o", color=divergence_color)
    ax.set_xlabel("theta[0]")
    ax.set_ylabel("log(tau)")
    ax.set_title("scatter plot between log(tau) and theta[0]")
    return ax


pairplot_divergence(trace)
plt.close("all")

# A simulated study.
K = 8
mu = 5
tau = 3.5
sigma = 12
theta_true = sp.stats.norm.rvs(mu, tau, K, random_state=rng)
y = sp.stats.norm.rvs(theta_true, sigma, random_state=rng)
print(y)
print(theta_true)

with pm.Model() as centered_model:
    mu = pm.Normal("mu", mu=0, sigma=5)
    tau = pm.HalfCauchy("tau", 5)
    theta = pm.Normal("theta", mu=mu, sigma=tau, shape=K)
    y_obs = pm.Normal("y_obs", mu=theta, sigma=sigma, observed=y)
    trace = pm.sample(4000, target_accept=0.90, chains=4, cores=4, tune=1000, random_seed=rng)

print(az.summary(trace, var_names=["mu", "tau"]))

with pm.Model() as noncentered_model:
    mu = pm.Normal("mu", mu=0, sigma=5)
    tau = pm.HalfCauchy("tau", 5)
    eta = pm.Normal("eta", mu=0, sigma=1, shape=K)
    theta = pm.Deterministic("theta", mu + tau * eta)
    y_obs = pm.Normal("y_obs", mu=theta, sigma=sigma, observed=y)
    trace = pm.sample(4000, target_accept=0.90, chains=4, cores=4, tune=1000, random_seed=rng)

print(az.summary(trace, var_names=["mu", "tau"]))

# Non-centered model, real data.
with pm.Model() as noncentered_model:
    tau = pm.HalfCauchy("tau", 5)
    mu = pm.Normal("mu", mu=0, sigma=5)
    eta = pm.Normal("eta", 0, 1, shape=8)
    theta = pm.Deterministic("theta", mu + tau * eta)
    y_obs = pm.Normal("y_obs", mu=theta, sigma=schools["SE"], observed=schools["Effect"])
    trace = pm.sample(5000, target_accept=0.95, chains=4, cores=4, tune=1000, random_seed=rng)

print(az.summary(trace, var_names=["mu", "theta", "tau"]))
az.plot_forest(trace, var_names=["theta"])
plt.close("all")

print(f"seed baseline wall time: {time.perf_counter() - START:.1f} s")
