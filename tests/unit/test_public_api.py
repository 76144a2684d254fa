"""The facade: __all__ lists exactly the public names, and each is importable."""

import types

import swarmnb as sn


def test_all_is_honest():
    public = {
        name
        for name, value in vars(sn).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    lazy = set(sn._LAZY_NAMES)  # loaded on first use (Swarm, Episode pull in the models)
    assert public - {"annotations"} - lazy == set(sn.__all__) - {"__version__"} - lazy
    assert {"Swarm", "Episode"} <= set(sn.__all__)
    for name in sn.__all__:
        assert getattr(sn, name) is not None


def test_error_hierarchy():
    assert issubclass(sn.GraphError, sn.SwarmError) and issubclass(sn.GraphError, ValueError)
    assert issubclass(sn.TaskTimeout, sn.RetryableError)
    assert issubclass(sn.TaskTimeout, TimeoutError)
    assert issubclass(sn.CapabilityDenied, PermissionError)
    assert issubclass(sn.StructuredOutputError, sn.ModelError)
    for name in ("BudgetExceeded", "TaskFailed", "ModelError", "RetryableError"):
        assert issubclass(getattr(sn, name), sn.SwarmError)


def test_event_kinds_match_the_design():
    expected = {"run.started", "task.retrying", "policy.decision", "capability.denied"}
    assert expected <= sn.EVENT_KINDS
    assert len(sn.EVENT_KINDS) == 22


def test_metric_names_are_documented():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "metrics.md").read_text()
    for name in sn.METRIC_NAMES:
        assert f"`{name}`" in doc, name
