"""A specified structural equation model: parameter table and implied moments.

The model is held in RAM form (McArdle & McDonald 1984). With the variables
ordered observed first (``p`` of them, Sigma's row order) then latent (``m``),

.. math::

    \\Sigma(\\theta) = F (I - A)^{-1} S (I - A)^{-T} F', \\qquad
    \\mu(\\theta) = F (I - A)^{-1} M

where ``A`` holds the directed effects (loadings and regressions; ``A[i, j]`` is
the effect of ``j`` on ``i``), ``S`` the (residual) variances and covariances,
``M`` the intercepts and ``F = [I_p, 0]`` selects the observed variables.
Derivatives are analytic: with ``E = (I - A)^{-1}``, ``G = F E`` and
``H = E S G'``, a unit change in ``A[i, j]`` changes Sigma by
``G[:, i] H[j, :] + (G[:, i] H[j, :])'`` and a unit change in ``S[i, j]`` by
``G[:, i] G[:, j]' + G[:, j] G[:, i]'`` (once only when ``i == j``).

The parameter table follows lavaan's ``sem()`` defaults (``auto.fix.first``,
``auto.var``, ``auto.fix.single``, ``auto.cov.lv.x``, ``auto.cov.y``, ``fixed.x``,
``int.ov.free``), so it lines up row by row with lavaan's ``parTable()`` (labels
shared by several parameters make them one free parameter).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import SEMError
from .partable import RAM_MATRIX, build_partable, variable_names
from .syntax import (
    Definition,
    constrain_formulas,
    parse_constraints,
    parse_syntax,
    simple_constraint,
)

__all__ = ["Model", "vech", "vech_indices", "duplication_matrix"]


def vech_indices(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of vech: the lower triangle, column by column.

    Parameters
    ----------
    p : int
        Matrix order.

    Returns
    -------
    rows, cols : ndarray of int, length p*(p+1)/2

    Examples
    --------
    >>> vech_indices(3)
    (array([0, 1, 2, 1, 2, 2]), array([0, 0, 0, 1, 1, 2]))
    """
    rows = [i for j in range(p) for i in range(j, p)]
    cols = [j for j in range(p) for i in range(j, p)]
    return np.array(rows, dtype=int), np.array(cols, dtype=int)


def vech(a: np.ndarray) -> np.ndarray:
    """The column-wise lower triangle (diagonal included) of ``a`` (lavaan's vech).

    Parameters
    ----------
    a : ndarray (..., p, p)

    Returns
    -------
    ndarray (..., p*(p+1)/2)

    Examples
    --------
    >>> vech(np.array([[1.0, 2.0], [2.0, 3.0]]))
    array([1., 2., 3.])
    """
    a = np.asarray(a)
    r, c = vech_indices(a.shape[-1])
    return a[..., r, c]


def duplication_matrix(p: int) -> np.ndarray:
    """The duplication matrix D with ``vec(A) = D vech(A)`` for symmetric ``A``.

    Parameters
    ----------
    p : int

    Returns
    -------
    ndarray (p*p, p*(p+1)/2)

    ``vec`` stacks columns (Fortran order).

    Examples
    --------
    >>> a = np.array([[1.0, 2.0], [2.0, 3.0]])
    >>> bool(np.allclose(duplication_matrix(2) @ vech(a), a.flatten(order="F")))
    True
    """
    r, c = vech_indices(p)
    d = np.zeros((p * p, len(r)))
    for k, (i, j) in enumerate(zip(r, c, strict=True)):
        d[i + j * p, k] = 1.0
        d[j + i * p, k] = 1.0
    return d


