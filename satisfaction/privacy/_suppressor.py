"""The engine of :func:`~satisfaction.privacy.suppress`: the linear audit and the choice of partners.

A table is a list of :class:`_Entry` (cells, margins, hidden remainders) and of
:class:`_Equation` (a margin equals the sum of its members); :class:`_Suppressor`
suppresses entries until no sensitive value can be derived from the published ones.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from ..errors import PrivacyError

__all__ = ["_Entry", "_Equation", "_Suppressor"]


@dataclass
class _Entry:
    """One published (or unpublished) count: a table cell, a margin, or a hidden remainder."""

    kind: str  # "cell", "margin" or "hidden"
    label: str
    value: int
    row: int | None = None  # position in the table for cells
    suppressed: bool = False
    sensitive: bool = False  # its exact value must never be derivable
    reason: str = ""
    lines: list[int] = field(default_factory=list)  # equations it takes part in


@dataclass
class _Equation:
    margin: int  # entry index of the margin (or total)
    members: list[int]  # entry indices that sum to it


def _row_space_basis(matrix: np.ndarray) -> np.ndarray:
    """Orthonormal basis (as rows) of the row space of ``matrix``.

    From the eigendecomposition of the small Gram matrix ``A A^T = U L U^T``: the
    rows of ``(A^T U_r L_r^-1/2)^T`` for the eigenvalues ``L_r`` above a relative
    tolerance (much faster than an SVD for the wide 0/+-1 matrices used here).
    """
    if matrix.size == 0:
        return np.zeros((0, matrix.shape[1]))
    w, u = np.linalg.eigh(matrix @ matrix.T)
    if w.size == 0 or w[-1] <= 0:
        return np.zeros((0, matrix.shape[1]))
    keep = w > max(w[-1] * 1e-10, 1e-10)
    return (matrix.T @ u[:, keep] / np.sqrt(w[keep])).T


_EXACT_AUDIT_LIMIT = 16


class _Suppressor:
    def __init__(self, entries: list[_Entry], equations: list[_Equation], k: int) -> None:
        self.e = entries
        self.eq = equations
        self.k = k
        for j, q in enumerate(equations):
            entries[q.margin].lines.append(j)
            for m in q.members:
                entries[m].lines.append(j)

    # -- linear audit ---------------------------------------------------------------------
    def _unknowns(self) -> list[int]:
        return [i for i, x in enumerate(self.e) if x.suppressed]

    def _system(self, unknowns: list[int]) -> np.ndarray:
        col = {u: c for c, u in enumerate(unknowns)}
        a = np.zeros((len(self.eq), len(unknowns)))
        for j, q in enumerate(self.eq):
            if q.margin in col:
                a[j, col[q.margin]] += 1.0
            for m in q.members:
                if m in col:
                    a[j, col[m]] -= 1.0
        return a

    def determined(self) -> set[int]:
        """Suppressed entries whose value follows exactly from the published ones."""
        unknowns = self._unknowns()
        if not unknowns:
            return set()
        basis = _row_space_basis(self._system(unknowns))
        if basis.shape[0] == 0:
            return set()
        diag = (basis**2).sum(axis=0)  # diagonal of the projector on the row space
        return {u for u, d in zip(unknowns, diag, strict=True) if d > 1 - 1e-9}

    # -- one round of checks; returns (entry to protect, equations to draw a partner from) --
    def violation(self) -> tuple[int, list[int]] | None:
        known = self.determined()
        for i in sorted(known):
            x = self.e[i]
            if x.sensitive:
                return i, list(x.lines)
        # per equation: the suppressed, undetermined members must be 0 or >= k people
        for j, q in enumerate(self.eq):
            margin_known = (not self.e[q.margin].suppressed) or q.margin in known
            if not margin_known:
                continue
            hidden = [m for m in q.members if self.e[m].suppressed and m not in known]
            total = sum(self.e[m].value for m in hidden)
            if 0 < total < self.k or (len(hidden) == 1 and self.e[hidden[0]].kind == "cell"):
                target = min(hidden, key=lambda m: (not self.e[m].sensitive, self.e[m].value))
                return target, [j]
        # exact audit: any determined sum of hidden cells must be 0 or >= k
        return self._exact_audit(known)

    def _groups(self, cells: list[int]) -> list[list[int]]:
        """All hidden cells as one group when few; else their connected components.

        Two hidden cells are connected when they share an equation other than the
        grand total (a row or a column), so each component is audited on its own.
        """
        if len(cells) <= _EXACT_AUDIT_LIMIT:
            return [cells]
        parent = {c: c for c in cells}

        def find(c: int) -> int:
            while parent[c] != c:
                parent[c] = parent[parent[c]]
                c = parent[c]
            return c

        for q in self.eq:
            if self.e[q.margin].label == "total":
                continue
            inside = [m for m in q.members if m in parent]
            for m in inside[1:]:
                parent[find(m)] = find(inside[0])
        groups: dict[int, list[int]] = {}
        for c in cells:
            groups.setdefault(find(c), []).append(c)
        return list(groups.values())

    def _exact_audit(self, known: set[int]) -> tuple[int, list[int]] | None:
        unknowns = self._unknowns()
        cells = [u for u in unknowns if self.e[u].kind != "margin" and u not in known]
        if len(cells) < 2 or not self.eq:
            return None
        basis = _row_space_basis(self._system(unknowns))
        if basis.shape[0] == 0:
            return None
        pos = {u: c for c, u in enumerate(unknowns)}
        for group in self._groups(cells):
            if not 2 <= len(group) <= _EXACT_AUDIT_LIMIT:
                continue
            subsets = np.array(list(itertools.product((0.0, 1.0), repeat=len(group))))[1:]
            vectors = np.zeros((len(subsets), len(unknowns)))
            for c, u in enumerate(group):
                vectors[:, pos[u]] = subsets[:, c]
            resid = vectors - (vectors @ basis.T) @ basis
            in_space = np.abs(resid).max(axis=1) < 1e-8
            values = subsets @ np.array([self.e[u].value for u in group], dtype=float)
            bad = np.flatnonzero(in_space & (values > 0) & (values < self.k))
            if bad.size:
                members = [group[c] for c in np.flatnonzero(subsets[bad[0]])]
                target = min(members, key=lambda m: (not self.e[m].sensitive, self.e[m].value))
                lines = sorted({j for m in members for j in self.e[m].lines})
                return target, lines
        return None

    # -- choosing a partner -----------------------------------------------------------------
    def _cell_partner(self, target: int, lines: list[int]) -> int | None:
        need = self.k
        for j in lines:
            q = self.eq[j]
            hidden = sum(self.e[m].value for m in q.members if self.e[m].suppressed)
            need = min(need, max(1, self.k - hidden))
        candidates = {
            m
            for j in lines
            for m in self.eq[j].members
            if not self.e[m].suppressed and self.e[m].kind == "cell" and self.e[m].value > 0
        }
        if not candidates:
            return None

        def busy(m: int) -> int:  # 0 if its other lines already hold a suppression
            other = [j for j in self.e[m].lines if j not in lines]
            if not other or any(
                any(self.e[x].suppressed for x in self.eq[j].members) for j in other
            ):
                return 0
            return 1

        return min(
            candidates,
            key=lambda m: (self.e[m].value < need, busy(m), self.e[m].value, m),
        )

    def partner(self, target: int, lines: list[int]) -> int | None:
        """The next entry to suppress: a cell of ``lines``, else their margin, else wider."""
        scope = list(lines)
        while scope:
            who = self._cell_partner(target, scope)
            if who is not None:
                return who
            margins = [self.eq[j].margin for j in scope if not self.e[self.eq[j].margin].suppressed]
            if margins:
                return min(margins, key=lambda m: (self.e[m].value, m))
            touched = {self.eq[j].margin for j in scope} | {
                m for j in scope for m in self.eq[j].members
            }
            wider = sorted({j for t in touched for j in self.e[t].lines} | set(scope))
            if wider == sorted(scope):
                return None
            scope = wider
        return None

    def run(self) -> None:
        for _ in range(len(self.e) + 1):
            found = self.violation()
            if found is None:
                return
            target, lines = found
            who = self.partner(target, lines)
            if who is None:
                raise PrivacyError(  # pragma: no cover - defensive, should not happen
                    f"cannot protect {self.e[target].label}; report this table as a bug"
                )
            self.e[who].suppressed = True
            self.e[who].reason = f"complementary: protects {self.e[target].label}"
        raise PrivacyError(  # pragma: no cover - the loop adds one suppression per round
            "complementary suppression did not settle; report this table as a bug"
        )
