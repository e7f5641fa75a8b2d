"""What type checkers see: the bundled ops declared on ``Value`` and in ``functional``,
in step with the registry; ``py.typed`` in every package; mypy's view of real code."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from neurograd_core import Op, Value, functional, register_op, registry
from neurograd_core.errors import UnknownOpError
from neurograd_core.plugins import plugin_infos

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["neurograd_core", "neurograd_ops", "neurograd_nn", "neurograd_viz"]


def _declare_ops():
    spec = importlib.util.spec_from_file_location("declare_ops", ROOT / "tools" / "declare_ops.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bundled_ops() -> dict[str, Op]:
    bundled = {info.name for info in plugin_infos() if info.bundled}
    return {op.name: op for op in registry if op.provider in bundled}


def _declared(path: Path, in_class: str | None) -> dict[str, ast.FunctionDef]:
    """The functions declared under ``if TYPE_CHECKING:`` in ``path`` (in a class or not)."""
    body = ast.parse(path.read_text()).body
    if in_class is not None:
        [cls] = [n for n in body if isinstance(n, ast.ClassDef) and n.name == in_class]
        body = cls.body
    declared = {}
    for node in body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            declared |= {f.name: f for f in node.body if isinstance(f, ast.FunctionDef)}
    return declared


def _shape(function: ast.FunctionDef, skip_self: bool) -> tuple[int | None, list[str]]:
    """(positional inputs, None when ``*args``; keyword-only names) of a declaration."""
    args = function.args
    positional = len(args.posonlyargs) + len(args.args) - (1 if skip_self else 0)
    return (None if args.vararg else positional), [a.arg for a in args.kwonlyargs]


def _attributes(op: Op) -> list[str]:
    parameters = inspect.signature(op.forward).parameters.values()
    return [p.name for p in parameters if p.kind is p.KEYWORD_ONLY]


def test_the_generated_declarations_are_up_to_date():
    for path, (now, fresh) in _declare_ops().rendered().items():
        assert now == fresh, (
            f"stale op declarations in {path.name}: run python tools/declare_ops.py"
        )


def test_value_declares_every_bundled_op_as_a_method_with_its_inputs_and_attributes():
    ops = _bundled_ops()
    assert {"add", "tanh", "leaky_relu", "log1p"} <= set(ops)
    declared = _declared(ROOT / "neurograd_core" / "value.py", "Value")
    methods = {name: f for name, f in declared.items() if not name.startswith("__")}
    assert sorted(methods) == sorted(ops), "run python tools/declare_ops.py"
    for name, op in ops.items():
        inputs, keywords = _shape(methods[name], skip_self=True)
        others = None if op.arity is None else op.arity - 1
        assert inputs == others, f"Value.{name}: declared {inputs} other inputs, op has {others}"
        expected = [] if op.arity == 2 else _attributes(op)  # binary methods take no attrs
        assert keywords == expected, f"Value.{name}: attributes {keywords} != {expected}"


def test_value_declares_exactly_the_operators_the_bundled_ops_back():
    backed = {operator for op in _bundled_ops().values() for operator in op.operators}
    assert {"__add__", "__radd__", "__pow__", "__rpow__", "__neg__", "__truediv__"} <= backed
    declared = _declared(ROOT / "neurograd_core" / "value.py", "Value")
    # __getattr__ and __setattr__ are declared for type checkers only: a plugin's op
    # method is Any to them, and user code may set attributes of its own
    for_checkers = {"__getattr__", "__setattr__"}
    assert {name for name in declared if name.startswith("__")} - for_checkers == backed
    for name in for_checkers:
        assert name in declared and name not in vars(Value)


def test_functional_declares_every_bundled_op_with_its_inputs_and_attributes():
    ops = _bundled_ops()
    declared = _declared(ROOT / "neurograd_core" / "functional.py", None)
    assert sorted(declared) == sorted(ops), "run python tools/declare_ops.py"
    for name, op in ops.items():
        assert _shape(declared[name], skip_self=False) == (op.arity, _attributes(op)), name


def test_declarations_change_nothing_at_run_time():
    """The methods are the registry's bindings; the functions resolve through the registry."""
    assert Value.tanh.__qualname__ == "Value.tanh"
    assert Value.__add__.__doc__ == "Apply the registered op 'add'."
    with registry.isolated():
        registry.unregister("tanh")
        assert not hasattr(Value, "tanh")
        with pytest.raises(AttributeError):
            functional.tanh  # noqa: B018


def cube(xp, x):
    return x * x * x


def cube_backward(xp, grad, out, x):
    return (3 * x * x * grad,)


def test_a_third_party_op_through_apply_and_op():
    with registry.isolated():
        register_op(Op("cube", cube, cube_backward))
        x = Value(2.0)
        y = functional.apply("cube", x) + functional.op("cube")(x)
        y.backward()
        assert (y.data, x.grad) == (16.0, 24.0)  # 2 * x**3 and 6 * x**2
        assert "cube" in dir(functional) and "apply" in dir(functional)


def test_op_of_an_unknown_name_fails_when_asked_not_when_called():
    with pytest.raises(UnknownOpError, match="no op named 'cuube'.*registered: .*tanh"):
        functional.op("cuube")
    with pytest.raises(UnknownOpError, match="cuube"):
        functional.apply("cuube", 1.0)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_ships_py_typed(package):
    assert (ROOT / package / "py.typed").is_file()


def test_the_wheel_holds_py_typed_for_every_package(tmp_path):
    """setuptools leaves data files out unless asked: build the wheel and look."""
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"{package}/py.typed" for package in PACKAGES} <= names


USER_CODE = """
from neurograd_core import Value, functional

x = Value(1.0)
reveal_type(x + 2)
reveal_type(2 * x)
reveal_type(2.0 ** x)
reveal_type(-x)
reveal_type(abs(x))
reveal_type(x.tanh())
reveal_type(x.leaky_relu(negative_slope=0.2))
reveal_type(functional.tanh(x))
reveal_type(functional.apply("cube", x, 3.0))
reveal_type(functional.op("cube")(x))
x.m = 0.0  # an attribute of the user's own
x.tanh(1.0)
x.leaky_relu(slope=0.2)
x + "a"
functional.cube(x)
x.grad = "a"
"""


def test_mypy_sees_the_operators_and_op_methods_with_their_types(tmp_path):
    script = tmp_path / "user_code.py"
    script.write_text(textwrap.dedent(USER_CODE))
    cache = tmp_path / "cache"
    # An editable install is an import hook that mypy cannot follow: point it at the source.
    environment = {**os.environ, "MYPYPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("user_code.py:")]
    revealed = [
        line.split('Revealed type is "')[1].rstrip('"') for line in lines if "Reveal" in line
    ]
    assert revealed == ["neurograd_core.value.Value"] * 10, result.stdout
    errors = {int(line.split(":")[1]) for line in lines if ": error:" in line}
    first_error = script.read_text().splitlines().index("x.tanh(1.0)") + 1
    assert errors == set(range(first_error, first_error + 5)), result.stdout
