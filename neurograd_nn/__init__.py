"""Neurograd's small neural-network library: modules, losses, optimizers, datasets.

    from neurograd_nn import MLP, SGD, hinge_loss
    model = MLP(2, [16, 16, 1])            # micrograd's MLP, same init and reprs

Names load on first use (PEP 562): every ``import neurograd_core`` imports this
package to find the ``demo`` command, and should not pay for the library then.
``neurograd_nn.datasets`` (numpy), ``neurograd_nn.serialization`` (JSON files)
and ``neurograd_nn.torch_bridge`` (PyTorch) are modules of their own;
``save_checkpoint``/``load_checkpoint`` keep a whole training run in one file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> the module defining it
_EXPORTS = {
    "Module": "neurograd_nn.module",
    "Neuron": "neurograd_nn.layers",
    "Layer": "neurograd_nn.layers",
    "Linear": "neurograd_nn.layers",
    "MLP": "neurograd_nn.layers",
    "hinge_loss": "neurograd_nn.losses",
    "mse_loss": "neurograd_nn.losses",
    "bce_with_logits": "neurograd_nn.losses",
    "cross_entropy": "neurograd_nn.losses",
    "softmax": "neurograd_nn.losses",
    "l2_penalty": "neurograd_nn.losses",
    "Optimizer": "neurograd_nn.optim",
    "SGD": "neurograd_nn.optim",
    "Adam": "neurograd_nn.optim",
    "AdamW": "neurograd_nn.optim",
    "LambdaLR": "neurograd_nn.schedules",
    "StepLR": "neurograd_nn.schedules",
    "save_checkpoint": "neurograd_nn.checkpoint",
    "load_checkpoint": "neurograd_nn.checkpoint",
}

__all__ = [
    "Adam",
    "AdamW",
    "LambdaLR",
    "Layer",
    "Linear",
    "MLP",
    "Module",
    "Neuron",
    "Optimizer",
    "SGD",
    "StepLR",
    "bce_with_logits",
    "cross_entropy",
    "hinge_loss",
    "l2_penalty",
    "load_checkpoint",
    "mse_loss",
    "save_checkpoint",
    "softmax",
]

if TYPE_CHECKING:
    from neurograd_nn.checkpoint import load_checkpoint, save_checkpoint
    from neurograd_nn.layers import MLP, Layer, Linear, Neuron
    from neurograd_nn.losses import (
        bce_with_logits,
        cross_entropy,
        hinge_loss,
        l2_penalty,
        mse_loss,
        softmax,
    )
    from neurograd_nn.module import Module
    from neurograd_nn.optim import SGD, Adam, AdamW, Optimizer
    from neurograd_nn.schedules import LambdaLR, StepLR


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'neurograd_nn' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
