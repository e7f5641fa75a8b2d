"""Small expressions typed on the command line, computed as Neurograd graphs.

    evaluate("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})

Python syntax, never ``eval``: numbers, names given values, ``+ - * / **``,
unary ``-``, parentheses, and registered ops called as functions (``tanh(x)``,
``leaky_relu(x, negative_slope=0.1)``) or methods (``x.relu()``). Each name
becomes one labelled leaf Value, shared by all its uses.

The text is split by ``tokenize`` and read by one operator-precedence loop with
explicit stacks (the shunting-yard algorithm), computing as it reads. Not with
``ast``: CPython's parser recurses once per nested operator, so ``x+x+...`` of
a few thousand terms raised RecursionError and ``x**x**...`` MemoryError. Here
nesting costs list entries, never stack.
"""

from __future__ import annotations

import ast
import io
import keyword
import operator
import tokenize
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from neurograd_core.registry import registry
from neurograd_core.value import Value

# Python's precedences: + - < * / < unary - < **, and ** groups to the right.
_BINARY: dict[str, tuple[int, Callable[[Any, Any], Any]]] = {
    "+": (1, operator.add),
    "-": (1, operator.sub),
    "*": (2, operator.mul),
    "/": (2, operator.truediv),
    "**": (4, operator.pow),
}
_UNARY: dict[str, Callable[[Any], Any]] = {"-": operator.neg, "+": lambda value: value}
_UNARY_PRECEDENCE = 3
_SKIPPED = (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
_ALLOWED = "use numbers, names, + - * / **, and registered ops such as tanh(x) or x.relu()"


class ExpressionError(ValueError):
    """An expression that cannot be computed: bad syntax, an unknown name, a disallowed form."""


def evaluate(source: str, values: Mapping[str, float]) -> Value:
    """The Value ``source`` computes, its names taken from ``values``."""
    source = source.strip()
    leaves = {name: Value(data, label=name) for name, data in values.items()}
    try:
        result = _Reader(source, leaves).run()
    except ArithmeticError as err:  # only plain numbers raise: Values follow IEEE 754
        raise ExpressionError(f"cannot compute {_excerpt(source)!r}: {err.args[-1]}") from None
    if not isinstance(result, Value):
        raise ExpressionError(
            f"{_excerpt(source)!r} uses no named value, so it has no graph to show"
        )
    return result


def _excerpt(source: str, start: int = 0, end: int = 0, width: int = 30) -> str:
    """``source``, or the part of a long one around ``start:end``."""
    if len(source) <= 2 * width + 20:
        return source
    left, right = max(0, start - width), min(len(source), end + width)
    return ("..." if left else "") + source[left:right] + ("..." if right < len(source) else "")


@dataclass
class _Token:
    kind: int
    text: str
    start: int  # offsets into the source
    end: int


@dataclass
class _Operand:
    value: Any
    start: int
    end: int


@dataclass
class _Pending:
    """An operator waiting for its operands, an open parenthesis, or an open call."""

    kind: str  # "binary", "unary", "paren" or "call"
    text: str  # the operator, "(", or the op's name
    start: int
    height: int = 0  # for a call: how many operands were waiting when it opened
    inputs: list[Any] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


def _tokens(source: str) -> list[_Token]:
    line_starts = [0]
    for line in source.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    tokens = []
    for kind, text, (row, col), (end_row, end_col), _ in tokenize.generate_tokens(
        io.StringIO(source).readline
    ):
        if kind not in _SKIPPED:
            start, end = line_starts[row - 1] + col, line_starts[end_row - 1] + end_col
            tokens.append(_Token(kind, text, start, end))
    return tokens


class _Reader:
    """One pass over the tokens: values wait in ``operands``, operators, open
    parentheses and open calls in ``pending``, until what follows says they can be
    computed."""

    def __init__(self, source: str, leaves: dict[str, Value]) -> None:
        self.source = source
        self.leaves = leaves
        try:
            self.tokens = _tokens(source)
        except (tokenize.TokenError, SyntaxError) as err:
            raise self._unreadable(err.args[0]) from None
        self.operands: list[_Operand] = []
        self.pending: list[_Pending] = []
        self.i = 0

    def run(self) -> Any:
        expect_operand = True
        while self.i < len(self.tokens):
            token = self.tokens[self.i]
            self.i += 1
            if expect_operand:
                expect_operand = self._operand(token)
            else:
                expect_operand = self._after_operand(token)
        if expect_operand:
            raise self._unreadable("it ends where a value should follow")
        self._reduce()
        if self.pending:
            raise self._unreadable("'(' is never closed")
        return self.operands[-1].value

    def _operand(self, token: _Token) -> bool:
        """Read where a value must come; returns whether one is still expected."""
        text, following = token.text, self._peek()
        if token.kind == tokenize.NUMBER:
            number = ast.literal_eval(text)
            if not isinstance(number, (int, float)):
                raise self._not_allowed(token)
            self.operands.append(_Operand(number, token.start, token.end))
            return False
        if token.kind == tokenize.NAME and not keyword.iskeyword(text):
            if following is not None and following.text == "(":
                self.i += 1
                return self._open_call(text, [], token.start)
            self.operands.append(_Operand(self._name(text), token.start, token.end))
            return False
        if text == "(":
            self.pending.append(_Pending("paren", text, token.start))
            return True
        if text in _UNARY:
            self.pending.append(_Pending("unary", text, token.start))
            return True
        if text == ")" and self._at_argument_start():
            return self._close(token)  # f(), f(x,) and f(x, a=1)
        if text in (")", ","):
            raise self._unreadable(f"{text!r} where a value should be", token)
        raise self._not_allowed(token)

    def _after_operand(self, token: _Token) -> bool:
        """Read after a complete value; returns whether a value is expected next."""
        text = token.text
        if token.kind == tokenize.OP and text in _BINARY:
            precedence = _BINARY[text][0]
            self._reduce(precedence, right_to_left=text == "**")
            self.pending.append(_Pending("binary", text, token.start))
            return True
        if text == ".":
            return self._method(token)
        if text == ")":
            return self._close(token)
        if text == ",":
            call = self._innermost_call(token)
            call.inputs.append(self.operands.pop().value)
            return self._argument_start(call)
        if token.kind in (tokenize.NAME, tokenize.NUMBER) or text == "(":
            raise self._unreadable(f"{text!r} follows a value with no operator between", token)
        raise self._not_allowed(token)

    def _name(self, name: str) -> Value:
        if name not in self.leaves:
            raise ExpressionError(f"name {name!r} has no value: give it one with --set {name}=1.5")
        return self.leaves[name]

    def _peek(self, ahead: int = 0) -> _Token | None:
        index = self.i + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def _method(self, dot: _Token) -> bool:
        name, paren = self._peek(), self._peek(1)
        subject = self.operands[-1]
        if name is None or name.kind != tokenize.NAME or paren is None or paren.text != "(":
            end = name.end if name is not None else dot.end
            raise self._not_allowed(dot, subject.start, end)
        self.i += 2
        self.operands.pop()
        return self._open_call(name.text, [subject.value], subject.start)

    def _open_call(self, name: str, inputs: list[Any], start: int) -> bool:
        if name not in registry:
            known = ", ".join(sorted(registry.names()))
            raise ExpressionError(f"no op named {name!r} is registered (registered: {known})")
        call = _Pending("call", name, start, len(self.operands), inputs)
        self.pending.append(call)
        return self._argument_start(call)

    def _at_argument_start(self) -> bool:
        top = self.pending[-1] if self.pending else None
        return top is not None and top.kind == "call" and len(self.operands) == top.height

    def _argument_start(self, call: _Pending) -> bool:
        """Before an argument: read any ``name=constant`` attributes. A value or ')' follows."""
        while True:
            token, equals = self._peek(), self._peek(1)
            if token is None or equals is None:
                return True
            if token.kind != tokenize.NAME or equals.text != "=":
                if call.attrs and token.text != ")":
                    raise self._unreadable("an input follows an attribute", token)
                return True
            self._attribute(call, token)

    def _attribute(self, call: _Pending, name: _Token) -> None:
        """``name=constant``: a number (signed or not), a string, True, False or None."""
        self.i += 2  # the name and "="
        first = self.i
        while self.i < len(self.tokens) and self.tokens[self.i].text not in (",", ")"):
            self.i += 1
        value = self.tokens[first : self.i]
        texts, kinds = [t.text for t in value], [t.kind for t in value]
        signed = len(value) == 2 and texts[0] in ("-", "+")
        number = kinds[-1:] == [tokenize.NUMBER] and (len(value) == 1 or signed)
        if not (number or kinds == [tokenize.STRING] or texts in (["True"], ["False"], ["None"])):
            end = value[-1].end if value else name.end + 1
            got = _excerpt(self.source[name.start : end])
            raise ExpressionError(f"op attributes must be written name=constant, got {got!r}")
        call.attrs[name.text] = ast.literal_eval("".join(texts))
        following = self._peek()
        if following is not None and following.text == ",":
            self.i += 1

    def _innermost_call(self, comma: _Token) -> _Pending:
        self._reduce()
        if not self.pending or self.pending[-1].kind != "call":
            raise self._not_allowed(comma)
        return self.pending[-1]

    def _close(self, paren: _Token) -> bool:
        self._reduce()
        if not self.pending:
            raise self._unreadable("')' closes nothing", paren)
        opened = self.pending.pop()
        if opened.kind == "paren":
            inner = self.operands.pop()
            self.operands.append(_Operand(inner.value, opened.start, paren.end))
            return False
        if len(self.operands) > opened.height:
            opened.inputs.append(self.operands.pop().value)
        try:
            result = registry.apply(opened.text, *opened.inputs, **opened.attrs)
        except (TypeError, ValueError) as err:
            call = _excerpt(self.source[opened.start : paren.end])
            raise ExpressionError(f"{call!r}: {err}") from None
        self.operands.append(_Operand(result, opened.start, paren.end))
        return False

    def _reduce(self, precedence: int = 0, right_to_left: bool = False) -> None:
        """Apply the waiting operators that bind at least as tightly as ``precedence``
        (more tightly, for ``**``), stopping at an open parenthesis or call."""
        while self.pending and self.pending[-1].kind in ("binary", "unary"):
            top = self.pending[-1]
            binds = _BINARY[top.text][0] if top.kind == "binary" else _UNARY_PRECEDENCE
            if binds < precedence or (binds == precedence and right_to_left):
                return
            self.pending.pop()
            right = self.operands.pop()
            if top.kind == "unary":
                value, start = _UNARY[top.text](right.value), top.start
            else:
                left = self.operands.pop()
                a, b = left.value, right.value
                if not isinstance(a, Value) and not isinstance(b, Value):
                    a, b = float(a), float(b)  # overflows at once where ints grow
                value, start = _BINARY[top.text][1](a, b), left.start
            self.operands.append(_Operand(value, start, right.end))

    def _unreadable(self, reason: str, token: _Token | None = None) -> ExpressionError:
        where = _excerpt(self.source, token.start, token.end) if token else _excerpt(self.source)
        return ExpressionError(f"cannot read {where!r}: {reason}")

    def _not_allowed(
        self, token: _Token, start: int | None = None, end: int | None = None
    ) -> ExpressionError:
        start = token.start if start is None else start
        end = token.end if end is None else end
        shown = _excerpt(self.source, start, end)
        return ExpressionError(f"{shown!r} is not allowed ({token.text!r}): {_ALLOWED}")
