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
