"""A torch-free NumPy score network: model, training, exact Jacobian, checkpoints."""

from .checkpoint import load_checkpoint, load_model, save_checkpoint
from .jacobian import ScoreModel, eps_jacobian
from .model import MLPConfig, backward, forward, init_params, param_shapes, preconditioning
from .training import TrainConfig, TrainState, init_training, train

__all__ = [
    "MLPConfig", "ScoreModel", "TrainConfig", "TrainState", "backward", "eps_jacobian",
    "forward", "init_params", "init_training", "load_checkpoint", "load_model",
    "param_shapes", "preconditioning", "save_checkpoint", "train",
]
