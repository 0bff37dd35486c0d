"""The hook hypothesis calls through the distribution's ``hypothesis`` entry point.

Hypothesis loads every ``[project.entry-points.hypothesis]`` hook when it is imported; this
one registers ``st.from_type`` strategies for the public value types
(:mod:`casino_core.testing._hypothesis`). A hook that raised would break ``import hypothesis``
for the whole environment, so an import failure (an extra not installed) only skips it.
"""

from __future__ import annotations

__all__ = ["_register"]


def _register() -> None:
    """Register the strategies, unless ``casino_core.testing`` cannot be imported here."""
    try:
        from casino_core.testing._hypothesis import _register as register
    except ImportError:  # pragma: no cover - an optional dependency is missing
        return
    register()
