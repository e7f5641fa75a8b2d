"""make_moons and make_circles equal scikit-learn's for the same random state; spirals; batches."""

import numpy as np
import pytest
import sklearn.datasets

from neurograd_nn.datasets import batches, make_circles, make_moons, make_spirals


def assert_same_data(mine, reference):
    (X, y), (X_ref, y_ref) = mine, reference
    assert X.shape == X_ref.shape and X.dtype == X_ref.dtype
    assert y.dtype == y_ref.dtype
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


@pytest.mark.parametrize("n_samples", [1, 2, 7, 100, (3, 5)])
@pytest.mark.parametrize("seed", [0, 1337])
@pytest.mark.parametrize("options", [{}, {"noise": 0.1}, {"noise": 0.3, "shuffle": False}])
def test_make_moons_equals_sklearn(n_samples, seed, options):
    assert_same_data(
        make_moons(n_samples, random_state=seed, **options),
        sklearn.datasets.make_moons(n_samples, random_state=seed, **options),
    )


@pytest.mark.parametrize("n_samples", [0, 5, 100, (4, 6)])
@pytest.mark.parametrize("options", [{}, {"noise": 0.05, "factor": 0.5}])
def test_make_circles_equals_sklearn(n_samples, options):
    assert_same_data(
        make_circles(n_samples, random_state=42, **options),
        sklearn.datasets.make_circles(n_samples, random_state=42, **options),
    )


def test_global_numpy_seed_as_in_micrograds_demo():
    np.random.seed(1337)
    reference = sklearn.datasets.make_moons(n_samples=100, noise=0.1)
    after_reference = np.random.random()
    np.random.seed(1337)
    mine = make_moons(n_samples=100, noise=0.1)
    assert np.random.random() == after_reference  # the global generator advanced alike
    assert_same_data(mine, reference)


def test_a_random_state_instance_is_used_and_advanced():
    ours, theirs = np.random.RandomState(3), np.random.RandomState(3)
    assert_same_data(
        make_moons(20, noise=0.2, random_state=ours),
        sklearn.datasets.make_moons(20, noise=0.2, random_state=theirs),
    )
    assert ours.random() == theirs.random()


def test_spirals_are_seeded_balanced_two_arms():
    X, y = make_spirals(101, noise=0.05, random_state=4)
    assert X.shape == (101, 2) and sorted(set(y.tolist())) == [0, 1]
    assert (y == 0).sum() == 50 and (y == 1).sum() == 51
    again, _ = make_spirals(101, noise=0.05, random_state=4)
    other, _ = make_spirals(101, noise=0.05, random_state=5)
    np.testing.assert_array_equal(X, again)
    assert not np.array_equal(X, other)
    clean, labels = make_spirals(50, shuffle=False)
    radius = np.hypot(clean[:, 0], clean[:, 1])
    assert radius.min() == pytest.approx(0.1) and radius.max() == pytest.approx(1.0)
    # the second arm is the first turned by half a turn
    np.testing.assert_allclose(clean[labels == 1], -clean[labels == 0], atol=1e-12)


def test_batches_cover_every_sample_once():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    seen = []
    sizes = []
    for X_batch, y_batch in batches(X, y, 4, random_state=0):
        np.testing.assert_array_equal(X_batch[:, 0], 2 * y_batch)
        seen += y_batch.tolist()
        sizes.append(len(y_batch))
    assert sorted(seen) == list(range(10)) and seen != list(range(10))
    assert sizes == [4, 4, 2]
    in_order = [b.tolist() for _, b in batches(X, y, 3, shuffle=False)]
    assert in_order == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: make_moons(0), ValueError, "n_samples must be at least 1"),
        (lambda: make_moons((1, 2, 3)), ValueError, "an int or a pair"),
        (lambda: make_moons(10, noise=-0.1), ValueError, "noise must be >= 0"),
        (lambda: make_moons(10, noise="a"), TypeError, "noise must be a number"),
        (lambda: make_moons(10, random_state="x"), TypeError, "random_state must be None"),
        (lambda: make_circles(10, factor=1.0), ValueError, r"factor must be in \[0, 1\)"),
        (lambda: make_spirals(10, turns=0), ValueError, "turns must be a positive number"),
        (lambda: batches([[1.0]], [1, 2], 1), ValueError, "X has 1 samples but y has 2"),
        (lambda: batches([[1.0]], [1], 0), ValueError, "batch_size must be at least 1"),
        (lambda: batches([[1.0]], [1], 1.5), TypeError, "batch_size must be an int"),
    ],
)
def test_bad_dataset_arguments_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
