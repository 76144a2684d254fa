"""Fixed seeds replay the stored golden traces event by event (run ids and wall times aside).

The traces pin behaviour across structural changes: the same seeds must produce the same
events in the same order with the same fields.
"""

from __future__ import annotations

import pytest

from tests.golden import cases


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_fixed_seed_reproduces_the_golden_trace(name: str) -> None:
    expected = cases.load(name)
    actual = cases.normalise(cases.CASES[name]())
    assert len(expected) > 10
    for i, (want, got) in enumerate(zip(expected, actual, strict=False)):
        assert got == want, f"{name}: event {i} differs"
    assert len(actual) == len(expected)


def test_masking_drops_only_run_ids_and_wall_times() -> None:
    event = {"run": "r-1", "seq": 3, "t": 1.5, "kind": "task.completed", "wall_ms": 2.0}
    assert cases.mask(event) == {"seq": 3, "t": 1.5, "kind": "task.completed"}
