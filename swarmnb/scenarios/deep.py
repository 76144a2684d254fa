"""DeepSearch: follow a chain of facts, one page at a time (little to parallelise).

Ground truth: a chain of ``hops + 1`` invented entities (companies, people, cities) linked by
relations — "the founder of Aldera Systems" → "the birthplace of that person" → … Each hop
needs the previous hop's answer, so the chain is sequential whatever the width. Every chain
entity has ``n_distractors`` look-alike pages of the same kind whose links lead off the chain
(into a pool of filler entities that never link back). The gold answer is the name of the
last entity (:attr:`DeepSearch.ground_truth`; the whole path is :attr:`DeepSearch.chain`).

Scoring: ``item_f1`` = ``success_rate`` = 1 if the final name is right, else 0.

Example::

    sc = DeepSearch(hops=6, seed=0)
    sc.split(4)          # 6 subtasks hop-01 … hop-06, each depending on the previous
    sc.grade("ANSWER: " + sc.ground_truth)   # {'item_f1': 1.0, 'success_rate': 1.0}
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..oracle import SimReply
from ._base import ScenarioError, Subtask
from ._conversation import Conversation
from ._corpus import Corpus
from ._grading import norm_value, parse_final_answer
from ._names import NameForge
from ._search import TOOLS_HELP, SearchScenario
from .oracles import deep as deep_oracle

__all__ = ["DeepSearch"]


@dataclass(frozen=True, slots=True)
class _Relation:
    key: str
    label: str  # as written on pages
    target: str  # kind of the entity it points to
    phrase: str  # as written in questions


RELATIONS: dict[str, tuple[_Relation, ...]] = {
    "company": (
        _Relation("founder", "Founder", "person", "the founder"),
        _Relation("headquarters", "Headquarters", "city", "the headquarters city"),
    ),
    "person": (
        _Relation("birthplace", "Born in", "city", "the birthplace"),
        _Relation("employer", "Employer", "company", "the employer"),
        _Relation("mentor", "Mentor", "person", "the mentor"),
    ),
    "city": (
        _Relation("mayor", "Mayor", "person", "the mayor"),
        _Relation("sister_city", "Sister city", "city", "the sister city"),
    ),
}
_DETAIL = {"company": "Industry", "person": "Occupation", "city": "Population"}
# fmt: off
_DETAILS = (
    "mining", "shipping", "textiles", "finance", "optics", "farming", "media", "robotics",
)
# fmt: on


class DeepSearch(SearchScenario):
    """A ``hops``-step chain of lookups over a synthetic encyclopedia (see module docs)."""

    name = "deep_search"

    def __init__(self, *, hops: int = 6, n_distractors: int = 2, seed: int = 0) -> None:
        super().__init__(seed=seed)
        if not isinstance(hops, int) or not 1 <= hops <= 200:
            raise ScenarioError(f"hops must be an int in [1, 200], not {hops!r}")
        if not isinstance(n_distractors, int) or not 0 <= n_distractors <= 4:
            raise ScenarioError(f"n_distractors must be an int in [0, 4], not {n_distractors!r}")
        self.hops = hops
        self.n_distractors = n_distractors
        self._build()
        self._register()

    def _params(self) -> dict[str, Any]:
        return {"hops": self.hops, "n_distractors": self.n_distractors, "seed": self.seed}

    @property
    def key(self) -> str:
        return f"{self.name}-h{self.hops}-d{self.n_distractors}-s{self.seed}"

    # -- the world ---------------------------------------------------------------------------
    def _new(self, forge: NameForge, kind: str) -> str:
        return {"company": forge.company, "person": forge.person, "city": forge.city}[kind]()

    def _build(self) -> None:
        rng = random.Random(f"deep:{self.seed}")
        forge = NameForge(rng)
        fillers = {kind: [self._new(forge, kind) for _ in range(8)] for kind in RELATIONS}
        links: dict[str, dict[str, str]] = {}
        kinds: dict[str, str] = {}

        def link_randomly(name: str, kind: str) -> None:
            kinds[name] = kind
            out = links.setdefault(name, {})
            for rel in RELATIONS[kind]:
                if rel.key not in out:
                    pool = [f for f in fillers[rel.target] if f != name]
                    out[rel.key] = rng.choice(pool)

        self.chain: list[str] = [self._new(forge, "company")]
        self.relations: list[_Relation] = []
        kinds[self.chain[0]] = "company"
        for _ in range(self.hops):
            here = self.chain[-1]
            rel = rng.choice(RELATIONS[kinds[here]])
            there = self._new(forge, rel.target)
            links.setdefault(here, {})[rel.key] = there
            kinds[there] = rel.target
            self.chain.append(there)
            self.relations.append(rel)
        look_alikes: list[str] = []
        for name in self.chain:
            link_randomly(name, kinds[name])
            for other in forge.similar(kinds[name], name, self.n_distractors):
                link_randomly(other, kinds[name])
                look_alikes.append(other)
        for kind, names in fillers.items():
            for name in names:
                link_randomly(name, kind)
        self._corpus = Corpus(salt=self.key)
        for name in [*self.chain, *look_alikes, *(n for ns in fillers.values() for n in ns)]:
            kind = kinds[name]
            detail = str(rng.randint(2_000, 2_000_000)) if kind == "city" else rng.choice(_DETAILS)
            fields = [(_DETAIL[kind], detail)]
            fields += [(rel.label, links[name][rel.key]) for rel in RELATIONS[kind]]
            self._corpus.add(name, kind=kind, fields=tuple(fields))
        self._kinds = kinds

    @property
    def ground_truth(self) -> str:
        return self.chain[-1]

    def features(self) -> dict[str, float]:
        return {
            "n_items": self.hops,
            "n_attributes": 1,
            "n_distractors": self.n_distractors,
            "depth": self.hops,
            "width_max": 1,
            "est_steps_per_item": 2,
            "est_steps_single": 2 * self.hops + 1,
            "default_width": self.default_width,
        }

    @property
    def default_width(self) -> int:
        return 1

    # -- prompts -----------------------------------------------------------------------------
    @staticmethod
    def _hop_id(h: int) -> str:
        return f"hop-{h:02d}"

    def _hop_line(self, h: int, *, alone: bool) -> str:
        rel = self.relations[h - 1]
        kind = self._kinds[self.chain[h - 1]]
        if h == 1:
            subject = f"the {kind} {self.chain[0]}"
        elif alone:
            subject = f"the {kind} named in the result of subtask {self._hop_id(h - 1)} (below)"
        else:
            subject = f"that {kind}"
        return f"- {self._hop_id(h)}: find {rel.phrase} (a {rel.target}) of {subject}."

    def _prompt(self, hops: range, header: str) -> str:
        steps = "\n".join(self._hop_line(h, alone=h == hops.start) for h in hops)
        return (
            f"{self.marker} {header}\n\n"
            f"Follow these steps in order; each one starts from the answer of the step before:\n"
            f"{steps}\n\n{TOOLS_HELP}\nMany names look alike (people, cities and companies "
            "with nearly the same name have their own pages); open only the page whose title "
            "is exactly the name you are looking for.\n\n"
            f"{self._answer_format()} (the entity found in step {self._hop_id(hops.stop - 1)})."
        )

    @property
    def goal(self) -> str:
        return self._prompt(
            range(1, self.hops + 1), f"DeepSearch task: a chain of {self.hops} lookups."
        )

    def _answer_format(self) -> str:
        return "Final answer: end your reply with one line 'ANSWER: <name>' naming the answer"

    def split(self, width: int) -> list[Subtask]:
        """One subtask for width 1, else one per hop, each depending on the previous hop."""
        if self._check_width(width) == 1:
            items = tuple(self._hop_id(h) for h in range(1, self.hops + 1))
            header = "Subtask chain of 1: the whole DeepSearch chain."
            return [Subtask(id="chain", prompt=self._prompt(range(1, self.hops + 1), header),
                            items=items)]  # fmt: skip
        out = []
        for h in range(1, self.hops + 1):
            sid = self._hop_id(h)
            header = f"Subtask {sid} of {self.hops} (one step of a DeepSearch chain)."
            out.append(
                Subtask(
                    id=sid,
                    prompt=self._prompt(range(h, h + 1), header),
                    deps=(self._hop_id(h - 1),) if h > 1 else (),
                    items=(sid,),
                )
            )
        return out

    # -- answers -----------------------------------------------------------------------------
    def merge(self, results: Mapping[str, str]) -> str:
        """The answer of the chain's last subtask ('' if it is missing)."""
        for sid in ("chain", self._hop_id(self.hops)):
            if sid in results:
                return parse_final_answer(results[sid])
        return ""

    def format_answer(self, answer: Any) -> str:
        return f"ANSWER: {parse_final_answer(answer)}"

    def looks_usable(self, subtask: Subtask, result: str) -> bool:
        """A hop (or the whole chain) is usable when it ends with a named ``ANSWER:``."""
        return bool(parse_final_answer(result).strip())

    def grade(self, answer: Any) -> dict[str, float]:
        """item_f1 = success_rate = 1.0 when the final name is the gold one."""
        right = norm_value(parse_final_answer(answer)) == norm_value(self.ground_truth)
        return {"item_f1": float(right), "success_rate": float(right)}

    # -- the ideal agent (swarmnb.scenarios.oracles.deep) -----------------------------------
    def _respond(
        self, conv: Conversation, *, can_act: bool, accuracy: float, rng: random.Random
    ) -> SimReply:
        return deep_oracle.respond(self, conv, can_act=can_act, accuracy=accuracy, rng=rng)
