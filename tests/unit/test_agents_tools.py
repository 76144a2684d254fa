"""``@sn.tool``: schemas from signatures and docstrings, typed errors for untyped tools."""

from __future__ import annotations

import pytest

import swarmnb as sn


def test_a_typed_function_becomes_an_openai_tool():
    @sn.tool(capability="web.search")
    async def search(query: str, limit: int = 5, exact: bool = False) -> str:
        """Search the web.

        Args:
            query: what to look for.
            limit: how many results
                at most.
        """
        return f"{limit} results for {query}"

    fn = search.schema["function"]
    assert fn["name"] == "search" and fn["description"] == "Search the web."
    props = fn["parameters"]["properties"]
    assert props["query"] == {"type": "string", "description": "what to look for."}
    assert props["limit"]["type"] == "integer" and props["limit"]["default"] == 5
    assert props["limit"]["description"] == "how many results at most."
    assert fn["parameters"]["required"] == ["query"]
    assert search.capability == "web.search"


async def test_run_validates_and_coerces_arguments():
    @sn.tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    assert add.capability == "add"
    assert await add.run({"a": "2", "b": 3}) == "5"
    assert await add.run('{"a": 1, "b": 1}') == "2"
    with pytest.raises(sn.agents.ToolArgumentError, match="b: Field required"):
        await add.run({"a": 1})
    with pytest.raises(sn.agents.ToolArgumentError, match="c: Extra inputs"):
        await add.run({"a": 1, "b": 2, "c": 3})
    assert add(1, 2) == 3  # still a plain function


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("def f(x) -> str: ...", "parameter 'x' has no type hint"),
        ("def f(x: int): ...", "return value has no type hint"),
        ("def f(*xs: int) -> str: ...", r"\*xs cannot be described"),
    ],
)
def test_untyped_tools_raise_a_typed_error(source, named):
    ns: dict = {}
    exec(source, ns)
    with pytest.raises(sn.ToolDefinitionError, match=named) as info:
        sn.tool(ns["f"])
    assert "'f'" in str(info.value) and isinstance(info.value, TypeError)


def test_bad_capabilities_and_scopes_are_refused():
    def f(path: str) -> str:
        return path

    with pytest.raises(sn.ToolDefinitionError, match="plain name"):
        sn.tool(capability="fs.*")(f)
    with pytest.raises(sn.ToolDefinitionError, match="scope argument 'where'"):
        sn.tool(capability="fs.read", scope="where")(f)
    t = sn.tool(capability="fs.read", scope="path")(f)
    assert t.scope_of({"path": "workspace/a"}) == "workspace/a"
