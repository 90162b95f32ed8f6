import os

import pytest

import symnum as sn

# Property tests stay fast and reproducible in CI; a local profile can raise this.
from hypothesis import settings

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.register_profile("thorough", max_examples=400, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def heat1d():
    t, x = sn.variables("t x")
    nu = sn.parameter("nu", 0.5)
    u = sn.fields("u", t, x)
    sys = sn.PDESystem(
        [sn.Eq(sn.D(t)(u), nu * sn.D(x, 2)(u))],
        [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sn.sin(sn.pi * x))],
        domain={t: (0, 1), x: (0, 1)},
        name="heat",
    )
    return sys, (t, x, nu, u)


def pytest_configure(config):
    # JAX's persistent compilation cache, for the test session only (users keep their
    # settings): the PINN tests compile the same small programs on every run, as the
    # Numba kernels would without cache=True.
    try:
        import jax
    except ImportError:
        return
    from symnum.codegen._compile import cache_dir

    jax.config.update("jax_compilation_cache_dir", str(cache_dir().parent / "jax"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)
