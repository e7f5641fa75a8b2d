"""Run a plan: fill the buffers, execute the steps forward, then backward in reverse."""

from __future__ import annotations

from typing import Any

from neurograd_core.replay.backend import Backend
from neurograd_core.replay.graph import FlatGraph
from neurograd_core.replay.schedule import Plan, build_plan
from neurograd_core.replay.steps import BATCH, Run


class Program:
    """A flat graph compiled to steps, run on one backend's arrays; knows nothing of ``Value``.

    ``forward`` takes inputs as rows (one per input slot, one column per
    example) and parameter values; ``backward`` returns the parameters'
    gradients summed over the examples of the last ``forward``.
    """

    def __init__(self, graph: FlatGraph, backend: Backend) -> None:
        self.graph = graph
        self.backend = backend
        self.plan: Plan = build_plan(graph, backend)
        self._run: Run | None = None

    def forward(self, inputs: Any, params: Any) -> Any:
        """Outputs as rows (one per output, one column per example)."""
        graph, plan, backend = self.graph, self.plan, self.backend
        width = inputs.shape[1]
        run = self._run
        if run is None or run.width != width:
            run = Run(plan.n_rows, width, len(plan.steps), backend)
        batch, fixed = run.values
        batch[: graph.n_inputs] = inputs
        fixed[: graph.n_params, 0] = backend.asarray(params)
        if graph.constants:
            n_fixed_leaves = graph.n_params + len(graph.constants)
            fixed[graph.n_params : n_fixed_leaves, 0] = backend.asarray(
                [c.data for c in graph.constants]
            )
        with backend.quiet():
            for step in plan.steps:
                step.forward(run)
        outputs = backend.empty((len(plan.outputs), width))
        for j, (buffer, row) in enumerate(plan.outputs):
            outputs[j] = run.values[buffer][row]
        self._run = run
        return outputs

    def backward(self, seeds: Any) -> Any:
        """d(sum of seeds * outputs)/d(parameters), for the last ``forward``."""
        run = self._run
        if run is None:
            raise RuntimeError("backward() needs a forward() first")
        batch_grads, fixed_grads = run.start_backward()
        for j, (buffer, row) in enumerate(self.plan.outputs):
            if buffer == BATCH:
                batch_grads[row] += seeds[j]
            else:
                fixed_grads[row, 0] += seeds[j].sum()
        with self.backend.quiet():
            for step in reversed(self.plan.steps):
                if step.needs_grad:
                    step.backward(run)
        return self.backend.copy(fixed_grads[: self.graph.n_params, 0])
