"""Numerics of the losing-dimensions toolkit.

Exact empirical-score diffusion, a NumPy score network, spectrum probes,
dimension estimators, experiments and the ``lostdim`` command line. Calls
:mod:`theory` for predictions; :mod:`theory` never imports this package.
"""

__all__: list = []
