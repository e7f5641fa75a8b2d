"""Graph replay: trace a scalar graph once, then run it over whole batches with numpy.

Eager mode rebuilds every ``Value`` at every step. Replay keeps the scalar graph
as the model and runs it like a tensor library: the graph traced for *one*
example is compiled into steps that each compute many nodes for *all* examples
in one numpy call (see ``schedule``), with no ``Value`` created per step.

    from neurograd_core.replay import compile_batch, trace

    # The model alone: scores for a whole batch.
    predict = trace(lambda x: model(x), model.parameters(), X)      # X: shape (N, 2)
    scores = predict.forward(X)                                     # shape (N,)

    # A training objective: mean over the batch of a per-example loss, plus L2.
    objective = compile_batch(
        lambda x, y: (1 + -y * model(x)).relu(),                    # one example's loss
        model.parameters(),
        X, Y,                                                       # traced on X[0], Y[0]
        reduction="mean",
        params_term=lambda ps: 1e-4 * sum(p * p for p in ps),
    )
    loss = objective.step(X, Y)   # forward and backward; adds into each p.grad, as
                                  # loss.backward() on the eager graph would

* ``trace(fn, params, *arrays)`` traces ``fn`` on the first example; ``trace_graph(
  outputs, inputs, params)`` takes an existing graph with leaves named as inputs
  and parameters. Both return a ``Replay`` (``forward``, ``backward``, ``check``).
* ``compile_batch`` returns a ``BatchObjective`` (``step``, ``forward``).
* Gradients and values equal eager mode's to rounding (sums are added in another order).
* Every op runs from its one definition (``forward(xp, ...)``, ``backward(xp, ...)``)
  with the array library's namespace as ``xp``: numpy by default, PyTorch with
  ``backend="torch"`` (and ``device="cuda"`` where there is a GPU).
* A function whose graph depends on data cannot be replayed: the tracer re-runs
  it on samples and raises ``StaleTraceError`` when a graph differs (``tracer``).
* ``no_grad()`` and ``detect_anomaly()`` govern eager mode only; replay computes
  infinities and NaN as eager mode does, without raising.

How it runs: ``graph`` flattens the traced Values into lists; ``fusion`` merges
chains of additions into sums; ``schedule`` groups nodes into steps level by
level and lays out buffers; ``steps`` and ``program`` run them on the arrays of
a ``backend``.

numpy is imported by this subpackage only; ``import neurograd_core`` does not load it.
"""

from neurograd_core.replay.batch import BatchObjective, compile_batch
from neurograd_core.replay.replay import Replay
from neurograd_core.replay.tracer import StaleTraceError, trace, trace_graph

__all__ = [
    "BatchObjective",
    "Replay",
    "StaleTraceError",
    "compile_batch",
    "trace",
    "trace_graph",
]
