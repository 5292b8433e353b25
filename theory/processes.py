"""Forward diffusion processes behind one interface.

The noised point is ``x_t = a_t y + sqrt(Delta_t) z`` with ``z ~ N(0, I)``.

===== ============ ================ ==========================================
name  a_t          Delta_t          used by
===== ============ ================ ==========================================
ve    1            t                the seed paper's theory and public code
vp    exp(-t)      1 - exp(-2 t)    Biroli et al. (``dx = -x dt + sqrt(2) dW``)
===== ============ ================ ==========================================

Per direction the signal-to-noise ratio is ``SNR(t) = a_t^2 lambda / Delta_t``.
Predictions that depend on ``t`` only through the SNRs agree between the two
processes under the time map ``t_VE = exp(2 t_VP) - 1``, which this module
derives by equating the two SNRs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import symbols as sy
from .compile import compile_expr
from .validation import check_times as _check_times

__all__ = [
    "Process", "VE", "VP", "PROCESSES", "get_process",
    "ve_time_from_vp", "vp_time_from_ve", "ve_time_from_sigma",
    "sigma_from_ve_time", "vp_time_from_alpha_bar", "derive_time_map",
    "derive_inverse_time_map", "from_ve_expr",
]


@dataclass(frozen=True)
class Process:
    """A forward process, given by its symbolic ``a_t`` and ``Delta_t``.

    Examples
    --------
    >>> VP.snr_expr()
    lambda/(exp(2*t) - 1)
    >>> float(VE.snr(0.5, 1.0))
    2.0
    """

    name: str
    signal_expr: sp.Expr
    noise_expr: sp.Expr

    def snr_expr(self) -> sp.Expr:
        """Symbolic SNR ``a_t^2 lambda / Delta_t`` in simplest form."""
        return _snr_expr(self)

    # -- numerics (compiled once, cached) -----------------------------------
    def a(self, t):
        """Signal scale ``a_t`` (broadcasts)."""
        return _broadcast(compile_expr(self.signal_expr, (sy.t,)), t)

    def delta(self, t):
        """Noise variance ``Delta_t`` (broadcasts; uses ``-expm1(-2t)`` in VP)."""
        return _broadcast(compile_expr(self.noise_expr, (sy.t,)), t)

    def snr(self, t, variance):
        """Per-direction SNR ``a_t^2 lambda / Delta_t`` (broadcasts)."""
        f = compile_expr(self.snr_expr(), (sy.t, sy.lam))
        t, variance = np.broadcast_arrays(np.asarray(t, float), np.asarray(variance, float))
        # In VP, expm1(2t) overflows for t > ~355; the SNR then is 0 to
        # double precision, which is exactly what the overflowed quotient gives.
        with np.errstate(over="ignore"):
            return f(t, variance) + np.zeros(t.shape)

    def to_ve_time(self, t):
        """The VE time with the same SNRs as this process at time ``t``."""
        return np.asarray(t, float) if self.name == "ve" else ve_time_from_vp(t)

    def from_ve_time(self, s):
        """This process's time with the same SNRs as the VE process at ``s``."""
        return np.asarray(s, float) if self.name == "ve" else vp_time_from_ve(s)


def _broadcast(f, t):
    t = np.asarray(t, float)
    return f(t) + np.zeros(t.shape)


@functools.lru_cache(maxsize=None)
def _snr_expr(process: Process) -> sp.Expr:
    return sp.simplify(process.signal_expr**2 * sy.lam / process.noise_expr)


VE = Process("ve", sp.Integer(1), sy.t)
VP = Process("vp", sp.exp(-sy.t), 1 - sp.exp(-2 * sy.t))
PROCESSES = {"ve": VE, "vp": VP}


def get_process(process) -> Process:
    """Return the :class:`Process` named ``process`` (or pass one through).

    >>> get_process("vp").name
    'vp'
    >>> get_process("ddpm")
    Traceback (most recent call last):
    ...
    ValueError: unknown process 'ddpm'; expected one of 've', 'vp'
    """
    if isinstance(process, Process):
        return process
    key = str(process).lower() if isinstance(process, str) else process
    if key not in PROCESSES:
        raise ValueError(f"unknown process {process!r}; expected one of 've', 'vp'")
    return PROCESSES[key]


@functools.lru_cache(maxsize=None)
def derive_time_map() -> sp.Expr:
    """Derive the VE time with the SNRs of the VP process at time ``t``.

    Solves ``SNR_VE(s) = SNR_VP(t)`` for ``s``.

    >>> derive_time_map()
    exp(2*t) - 1
    """
    (solution,) = sp.solve(sp.Eq(VE.snr_expr().subs(sy.t, sy.s_ve), VP.snr_expr()), sy.s_ve)
    return solution


@functools.lru_cache(maxsize=None)
def derive_inverse_time_map() -> sp.Expr:
    """Derive the VP time with the SNRs of the VE process at time ``s``.

    >>> derive_inverse_time_map()
    log(s + 1)/2
    """
    (solution,) = sp.solve(sp.Eq(derive_time_map(), sy.s_ve), sy.t)
    return solution


def from_ve_expr(expr: sp.Expr, process) -> sp.Expr:
    """Map a VE time expression to ``process`` (identity for VE).

    Any prediction that depends on ``t`` only through the SNRs is a VE time
    composed with the inverse time map in VP.

    >>> from_ve_expr(sy.lam, "vp")
    log(lambda + 1)/2
    """
    proc = get_process(process)
    return expr if proc.name == "ve" else derive_inverse_time_map().subs(sy.s_ve, expr)


def ve_time_from_vp(t):
    """VE time ``exp(2 t) - 1`` with the same SNRs as VP at ``t``.

    >>> float(ve_time_from_vp(0.5 * np.log(2.0)))
    1.0
    """
    t = _check_times(t, "t")
    return compile_expr(derive_time_map(), (sy.t,))(t)


def vp_time_from_ve(s):
    """VP time ``log(1 + s) / 2`` with the same SNRs as VE at ``s``.

    >>> round(float(vp_time_from_ve(1.0)), 12)
    0.34657359028
    """
    s = _check_times(s, "s")
    return compile_expr(derive_inverse_time_map(), (sy.s_ve,))(s)


def ve_time_from_sigma(sigma):
    """VE time ``t = sigma^2`` of a noise standard deviation ``sigma``.

    >>> float(ve_time_from_sigma(0.1))
    0.010000000000000002
    """
    return _check_times(sigma, "sigma") ** 2


def sigma_from_ve_time(t):
    """Noise standard deviation ``sqrt(t)`` of the VE process at time ``t``.

    >>> float(sigma_from_ve_time(4.0))
    2.0
    """
    return np.sqrt(_check_times(t, "t"))


def vp_time_from_alpha_bar(alpha_bar):
    """VP time ``-log(alpha_bar) / 2`` of a DDPM step with cumulative ``alpha_bar``.

    DDPM writes ``x_k = sqrt(alpha_bar_k) y + sqrt(1 - alpha_bar_k) z``, so
    ``a_t^2 = exp(-2t) = alpha_bar_k``.

    >>> float(vp_time_from_alpha_bar(np.exp(-1.0)))
    0.5
    """
    alpha_bar = np.asarray(alpha_bar, float)
    if not np.all(np.isfinite(alpha_bar)) or np.any((alpha_bar <= 0) | (alpha_bar >= 1)):
        raise ValueError(f"alpha_bar must lie in (0, 1), got {alpha_bar.tolist()!r}")
    return -0.5 * np.log(alpha_bar)
