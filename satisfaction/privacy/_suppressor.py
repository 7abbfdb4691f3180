"""The engine of :func:`~satisfaction.privacy.suppress`: the attacker's linear programme and the choice of partners.

A table is a list of :class:`_Entry` (cells, margins, the unpublished remainder)
and of :class:`_Equation` (a margin equals the sum of its members).
:class:`_Suppressor` hides entries until every sensitive entry keeps, in the
attacker's linear programme, the whole range its reason already admits (the rule
is stated in :func:`~satisfaction.privacy.suppress`).

Written by hand because no maintained Python library chooses complementary cells:
ACRO (Python) checks outputs against threshold and dominance rules and masks the
failing cells (primary suppression only); sdcTable (R) and tau-argus (Java) do
complementary suppression, outside Python, and know nothing of this package's
reasons or of the previous period's published table. The audit itself is an
ordinary linear programme solved with :func:`scipy.optimize.linprog` (HiGHS).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from ..errors import PrivacyError

__all__ = ["_Entry", "_Equation", "_Previous", "_Suppressor", "REASONS"]

#: Reason texts by role (``{k}`` is the threshold); no text states a size.
REASONS = {
    "small": "below {k}",
    "change": "protects a change since the previous period",
    "partner": "protects another cell",
}
_TOL = 1e-6
_EXACT_AUDIT_LIMIT = 14


@dataclass
class _Entry:
    """One count the reader may see: a table cell, a margin, or the remainder outside the table."""

    kind: str  # "cell", "margin" or "rest"
    label: str
    value: int
    key: tuple = ()  # identifies the same group in the previous period's table
    prev: int | None = None  # the previous period's published value (None: not shown then)
    suppressed: bool = False
    role: str = ""  # why it is hidden: "small", "change", "partner" (or "rest")
    lines: list[int] = field(default_factory=list)  # equations it takes part in

    def bounds(self, k: int) -> tuple[float, float | None]:
        """What the reader knows about this entry's count from its reason alone."""
        if self.kind == "rest":
            return 0.0, None
        if self.role == "small":
            return 1.0, float(k - 1)
        if self.role == "change":
            return float(max(k, self.prev - k + 1)), float(self.prev + k - 1)
        # a partner: not below k (empty cells are never hidden); if it was shown in the
        # previous period, its change is 0 or at least k (else it would be a "change")
        if self.prev is None:
            return float(k), None
        if self.value == self.prev:
            return float(self.value), float(self.value)
        if self.value > self.prev:
            return float(max(k, self.prev + k)), None
        return float(k), float(self.prev - k)

    def need(self, k: int) -> tuple[float, float] | None:
        """The range the published equations must leave open, or None when not sensitive."""
        if self.kind == "rest":
            return (1.0, float(k - 1)) if 0 < self.value < k else None
        if self.role in ("small", "change"):
            lo, hi = self.bounds(k)
            return lo, hi
        return None


@dataclass
class _Equation:
    margin: int  # entry index of the margin (or total)
    members: list[int]  # entry indices that sum to it


@dataclass
class _Previous:
    """The previous period as the reader saw it: known counts and its equations.

    ``known`` maps an entry key to its published count; ``hidden`` lists the keys the
    reader could not see; ``equations`` are (margin key, member keys). ``truth`` holds the
    hidden counts when the raw previous table was given (else derived values are used).
    """

    known: dict[tuple, int]
    hidden: list[tuple]
    equations: list[tuple[tuple, list[tuple]]]
    truth: dict[tuple, int] = field(default_factory=dict)


def _row_space_basis(matrix: np.ndarray) -> np.ndarray:
    """Orthonormal basis (as rows) of the row space of ``matrix`` (via its small Gram matrix)."""
    if matrix.size == 0:
        return np.zeros((0, matrix.shape[1]))
    w, u = np.linalg.eigh(matrix @ matrix.T)
    if w.size == 0 or w[-1] <= 0:
        return np.zeros((0, matrix.shape[1]))
    keep = w > max(w[-1] * 1e-10, 1e-10)
    return (matrix.T @ u[:, keep] / np.sqrt(w[keep])).T


