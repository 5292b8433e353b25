"""A torch-free NumPy score network: model, training, exact Jacobian."""

from .jacobian import ScoreModel, eps_jacobian
from .model import MLPConfig, backward, forward, init_params, param_shapes, preconditioning

__all__ = [
    "MLPConfig", "ScoreModel", "backward", "eps_jacobian", "forward", "init_params",
    "param_shapes", "preconditioning",
]
