"""Unit tests of hbm.eight_schools_exact_posterior: the eight-schools posterior without a sampler.

The reference values come from routes the function does not take: scipy's adaptive quadrature of the
joint density p(mu, tau | y) written out from scratch, a conjugate limit with a closed form, and the
conditional distribution of one theta_j integrated numerically.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

import hbm

SCHOOLS = hbm.load_eight_schools()
EFFECT = SCHOOLS["effect"].to_numpy()
SE = SCHOOLS["se"].to_numpy()


@pytest.fixture(scope="module")
def exact():
    return hbm.eight_schools_exact_posterior(EFFECT, SE)


def log_joint(mu, tau, effect=EFFECT, se=SE, mu_prior_sd=5.0, tau_prior_scale=5.0):
    """log p(mu, tau | y) up to a constant, written out from the model (theta integrated out)."""
    sd = np.sqrt(se**2 + tau**2)
    return (
        -0.5 * (mu / mu_prior_sd) ** 2
        - np.log1p((tau / tau_prior_scale) ** 2)
        + np.sum(-np.log(sd) - 0.5 * ((effect - mu) / sd) ** 2)
    )


OFFSET = log_joint(4.0, 3.0)  # keeps exp() in range


def joint_integral(fn, tau_low=0.0, tau_high=np.inf):
    """The integral of fn(mu, tau) * p(mu, tau | y) (unnormalized) by nested adaptive quadrature."""

    def over_mu(tau):
        return integrate.quad_vec(lambda mu: fn(mu, tau) * np.exp(log_joint(mu, tau) - OFFSET),
                                  -50, 50, epsabs=1e-14, epsrel=1e-10)[0]

    return integrate.quad_vec(over_mu, tau_low, tau_high, epsabs=1e-14, epsrel=1e-10)[0]


@pytest.fixture(scope="module")
def reference():
    """Posterior summaries by nested adaptive quadrature over (mu, tau)."""
    def integrand(mu, tau):
        theta_mean = theta_conditional_mean(mu, tau)
        theta_var = 1 / (1 / SE**2 + 1 / tau**2)  # Var[theta_j | mu, tau, y]
        return np.concatenate([[1.0, mu, mu**2, tau, tau**2], theta_mean, theta_var + theta_mean**2])

    moments = joint_integral(integrand)
    z = moments[0]
    out = dict(zip(["mu", "mu2", "tau", "tau2"], moments[1:5] / z))
    out["theta"], out["theta2"] = moments[5:13] / z, moments[13:] / z
    out["p_tau_below_1"] = joint_integral(lambda mu, tau: np.ones(1), 0.0, 1.0)[0] / z
    return out


def theta_conditional_mean(mu, tau):
    """E[theta_j | mu, tau, y] for every school: the precision-weighted average (tau > 0)."""
    weight_data, weight_prior = 1 / SE**2, 1 / tau**2
    return (weight_data * EFFECT + weight_prior * mu) / (weight_data + weight_prior)


# ---- the density is a density, and the grid is wide and fine enough -------------------------------

def test_density_integrates_to_one(exact):
    assert exact.tau[0] == 0.0
    assert np.all(exact.tau_density >= 0)
    assert np.trapezoid(exact.tau_density, exact.tau) == pytest.approx(1.0, abs=1e-5)  # trapezoid error ~3e-6
    assert exact.tau_cdf(exact.tau[-1]) == pytest.approx(1.0, abs=1e-9)


def test_truncated_tail_is_negligible(exact):
    # The function's own estimate, and an independent one: quadrature of the joint beyond the grid.
    assert exact.tail_mass < 1e-10
    total = joint_integral(lambda mu, tau: np.ones(1))[0]
    beyond = joint_integral(lambda mu, tau: np.ones(1), exact.tau[-1], np.inf)[0]
    assert beyond / total < 1e-10
    # A short grid would cut off real mass; the estimate must notice.
    short = hbm.eight_schools_exact_posterior(EFFECT, SE, tau_max=20.0)
    assert short.tail_mass > 1e-3


def test_insensitive_to_grid_refinement(exact):
    coarse = hbm.eight_schools_exact_posterior(EFFECT, SE, n_grid=1001)
    wider_finer = hbm.eight_schools_exact_posterior(EFFECT, SE, n_grid=16001, tau_max=10 * exact.tau[-1])
    for other in (coarse, wider_finer):
        for name in ("mu_mean", "mu_sd", "tau_mean", "tau_sd"):
            assert getattr(other, name) == pytest.approx(getattr(exact, name), rel=1e-6), name
        np.testing.assert_allclose(other.theta_mean, exact.theta_mean, rtol=1e-6)
        assert other.tau_cdf(1.0) == pytest.approx(exact.tau_cdf(1.0), abs=1e-4)


# ---- known answers --------------------------------------------------------------------------------

def test_matches_two_dimensional_quadrature(exact, reference):
    assert exact.mu_mean == pytest.approx(reference["mu"], rel=1e-6)
    assert exact.tau_mean == pytest.approx(reference["tau"], rel=1e-6)
    assert exact.mu_sd == pytest.approx(np.sqrt(reference["mu2"] - reference["mu"] ** 2), rel=1e-5)
    assert exact.tau_sd == pytest.approx(np.sqrt(reference["tau2"] - reference["tau"] ** 2), rel=1e-5)
    np.testing.assert_allclose(exact.theta_mean, reference["theta"], rtol=1e-6)
    np.testing.assert_allclose(exact.theta_sd, np.sqrt(reference["theta2"] - reference["theta"] ** 2), rtol=1e-5)
    assert exact.tau_cdf(1.0) == pytest.approx(reference["p_tau_below_1"], abs=1e-5)


def test_reference_theta_conditional_by_direct_integration():
    # The reference above uses E[theta_j | mu, tau, y] and Var[theta_j | mu, tau, y] in closed form;
    # check them by integrating Normal(y_j | theta, se_j) Normal(theta | mu, tau) over theta.
    mu, tau = 3.0, 2.5
    for j in (0, 4):
        weight = lambda theta: stats.norm.pdf(EFFECT[j], theta, SE[j]) * stats.norm.pdf(theta, mu, tau)
        z = integrate.quad(weight, -100, 100)[0]
        mean = integrate.quad(lambda t: t * weight(t), -100, 100)[0] / z
        var = integrate.quad(lambda t: (t - mean) ** 2 * weight(t), -100, 100)[0] / z
        assert theta_conditional_mean(mu, tau)[j] == pytest.approx(mean, rel=1e-8)
        assert 1 / (1 / SE[j] ** 2 + 1 / tau**2) == pytest.approx(var, rel=1e-7)


def test_conjugate_limit_tau_near_zero():
    # With a tiny prior scale for tau, tau ~ 0: complete pooling, mu | y normal in closed form.
    result = hbm.eight_schools_exact_posterior(EFFECT, SE, tau_prior_scale=1e-6)
    precision = 1 / 5.0**2 + np.sum(1 / SE**2)
    mean = np.sum(EFFECT / SE**2) / precision
    assert result.mu_mean == pytest.approx(mean, rel=1e-5)
    assert result.mu_sd == pytest.approx(precision**-0.5, rel=1e-5)
    np.testing.assert_allclose(result.theta_mean, mean, rtol=1e-4)
    assert result.tau_mean < 1e-4


def test_precise_data_leave_effects_alone():
    # Tiny standard errors: each theta_j is pinned to its own estimate.
    result = hbm.eight_schools_exact_posterior(EFFECT, SE * 1e-4)
    np.testing.assert_allclose(result.theta_mean, EFFECT, atol=1e-3)
    np.testing.assert_array_less(result.theta_sd, 1e-2)


def test_cdf_quantile_and_log_density_agree(exact):
    t = np.array([0.5, 1.0, 3.0, 10.0, 30.0])
    cdf = exact.tau_cdf(t)
    assert np.all(np.diff(cdf) > 0) and exact.tau_cdf(0.0) == 0.0 and exact.tau_cdf(-1.0) == 0.0
    np.testing.assert_allclose(exact.tau_quantile(cdf), t, rtol=1e-3)
    # The density of log tau integrates to P(a < tau < b) over [log a, log b].
    grid = np.linspace(np.log(0.5), np.log(10.0), 20001)
    assert np.trapezoid(exact.log_tau_density(grid), grid) == pytest.approx(cdf[3] - cdf[0], abs=1e-5)
    with pytest.raises(ValueError, match="quantile levels"):
        exact.tau_quantile(1.5)


# ---- bad input: each refused with a message naming the problem --------------------------------------

@pytest.mark.parametrize(
    ("effect", "se", "message"),
    [
        (EFFECT, SE[:-1], "effect has 8 values but se has 7"),
        (EFFECT, np.where(np.arange(8) == 3, 0.0, SE), r"se\[3\] is 0: standard errors must be positive"),
        (EFFECT, -SE, r"se\[0\] is -15: standard errors must be positive"),
        (np.where(np.arange(8) == 2, np.nan, EFFECT), SE, r"effect\[2\] is nan: every value must be a finite"),
        (EFFECT, np.where(np.arange(8) == 5, np.inf, SE), r"se\[5\] is inf: every value must be a finite"),
        ([], [], "effect is empty"),
        (EFFECT.reshape(2, 4), SE.reshape(2, 4), "effect must be a one-dimensional sequence"),
        (["a"] * 8, SE, "effect must be numbers"),
    ],
)
def test_bad_data_are_refused(effect, se, message):
    with pytest.raises(ValueError, match=message):
        hbm.eight_schools_exact_posterior(effect, se)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"mu_prior_sd": 0.0}, "mu_prior_sd must be a positive finite number"),
        ({"tau_prior_scale": -5.0}, "tau_prior_scale must be a positive finite number"),
        ({"tau_prior_scale": np.inf}, "tau_prior_scale must be a positive finite number"),
        ({"n_grid": 50}, "n_grid must be a whole number of at least 101"),
        ({"n_grid": 2000.5}, "n_grid must be a whole number of at least 101"),
        ({"tau_max": np.nan}, "tau_max must be a positive finite number"),
    ],
)
def test_bad_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        hbm.eight_schools_exact_posterior(EFFECT, SE, **options)
