"""Formulas across trend series (`A+2*B`, `(A-B)/A*100`), DESIGN §9.

A formula is parsed with Python's `ast` in `eval` mode and accepted only if every node
is on a whitelist: numbers, series letters, `+ - * /`, parentheses and unary minus.
Anything else — names that are not series, calls, attributes, subscripts, `**`,
comparisons, strings, `__import__('os')` — is rejected with a message. The accepted tree
is evaluated here over numpy arrays of the computed series; it never reaches SQL.

Division by zero gives 0 (as PostHog's formulas do), so a bucket with no denominator
does not poison the whole line.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

MAX_LENGTH = 500
MAX_NODES = 200


MAX_CONSTANT = 1e15  # larger literals overflow the float arithmetic of a bucket


class FormulaError(ValueError):
    """The formula is not in the accepted grammar; the message says why."""


@dataclass(frozen=True)
class Formula:
    """A parsed formula: its normalized text, the series it reads, and its tree."""

    text: str
    letters: frozenset[str]
    tree: ast.Expression

    def evaluate(self, series: Mapping[str, np.ndarray]) -> np.ndarray:
        """The formula over equal-length float arrays keyed by letter."""
        with np.errstate(divide="ignore", invalid="ignore"):
            value = _evaluate(self.tree.body, series)
        return np.nan_to_num(np.asarray(value, dtype=np.float64), nan=0.0, posinf=0.0,
                             neginf=0.0)


_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def series_letter(index: int) -> str:
    """The letter naming series `index` (A, B, ..., Z)."""
    return chr(ord("A") + index)


def parse_formula(text: str, n_series: int) -> Formula:
    """Parse `text` into a whitelisted formula over series A.. (n_series of them).

    Letters are case-insensitive. Raises FormulaError naming the offending part.
    """
    if not text or not text.strip():
        raise FormulaError("the formula is empty")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise FormulaError(f"cannot parse formula {text!r}: use series letters, numbers, "
                           "+ - * / and parentheses") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError(f"the formula has more than {MAX_NODES} parts")
    allowed = {series_letter(i) for i in range(n_series)}
    letters: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Name):
            letter = node.id.upper()
            if len(letter) != 1 or letter not in allowed:
                known = ", ".join(sorted(allowed))
                raise FormulaError(f"{node.id!r} is not a series of this query (series: {known})")
            node.id = letter
            letters.add(letter)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise FormulaError(f"{node.value!r} is not a number")
            if not abs(node.value) <= MAX_CONSTANT:  # also catches inf and nan
                raise FormulaError(f"the number at position {node.col_offset + 1} is too "
                                   f"large: numbers in a formula are at most {MAX_CONSTANT:g}")
        elif isinstance(node, ast.BinOp):
            if not isinstance(node.op, _BINARY):
                raise FormulaError(f"operator {type(node.op).__name__} is not allowed; "
                                   "use + - * /")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise FormulaError(f"operator {type(node.op).__name__} is not allowed")
        elif not isinstance(node, (ast.Expression, ast.Load, *_BINARY, ast.USub, ast.UAdd)):
            raise FormulaError(f"{type(node).__name__} is not allowed in a formula: use "
                               "series letters, numbers, + - * / and parentheses")
    if not letters:
        raise FormulaError("the formula uses no series")
    return Formula(ast.unparse(tree), frozenset(letters), tree)


def _evaluate(node: ast.AST, series: Mapping[str, np.ndarray]):
    if isinstance(node, ast.Name):
        return np.asarray(series[node.id], dtype=np.float64)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, series)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, series), _evaluate(node.right, series)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        # division by zero → 0
        right_arr = np.asarray(right, dtype=np.float64)
        safe = np.where(right_arr == 0, 1.0, right_arr)
        return np.where(right_arr == 0, 0.0, np.asarray(left, dtype=np.float64) / safe)
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula")  # unreachable
