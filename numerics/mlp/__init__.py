"""A torch-free NumPy score network: model, training, exact Jacobian."""

from .model import MLPConfig, backward, forward, init_params, param_shapes, preconditioning

__all__ = ["MLPConfig", "backward", "forward", "init_params", "param_shapes", "preconditioning"]