class _Suppressor:
    def __init__(
        self,
        entries: list[_Entry],
        equations: list[_Equation],
        k: int,
        previous: _Previous | None = None,
    ) -> None:
        self.e = entries
        self.eq = equations
        self.k = k
        self.previous = previous
        self.terms = [[(q.margin, 1.0)] + [(m, -1.0) for m in q.members] for q in equations]
        for j, q in enumerate(equations):
            entries[q.margin].lines.append(j)
            for m in q.members:
                entries[m].lines.append(j)

    # -- the attacker's linear programme ---------------------------------------------------
    def _terms(self, j: int) -> list[tuple[int, float]]:
        return self.terms[j]

    def _implied(self) -> set[int]:
        """Equations implied by others: the grand total when one level's subtotals are all shown.

        Leaving them out changes no solution but splits the table into small blocks.
        """
        by_level: dict[str, list[int]] = {}
        grand = []
        for j, q in enumerate(self.eq):
            key = self.e[q.margin].key
            if key[1] == "total":
                grand.append(j)
            else:
                by_level.setdefault(key[1], []).append(j)
        complete = any(
            all(not self.e[self.eq[j].margin].suppressed for j in js) for js in by_level.values()
        )
        return {
            j
            for j in grand
            if complete
            and not self.e[self.eq[j].margin].suppressed
            and all(self.e[m].kind == "cell" for m in self.eq[j].members)
        }

    def _component(self, start: int, everything: bool = False) -> tuple[list[int], list[int]]:
        """Hidden entries (or all, with ``everything``) linked to ``start`` through equations."""
        seen, lines, todo = {start}, set(), [start]
        implied = self._implied()
        while todo:
            i = todo.pop()
            for j in self.e[i].lines:
                if j in lines or j in implied:
                    continue
                lines.add(j)
                for m, _ in self._terms(j):
                    if (everything or self.e[m].suppressed) and m not in seen:
                        seen.add(m)
                        todo.append(m)
        return sorted(seen), sorted(lines)

    def _bounds(self, u: int) -> tuple[float, float | None]:
        """The reader's bounds on entry ``u``; for a shown entry, those it would have if hidden."""
        x = self.e[u]
        if x.suppressed:
            return x.bounds(self.k)
        if x.value == 0:
            return 0.0, 0.0  # empty cells (and totals) are never hidden
        role, x.role = x.role, "partner"
        out = x.bounds(self.k)
        x.role = role
        return out

    def interval(
        self, target: int, reasons_only: bool = False, cap: float = np.inf
    ) -> tuple[float, float]:
        """The reader's feasible range of ``target``'s count (``inf`` when unbounded).

        With ``reasons_only``, every shown figure counts as hidden (as a partner; empty
        cells are never hidden): the range that hiding everything would leave.
        A maximum above ``cap`` is reported as ``cap``. One linear programme gives both
        ends: it holds two copies of the unknowns, minimising the target in one and
        maximising it in the other.
        """
        unknowns, lines = self._component(target, everything=reasons_only)
        col = {u: c for c, u in enumerate(unknowns)}
        bounds = [self._bounds(u) for u in unknowns]
        lo_b, hi_b = bounds[col[target]]
        hi_b = np.inf if hi_b is None else hi_b
        if not lines:
            return lo_b, min(hi_b, cap)
        n = len(unknowns)
        a = np.zeros((len(lines), n))
        b = np.zeros(len(lines))
        for r, j in enumerate(lines):
            for m, sign in self._terms(j):
                if m in col:
                    a[r, col[m]] += sign
                else:
                    b[r] -= sign * self.e[m].value
        both = np.zeros((2 * len(lines), 2 * n))
        both[: len(lines), :n] = a
        both[len(lines) :, n:] = a
        c = np.zeros(2 * n)
        c[col[target]] = 1.0
        c[n + col[target]] = -1.0
        upper = list(bounds)
        top = upper[col[target]][1]
        upper[col[target]] = (lo_b, cap if top is None else min(top, cap))
        res = linprog(
            c, A_eq=both, b_eq=np.concatenate([b, b]), bounds=bounds + upper, method="highs"
        )
        if res.status != 0:  # pragma: no cover - the true table is always feasible
            raise PrivacyError(
                f"the suppression audit failed on {self.e[target].label} ({res.message}); "
                "report this table as a bug"
            )
        return float(res.x[col[target]]), float(res.x[n + col[target]])

    def _line_range(self, target: int) -> tuple[float, float]:
        """A quick outer bound of ``target``'s range: each of its lines on its own."""
        lo, hi = self._bounds(target)
        hi = np.inf if hi is None else hi
        for j in self.e[target].lines:
            rest_lo = rest_hi = 0.0
            s_t = 0.0
            for m, sign in self._terms(j):
                if m == target:
                    s_t = sign
                    continue
                m_lo, m_hi = self._bounds(m) if self.e[m].suppressed else (self.e[m].value,) * 2
                m_hi = np.inf if m_hi is None else m_hi
                if sign > 0:
                    rest_lo, rest_hi = rest_lo + m_lo, rest_hi + m_hi
                else:
                    rest_lo, rest_hi = rest_lo - m_hi, rest_hi - m_lo
            # s_t * x_t + rest = 0
            if s_t > 0:
                lo, hi = max(lo, -rest_hi), min(hi, -rest_lo)
            else:
                lo, hi = max(lo, rest_lo), min(hi, rest_hi)
        return lo, hi

    def covered(
        self, target: int, reasons_only: bool = False, lp: bool = True
    ) -> tuple[bool, str, float]:
        """Whether ``target`` keeps its whole range; else which side fails and by how much.

        The whole range is what its reason allows; with ``reasons_only``, no more than
        hiding every other figure would leave (narrower when, say, two cells and their
        total are all below k, or a new small unit joins an unchanged large one).
        """
        lo_need, hi_need = self.e[target].need(self.k)
        cap = hi_need + 1.0
        if reasons_only:
            lo_r, hi_r = self.interval(target, reasons_only=True, cap=cap)
            lo_need, hi_need = max(lo_need, lo_r), min(hi_need, hi_r)
        else:
            lo, hi = self._line_range(target)
            if hi < hi_need - _TOL:
                return False, "up", hi_need - hi
            if lo > lo_need + _TOL:
                return False, "down", lo - lo_need
            if not lp:
                return True, "", 0.0
        lo, hi = self.interval(target, cap=cap)
        if hi < hi_need - _TOL:
            return False, "up", hi_need - hi
        if lo > lo_need + _TOL:
            return False, "down", lo - lo_need
        return True, "", 0.0

    # -- choosing a partner -----------------------------------------------------------------
    def _slack(self, m: int, side: str) -> float:
        """How far entry ``m`` could move once hidden as a partner (in the direction that helps)."""
        x = self.e[m]
        role, x.role = x.role, "partner"
        lo, hi = x.bounds(self.k)
        x.role = role
        if side == "up":  # the target must be able to grow: partners must be able to shrink
            return x.value - lo
        return np.inf if hi is None else hi - x.value

    def _busy(self, m: int, lines: list[int], hot: set[int]) -> bool:
        """Whether shown ``m`` shares a line (other than ``lines``) with a hidden entry."""
        return any(j in hot and j not in lines for j in self.e[m].lines)

    def _pick(self, lines: list[int], side: str, deficit: float) -> int | None:
        cells = {
            m
            for j in lines
            for m in self.eq[j].members
            if not self.e[m].suppressed and self.e[m].kind == "cell" and self.e[m].value > 0
        }
        other = "down" if side == "up" else "up"
        slack = {m: self._slack(m, side) for m in cells}
        # cells that can move the needed way; else (a cycle may need it) the other way
        cells = [m for m in cells if slack[m] > 0] or [
            m for m in cells if self._slack(m, other) > 0
        ]
        if cells:
            hot = {
                j
                for j in range(len(self.eq))
                if any(self.e[x].suppressed for x, _ in self.terms[j])
            }
            return min(
                cells,
                key=lambda m: (
                    slack[m] < deficit,
                    not self._busy(m, lines, hot),
                    -slack[m] if slack[m] < deficit else self.e[m].value,
                    m,
                ),
            )
        margins = [
            self.eq[j].margin
            for j in lines
            if not self.e[self.eq[j].margin].suppressed and self.e[self.eq[j].margin].value > 0
        ]
        margins = (
            [m for m in margins if self._slack(m, side) > 0]
            or [m for m in margins if self._slack(m, other) > 0]
            or margins
        )
        if margins:
            return min(margins, key=lambda m: (self.e[m].value, m))
        return None

    def partner(self, target: int, side: str, deficit: float) -> int | None:
        """The next entry to hide so that ``target`` gains range."""
        comp, lines = self._component(target)
        hidden_in = {j: [m for m, _ in self._terms(j) if self.e[m].suppressed] for j in lines}
        single = [j for j in lines if len(hidden_in[j]) == 1]
        own = list(self.e[target].lines)
        for scope in (
            [j for j in single if j in own],
            single,
            own,
            lines,
        ):
            if scope:
                who = self._pick(scope, side, deficit)
                if who is not None:
                    return who
        return None

    def _hide(self, who: int, role: str) -> None:
        self.e[who].suppressed = True
        self.e[who].role = role

    def protect(self, target: int, lp: bool = True) -> None:
        """Hide partners until ``target`` is covered (only its own lines checked without ``lp``)."""
        for _ in range(len(self.e) + 1):
            ok, side, deficit = self.covered(target, lp=lp)
            if ok:
                return
            who = self.partner(target, side, deficit)
            if who is None:
                if self.covered(target, reasons_only=True)[0]:
                    return
                raise PrivacyError(
                    f"cannot protect {self.e[target].label}: no cell or total is left to hide "
                    "beside it; report this table as a bug"
                )
            self._hide(who, "partner")
        raise PrivacyError(  # pragma: no cover - each round hides one more entry
            "complementary suppression did not settle; report this table as a bug"
        )

    def uncovered(self, targets: list[int]) -> list[int]:
        """The targets whose range is too narrow, from one linear programme for all of them.

        The programme holds two copies of the unknowns per target (its minimum and its
        maximum); the copies share no variable, so its optimum is every copy's optimum.
        """
        if not targets:
            return []
        blocks, bounds, c, b_all, where = [], [], [], [], []
        offset = 0
        for t in targets:
            unknowns, lines = self._component(t)
            col = {u: i for i, u in enumerate(unknowns)}
            n = len(unknowns)
            a = np.zeros((max(len(lines), 1), n))
            b = np.zeros(max(len(lines), 1))
            for r, j in enumerate(lines):
                for m, sign in self._terms(j):
                    if m in col:
                        a[r, col[m]] += sign
                    else:
                        b[r] -= sign * self.e[m].value
            base = [self._bounds(u) for u in unknowns]
            lo_need, hi_need = self.e[t].need(self.k)
            for sign in (1.0, -1.0):
                obj = np.zeros(n)
                obj[col[t]] = sign
                own = list(base)
                if sign < 0:
                    top = own[col[t]][1]
                    own[col[t]] = (own[col[t]][0], hi_need + 1 if top is None else top)
                blocks.append(a)
                b_all.append(b)
                bounds += own
                c.append(obj)
                where.append(offset + col[t])
                offset += n
        res = linprog(
            np.concatenate(c),
            A_eq=sparse.block_diag(blocks, format="csr"),
            b_eq=np.concatenate(b_all),
            bounds=bounds,
            method="highs",
        )
        if res.status != 0:  # pragma: no cover - the true table is always feasible
            return list(targets)
        out = []
        for i, t in enumerate(targets):
            lo_need, hi_need = self.e[t].need(self.k)
            lo, hi = res.x[where[2 * i]], res.x[where[2 * i + 1]]
            if lo > lo_need + _TOL or hi < hi_need - _TOL:
                out.append(t)
        return out

    # -- movements of sets of hidden cells across periods ------------------------------------
    def _system(self, unknowns: list[int]) -> np.ndarray:
        col = {u: c for c, u in enumerate(unknowns)}
        a = np.zeros((len(self.eq), len(unknowns)))
        for j in range(len(self.eq)):
            for m, sign in self._terms(j):
                if m in col:
                    a[j, col[m]] += sign
        return a

    def _previous_system(self):
        prev = self.previous
        col = {key: c for c, key in enumerate(prev.hidden)}
        a = np.zeros((len(prev.equations), len(col)))
        b = np.zeros(len(prev.equations))
        for r, (mkey, members) in enumerate(prev.equations):
            for key, sign in [(mkey, 1.0)] + [(x, -1.0) for x in members]:
                if key in col:
                    a[r, col[key]] += sign
                else:
                    b[r] -= sign * prev.known.get(key, 0)
        solution = np.linalg.lstsq(a, b, rcond=None)[0] if a.size else np.zeros(len(col))
        for key, c in col.items():
            if key in prev.truth:
                solution[c] = prev.truth[key]
        return col, _row_space_basis(a), solution

    def _set_groups(self, cells: list[int]) -> list[tuple[list[int], np.ndarray]]:
        """Sets of hidden cells to audit, as (cells, 0/1 rows choosing the sets).

        Every subset when there are few hidden cells; else, per line, every subset of its
        hidden cells when they are few, and always the line's hidden cells together.
        """
        if len(cells) <= _EXACT_AUDIT_LIMIT:
            return [(cells, np.array(list(itertools.product((0.0, 1.0), repeat=len(cells))))[1:])]
        inside_set = set(cells)
        groups = []
        for q in self.eq:
            inside = [m for m in q.members if m in inside_set]
            if len(inside) <= _EXACT_AUDIT_LIMIT:
                rows = np.array(list(itertools.product((0.0, 1.0), repeat=len(inside))))[1:]
            else:
                rows = np.ones((1, len(inside)))
            if inside:
                groups.append((inside, rows))
        return groups

    def moved_set(self) -> list[int] | None:
        """A set of hidden cells whose net change is derivable and below k, if any."""
        if self.previous is None:
            return None
        unknowns = [i for i, x in enumerate(self.e) if x.suppressed]
        cells = [u for u in unknowns if self.e[u].kind == "cell"]
        if not cells or not self.eq:
            return None
        basis = _row_space_basis(self._system(unknowns))
        if basis.shape[0] == 0:
            return None
        pcol, pbasis, psol = self._previous_system()
        pos = {u: c for c, u in enumerate(unknowns)}
        for group, subsets in self._set_groups(cells):
            now = np.zeros((len(subsets), len(unknowns)))
            for c, u in enumerate(group):
                now[:, pos[u]] = subsets[:, c]
            derivable = np.abs(now - (now @ basis.T) @ basis).max(axis=1) < 1e-8
            before = np.zeros((len(subsets), len(pcol)))
            const = np.zeros(len(subsets))
            for c, u in enumerate(group):
                key = self.e[u].key
                if key in pcol:
                    before[:, pcol[key]] = subsets[:, c]
                else:
                    const += subsets[:, c] * self.previous.known.get(key, 0)
            if pcol and pbasis.shape[0]:
                derivable &= np.abs(before - (before @ pbasis.T) @ pbasis).max(axis=1) < 1e-8
            elif pcol:
                derivable &= ~before.any(axis=1)
            value_before = const + (before @ psol if pcol else 0.0)
            value_now = subsets @ np.array([self.e[u].value for u in group], dtype=float)
            change = np.abs(value_now - value_before)
            bad = np.flatnonzero(derivable & (change > 0.5) & (change < self.k - 0.5))
            if bad.size:
                return [group[c] for c in np.flatnonzero(subsets[bad[0]])]
        return None

    def run(self) -> None:
        targets = sorted(
            (i for i, x in enumerate(self.e) if x.suppressed and x.need(self.k) is not None),
            key=lambda i: (self.e[i].kind != "cell", self.e[i].value, i),
        )
        for t in targets:  # first each target's own lines, which needs no solver
            self.protect(t, lp=False)
        for t in self.uncovered(targets):
            self.protect(t)
        for _ in range(len(self.e) + 1):
            moved = self.moved_set()
            if moved is None:
                return
            lines = sorted({j for m in moved for j in self.e[m].lines})
            who = self._pick(lines, "down", 0.0)
            if who is None:
                who = self._pick(lines, "up", 0.0)
            if who is None:
                raise PrivacyError(  # pragma: no cover - a margin is always left to hide
                    "cannot hide a change of a set of hidden cells; report this table as a bug"
                )
            self._hide(who, "partner")
        raise PrivacyError(  # pragma: no cover - each round hides one more entry
            "complementary suppression did not settle; report this table as a bug"
        )
