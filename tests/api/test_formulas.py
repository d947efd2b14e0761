"""Trend formulas: a whitelisted arithmetic AST over series letters, evaluated in numpy."""

from __future__ import annotations

import numpy as np
import pytest

from api.analytics.formulas import FormulaError, parse_formula

A = np.array([1.0, 2.0, 0.0, 4.0])
B = np.array([10.0, 0.0, 5.0, 2.0])


def _eval(text: str, n: int = 2) -> list[float]:
    return parse_formula(text, n).evaluate({"A": A, "B": B}).tolist()


def test_arithmetic_over_series() -> None:
    assert _eval("A+2*B") == [21.0, 2.0, 10.0, 8.0]
    assert _eval("(A + B) * 2") == [22.0, 4.0, 10.0, 12.0]
    assert _eval("-A + B") == [9.0, -2.0, 5.0, -2.0]
    assert _eval("A - -B") == [11.0, 2.0, 5.0, 6.0]
    assert _eval("b / 2") == [5.0, 0.0, 2.5, 1.0]  # letters are case-insensitive
    assert _eval("A * 1.5e1") == [15.0, 30.0, 0.0, 60.0]


def test_division_by_zero_gives_zero() -> None:
    # A/B with B = [10, 0, 5, 2]: the second bucket divides by 0 → 0, not inf or NaN.
    assert _eval("A/B") == [0.1, 0.0, 0.0, 2.0]
    assert _eval("A/(B-B)") == [0.0, 0.0, 0.0, 0.0]
    assert _eval("1/0 + A") == A.tolist()


def test_normalized_text_and_letters() -> None:
    formula = parse_formula("a+2*b", 2)
    assert formula.text == "A + 2 * B"
    assert formula.letters == frozenset({"A", "B"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", "not allowed"),
        ("__import__('os').system('id')", "not allowed"),
        ("A.__class__", "not allowed"),
        ("A[0]", "not allowed"),
        ("A ** 2", "not allowed"),
        ("A // 2", "not allowed"),
        ("A % 2", "not allowed"),
        ("A if B else 1", "not allowed"),
        ("A < B", "not allowed"),
        ("not A", "not allowed"),
        ("~A", "not allowed"),
        ("lambda: 1", "not allowed"),
        ("[A, B]", "not allowed"),
        ("'A'", "is not a number"),
        ("True + A", "is not a number"),
        ("C + A", "not a series"),
        ("AB", "not a series"),
        ("x", "not a series"),
        ("A +", "cannot parse"),
        ("A; B", "cannot parse"),
        ("", "empty"),
        ("2 + 3", "uses no series"),
        ("A" + "+A" * 300, "longer than"),
        ("(" * 201 + "A" + ")" * 201, "cannot parse"),  # nested beyond the parser limit
        ("-" * 300 + "A", "more than"),  # 301 nodes
    ],
)
def test_rejected_formulas(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        parse_formula(text, 2)
