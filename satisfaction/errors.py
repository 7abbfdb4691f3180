"""Exceptions and warnings shared by the whole package.

Every error the package raises on purpose derives from :class:`SatisfactionError`
and says what went wrong, where (file, row, column) and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "SatisfactionError",
    "InstrumentError",
    "InputError",
    "CleaningError",
    "PrivacyError",
    "SEMError",
    "OptionError",
    "SEMWarning",
    "ConvergenceWarning",
]


class SatisfactionError(Exception):
    """Base class of every error raised on purpose by ``satisfaction``."""


class InstrumentError(SatisfactionError, ValueError):
    """An instrument file or definition is malformed."""


class InputError(SatisfactionError, ValueError):
    """A data export cannot be read as it is (wrong format, missing columns, ...)."""


class CleaningError(SatisfactionError, ValueError):
    """Cleaning cannot go on without the user's decision (e.g. unknown labels)."""


class PrivacyError(SatisfactionError, ValueError):
    """Something bound for a report would disclose a small group or a respondent."""


class SEMError(SatisfactionError, ValueError):
    """A structural equation model cannot be specified or estimated as asked."""


class SEMWarning(UserWarning):
    """Something about a fitted model that the user must know (Heywood case, ...)."""


class ConvergenceWarning(SEMWarning, RuntimeWarning):
    """The optimiser did not converge; estimates are not trustworthy."""


class OptionError(SatisfactionError, ValueError):
    """An option was given a value outside its allowed set (the message lists them)."""
