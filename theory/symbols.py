"""Shared SymPy symbols and assumptions of the symbolic core.

One place for the symbols, so that expressions derived in different modules
combine without clashes. All physical quantities are positive reals.
"""

import sympy as sp

__all__ = [
    "t", "lam", "lam1", "lam2", "snr", "a", "delta", "x", "y", "z",
    "n_samples", "log_n", "dim", "dim1", "dim2", "kappa", "g", "S", "L",
    "sigma", "s_ve",
]

#: diffusion time
t = sp.Symbol("t", positive=True)
#: VE time (noise variance) when a second time is needed, e.g. in time maps
s_ve = sp.Symbol("s", positive=True)
#: per-direction data variance
lam = sp.Symbol("lambda", positive=True)
lam1 = sp.Symbol("lambda_1", positive=True)
lam2 = sp.Symbol("lambda_2", positive=True)
#: per-direction signal-to-noise ratio a_t^2 lambda / Delta_t
snr = sp.Symbol("SNR", positive=True)
#: signal scale a_t and noise variance Delta_t as free symbols
a = sp.Symbol("a", positive=True)
delta = sp.Symbol("Delta", positive=True)
#: real-valued coordinates: noised point, clean data, standard noise
x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
z = sp.Symbol("z", real=True)
#: training-set size N and its logarithm
n_samples = sp.Symbol("N", positive=True)
log_n = sp.Symbol("ell", positive=True)
#: subspace dimensions
dim = sp.Symbol("d", positive=True)
dim1 = sp.Symbol("d_1", positive=True)
dim2 = sp.Symbol("d_2", positive=True)
#: apparent-dimension threshold on the SNR
kappa = sp.Symbol("kappa", positive=True)
#: the seed paper's norm-fluctuation switch (0 on the unit sphere, 1 otherwise)
g = sp.Symbol("g", nonnegative=True)
#: the seed paper's S = sum_j lambda_j^2 / 2 and L = 2 ln N
S = sp.Symbol("S", positive=True)
L = sp.Symbol("L", positive=True)
#: VE noise standard deviation
sigma = sp.Symbol("sigma", positive=True)
