"""Parse lavaan model syntax into a flat list of user formulas.

Only the parsing lives here; lavaan's ``sem()`` defaults (fixed first loadings,
residual variances, exogenous covariances ...) are added by :mod:`.model`.

Supported: ``=~`` (loadings), ``~`` (regressions), ``~~`` (variances and
covariances), ``~ 1`` (intercepts), ``:=`` (defined parameters), modifiers
``a*x`` (label), ``1*x`` / ``0*x`` (fixed value), ``NA*x`` (free a parameter that
would be fixed by default), ``start(0.5)*x``, ``label("a")*x``, several
right-hand-side terms joined by ``+``, several left-hand sides joined by ``+``,
comments after ``#`` or ``!``, formulas separated by newlines or ``;`` and
formulas continued on the next line after a trailing ``+``.
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from ..errors import SEMError

__all__ = [
    "Formula",
    "Definition",
    "Constraint",
    "parse_constraints",
    "constrain_formulas",
    "simple_constraint",
    "parse_syntax",
    "evaluate_expression",
    "expression_names",
    "DEFINED_FUNCTIONS",
]

_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_OPERATORS = ("=~", "~~", "~")
_CONSTRAINT = re.compile(
    r"==|(?<![<=])<(?![~=])|(?<![=])>(?![=])"
)  # longest first after ':=' and the unsupported ones

#: the functions allowed in ``:=`` and constraint expressions (the one table of them)
DEFINED_FUNCTIONS = {
    "sqrt": np.sqrt,
    "exp": np.exp,
    "log": np.log,
    "abs": np.abs,
    "tanh": np.tanh,
    "pnorm": ndtr,
}
_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


@dataclass(frozen=True)
class Formula:
    """One parameter as the user wrote it (after expanding ``+``).

    ``op`` is one of ``=~``, ``~``, ``~~``, ``~1`` (``rhs`` is ``""`` for ``~1``).
    ``fixed`` is the fixed value (``None`` if free or not given), ``free_na`` is
    True for ``NA*x``, ``label`` is ``""`` when no label was given.
    """

    lhs: str
    op: str
    rhs: str
    label: str = ""
    fixed: float | None = None
    start: float | None = None
    free_na: bool = False
    line: int = 0
    per_group: tuple | None = None

    def for_group(self, g: int, n_groups: int) -> Formula:
        """This formula with the ``g``-th group's modifiers of ``c(...)`` applied.

        Parameters
        ----------
        g, n_groups : int
            Group index (0-based) and number of groups.

        Returns
        -------
        Formula

        Examples
        --------
        >>> f, _ = parse_syntax("F =~ x1 + c(a1, a2)*x2")
        >>> f[1].for_group(1, 2).label
        'a2'
        """
        if self.per_group is None:
            return self
        if len(self.per_group) != n_groups:
            raise SEMError(
                f"model syntax line {self.line}: c(...) gives {len(self.per_group)} values for "
                f"'{self.lhs} {self.op} {self.rhs}' but the data have {n_groups} groups; give "
                "one value per group"
            )
        mods = self.per_group[g]
        return Formula(
            self.lhs,
            self.op,
            self.rhs,
            label=mods.get("label", self.label),
            fixed=mods.get("fixed", self.fixed),
            start=mods.get("start", self.start),
            free_na=mods.get("free_na", self.free_na),
            line=self.line,
        )


@dataclass(frozen=True)
class Constraint:
    """A constraint ``lhs op rhs`` with ``op`` one of ``==``, ``<``, ``>`` (lavaan's)."""

    lhs: str
    op: str
    rhs: str
    line: int = 0


@dataclass(frozen=True)
class Definition:
    """A defined parameter ``name := expression``."""

    name: str
    expr: str
    line: int = 0


def _err(line: int, text: str, msg: str) -> SEMError:
    return SEMError(f"model syntax line {line} ({text.strip()!r}): {msg}")


def _logical_lines(syntax: str) -> list[tuple[int, str]]:
    """Strip comments, split on ``;`` and newlines, join continuation lines."""
    out: list[tuple[int, str]] = []
    for lineno, raw in enumerate(syntax.splitlines(), start=1):
        text = re.split(r"[#!]", raw, maxsplit=1)[0]
        for piece in text.split(";"):
            piece = piece.strip()
            if not piece:
                continue
            if out and (out[-1][1].endswith(("+", "*")) or piece.startswith("+")):
                out[-1] = (out[-1][0], out[-1][1] + " " + piece)
            else:
                out.append((lineno, piece))
    return out


def _parse_modifier(mod: str, line: int, text: str) -> dict:
    mod = mod.strip()
    if mod.upper() == "NA":
        return {"free_na": True}
    if _NUMBER.match(mod):
        return {"fixed": float(mod)}
    m = re.fullmatch(r"start\(\s*([^)]*)\)", mod)
    if m:
        if not _NUMBER.match(m.group(1).strip()):
            raise _err(line, text, f"start value {m.group(1)!r} is not a number")
        return {"start": float(m.group(1))}
    m = re.fullmatch(r"(?:label|equal)\(\s*['\"]?([A-Za-z_.][A-Za-z0-9_.]*)['\"]?\s*\)", mod)
    if m:
        return {"label": m.group(1)}
    m = re.fullmatch(r"c\((.*)\)", mod)
    if m:  # lavaan's group-specific modifiers: one label / value / NA per group
        parts = [x.strip() for x in m.group(1).split(",")]
        if any(not x or x.startswith("c(") for x in parts):
            raise _err(line, text, f"cannot read {mod!r}; write c(a1, a2) or c(NA, 1)")
        return {"per_group": tuple(_parse_modifier(x, line, text) for x in parts)}
    if _NAME.match(mod):
        return {"label": mod}
    raise _err(
        line,
        text,
        f"cannot read the modifier {mod!r}; use a label (a*x), a value (1*x), NA*x or start(0.5)*x",
    )


def _parse_term(term: str, line: int, text: str) -> tuple[str, dict]:
    parts = [p.strip() for p in term.split("*")]
    if any(not p for p in parts):
        raise _err(line, text, f"empty term in {term!r}; write terms like 'a*x' joined by '+'")
    var = parts[-1]
    mods: dict = {}
    for mod in parts[:-1]:
        for key, value in _parse_modifier(mod, line, text).items():
            mods[key] = value
    if var != "1" and not _NAME.match(var):
        raise _err(line, text, f"{var!r} is not a valid variable name")
    return var, mods


def _check_expression(expr: str, line: int, text: str) -> None:
    try:
        tree = ast.parse(expr.replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise _err(line, text, f"cannot read the expression {expr!r} ({exc.msg})") from None
    allowed = (
        ast.Expression,
        ast.BinOp,
        ast.UnaryOp,
        ast.Name,
        ast.Constant,
        ast.Load,
        ast.Add,
        ast.Sub,
        ast.Mult,
        ast.Div,
        ast.Pow,
        ast.USub,
        ast.UAdd,
        ast.Call,
    )
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            raise _err(
                line,
                text,
                f"only + - * / ^ and {', '.join(DEFINED_FUNCTIONS)} are "
                "allowed in ':=' expressions",
            )
        if isinstance(node, ast.Call) and (
            not isinstance(node.func, ast.Name) or node.func.id not in DEFINED_FUNCTIONS
        ):
            raise _err(
                line,
                text,
                f"unknown function in {expr!r}; allowed are {', '.join(DEFINED_FUNCTIONS)}",
            )
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise _err(line, text, f"only numbers and labels may appear in {expr!r}")


def parse_syntax(syntax: str) -> tuple[list[Formula], list[Definition]]:
    """Parse lavaan model syntax.

    Parameters
    ----------
    syntax : str
        lavaan model syntax.

    Returns
    -------
    formulas : list of Formula
        One entry per parameter written by the user, in syntax order.
    definitions : list of Definition
        The ``:=`` lines, in syntax order.

    Raises
    ------
    SEMError
        If a line cannot be read; the message names the line.

    Examples
    --------
    >>> f, d = parse_syntax("F =~ x1 + a*x2 + 0.5*x3  # a comment\\nF ~~ F\\nh := a^2")
    >>> [(x.lhs, x.op, x.rhs, x.label, x.fixed) for x in f]
    [('F', '=~', 'x1', '', None), ('F', '=~', 'x2', 'a', None), ('F', '=~', 'x3', '', 0.5), ('F', '~~', 'F', '', None)]
    >>> d[0].name, d[0].expr
    ('h', 'a^2')
    """
    if not isinstance(syntax, str) or not syntax.strip():
        raise SEMError("the model syntax is empty; write lavaan syntax such as 'F =~ x1 + x2 + x3'")
    formulas: list[Formula] = []
    definitions: list[Definition] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, text in _logical_lines(syntax):
        if ":=" in text:
            name, expr = (s.strip() for s in text.split(":=", 1))
            if not _NAME.match(name):
                raise _err(line, text, f"{name!r} is not a valid name for a defined parameter")
            if not expr:
                raise _err(line, text, "the expression after ':=' is empty")
            _check_expression(expr, line, text)
            definitions.append(Definition(name, re.sub(r"\s+", "", expr), line))
            continue
        if _CONSTRAINT.search(text):  # a == b, a < b, a > b: see parse_constraints
            continue
        for bad in ("==", "<", ">", "<~", "|", "%"):
            if bad in text:
                raise _err(
                    line,
                    text,
                    f"the operator {bad!r} is not supported; use =~, ~, ~~, "
                    "~ 1 or := (equality constraints: give parameters the same label)",
                )
        op = next((o for o in _OPERATORS if o in text), None)
        if op is None:
            raise _err(line, text, "no operator found; use =~, ~, ~~, ~ 1 or :=")
        lhs_text, rhs_text = (s.strip() for s in text.split(op, 1))
        if not lhs_text or not rhs_text:
            raise _err(line, text, f"both sides of {op!r} must name variables")
        lhss = [s.strip() for s in lhs_text.split("+")]
        for lhs in lhss:
            if not _NAME.match(lhs):
                raise _err(line, text, f"{lhs!r} is not a valid variable name")
        for term in rhs_text.split("+"):
            var, mods = _parse_term(term, line, text)
            this_op, rhs = op, var
            if var == "1":
                if op != "~":
                    raise _err(line, text, "an intercept is written 'y ~ 1'")
                this_op, rhs = "~1", ""
            for lhs in lhss:
                key = (lhs, this_op, rhs)
                if this_op == "~~" and (rhs, "~~", lhs) in seen:
                    key = (rhs, "~~", lhs)
                if key in seen:
                    raise _err(
                        line,
                        text,
                        f"'{lhs} {this_op} {rhs}' is already specified on line "
                        f"{seen[key]}; write each parameter once",
                    )
                seen[key] = line
                if this_op == "=~" and lhs == rhs:
                    raise _err(line, text, f"{lhs!r} cannot measure itself")
                formulas.append(Formula(lhs, this_op, rhs, line=line, **mods))
    if not formulas:
        raise SEMError("the model syntax has only ':=' lines; add the model formulas")
    return formulas, definitions


def parse_constraints(syntax: str) -> list[Constraint]:
    """The constraint lines (``a == b``, ``a > 0``, ``a < b``) of lavaan model syntax.

    Parameters
    ----------
    syntax : str

    Returns
    -------
    list of Constraint
        In the order written; :func:`parse_syntax` skips these lines.

    Examples
    --------
    >>> parse_constraints("y ~ a*x + b*z\\na == b\\nb > 0")
    [Constraint(lhs='a', op='==', rhs='b', line=2), Constraint(lhs='b', op='>', rhs='0', line=3)]
    """
    out = []
    if not isinstance(syntax, str):
        return out
    for line, text in _logical_lines(syntax):
        if ":=" in text:
            continue
        m = _CONSTRAINT.search(text)
        if not m:
            continue
        lhs, rhs = text[: m.start()].strip(), text[m.end() :].strip()
        if not lhs or not rhs:
            raise _err(line, text, f"both sides of {m.group(0)!r} must be labels or expressions")
        _check_expression(lhs, line, text)
        _check_expression(rhs, line, text)
        out.append(Constraint(re.sub(r"\s+", "", lhs), m.group(0), re.sub(r"\s+", "", rhs), line))
    return out


def simple_constraint(c: Constraint) -> bool:
    """True for ``label == label`` and ``label == number`` (shared or fixed parameters).

    Parameters
    ----------
    c : Constraint

    Returns
    -------
    bool

    Examples
    --------
    >>> [simple_constraint(c) for c in parse_constraints("a == b\\na == 2*b\\na > 0")]
    [True, False, False]
    """
    return (
        c.op == "=="
        and bool(_NAME.match(c.lhs))
        and bool(_NAME.match(c.rhs) or _NUMBER.match(c.rhs))
    )


def constrain_formulas(formulas, constraints, labels=None) -> list[Formula]:
    """Apply simple constraints: ``a == b`` shares one parameter, ``a == 0.5`` fixes ``a``.

    Parameters
    ----------
    formulas : list of Formula
    constraints : list of Constraint
    labels : set of str, optional
        Every label of the model (all groups'); default the labels of ``formulas``.

    Returns
    -------
    list of Formula
        Labels joined by ``==`` renamed to one label, labels equal to a number fixed.

    Raises
    ------
    SEMError
        A simple constraint naming an unknown label. Other constraints (inequalities,
        expressions) are left to :mod:`satisfaction.sem.constraints`.

    Examples
    --------
    >>> f, _ = parse_syntax("y ~ a*x + b*z")
    >>> [x.label for x in constrain_formulas(f, parse_constraints("a == b"))]
    ['a', 'a']
    """
    joins: dict[str, str] = {}
    fixes: dict[str, float] = {}

    def root(x):
        while x in joins:
            x = joins[x]
        return x

    if labels is None:
        labels = {f.label for f in formulas if f.label}
    for c in constraints:
        if not simple_constraint(c):
            continue  # handled by satisfaction.sem.constraints
        missing = [v for v in (c.lhs, c.rhs) if _NAME.match(v) and v not in labels]
        if missing:
            raise SEMError(
                f"model syntax line {c.line}: {missing[0]!r} in '{c.lhs} == {c.rhs}' is "
                "not a label of any parameter; label the parameter first, e.g. 'y ~ a*x'"
            )
        if _NAME.match(c.rhs):
            a, b = root(c.lhs), root(c.rhs)
            if a != b:
                joins[b] = a
        else:
            fixes[c.lhs] = float(c.rhs)
    out = []
    for f in formulas:
        lab = root(f.label) if f.label else f.label
        fixed = fixes.get(lab, fixes.get(f.label, f.fixed))
        out.append(
            Formula(
                f.lhs,
                f.op,
                f.rhs,
                label=lab,
                fixed=fixed,
                start=f.start,
                free_na=f.free_na and fixed is None,
                line=f.line,
                per_group=f.per_group,
            )
        )
    return out


def evaluate_expression(expr: str, env, *, name: str = "") -> np.ndarray | float:
    """Evaluate a ``:=`` (or constraint) expression: the one evaluator of the engine.

    Parameters
    ----------
    expr : str
        Right-hand side of a ``:=`` line: labels, numbers, ``+ - * / ^`` and the
        functions of :data:`DEFINED_FUNCTIONS`.
    env : mapping
        Label -> value (a float or an array of draws; arrays broadcast).
    name : str
        The defined parameter's name, for the error messages.

    Returns
    -------
    float or ndarray

    Raises
    ------
    SEMError
        An unreadable expression, an unsupported construct or an unknown label.
        Nothing is ``eval``-ed: the expression is walked with :mod:`ast`.

    Examples
    --------
    >>> float(evaluate_expression("a*b + c^2", {"a": 2.0, "b": 3.0, "c": 1.0}))
    7.0
    """
    where = f"'{name} := {expr}'" if name else repr(expr)
    allowed = f"use labels, numbers, + - * / ^ and {'/'.join(DEFINED_FUNCTIONS)}"
    try:
        tree = ast.parse(expr.replace("^", "**"), mode="eval")
    except SyntaxError:
        raise SEMError(f"defined parameter {where} is not a valid expression; {allowed}.") from None

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in env:
                raise SEMError(
                    f"defined parameter {where} uses {node.id!r}, which is not a parameter "
                    "label; label the path in the model (e.g. 'y ~ a*x')."
                )
            return env[node.id]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in DEFINED_FUNCTIONS
            and len(node.args) == 1
            and not node.keywords
        ):
            return DEFINED_FUNCTIONS[node.func.id](ev(node.args[0]))
        raise SEMError(
            f"defined parameter {where} contains an unsupported construct "
            f"({type(node).__name__}); {allowed}."
        )

    with np.errstate(all="ignore"):
        try:
            return ev(tree)
        except ZeroDivisionError:
            return float("nan")


def expression_names(expr: str) -> list[str]:
    """Names (labels or defined parameters) used by a ``:=`` expression, in order.

    Parameters
    ----------
    expr : str

    Returns
    -------
    list of str
        Function names (sqrt, exp, ...) excluded.

    Examples
    --------
    >>> expression_names("cp + a*b + sqrt(a)")
    ['cp', 'a', 'b']
    """
    tree = ast.parse(expr.replace("^", "**"), mode="eval")
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in DEFINED_FUNCTIONS:
            if node.id not in names:
                names.append(node.id)
    return names
