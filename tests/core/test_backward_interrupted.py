"""backward() that is interrupted or fails changes no .grad; threads that share parameters."""

import gc
import math
import signal
import sys
import threading
from functools import partial

import pytest
import torch

from neurograd_core import BackwardError, Op, Value, registry


@pytest.fixture
def isolated():
    with registry.isolated() as reg:
        yield reg


def bits(x):
    """A float's exact identity: -0.0 and 0.0 differ, every nan is alike."""
    return "nan" if math.isnan(x) else x.hex()


def every_node(root):
    seen, stack = {}, [root]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen[node] = None
            stack.extend(node.children)
    return list(seen)


def snapshot(nodes):
    return [bits(n.grad) for n in nodes]


class Interrupt(Exception):
    """Raised by the profiler at one chosen call."""


def interrupted_at(k, action, error):
    """Run ``action`` with ``error`` raised at the k-th place where CPython may deliver a
    KeyboardInterrupt that can be hooked: on entering a function, before and after calling
    a builtin. (Not when a Python function returns: CPython does not check there.) True if
    it was raised; an Exception reaches the caller as the BackwardError that wraps it."""
    count, running = 0, True

    def profiler(frame, event, arg):
        nonlocal count
        if event == "return" or not running:
            return
        count += 1
        if count == k:
            sys.setprofile(None)
            raise error

    # The cyclic GC could run another test's finalizer in the middle, where the injected
    # error would be counted and then swallowed ("Exception ignored in ..."): not now.
    gc.disable()
    sys.setprofile(profiler)
    try:
        action()
    except (type(error), BackwardError):
        return True
    finally:
        running = False
        sys.setprofile(None)
        gc.enable()
    return False


def accumulated_graph():
    """A small graph with gradients already accumulated everywhere (inner nodes too), a
    reused leaf, a constant, a three-input op and gradients that do not subtract exactly."""
    x, w, b = Value(0.7, label="x"), Value(-1.3, label="w"), Value(1e-17, label="b")
    h = (x * w + b).tanh()
    y = h * x + x.exp() * 1e-16 + h.sigmoid() / w
    y = registry.apply("fma3", y, x, w)
    y.backward()
    return y


def fma3_op():
    return Op(
        "fma3",
        lambda xp, a, b, c: a * b + c,
        lambda xp, g, out, a, b, c: (g * b, g * a, g),
    )


@pytest.mark.parametrize("error", [KeyboardInterrupt(), Interrupt("injected")], ids=type)
def test_an_interruption_at_any_call_of_backward_leaves_every_grad_as_it_was(isolated, error):
    registry.register(fma3_op())
    interrupted = 0
    for k in range(1, 100_000):
        y = accumulated_graph()
        nodes = every_node(y)
        before = snapshot(nodes)
        if not interrupted_at(k, partial(y.backward, 2.5), error):
            break
        interrupted += 1
        assert snapshot(nodes) == before, f"changed by an interruption at call {k}"
    assert interrupted > 100  # the profiler reached every phase of backward()


def chain_gradients(y):
    grads = []
    while y is not None:
        grads.append(y.grad)
        y = y.children[0] if y.children else None
    return grads


def test_a_million_node_chain_interrupted_while_it_is_ordered_keeps_its_gradients():
    x = Value(1.0)
    x.grad = 123.0
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()  # every node of the chain has a gradient now: x 124, the others 1
    before = chain_gradients(y)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.01)  # ordering a million nodes takes longer
        with pytest.raises(KeyboardInterrupt):
            y.backward()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert chain_gradients(y) == before
    y.backward()
    assert x.grad == 125.0


def test_a_failed_backward_restores_gradients_that_do_not_subtract_exactly(isolated):
    def fails(xp, grad, out, x):
        raise RuntimeError("no gradient here")

    registry.register(Op("fails", lambda xp, x: x, fails))
    p = Value(2.0)
    p.grad = 1.0
    y = p * Value(5e-17).fails()  # p's share, 5e-17, is added first and vanishes into 1.0
    with pytest.raises(BackwardError, match="'fails'"):
        y.backward()
    assert bits(p.grad) == bits(1.0)


def test_a_thread_whose_backward_fails_keeps_the_other_threads_gradients(isolated):
    """Thread A adds its share to the shared parameter, then waits inside an op's backward
    while the main thread backpropagates through the same parameter, then fails."""
    a_is_waiting, main_is_done = threading.Event(), threading.Event()

    def wait_then_fail(xp, grad, out, x):
        a_is_waiting.set()
        main_is_done.wait(30)
        raise RuntimeError("thread A's op fails")

    registry.register(Op("wait_then_fail", lambda xp, x: 2.0 * x, wait_then_fail))
    p = Value(3.0)
    p.grad = 1.0
    y_a = p * Value(4.0).wait_then_fail()  # processed first: p gets 8 from A, then A waits
    y_main = p * 5.0
    errors = []

    def thread_a():
        try:
            y_a.backward()
        except BackwardError as err:
            errors.append(err)

    worker = threading.Thread(target=thread_a)
    worker.start()
    assert a_is_waiting.wait(30)
    y_main.backward()  # adds 5 to p while A is inside its backward
    main_is_done.set()
    worker.join(30)
    assert len(errors) == 1 and "wait_then_fail" in str(errors[0])
    assert p.grad == 1.0 + 5.0  # the main thread's 5 stays; A's 8 is taken back


def test_threads_that_share_parameters_add_all_their_gradients():
    w = Value(0.5)
    expected = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    inputs = [0.1 * i for i in range(1, 9)]

    def work(x):
        for _ in range(50):
            ((w * x).tanh() * x + w * w).backward()

    threads = [threading.Thread(target=work, args=(x,)) for x in inputs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for x in inputs:
        for _ in range(50):
            ((expected * x).tanh() * x + expected * expected).backward()
    assert w.grad == pytest.approx(expected.grad.item(), rel=1e-12)
