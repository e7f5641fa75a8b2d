"""Graph replay: trace a scalar graph once, then run it over whole batches as array programs.

Eager mode rebuilds every ``Value`` at every step. Replay keeps the scalar graph
as the model and runs it like a tensor library: the graph traced for *one*
example is scheduled into steps that each compute many nodes for *all* examples
in one array call, with no ``Value`` created per step.

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
  and parameters. Both return a ``Replay`` (``forward``, ``backward``, ``check``,
  ``to_torch``).
* ``compile_batch`` returns a ``BatchObjective`` (``step``, ``forward``); while it
  lives, the parameters' numbers sit in two flat arrays, which Neurograd's
  optimizers update in one go (``p.data`` and ``p.grad`` still read them).
* Gradients and values equal eager mode's to rounding (sums are added in another
  order). A Value the function uses that is not in ``params`` gets its gradient too.
* Every op runs from its one definition (``forward(xp, ...)``, ``backward(xp, ...)``)
  with the array library's namespace as ``xp``: numpy by default, PyTorch with
  ``backend="torch"`` (and ``device="cuda"`` where there is a GPU).
  ``Replay.to_torch()`` gives a ``torch.nn.Module`` that torch's autograd,
  ``torch.compile`` and distributed training take as any other.
* A function whose graph depends on data cannot be replayed: the tracer re-runs
  it on samples and raises ``StaleTraceError`` when a graph differs (``trace.py``).
* ``no_grad()`` and ``detect_anomaly()`` govern eager mode only; replay computes
  infinities and NaN as eager mode does, without raising.

The map, one stage and one noun per module:

    trace.py       Values -> FlatGraph    flat lists of nodes; the stale-trace checks
    schedule.py    FlatGraph -> Schedule  fusion of sums, liveness masks, groups by level, rows
    steps.py       Schedule -> steps      each group as array calls, on numpy or torch
    replay.py      Replay                 runs the steps; trace(), compile_batch(), to_torch()
    parameters.py  ParameterArrays        the parameters' numbers in flat arrays

numpy is imported by this subpackage only; ``import neurograd_core`` does not load it.
"""

from neurograd_core.replay.parameters import ParameterArrays
from neurograd_core.replay.replay import BatchObjective, Replay, compile_batch, trace, trace_graph
from neurograd_core.replay.trace import StaleTraceError

__all__ = [
    "BatchObjective",
    "ParameterArrays",
    "Replay",
    "StaleTraceError",
    "compile_batch",
    "trace",
    "trace_graph",
]
