"""Symbolic theory core of the losing-dimensions toolkit.

SymPy derives the predictions (forward processes, Gaussian score spectra,
random-energy-model condensation, the seed paper's criterion, speciation);
:func:`theory.compile.compile_expr` turns them into NumPy/mpmath functions.
This package never imports :mod:`numerics`.
"""

from .processes import VE, VP, Process, get_process
from .spectrum import PAPER_SPECTRUM, Spectrum, parse_spectrum

__all__ = ["Spectrum", "parse_spectrum", "PAPER_SPECTRUM", "Process", "VE", "VP", "get_process"]
