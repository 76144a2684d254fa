"""WideSearch: fill a table of N entities × attributes from a synthetic encyclopedia.

Ground truth: each of the ``n_items`` invented companies has one true page listing its
attributes; ``n_distractors`` look-alike companies per entity ("Aldera Systems Group" next to
"Aldera Systems") have pages with *different* values. The gold answer is the table of true
values (:attr:`WideSearch.ground_truth`, one dict per company: ``name`` + attribute keys).

Scoring follows the WideSearch benchmark: item-F1 over attribute cells, row-F1 over whole
rows, success rate 1 only for the exact table. The work is embarrassingly parallel: each
entity takes two steps (search, open the right page), so ``split(width)`` partitions the
entities into ``width`` contiguous groups.

Example::

    sc = WideSearch(n_items=100, n_attributes=4, seed=0)
    parts = sc.split(20)                 # 20 subtasks of 5 companies
    sc.grade(sc.format_answer(sc.ground_truth))   # {'item_f1': 1.0, 'row_f1': 1.0, ...}
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..oracle import SimReply
from ._base import ScenarioError, Subtask
from ._conversation import Conversation
from ._corpus import Corpus, norm_title
from ._grading import parse_rows, table_scores
from ._names import NameForge
from ._search import TOOLS_HELP, SearchScenario
from .oracles import wide as wide_oracle

__all__ = ["ATTRIBUTES", "WideSearch"]

# fmt: off
_INDUSTRIES = (
    "software", "aerospace", "agriculture", "biotech", "chemicals", "construction", "education",
    "energy", "finance", "gaming", "healthcare", "insurance", "logistics", "media",
    "mining", "retail", "shipping", "telecom", "tourism",
)
# fmt: on


@dataclass(frozen=True, slots=True)
class _Attribute:
    key: str
    label: str
    meaning: str
    make: Callable[[random.Random, NameForge, list[str]], str]


def _employees(rng: random.Random, _: NameForge, __: list[str]) -> str:
    return str(int(math.exp(rng.uniform(math.log(20), math.log(250_000)))))


ATTRIBUTES: tuple[_Attribute, ...] = (
    _Attribute("founded", "Founded", "the year the company was founded",
               lambda rng, f, c: str(rng.randint(1890, 2022))),
    _Attribute("headquarters", "Headquarters", "the city of its headquarters",
               lambda rng, f, c: rng.choice(c)),
    _Attribute("ceo", "CEO", "the name of its chief executive",
               lambda rng, f, c: f"{f.word()} {f.word()}"),
    _Attribute("employees", "Employees", "its number of employees (an integer)", _employees),
    _Attribute("industry", "Industry", "its industry (one word)",
               lambda rng, f, c: rng.choice(_INDUSTRIES)),
    _Attribute("revenue_musd", "Revenue (USD million)", "its revenue in millions of US dollars",
               lambda rng, f, c: f"{rng.uniform(0.5, 50_000):.1f}"),
    _Attribute("ticker", "Ticker", "its stock ticker symbol",
               lambda rng, f, c: "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                                     k=rng.choice((3, 4))))),
    _Attribute("website", "Website", "its website domain",
               lambda rng, f, c: f"www.{f.word().lower()}.example"),
)  # fmt: skip


class WideSearch(SearchScenario):
    """A table of ``n_items`` companies × ``n_attributes`` attributes (see module docs)."""

    name = "wide_search"

    def __init__(
        self, *, n_items: int = 100, n_attributes: int = 4, n_distractors: int = 2, seed: int = 0
    ) -> None:
        super().__init__(seed=seed)
        if not isinstance(n_items, int) or not 1 <= n_items <= 50_000:
            raise ScenarioError(f"n_items must be an int in [1, 50000], not {n_items!r}")
        if not isinstance(n_attributes, int) or not 1 <= n_attributes <= len(ATTRIBUTES):
            raise ScenarioError(
                f"n_attributes must be an int in [1, {len(ATTRIBUTES)}], not {n_attributes!r}"
            )
        if not isinstance(n_distractors, int) or not 0 <= n_distractors <= 4:
            raise ScenarioError(f"n_distractors must be an int in [0, 4], not {n_distractors!r}")
        self.n_items = n_items
        self.n_attributes = n_attributes
        self.n_distractors = n_distractors
        self.attributes = ATTRIBUTES[:n_attributes]
        self._build()
        self._register()

    def _params(self) -> dict[str, Any]:
        return {
            "n_items": self.n_items,
            "n_attributes": self.n_attributes,
            "n_distractors": self.n_distractors,
            "seed": self.seed,
        }

    @property
    def key(self) -> str:
        return f"{self.name}-{self.n_items}x{self.n_attributes}-d{self.n_distractors}-s{self.seed}"

    # -- the world ---------------------------------------------------------------------------
    def _build(self) -> None:
        rng = random.Random(f"wide:{self.seed}")
        forge = NameForge(rng)
        cities = [forge.city() for _ in range(max(20, min(300, self.n_items // 3)))]
        self._corpus = Corpus(salt=self.key)
        self.names: list[str] = []
        self._values: list[tuple[str, ...]] = []
        self._alts: list[tuple[tuple[str, ...], ...]] = []  # distractors' values
        self._index: dict[str, int] = {}
        self._items_cache: dict[str, list[int]] = {}
        self._urls: dict[str, int] = {}
        self.urls: list[str] = []  # the true page of each company
        for i in range(self.n_items):
            name = forge.company()
            values = tuple(a.make(rng, forge, cities) for a in self.attributes)
            page = self._corpus.add(name, kind="company", fields=self._fields(values))
            alts = []
            for other in forge.similar("company", name, self.n_distractors):
                alt = tuple(self._different(a, v, rng, forge, cities)
                            for a, v in zip(self.attributes, values, strict=True))  # fmt: skip
                self._corpus.add(other, kind="company", fields=self._fields(alt))
                alts.append(alt)
            self.names.append(name)
            self._values.append(values)
            self._alts.append(tuple(alts))
            self._index[norm_title(name)] = i
            self._urls[page.url] = i
            self.urls.append(page.url)

    def _fields(self, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        return tuple((a.label, v) for a, v in zip(self.attributes, values, strict=True))

    @staticmethod
    def _different(
        attr: _Attribute, value: str, rng: random.Random, forge: NameForge, cities: list[str]
    ) -> str:
        for _ in range(100):
            other = attr.make(rng, forge, cities)
            if other != value:
                return other
        return value + "0"

    @property
    def ground_truth(self) -> list[dict[str, str]]:
        keys = [a.key for a in self.attributes]
        return [
            {"name": name, **dict(zip(keys, values, strict=True))}
            for name, values in zip(self.names, self._values, strict=True)
        ]

    def features(self) -> dict[str, float]:
        n = self.n_items
        return {
            "n_items": n,
            "n_attributes": self.n_attributes,
            "n_distractors": self.n_distractors,
            "depth": 1,
            "width_max": n,
            "est_steps_per_item": 2,
            "est_steps_single": 2 * n + 1,
            "default_width": self.default_width,
        }

    @property
    def default_width(self) -> int:
        return max(1, min(20, math.ceil(self.n_items / 5)))

    # -- prompts -----------------------------------------------------------------------------
    def _prompt(self, items: range, header: str) -> str:
        attrs = "\n".join(f"- {a.key}: {a.meaning}" for a in self.attributes)
        names = "\n".join(f"- {self.names[i]}" for i in items)
        return (
            f"{self.marker} {header}\n\n"
            f"For every company listed below, find these attributes:\n{attrs}\n\n"
            f"{TOOLS_HELP}\nSeveral companies have similarly named pages (for example "
            '"X Systems Group" next to "X Systems") that list different values. Use only the '
            "page whose title is exactly the company's name.\n\n"
            f"Companies ({len(items)}):\n{names}\n\n{self._answer_format()}"
        )

    @property
    def goal(self) -> str:
        return self._prompt(
            range(self.n_items),
            f"WideSearch task: fill in a table about {self.n_items} companies.",
        )

    def _answer_format(self) -> str:
        keys = ", ".join(f'"{k}"' for k in ["name", *(a.key for a in self.attributes)])
        example = json.dumps([{"name": self.names[0], **{a.key: "..." for a in self.attributes}}])
        return (
            "Final answer: reply with a JSON list inside a ```json code block, one object per "
            f"company with the keys {keys}; copy values exactly as the pages state them.\n"
            f"Example:\n```json\n{example}\n```"
        )

    def split(self, width: int) -> list[Subtask]:
        """``width`` contiguous groups of companies (fewer if there are fewer companies)."""
        width = min(self._check_width(width), self.n_items)
        size, extra = divmod(self.n_items, width)
        digits = len(str(width))
        out: list[Subtask] = []
        start = 0
        for g in range(width):
            stop = start + size + (1 if g < extra else 0)
            sid = f"wide-{g + 1:0{digits}d}"
            header = (
                f"Subtask {sid} of {width} (part of a WideSearch table): you cover only the "
                + ("company below." if stop - start == 1 else f"{stop - start} companies below.")
            )
            out.append(
                Subtask(
                    id=sid,
                    prompt=self._prompt(range(start, stop), header),
                    items=tuple(self.names[start:stop]),
                )
            )
            start = stop
        return out

    # -- answers -----------------------------------------------------------------------------
    def merge(self, results: Mapping[str, str]) -> list[dict[str, str]]:
        """All rows of all results, in subtask order; a repeated company keeps its first row."""
        rows: list[dict[str, str]] = []
        seen: set[str] = set()
        for text in results.values():
            for row in parse_rows(text):
                name = norm_title(row["name"])
                if name not in seen:
                    seen.add(name)
                    rows.append(row)
        return rows

    def format_answer(self, answer: Any) -> str:
        rows = parse_rows(answer)
        return "```json\n" + json.dumps(rows, ensure_ascii=False) + "\n```"

    def grade(self, answer: Any) -> dict[str, float]:
        """item_f1, row_f1 and success_rate of a table answer (text, rows or dict)."""
        return table_scores(
            self.ground_truth, parse_rows(answer), attributes=[a.key for a in self.attributes]
        )

    # -- the ideal agent (swarmnb.scenarios.oracles.wide) -----------------------------------
    def _respond(
        self, conv: Conversation, *, can_act: bool, accuracy: float, rng: random.Random
    ) -> SimReply:
        return wide_oracle.respond(self, conv, can_act=can_act, accuracy=accuracy, rng=rng)
