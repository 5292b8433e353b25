"""Shared test configuration."""

import os

from hypothesis import HealthCheck, settings

# Derivations are cached after the first call, but the first call can take a
# second or two of SymPy work: no per-example deadline.
settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
