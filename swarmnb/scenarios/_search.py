"""The two tools of the search scenarios, ``search`` and ``open_page``, over a :class:`Corpus`.

Both scenarios that read the synthetic web (wide and deep) share these tools, so an agent that
learned one plays the other. ``search`` returns JSON (query + ranked results); ``open_page``
returns the page text, or an ``Error: …`` line for a URL that has no page — a normal outcome
an agent should recover from, not a bad call.

Example::

    text = await sc.call_tool("search", {"query": "Aldera Systems"})
    url = json.loads(text)["results"][0]["url"]
    page = await sc.call_tool("open_page", {"url": url})
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar

from ._base import Scenario
from ._corpus import Corpus
from ._tools import ToolError, ToolSpec

__all__ = ["SEARCH_TOOLS", "SearchScenario"]

SEARCH_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="search",
        description=(
            "Search the encyclopedia by page title. Returns JSON with up to 5 results, each "
            "with a title, a url and a one-line snippet. Similar titles are common: compare "
            "titles carefully before opening a page."
        ),
        params={"query": "Words to look for, usually the exact name of an entity."},
        max_chars=500,
    ),
    ToolSpec(
        name="open_page",
        description=(
            "Open a page by URL (from search results) and return its text; facts are listed "
            "as 'Label: value' lines."
        ),
        params={"url": "The page URL, exactly as returned by search."},
        max_chars=2000,
    ),
)

TOOLS_HELP = (
    "Tools:\n"
    "- search(query): searches the encyclopedia by page title and returns the top matches "
    "(title, url, snippet).\n"
    "- open_page(url): returns the text of a page; facts are listed as 'Label: value' lines."
)


class SearchScenario(Scenario):
    """A scenario played with ``search`` and ``open_page`` over its ``_corpus``."""

    _corpus: Corpus
    _oracle_tools: ClassVar[frozenset[str]] = frozenset({"search", "open_page"})

    def _specs(self) -> Sequence[ToolSpec]:
        return SEARCH_TOOLS

    async def _run_tool(self, name: str, args: dict[str, str]) -> str:
        if name == "search":
            query = args["query"].strip()
            if not query:
                raise ToolError("search: query must not be empty", tool=name)
            results = self._corpus.search(query)
            return json.dumps({"query": query, "results": results}, ensure_ascii=False)
        url = args["url"].strip()
        if not url:
            raise ToolError("open_page: url must not be empty", tool=name)
        text = self._corpus.render(url)
        if text is None:
            return f"Error: no page at {url} (404). Use a URL from the search results."
        return text
