"""The package's shape: layers (lint-imports), no import cycles, one exception tree."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import grimp
import networkx as nx

import swarmnb
from swarmnb import _exceptions

#: Optional third-party packages a module may need (an extra not installed here).
_OPTIONAL = {"ray", "nats"}


def _import_graph() -> nx.DiGraph:
    """Every import between swarmnb modules: top-level and inside functions, not TYPE_CHECKING."""
    graph = grimp.build_graph("swarmnb", exclude_type_checking_imports=True, cache_dir=None)
    g = nx.DiGraph()
    for module in graph.modules:
        g.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.split(".")[0] == "swarmnb":
                g.add_edge(module, imported)
    return g


def test_the_import_graph_has_no_cycle() -> None:
    g = _import_graph()
    assert g.number_of_edges() > 100  # the graph really was read
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert cycles == []


def test_the_cycle_check_sees_function_level_imports() -> None:
    # run.dashboard() imports the ui inside the function: the graph must hold that edge.
    assert _import_graph().has_edge("swarmnb.runtime.view", "swarmnb.ui")


def _all_modules() -> list[ModuleType]:
    modules = [swarmnb]
    for info in pkgutil.walk_packages(swarmnb.__path__, prefix="swarmnb."):
        if info.name == "swarmnb.__main__":
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except ModuleNotFoundError as exc:
            if (exc.name or "").split(".")[0] not in _OPTIONAL:
                raise
    return modules


def test_every_exception_class_is_in_the_one_tree() -> None:
    modules = _all_modules()
    assert len(modules) > 80
    found: dict[str, type] = {}
    for module in modules:
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, BaseException)
                and obj.__module__.split(".")[0] == "swarmnb"
            ):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    outside = sorted(k for k, cls in found.items() if cls.__module__ != "swarmnb._exceptions")
    assert outside == []
    assert len(found) >= 20
    for cls in found.values():
        if cls in _exceptions.SIGNALS:  # control flow on purpose: not an Exception at all
            assert not issubclass(cls, Exception), cls
            continue
        assert issubclass(cls, _exceptions.SwarmError), cls


def test_every_exception_is_drawn_in_the_tree_and_exported() -> None:
    doc = _exceptions.__doc__ or ""
    own = _exceptions.__name__
    classes = [
        obj
        for obj in vars(_exceptions).values()
        if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == own
    ]
    assert len(classes) >= 20
    for cls in classes:
        assert cls.__name__ in doc, cls
        assert cls.__name__ in _exceptions.__all__, cls
        if cls is _exceptions.SwarmError or cls in _exceptions.SIGNALS:
            continue
        # the builtin it mimics is named next to it in the tree
        for base in cls.__bases__:
            if base.__module__ == "builtins":
                assert f"{cls.__name__} ({base.__name__})" in doc, (cls, base)
