"""A seeded synthetic web: pages with titles and facts, a title search, page text.

The search scenarios put their ground truth on pages and surround each true page with
look-alike pages (distractors) whose facts are wrong. ``search(query)`` ranks pages by the
IDF-weighted overlap of query words with page titles; ties are broken by a seeded shuffle, so
a distractor often ranks above the true page and the agent must compare titles. Page text is
rendered on demand from a few stored fields, which keeps a 1,000-entity corpus small.

Example::

    corpus = Corpus(salt="wide-0")
    corpus.add("Aldera Systems", kind="company", fields=(("Founded", "1987"),))
    hits = corpus.search("aldera systems")      # [{'title':…, 'url':…, 'snippet':…}, …]
    corpus.render(hits[0]["url"])               # the page text, or None for an unknown URL
"""

from __future__ import annotations

import math
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from ._names import slug

__all__ = ["Corpus", "Page"]

BASE_URL = "https://corpus.example/wiki/"
_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


@lru_cache(maxsize=65_536)
def norm_title(text: str) -> str:
    """A title or query reduced to lowercase words: 'Aldera  Systems!' → 'aldera systems'."""
    return " ".join(tokens(text))


@dataclass(frozen=True, slots=True)
class Page:
    """One page: a title, what kind of thing it is about, and labelled facts."""

    title: str
    kind: str
    fields: tuple[tuple[str, str], ...]

    @property
    def url(self) -> str:
        return BASE_URL + slug(self.title)

    def get(self, label: str) -> str | None:
        for name, value in self.fields:
            if name == label:
                return value
        return None

    def snippet(self) -> str:
        article = "an" if self.kind[:1] in "aeiou" else "a"
        return f"{self.title} is {article} {self.kind}."

    def text(self) -> str:
        lines = [self.title, "=" * len(self.title), "", self.snippet(), ""]
        lines += [f"{name}: {value}" for name, value in self.fields]
        return "\n".join(lines)


class Corpus:
    """Pages by URL and by title, with a lazily built title index for search."""

    __slots__ = ("_by_title", "_by_url", "_index", "_pages", "_salt")

    def __init__(self, *, salt: str) -> None:
        self._salt = salt
        self._pages: list[Page] = []
        self._by_url: dict[str, int] = {}
        self._by_title: dict[str, int] = {}
        self._index: dict[str, list[int]] | None = None

    def add(self, title: str, *, kind: str, fields: tuple[tuple[str, str], ...] = ()) -> Page:
        page = Page(title, kind, fields)
        if page.url in self._by_url:
            raise ValueError(f"duplicate page {page.url}")
        self._by_url[page.url] = len(self._pages)
        self._by_title.setdefault(norm_title(title), len(self._pages))
        self._pages.append(page)
        self._index = None
        return page

    def __len__(self) -> int:
        return len(self._pages)

    def page(self, url: str) -> Page | None:
        """The page at ``url`` (trailing slashes and case forgiven), if any."""
        i = self._by_url.get(url.strip())
        if i is None:
            i = self._by_url.get(url.strip().rstrip("/").lower())
        return None if i is None else self._pages[i]

    def find(self, title: str) -> Page | None:
        """The page whose title equals ``title`` up to case and punctuation."""
        i = self._by_title.get(norm_title(title))
        return None if i is None else self._pages[i]

    def render(self, url: str) -> str | None:
        page = self.page(url)
        return None if page is None else page.text()

    def _build_index(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = defaultdict(list)
        for i, page in enumerate(self._pages):
            for token in set(tokens(page.title)):
                index[token].append(i)
        self._index = dict(index)
        return self._index

    def search(self, query: str, *, k: int = 5) -> list[dict[str, str]]:
        """The ``k`` pages whose titles best match ``query`` (title, url, snippet)."""
        index = self._index if self._index is not None else self._build_index()
        n = len(self._pages) or 1
        scores: dict[int, float] = defaultdict(float)
        for token in set(tokens(query)):
            postings = index.get(token, ())
            if not postings:
                continue
            weight = math.log(1.0 + n / len(postings))
            for i in postings:
                scores[i] += weight
        salt = self._salt
        ranked = sorted(
            scores,
            key=lambda i: (-round(scores[i], 9), zlib.crc32(f"{salt}:{query}:{i}".encode())),
        )
        return [
            {"title": p.title, "url": p.url, "snippet": p.snippet()}
            for p in (self._pages[i] for i in ranked[:k])
        ]
