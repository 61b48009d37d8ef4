"""The grid tests share the outage fixtures (a small hand-made grid, the sample extracts)."""

from tests.outages.conftest import _english, manager, planner, samples_loaded, small_grid, store  # noqa: F401
