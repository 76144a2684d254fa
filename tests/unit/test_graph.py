import networkx as nx
import pytest

import swarmnb as sn


def diamond() -> sn.TaskGraph:
    g = sn.TaskGraph()
    g.add("look up A", id="a", profile="small", role="researcher", max_retries=2, timeout=30.0)
    g.add("look up B", id="b")
    g.add("merge", id="m", deps=["a", "b"])
    return g


def test_add_keeps_fields_and_order():
    g = diamond()
    assert g.ids == ["a", "b", "m"]
    a = g["a"]
    assert (a.profile, a.role, a.max_retries, a.timeout) == ("small", "researcher", 2, 30.0)
    assert g["m"].deps == ("a", "b")
    assert len(g) == 3 and "m" in g and "zz" not in g


def test_unknown_keywords_go_to_meta():
    g = sn.TaskGraph()
    task = g.add("x", id="x", colour="red")
    assert task.meta == {"colour": "red"}


def test_auto_ids_are_sequential():
    g = sn.TaskGraph()
    assert [g.add("p").id for _ in range(3)] == ["t0", "t1", "t2"]


def test_duplicate_id_is_a_graph_error():
    g = diamond()
    with pytest.raises(sn.GraphError, match="duplicate task id 'a'") as info:
        g.add("again", id="a")
    assert info.value.nodes == ("a",)


def test_unknown_dependency_names_both_ends():
    g = diamond()
    g.add("late", id="z", deps=["nope"])
    with pytest.raises(sn.GraphError, match="'z' → 'nope'") as info:
        g.validate()
    assert set(info.value.nodes) == {"z", "nope"}
    assert isinstance(info.value, ValueError)


def test_cycle_is_named():
    g = sn.TaskGraph()
    g.add(id="a", deps=["c"])
    g.add(id="b", deps=["a"])
    g.add(id="c", deps=["b"])
    g.add(id="free")
    with pytest.raises(sn.GraphError, match="cycle") as info:
        g.validate()
    assert set(info.value.nodes) == {"a", "b", "c"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"id": ""}, "non-empty string"),
        ({"id": "x", "deps": "abc"}, "list of ids"),
        ({"id": "x", "max_retries": -1}, "max_retries"),
        ({"id": "x", "timeout": 0}, "timeout"),
        ({"id": "x", "deps": ["x"]}, "depends on itself"),
    ],
)
def test_bad_task_fields_are_rejected(kwargs, message):
    with pytest.raises(sn.GraphError, match=message):
        sn.Task(**kwargs)


def test_networkx_round_trip():
    g = diamond()
    G = g.to_networkx()
    assert set(G.edges) == {("a", "m"), ("b", "m")}
    assert G.nodes["a"]["profile"] == "small"
    back = sn.TaskGraph.from_networkx(G)
    assert back.ids == g.ids
    assert back["m"].deps == ("a", "b")
    assert back["a"].timeout == 30.0


def test_from_networkx_maps_attributes_and_meta():
    G = nx.DiGraph()
    G.add_node(1, prompt="first", profile="large", weight=3)
    G.add_node(2)
    G.add_edge(1, 2)
    g = sn.TaskGraph.from_networkx(G)
    assert g["1"].profile == "large" and g["1"].meta == {"weight": 3}
    assert g["2"].prompt == "2" and g["2"].deps == ("1",)
    with pytest.raises(sn.GraphError):
        sn.TaskGraph.from_networkx(nx.Graph([(1, 2)]))


def test_layers_and_longest_path():
    g = diamond()
    g.add("report", id="r", deps=["m"])
    assert g.layers() == [["a", "b"], ["m"], ["r"]]
    path, length = g.longest_path(weight={"a": 5, "b": 1})
    assert path == ["a", "m", "r"] and length == 7


def test_random_graph_is_a_deterministic_dag():
    one = sn.TaskGraph.random(500, max_deps=3, window=20, seed=4)
    two = sn.TaskGraph.random(500, max_deps=3, window=20, seed=4)
    assert [t.deps for t in one] == [t.deps for t in two]
    one.validate()
    assert nx.is_directed_acyclic_graph(one.to_networkx())
    assert any(t.deps for t in one)
