"""The claims H1-H8 of the linkage chain, one module per claim family."""

from __future__ import annotations

from .crosslag import MODELS, clpm, cross_lagged, fixed_effects_panel, ri_clpm

__all__ = ["clpm", "ri_clpm", "cross_lagged", "fixed_effects_panel", "MODELS"]
