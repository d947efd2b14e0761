"""Custom-metric formulas: a small grammar (lark), parsed into a typed tree and checked
against a data source's allow-listed columns. No FastAPI, no SQL here (see `compile.py`).

    formula   := sum
    sum       := product (("+" | "-") product)*
    product   := unary (("*" | "/") unary)*
    unary     := "-" unary | atom
    atom      := NUMBER | call | "(" sum ")" | NAME
    call      := NAME "(" [arg ("," arg)*] ")"      e.g. SUM(revenue), COUNT(DISTINCT x)

Functions (case-insensitive): the aggregates SUM, AVG, MIN, MAX over a numeric column,
COUNT(*) / COUNT() / COUNT(column) / COUNT(DISTINCT column), and LAG(expression, n): the
expression's value n time buckets earlier (null before the first bucket of the range).
A column may appear only as an aggregate's argument; LAG's expression may not contain
another LAG. Anything else — a statement separator, a string, an unknown function or
column — is refused with a `FormulaError` naming its 1-based position.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from lark import Lark, Token, Tree, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

MAX_LENGTH = 500
MAX_LAG = 366
AGGREGATES = ("sum", "avg", "min", "max", "count")
NUMERIC_AGGREGATES = ("sum", "avg", "min", "max")

_GRAMMAR = r"""
?start: sum
?sum: product
    | sum "+" product -> add
    | sum "-" product -> sub
?product: unary
    | product "*" unary -> mul
    | product "/" unary -> div
?unary: atom
    | "-" unary -> neg
?atom: NUMBER -> number
    | call
    | NAME -> column
    | "(" sum ")"
call: NAME "(" [arg ("," arg)*] ")"
?arg: STAR -> star
    | DISTINCT NAME -> distinct
    | sum
DISTINCT.2: /distinct(?![A-Za-z0-9_])/i
STAR: "*"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/
%ignore /[ \t\r\n]+/
"""
_PARSER = Lark(_GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


class FormulaError(ValueError):
    """A formula that is not allowed; `position` is 1-based within the formula."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"position {position}: {message}")
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Aggregate:
    function: Literal["sum", "avg", "min", "max", "count"]
    column: str | None  # None: COUNT(*)
    distinct: bool = False

    @property
    def key(self) -> str:
        """A stable name of the aggregate (the same aggregate is computed once)."""
        inner = f"DISTINCT {self.column}" if self.distinct else (self.column or "*")
        return f"{self.function}({inner})"


@dataclass(frozen=True)
class Binary:
    op: Literal["+", "-", "*", "/"]
    left: Node
    right: Node


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class Lag:
    operand: Node
    offset: int


Node = Number | Aggregate | Binary | Negate | Lag
_OPS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


def parse(formula: str, columns: Mapping[str, bool]) -> Node:
    """The tree of `formula` over a source whose allow-list maps column → numeric.

    Raises FormulaError naming the position of the first thing that is not allowed.
    """
    if len(formula) > MAX_LENGTH:
        raise FormulaError(f"the formula is longer than {MAX_LENGTH} characters", MAX_LENGTH + 1)
    if not formula.strip():
        raise FormulaError("the formula is empty", 1)
    try:
        tree = _PARSER.parse(formula)
    except UnexpectedCharacters as exc:
        raise FormulaError(f"unexpected character {formula[exc.pos_in_stream]!r}",
                           exc.pos_in_stream + 1) from None
    except UnexpectedEOF:
        raise FormulaError("the formula ends too early", len(formula) + 1) from None
    except UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        if token is not None and token.type == "$END":
            raise FormulaError("the formula ends too early", len(formula) + 1) from None
        where = getattr(token, "start_pos", None)
        where = exc.pos_in_stream if where is None else where
        text = f" {str(token)!r}" if token is not None and str(token) else ""
        raise FormulaError(f"unexpected{text or ' end of formula'}",
                           (where if where is not None else len(formula)) + 1) from None
    return _Checker(columns).node(tree, in_lag=False)


def _position(item: Tree | Token) -> int:
    if isinstance(item, Token):
        return (item.start_pos or 0) + 1
    return (item.meta.start_pos if not item.meta.empty else 0) + 1


