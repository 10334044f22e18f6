"""What the engine can sample: the paper's model and the validation functions."""

from __future__ import annotations

from engine.simulators import meek, testfunctions  # noqa: F401
from engine.simulators.base import REGISTRY, Simulator, Var

__all__ = ["REGISTRY", "Simulator", "Var"]
