"""Checking a string or enum option against its allowed values, in one place.

Every public function that takes an option such as ``estimator="ML"`` or
``careless="flag"`` checks it here, so a typo is a ``ValueError`` that lists
the allowed values instead of a silently ignored setting.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import OptionError

__all__ = ["check_option"]


def check_option(value, allowed: Iterable, name: str, where: str = "", *, case: bool = False):
    """Return ``value`` if it is one of ``allowed``, else raise :class:`OptionError`.

    Parameters
    ----------
    value : object
        What the user passed.
    allowed : iterable
        The accepted values.
    name : str
        The option's name, as the user writes it (``"estimator"``).
    where : str, optional
        The function's name, for the message (``"fit_sem"``).
    case : bool
        Compare strings case-sensitively (default: case-insensitive; the
        allowed spelling is returned).

    Returns
    -------
    object
        The allowed value that matched (in its canonical spelling).

    Raises
    ------
    OptionError
        A ``ValueError`` whose message names the option and lists the allowed values.

    Examples
    --------
    >>> check_option("ml", ("ML", "MLR"), "estimator", "fit_sem")
    'ML'
    >>> check_option("robust.huber.white", ("standard", "bootstrap"), "se", "fit_sem")
    Traceback (most recent call last):
    ...
    satisfaction.errors.OptionError: fit_sem: se='robust.huber.white' is not one of 'standard', 'bootstrap'; ...
    """
    allowed = tuple(allowed)
    for a in allowed:
        if value is a or value == a:
            return a
        if (
            not case
            and isinstance(value, str)
            and isinstance(a, str)
            and value.lower() == a.lower()
        ):
            return a
    shown = ", ".join(repr(a) for a in allowed)
    prefix = f"{where}: " if where else ""
    raise OptionError(f"{prefix}{name}={value!r} is not one of {shown}; pass one of these values")
