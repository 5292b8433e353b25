"""Symbolic theory core of the losing-dimensions toolkit.

SymPy derives the predictions (forward processes, Gaussian score spectra,
random-energy-model condensation, the seed paper's criterion, speciation);
:func:`theory.compile.compile_expr` turns them into NumPy/mpmath functions.
This package never imports :mod:`numerics`.

Modules
-------
spectrum      the ``variance:multiplicity`` spectrum type
processes     VE and VP forward processes, SNR, time maps
compile       the one symbolic -> numeric path (lambdify, log1p/expm1, cache)
integrals     Gaussian integrals the derivations rest on
gaussian      exact score spectra, apparent dimension, spectral gaps
rem           exact REM: phi, entropy, effective samples, joint collapse time
factorized    per-subspace collapse times and the lost-first condition
paper         the seed paper's per-direction criterion
speciation    speciation time (VP)
validation    boundary checks shared by the numerical functions
"""

from .factorized import factorized_times, lost_first, lost_first_order
from .gaussian import (apparent_dimension, gap_times, jacobian_eigenvalues,
                       normalized_singular_values, posterior_variance, resolution_time,
                       widest_gap_time)
from .paper import paper_singular_values, paper_times
from .processes import VE, VP, Process, get_process
from .rem import collapse_time, collapse_time_mp, effective_samples, entropy, phi
from .speciation import speciation_time
from .spectrum import PAPER_SPECTRUM, Spectrum, parse_spectrum

__all__ = [
    "Spectrum", "parse_spectrum", "PAPER_SPECTRUM", "Process", "VE", "VP", "get_process",
    "jacobian_eigenvalues", "normalized_singular_values", "posterior_variance",
    "apparent_dimension", "resolution_time", "gap_times", "widest_gap_time",
    "phi", "entropy", "effective_samples", "collapse_time", "collapse_time_mp",
    "factorized_times", "lost_first", "lost_first_order",
    "paper_times", "paper_singular_values", "speciation_time",
]