class _Checker:
    """Turns the parse tree into Nodes, enforcing the allow-list."""

    def __init__(self, columns: Mapping[str, bool]) -> None:
        self.columns = columns

    def node(self, item: Tree | Token, in_lag: bool) -> Node:
        kind = item.data if isinstance(item, Tree) else item.type
        if kind == "number":
            return self._number(item.children[0])
        if kind in _OPS:
            left, right = item.children
            return Binary(_OPS[kind], self.node(left, in_lag), self.node(right, in_lag))
        if kind == "neg":
            return Negate(self.node(item.children[0], in_lag))
        if kind == "call":
            return self._call(item, in_lag)
        if kind == "column":
            name = str(item.children[0])
            raise FormulaError(f"column {name!r} must be inside an aggregate "
                               "(SUM, AVG, MIN, MAX or COUNT)", _position(item))
        if kind in ("star", "distinct"):
            raise FormulaError("* and DISTINCT belong inside COUNT(...)", _position(item))
        raise FormulaError(f"unexpected {kind}", _position(item))  # pragma: no cover

    def _number(self, token: Token) -> Number:
        value = float(str(token))
        if not math.isfinite(value) or abs(value) > 1e15:
            raise FormulaError(f"number {str(token)[:20]!r} is out of range (at most 1e15)",
                               _position(token))
        return Number(value)

    def _call(self, item: Tree, in_lag: bool) -> Node:
        name_token, *args = item.children
        name = str(name_token).lower()
        if name == "lag":
            return self._lag(item, args, in_lag)
        if name not in AGGREGATES:
            raise FormulaError(f"unknown function {str(name_token)!r}; allowed: SUM, AVG, MIN, "
                               "MAX, COUNT, LAG", _position(name_token))
        if name == "count" and (not args or (len(args) == 1 and _kind(args[0]) == "star")):
            return Aggregate("count", None)
        if len(args) != 1:
            raise FormulaError(f"{name.upper()} takes one column", _position(item))
        [arg] = args
        distinct = _kind(arg) == "distinct"
        if distinct:
            if name != "count":
                raise FormulaError("DISTINCT is allowed only in COUNT(DISTINCT column)",
                                   _position(arg))
            column_token = arg.children[1]
        elif _kind(arg) == "column":
            column_token = arg.children[0]
        else:
            raise FormulaError(f"{name.upper()} takes a column name", _position(arg))
        column = str(column_token)
        if column not in self.columns:
            raise FormulaError(f"unknown column {column!r}; this source allows "
                               f"{', '.join(sorted(self.columns))}", _position(column_token))
        if name in NUMERIC_AGGREGATES and not self.columns[column]:
            raise FormulaError(f"{name.upper()} needs a numeric column; {column!r} is not",
                               _position(column_token))
        return Aggregate(name, column, distinct)  # type: ignore[arg-type]

    def _lag(self, item: Tree, args: list, in_lag: bool) -> Lag:
        if in_lag:
            raise FormulaError("LAG cannot contain another LAG", _position(item))
        if len(args) != 2 or _kind(args[1]) != "number":
            raise FormulaError("LAG takes an expression and a whole number of buckets, "
                               "e.g. LAG(SUM(revenue), 1)", _position(item))
        offset = float(str(args[1].children[0]))
        if offset != int(offset) or not 1 <= offset <= MAX_LAG:
            raise FormulaError(f"LAG's offset must be a whole number from 1 to {MAX_LAG}",
                               _position(args[1]))
        return Lag(self.node(args[0], in_lag=True), int(offset))


def _kind(item: Tree | Token) -> str:
    return item.data if isinstance(item, Tree) else item.type


def aggregates(node: Node) -> list[Aggregate]:
    """The distinct aggregates a formula reads, in first-use order."""
    found: dict[str, Aggregate] = {}

    def walk(current: Node) -> None:
        if isinstance(current, Aggregate):
            found.setdefault(current.key, current)
        elif isinstance(current, Binary):
            walk(current.left)
            walk(current.right)
        elif isinstance(current, (Negate, Lag)):
            walk(current.operand)

    walk(node)
    return list(found.values())
