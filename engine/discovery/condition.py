"""Conditions over scenario outcomes and parameters, as safe expressions.

``discover.condition="gap_at_10y > 0.05 and t_peak < 2"`` is parsed with Python's ``ast`` and
evaluated element-wise over the scenarios' variables; only names of variables, numbers,
comparisons, ``and``/``or``/``not``, arithmetic and a few functions (abs, log10, log, exp,
isnan, isfinite) are allowed, so a config cannot run code. A comparison with an undefined (NaN)
value is false, as in numpy.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import numpy as np

FUNCTIONS = {"abs": np.abs, "log10": np.log10, "log": np.log, "exp": np.exp,
             "isnan": np.isnan, "isfinite": np.isfinite}
_COMPARE = {ast.Gt: np.greater, ast.GtE: np.greater_equal, ast.Lt: np.less,
            ast.LtE: np.less_equal, ast.Eq: np.equal, ast.NotEq: np.not_equal}
_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
           ast.Div: np.divide, ast.Pow: np.power}


class ConditionError(ValueError):
    """A condition that cannot be used; the message names the key and the value."""


def names(expression: str, key: str = "discover.condition") -> set[str]:
    """The variable names an expression uses (raises ConditionError if it does not parse)."""
    tree = _parse(expression, key)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS}


#: the deepest nesting a condition may have (a chain of 3,000 ``+`` is 3,000 levels deep;
#: Python's own parser stops near 1,000, and the evaluation recurses once per level)
MAX_DEPTH = 100


def _shown(expression: str) -> str:
    text = str(expression)
    return repr(text) if len(text) <= 120 else repr(text[:100] + "...") + f" ({len(text):,} characters)"


def _parse(expression: str, key: str) -> ast.Expression:
    try:
        tree = ast.parse(str(expression), mode="eval")
    except SyntaxError as err:
        raise ConditionError(f"{key}={_shown(expression)}: does not parse ({err.msg})") from None
    except (RecursionError, MemoryError):
        raise ConditionError(f"{key}={_shown(expression)}: nested too deeply to read; at most "
                             f"{MAX_DEPTH} levels (join many terms with 'and'/'or')") from None
    depth, stack = 0, [(tree, 1)]
    while stack:  # iteratively: the tree may be deeper than Python's recursion
        node, level = stack.pop()
        depth = max(depth, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    if depth > MAX_DEPTH:
        raise ConditionError(f"{key}={_shown(expression)}: nested {depth} levels deep; at most "
                             f"{MAX_DEPTH} (join many terms with 'and'/'or')")
    return tree


def evaluate(expression: str, variables: Mapping[str, np.ndarray],
             key: str = "discover.condition") -> np.ndarray:
    """The boolean value of the expression for every scenario.

    Example
    -------
    >>> evaluate("x > 1 and not isnan(y)", {"x": np.array([0.5, 2.0, 3.0]),
    ...                                      "y": np.array([1.0, 1.0, np.nan])}).tolist()
    [False, True, False]
    """
    tree = _parse(expression, key)

    def truth(node: ast.AST) -> np.ndarray:
        """An operand of and/or/not: a condition, never a number cast to true or false (NaN
        would count as true)."""
        value = ev(node)
        if value.dtype != bool:
            raise ConditionError(f"{key}={_shown(expression)}: {ast.unparse(node)!r} inside "
                                 "and/or/not is a number, not a condition (compare it, e.g. "
                                 f"'{ast.unparse(node)} > 0')")
        return value

    def ev(node: ast.AST) -> np.ndarray:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return np.asarray(float(node.value))
        if isinstance(node, ast.Name):
            if node.id not in variables:
                raise ConditionError(f"{key}={_shown(expression)}: {node.id!r} is not a variable of "
                                     f"the scenarios; known: {', '.join(sorted(variables))}")
            return np.asarray(variables[node.id], dtype=float)
        if isinstance(node, ast.Compare):
            left, out = ev(node.left), None
            for op, comp in zip(node.ops, node.comparators, strict=True):
                if type(op) not in _COMPARE:
                    break
                right = ev(comp)
                with np.errstate(invalid="ignore"):
                    part = _COMPARE[type(op)](left, right)
                out = part if out is None else out & part
                left = right
            else:
                return out
        if isinstance(node, ast.BoolOp):
            values = [truth(v) for v in node.values]
            fn = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            out = values[0]
            for v in values[1:]:
                out = fn(out, v)
            return out
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ~truth(node.operand)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            with np.errstate(all="ignore"):
                return _BINARY[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in FUNCTIONS and len(node.args) == 1 and not node.keywords:
            with np.errstate(all="ignore"):
                return FUNCTIONS[node.func.id](ev(node.args[0]))
        raise ConditionError(f"{key}={_shown(expression)}: {ast.unparse(node)!r} is not allowed "
                             "(use variables, numbers, comparisons, and/or/not, + - * / ** and "
                             f"{', '.join(FUNCTIONS)})")

    result = ev(tree)
    if result.dtype != bool:
        raise ConditionError(f"{key}={_shown(expression)}: is a number, not a condition (compare it: "
                             "e.g. '> 0.05')")
    return result
