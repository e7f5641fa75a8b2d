"""The array library a replay runs on: numpy (the default) or PyTorch, behind one small API.

The plan is the same for every library; only these few buffer operations
differ. Op bodies get the library's array-API namespace (``xp``, from
array-api-compat), the same one their author wrote them against.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from neurograd_core.namespaces import BACKENDS, array_namespace


class NumpyBackend:
    name = "numpy"
    device = None

    def __init__(self) -> None:
        self.xp = array_namespace("numpy")

    def asarray(self, data: Any) -> np.ndarray:
        if hasattr(data, "detach"):  # a torch tensor
            data = data.detach().cpu().numpy()
        return np.asarray(data, dtype=np.float64)

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.asarray(array)

    def index(self, rows: np.ndarray) -> np.ndarray:
        return rows

    def empty(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.empty(shape)

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape)

    def copy(self, array: np.ndarray) -> np.ndarray:
        return array.copy()

    def add_at(self, buffer: np.ndarray, rows: np.ndarray, contributions: Any) -> None:
        """``buffer[rows] += contributions``, summing rows that repeat."""
        np.add.at(buffer, rows, contributions)

    def quiet(self) -> contextlib.AbstractContextManager[Any]:
        """Infinities and NaN are results, as in eager mode: no warnings."""
        return np.errstate(all="ignore")


class TorchBackend:
    name = "torch"

    def __init__(self, device: Any = None) -> None:
        import torch

        self.torch = torch
        self.xp = array_namespace("torch")
        self.device = torch.device(device if device is not None else "cpu")

    def asarray(self, data: Any) -> Any:
        return self.torch.as_tensor(data, dtype=self.torch.float64, device=self.device)

    def to_numpy(self, array: Any) -> np.ndarray:
        return array.detach().cpu().numpy()

    def index(self, rows: np.ndarray) -> Any:
        return self.torch.as_tensor(rows, dtype=self.torch.long, device=self.device)

    def empty(self, shape: tuple[int, ...]) -> Any:
        return self.torch.empty(shape, dtype=self.torch.float64, device=self.device)

    def zeros(self, shape: tuple[int, ...]) -> Any:
        return self.torch.zeros(shape, dtype=self.torch.float64, device=self.device)

    def copy(self, array: Any) -> Any:
        return array.clone()

    def add_at(self, buffer: Any, rows: Any, contributions: Any) -> None:
        buffer.index_add_(0, rows, contributions)

    def quiet(self) -> contextlib.AbstractContextManager[Any]:
        return contextlib.nullcontext()


Backend = NumpyBackend | TorchBackend


def make_backend(backend: str = "numpy", device: Any = None) -> Backend:
    """The backend called ``backend``; ``device`` (e.g. ``"cuda"``) is for torch only."""
    if backend == "numpy":
        if device is not None:
            raise ValueError(f"device={device!r} needs backend='torch'; numpy runs on the CPU")
        return NumpyBackend()
    if backend == "torch":
        return TorchBackend(device)
    raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
