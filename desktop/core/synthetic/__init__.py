"""Synthetic communes: realistic, deterministic fake data for the demo, tests and benchmarks."""

from __future__ import annotations

from desktop.core.synthetic.generator import (
    MAX_CHILDREN,
    MIN_CHILDREN,
    PROFILES,
    SyntheticCommune,
    SyntheticHamlet,
    SyntheticHousehold,
    SyntheticPerson,
    generate_commune,
)

__all__ = [
    "MAX_CHILDREN",
    "MIN_CHILDREN",
    "PROFILES",
    "SyntheticCommune",
    "SyntheticHamlet",
    "SyntheticHousehold",
    "SyntheticPerson",
    "generate_commune",
]