class Model:
    """A specified, not-yet-fitted structural equation model (immutable).

    Build it with :meth:`Model.from_syntax`. Attributes: ``syntax``, ``observed``
    (Sigma's row order), ``latent``, ``partable`` (``lhs, op, rhs, label, free,
    value, start, user, exo``; ``free`` is 0 for fixed parameters and 1..q for
    free ones), ``n_free`` (q), ``meanstructure``, ``definitions``.

    Examples
    --------
    >>> from semopy.examples import political_democracy
    >>> data = political_democracy.get_data()
    >>> m = Model.from_syntax("ind60 =~ x1 + x2 + x3\\ndem60 =~ y1 + y2 + y3 + y4\\n"
    ...                       "dem60 ~ ind60", data.columns)
    >>> m.observed, m.latent, m.n_free
    (['x1', 'x2', 'x3', 'y1', 'y2', 'y3', 'y4'], ['ind60', 'dem60'], 15)
    >>> sigma, mu = m.implied(m.start_values(np.cov(data[m.observed].T, bias=True)))
    >>> sigma.shape, mu
    ((7, 7), None)
    """

    def __init__(
        self,
        syntax,
        partable,
        observed,
        latent,
        meanstructure,
        std_lv,
        definitions,
        names,
        constraints=(),
    ):
        self.syntax: str = syntax
        self.partable: pd.DataFrame = partable
        self.observed: list[str] = list(observed)
        self.latent: list[str] = list(latent)
        self.meanstructure: bool = bool(meanstructure)
        self.std_lv: bool = bool(std_lv)
        self.definitions: list[Definition] = list(definitions)
        self.names: dict[str, list[str]] = names
        #: general constraints (``a == 2*b``, ``a > 0``); simple ones are in the partable
        self.constraints: list = list(constraints)
        pt = partable[partable["op"] != ":="]
        self.n_free: int = int(pt["free"].max()) if len(pt) and pt["free"].max() > 0 else 0
        self._setup(pt)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_syntax(
        cls,
        syntax: str,
        data_columns,
        *,
        meanstructure: bool = False,
        std_lv: bool = False,
        fixed_x: bool = True,
    ) -> Model:
        """Specify a model from lavaan syntax, with lavaan's ``sem()`` defaults.

        Parameters
        ----------
        syntax : str
            lavaan model syntax (``=~ ~ ~~ ~1 :=``, labels, fixed values, ``NA*``).
        data_columns : iterable of str
            Column names of the data; every observed variable must be one of them.
        meanstructure : bool
            Add intercepts (observed intercepts free, latent means fixed to 0);
            implied when the syntax has an intercept (``y ~ 1``).
        std_lv : bool
            Fix latent variances to 1 instead of the first loadings.
        fixed_x : bool
            Treat exogenous observed covariates as fixed (lavaan's default).

        Returns
        -------
        Model

        Raises
        ------
        SEMError
            If the syntax cannot be read or names a variable that is in neither
            the data nor the latent variables.

        Examples
        --------
        >>> m = Model.from_syntax("F =~ a + b + c", ["a", "b", "c"])
        >>> m.partable[["lhs", "op", "rhs", "free", "value"]]
          lhs  op rhs  free  value
        0   F  =~   a     0    1.0
        1   F  =~   b     1    NaN
        2   F  =~   c     2    NaN
        3   a  ~~   a     3    NaN
        4   b  ~~   b     4    NaN
        5   c  ~~   c     5    NaN
        6   F  ~~   F     6    NaN
        """
        formulas, definitions = parse_syntax(syntax)
        grouped = [f for f in formulas if f.per_group is not None]
        if grouped:
            f = grouped[0]
            raise SEMError(
                f"model syntax line {f.line}: group-specific modifiers c(...) need a "
                "multi-group model; pass group='column' to fit_sem"
            )
        constraints = parse_constraints(syntax)
        formulas = constrain_formulas(formulas, constraints)
        model = cls.from_formulas(
            syntax,
            formulas,
            definitions,
            data_columns,
            meanstructure=meanstructure,
            std_lv=std_lv,
            fixed_x=fixed_x,
        )
        general = [c for c in constraints if not simple_constraint(c)]
        if not general:
            return model
        return cls(
            model.syntax,
            model.partable,
            model.observed,
            model.latent,
            model.meanstructure,
            model.std_lv,
            model.definitions,
            model.names,
            general,
        )

    @classmethod
    def from_formulas(
        cls,
        syntax: str,
        formulas,
        definitions,
        data_columns,
        *,
        meanstructure: bool = False,
        std_lv: bool = False,
        fixed_x: bool = True,
    ) -> Model:
        """Specify a model from parsed formulas (:func:`.syntax.parse_syntax`).

        Parameters
        ----------
        syntax : str
            The syntax the formulas came from (kept for display).
        formulas, definitions : list
            As :func:`.syntax.parse_syntax` returns them (one group's modifiers applied).
        data_columns : iterable of str
        meanstructure, std_lv, fixed_x : bool
            As :meth:`from_syntax`.

        Returns
        -------
        Model

        Examples
        --------
        >>> from satisfaction.sem.syntax import parse_syntax
        >>> f, d = parse_syntax("F =~ a + b + c")
        >>> Model.from_formulas("F =~ a + b + c", f, d, ["a", "b", "c"]).n_free
        6
        """
        if any(f.op == "~1" for f in formulas):  # lavaan: intercepts imply a mean structure
            meanstructure = True
        columns = [str(c) for c in data_columns]
        names = variable_names(formulas, fixed_x)
        clash = [v for v in names["lv"] if v in columns]
        if clash:
            raise SEMError(
                f"latent variable name(s) {clash} are also columns of the data; rename the "
                "latent variable(s) in the model syntax"
            )
        for f in formulas:
            for v in (f.lhs, f.rhs):
                if v and v not in names["lv"] and v not in columns:
                    raise SEMError(
                        f"model syntax line {f.line}: {v!r} is neither a latent variable "
                        "(left of =~) nor a column of the data; check the spelling or add "
                        "the column"
                    )
        table = build_partable(
            formulas, definitions, names, meanstructure=meanstructure, std_lv=std_lv
        )
        return cls(
            syntax, table, names["ov"], names["lv"], meanstructure, std_lv, definitions, names
        )

    def _setup(self, pt: pd.DataFrame) -> None:
        p, m = len(self.observed), len(self.latent)
        self.p, self.n_vars = p, p + m
        index = {v: i for i, v in enumerate(self.observed + self.latent)}
        mat = np.array([RAM_MATRIX[o] for o in pt["op"]], dtype=int)
        row = np.zeros(len(pt), dtype=int)
        col = np.zeros(len(pt), dtype=int)
        for k, (lhs, op, rhs) in enumerate(zip(pt["lhs"], pt["op"], pt["rhs"], strict=True)):
            if op == "=~":
                row[k], col[k] = index[rhs], index[lhs]
            elif op == "~":
                row[k], col[k] = index[lhs], index[rhs]
            elif op == "~~":
                row[k], col[k] = index[lhs], index[rhs]
            else:
                row[k] = col[k] = index[lhs]
        self._mat, self._row, self._col = mat, row, col
        self._lhs = np.asarray(pt["lhs"].to_numpy(), dtype=object)
        self._op = np.asarray(pt["op"].to_numpy(), dtype=object)
        self._rhs = np.asarray(pt["rhs"].to_numpy(), dtype=object)
        self._value = pt["value"].to_numpy(dtype=float)
        self._ustart = pt["start"].to_numpy(dtype=float)
        free = pt["free"].to_numpy()
        self._free = free
        self._exo = pt["exo"].to_numpy().astype(bool)
        nv = self.n_vars
        a0, s0, m0 = np.zeros((nv, nv)), np.zeros((nv, nv)), np.zeros(nv)
        values = pt["value"].to_numpy()
        for k in np.flatnonzero((free == 0) & ~self._exo):
            v = values[k]
            if mat[k] == 0:
                a0[row[k], col[k]] = v
            elif mat[k] == 1:
                s0[row[k], col[k]] = s0[col[k], row[k]] = v
            else:
                m0[row[k]] = v
        self._a0, self._s0, self._m0 = a0, s0, m0
        fr = free > 0
        self._fa = np.flatnonzero(fr & (mat == 0))
        self._fs = np.flatnonzero(fr & (mat == 1))
        self._fm = np.flatnonzero(fr & (mat == 2))
        self._ex = np.flatnonzero(self._exo & (mat == 1))
        self._exm = np.flatnonzero(self._exo & (mat == 2))
        self._vr, self._vc = vech_indices(p)
        q = self.n_free
        # P maps free partable rows (A rows, S rows, M rows) to theta
        order = np.concatenate([self._fa, self._fs, self._fm])
        self._pmap = np.zeros((len(order), q))
        self._pmap[np.arange(len(order)), free[order] - 1] = 1.0
        # recursive models: A is nilpotent and (I - A)^-1 = (I + A)(I + A^2)(I + A^4)...
        reach = (a0 != 0).astype(int)
        reach[row[self._fa], col[self._fa]] = 1
        power, depth = reach.copy(), 1
        while power.any() and depth <= nv:
            power = ((power @ reach) > 0).astype(int)
            depth += 1
        self._doublings = None if power.any() else max(int(np.ceil(np.log2(depth + 1))), 1)
        self._exo_values: np.ndarray | None = None
        if len(self._ex) or len(self._exm):
            v = values[np.concatenate([self._ex, self._exm])]
            if np.all(np.isfinite(v)):
                self._exo_values = v

    # ------------------------------------------------------------------ helpers
    @cached_property
    def label_rows(self) -> dict[str, int]:
        """First parameter-table row of each label (``:=`` rows excluded)."""
        out: dict[str, int] = {}
        labels = self.partable["label"].to_numpy()[: len(self._free)]
        for k, lab in enumerate(labels):
            if lab and lab not in out:
                out[lab] = k
        return out

    @cached_property
    def free_rows(self) -> np.ndarray:
        """Index (into ``partable``) of the first row of each free parameter, shape (q,)."""
        out = np.zeros(self.n_free, dtype=int)
        for k in range(len(self._free) - 1, -1, -1):
            if self._free[k] > 0:
                out[self._free[k] - 1] = k
        return out

    @property
    def param_names(self) -> list[str]:
        """A readable name for each free parameter (its label or ``lhs op rhs``)."""
        pt = self.partable
        return [
            pt["label"].iat[k] or f"{pt['lhs'].iat[k]}{pt['op'].iat[k]}{pt['rhs'].iat[k]}"
            for k in self.free_rows
        ]

    @property
    def label_map(self) -> dict:
        """Label -> 0-based index into theta (free parameters) or the fixed value."""
        out = {}
        for lab, k in self.label_rows.items():
            out[lab] = int(self._free[k] - 1) if self._free[k] > 0 else float(self._value[k])
        return out

    @property
    def n_equalities(self) -> int:
        """Number of general equality constraints (lavaan's df adds them back)."""
        return sum(c.op == "==" for c in self.constraints)

    @property
    def has_exo(self) -> bool:
        """True if the model has exogenous observed covariates fixed to sample values."""
        return bool(len(self._ex) or len(self._exm))

    def with_sample(self, S: np.ndarray, mean: np.ndarray | None = None) -> Model:
        """A copy whose fixed.x variances, covariances (and means) are the sample ones.

        Parameters
        ----------
        S : ndarray (p, p)
            Sample covariance matrix in ``observed`` order.
        mean : ndarray (p,), optional
            Sample means (needed when the model has a mean structure).

        Returns
        -------
        Model
            A new model; the model itself when it has no fixed.x covariates.

        Examples
        --------
        >>> from semopy.examples import political_democracy
        >>> data = political_democracy.get_data()
        >>> m = Model.from_syntax("y1 ~ x1 + x2", data.columns)
        >>> bound = m.with_sample(np.cov(data[m.observed].T, bias=True))
        >>> bound.partable.loc[bound.partable["exo"], ["lhs", "op", "rhs", "value"]].round(3)
          lhs  op rhs  value
        3  x1  ~~  x1  0.530
        4  x1  ~~  x2  0.977
        5  x2  ~~  x2  2.252
        """
        if not self.has_exo:
            return self
        values = self.exo_values(S, mean)
        pt = self.partable.copy()
        rows = np.concatenate([self._ex, self._exm])
        pt.loc[pt.index[rows], "value"] = values
        return Model(
            self.syntax,
            pt,
            self.observed,
            self.latent,
            self.meanstructure,
            self.std_lv,
            self.definitions,
            self.names,
            self.constraints,
        )

    def exo_values(self, S: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
        """Sample values of the fixed.x rows (covariances, then means) for one sample.

        Parameters
        ----------
        S : ndarray (p, p)
            Sample covariance matrix in ``observed`` order.
        mean : ndarray (p,), optional
            Sample means (needed when the fixed.x covariates have intercepts).

        Returns
        -------
        ndarray (n_exo,)
            The values, in the order of the fixed.x rows of ``partable``.

        Examples
        --------
        >>> m = Model.from_syntax("y ~ x", ["x", "y"])
        >>> m.exo_values(np.array([[1.0, 0.5], [0.5, 2.0]]))
        array([2.])
        """
        S = np.asarray(S, dtype=float)
        cov = S[self._row[self._ex], self._col[self._ex]]
        if len(self._exm):
            if mean is None:
                raise SEMError("this model has intercepts of fixed.x covariates; pass the means")
            return np.concatenate([cov, np.asarray(mean, float)[self._row[self._exm]]])
        return cov

    # ------------------------------------------------------------------ matrices
    def matrices(self, theta: np.ndarray, exo: np.ndarray | None = None):
        """RAM matrices ``(A, S, M)`` at ``theta``.

        Parameters
        ----------
        theta : ndarray (q,)
            Free parameters.
        exo : ndarray (n_exo,), optional
            fixed.x values overriding the bound ones.

        Returns
        -------
        A, S : ndarray (n, n)
            Directed effects (``A[i, j]``: effect of variable j on i) and
            (residual) covariances, variables ordered ``observed + latent``.
        M : ndarray (n,)
            Intercepts.

        Examples
        --------
        >>> m = Model.from_syntax("F =~ a + b", ["a", "b"])
        >>> A, S, M = m.matrices(np.array([2.0, 0.5, 0.5, 1.0]))
        >>> A[:, 2]
        array([1., 2., 0.])
        """
        a, s, m = self.matrices_batch(
            np.asarray(theta, float)[None, :], None if exo is None else np.asarray(exo)[None, :]
        )
        return a[0], s[0], m[0]

    def matrices_batch(self, thetas: np.ndarray, exo: np.ndarray | None = None):
        """RAM matrices for B parameter vectors.

        Parameters
        ----------
        thetas : ndarray (B, q)
        exo : ndarray (B, n_exo), optional
            Per-row fixed.x values.

        Returns
        -------
        A, S : ndarray (B, n, n)
        M : ndarray (B, n)

        Examples
        --------
        >>> m = Model.from_syntax("F =~ a + b", ["a", "b"])
        >>> [x.shape for x in m.matrices_batch(np.ones((4, 4)))]
        [(4, 3, 3), (4, 3, 3), (4, 3)]
        """
        thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
        b = thetas.shape[0]
        if thetas.shape[1] != self.n_free:
            raise SEMError(
                f"theta has {thetas.shape[1]} values but the model has "
                f"{self.n_free} free parameters"
            )
        a = np.repeat(self._a0[None], b, axis=0)
        s = np.repeat(self._s0[None], b, axis=0)
        m = np.repeat(self._m0[None], b, axis=0)
        r, c, f = self._row, self._col, self._free - 1
        a[:, r[self._fa], c[self._fa]] = thetas[:, f[self._fa]]
        s[:, r[self._fs], c[self._fs]] = thetas[:, f[self._fs]]
        s[:, c[self._fs], r[self._fs]] = thetas[:, f[self._fs]]
        m[:, r[self._fm]] = thetas[:, f[self._fm]]
        if self.has_exo:
            if exo is None:
                exo = self._exo_values
                if exo is None:
                    raise SEMError(
                        "the model has fixed.x covariates but no sample values; use "
                        "model.with_sample(S, mean) first"
                    )
                exo = np.broadcast_to(exo, (b, len(exo)))
            exo = np.atleast_2d(exo)
            ne = len(self._ex)
            s[:, r[self._ex], c[self._ex]] = exo[:, :ne]
            s[:, c[self._ex], r[self._ex]] = exo[:, :ne]
            if len(self._exm):
                m[:, r[self._exm]] = exo[:, ne:]
        return a, s, m

    def _core_batch(self, thetas, exo=None):
        a, s, m = self.matrices_batch(thetas, exo)
        eye = np.eye(self.n_vars)
        if self._doublings is not None:  # recursive: exact product, no inversion
            e = eye[None] + a
            ak = a
            for _ in range(self._doublings - 1):
                ak = ak @ ak
                e = e + e @ ak
            g = e[:, : self.p, :]
            return a, s, m, e, g
        try:
            e = np.linalg.inv(eye[None] - a)
        except np.linalg.LinAlgError:
            raise SEMError(
                "I - A is singular at these parameter values (a non-recursive "
                "model with an explosive loop?)"
            ) from None
        g = e[:, : self.p, :]  # (B, p, n)
        return a, s, m, e, g

    # ------------------------------------------------------------------ implied moments
    def implied(self, theta: np.ndarray, exo: np.ndarray | None = None):
        """Model-implied covariance matrix and mean vector at ``theta``.

        Parameters
        ----------
        theta : ndarray (q,)
            Free parameters.
        exo : ndarray (n_exo,), optional
            fixed.x values overriding the bound ones.

        Returns
        -------
        sigma : ndarray (p, p)
            ``F (I - A)^-1 S (I - A)^-T F'``.
        mu : ndarray (p,) or None
            ``F (I - A)^-1 M``; ``None`` unless the model has a mean structure.

        Examples
        --------
        >>> m = Model.from_syntax("F =~ a + b", ["a", "b"])
        >>> sigma, mu = m.implied(np.array([2.0, 0.5, 0.5, 1.0]))
        >>> sigma
        array([[1.5, 2. ],
               [2. , 4.5]])
        """
        return self._single(self.implied_batch, theta, exo)

    @staticmethod
    def _single(batch_method, theta, exo):
        """Run a ``*_batch(thetas, exo, with_mean=True)`` method for one parameter vector."""
        first, second = batch_method(
            np.asarray(theta, float)[None, :],
            None if exo is None else np.asarray(exo)[None, :],
            with_mean=True,
        )
        return first[0], (None if second is None else second[0])

    def implied_batch(
        self, thetas: np.ndarray, exo: np.ndarray | None = None, *, with_mean: bool = False
    ):
        """Implied covariance matrices for B parameter vectors.

        Parameters
        ----------
        thetas : ndarray (B, q)
        exo : ndarray (B, n_exo), optional
            Per-row fixed.x values.
        with_mean : bool
            Also return the implied means.

        Returns
        -------
        sigmas : ndarray (B, p, p)
        mus : ndarray (B, p) or None
            Only with ``with_mean=True`` (None without a mean structure).

        Examples
        --------
        >>> m = Model.from_syntax("F =~ a + b", ["a", "b"])
        >>> thetas = np.array([[2.0, 0.5, 0.5, 1.0], [1.0, 1.0, 1.0, 1.0]])
        >>> m.implied_batch(thetas)[1]
        array([[2., 1.],
               [1., 2.]])
        """
        _, s, m, e, g = self._core_batch(thetas, exo)
        sig = g @ s @ np.swapaxes(g, 1, 2)
        if not with_mean:
            return sig
        mu = np.einsum("bpn,bn->bp", g, m) if self.meanstructure else None
        return sig, mu

    def jacobian(self, theta: np.ndarray, exo: np.ndarray | None = None):
        """Analytic derivatives of the implied moments with respect to ``theta``.

        Parameters
        ----------
        theta : ndarray (q,)
        exo : ndarray (n_exo,), optional
            fixed.x values overriding the bound ones.

        Returns
        -------
        dsigma : ndarray (p*(p+1)/2, q)
            Derivatives of vech(Sigma) (column-wise lower triangle).
        dmu : ndarray (p, q) or None
            Derivatives of mu (None without a mean structure).

        Notes
        -----
        With ``E = (I - A)^-1``, ``G = F E`` and ``H = E S G'``: a unit change in
        ``A[i, j]`` changes Sigma by ``G[:, i] H[j, :] + (G[:, i] H[j, :])'`` and mu
        by ``G[:, i] (E M)[j]``; in ``S[i, j]`` Sigma by
        ``G[:, i] G[:, j]' + G[:, j] G[:, i]'`` (once when ``i == j``); in ``M[i]``
        mu by ``G[:, i]``. Parameters sharing a label add their columns.

        Examples
        --------
        >>> m = Model.from_syntax("F =~ a + b", ["a", "b"])
        >>> dsigma, _ = m.jacobian(np.array([2.0, 0.5, 0.5, 1.0]))
        >>> dsigma[:, 0]  # d vech(Sigma) / d loading of b
        array([0., 1., 4.])
        """
        return self._single(self.jacobian_batch, theta, exo)

    def jacobian_batch(
        self, thetas: np.ndarray, exo: np.ndarray | None = None, *, with_mean: bool = False
    ):
        """Analytic derivatives of vech(Sigma) (and mu) for B parameter vectors.

        Parameters
        ----------
        thetas : ndarray (B, q)
        exo : ndarray (B, n_exo), optional
            Per-row fixed.x values.
        with_mean : bool
            Also return the derivatives of mu.

        Returns
        -------
        dsigma : ndarray (B, p*(p+1)/2, q)
        dmu : ndarray (B, p, q) or None
            Only with ``with_mean=True``.

        Examples
        --------
        >>> m = Model.from_syntax("F =~ a + b", ["a", "b"])
        >>> m.jacobian_batch(np.ones((5, 4))).shape
        (5, 3, 4)
        """
        _, s, m, e, g = self._core_batch(thetas, exo)
        return self._jacobian_from(s, m, e, g, with_mean)

    def moments_and_jacobian_batch(self, thetas: np.ndarray, exo: np.ndarray | None = None):
        """``(sigmas, mus, dsigma, dmu)`` for B parameter vectors with one matrix inversion."""
        _, s, m, e, g = self._core_batch(thetas, exo)
        sig = g @ s @ np.swapaxes(g, 1, 2)
        mu = np.einsum("bpn,bn->bp", g, m) if self.meanstructure else None
        jac, jmu = self._jacobian_from(s, m, e, g, True)
        return sig, mu, jac, jmu

    def core_batch(self, thetas: np.ndarray, exo: np.ndarray | None = None):
        """``(sigmas, mus, (S, M, E, G))`` for B parameter vectors (RAM pieces for gradients)."""
        _, s, m, e, g = self._core_batch(thetas, exo)
        sig = g @ s @ np.swapaxes(g, 1, 2)
        mu = np.einsum("bpn,bn->bp", g, m) if self.meanstructure else None
        return sig, mu, (s, m, e, g)

    def gradient_from(self, pieces, msig: np.ndarray, wmean: np.ndarray | None = None):
        """``sum_rc 0.5 msig_rc dSigma_rc/dtheta + wmean' dmu/dtheta`` for B samples, (B, q).

        ``msig`` (B, p, p) is symmetric. With ``msig = V (S - Sigma) V`` this is the
        gradient numerator ``Delta' W e`` of the estimators without forming the
        Jacobian: ``tr(M dSigma)`` for a unit change of ``A[i, j]`` is
        ``2 (G' M H')[i, j]`` and of ``S[i, j]`` is ``2 (G' M G)[i, j]`` (once on the diagonal).
        """
        s, m, e, g = pieces
        h = e @ s @ np.swapaxes(g, 1, 2)  # (B, n, p)
        gm = np.swapaxes(g, 1, 2) @ msig  # (B, n, p)
        ga = gm @ np.swapaxes(h, 1, 2)  # (B, n, n): d/dA[i, j] -> ga[i, j]
        gs = gm @ g  # (B, n, n)
        r, c = self._row, self._col
        parts = [
            ga[:, r[self._fa], c[self._fa]],
            gs[:, r[self._fs], c[self._fs]] * np.where(r[self._fs] == c[self._fs], 0.5, 1.0),
            np.zeros((g.shape[0], len(self._fm))),
        ]
        if wmean is not None and self.meanstructure:
            gw = np.einsum("bpn,bp->bn", g, wmean)  # (B, n)
            em = np.einsum("bnk,bk->bn", e, m)
            parts[0] = parts[0] + gw[:, r[self._fa]] * em[:, c[self._fa]]
            parts[2] = gw[:, r[self._fm]]
        return np.concatenate(parts, axis=1) @ self._pmap

    def _jacobian_from(self, s, m, e, g, with_mean):
        h = e @ s @ np.swapaxes(g, 1, 2)  # (B, n, p)
        vr, vc = self._vr, self._vc
        gr, gc = g[:, vr, :], g[:, vc, :]  # (B, k, n)
        hr, hc = h[:, :, vr], h[:, :, vc]  # (B, n, k)
        r, c = self._row, self._col
        ai, aj = r[self._fa], c[self._fa]
        ja = gr[:, :, ai] * np.swapaxes(hc[:, aj, :], 1, 2) + gc[:, :, ai] * np.swapaxes(
            hr[:, aj, :], 1, 2
        )
        si, sj = r[self._fs], c[self._fs]
        js = gr[:, :, si] * gc[:, :, sj] + gr[:, :, sj] * gc[:, :, si]
        js = js * np.where(si == sj, 0.5, 1.0)
        jm_ = np.zeros((js.shape[0], js.shape[1], len(self._fm)))
        jac = np.concatenate([ja, js, jm_], axis=2) @ self._pmap
        if not with_mean:
            return jac
        if not self.meanstructure:
            return jac, None
        em = np.einsum("bnk,bk->bn", e, m)  # (B, n)
        dma = g[:, :, ai] * em[:, None, aj]
        dms = np.zeros((g.shape[0], self.p, len(self._fs)))
        dmm = g[:, :, r[self._fm]]
        jmu = np.concatenate([dma, dms, dmm], axis=2) @ self._pmap
        return jac, jmu

    # ------------------------------------------------------------------ start values
    def start_values(self, S: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
        """Starting values from the sample moments.

        Parameters
        ----------
        S : ndarray (p, p)
            Sample covariance matrix in ``observed`` order.
        mean : ndarray (p,), optional
            Sample means (start values of intercepts).

        Returns
        -------
        ndarray (q,)

        Notes
        -----
        Loadings from the three-indicator identity (common variance of an item
        ``c_j = median S_jk S_jl / S_kl``), residual variances ``S_jj - c_j``,
        regressions and covariances 0, intercepts the sample means; the user's
        ``start()`` values win.

        Examples
        --------
        >>> m = Model.from_syntax("F =~ a + b + c", ["a", "b", "c"])
        >>> S = np.array([[1.0, 0.48, 0.40], [0.48, 1.0, 0.30], [0.40, 0.30, 1.0]])
        >>> m.start_values(S).round(3)
        array([0.75 , 0.625, 0.36 , 0.64 , 0.75 , 0.64 ])
        """
        from .start import start_values

        return start_values(self, S, mean)
