"""Invented names: unique roots, and look-alikes that make good distractors.

The search scenarios need thousands of entity names that are unique, pronounceable, never
real, and that come with *similar-looking* variants ("Aldera Systems" next to "Aldera Systems
Group" and "Aldera Labs") so an agent has to read search results carefully. Names are built
from syllables with a seeded :class:`random.Random`, so a seed fixes every name.

Example::

    forge = NameForge(random.Random(0))
    name = forge.company()             # e.g. 'Velorin Dynamics'
    forge.similar("company", name, 2)  # e.g. ['Velorin Dynamics Group', 'Velorin Labs']
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

__all__ = ["NameForge", "slug"]

# fmt: off
_ONSETS = (
    "b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t",
    "v", "z", "br", "dr", "kr", "st", "tr", "th", "sh", "gr", "fl", "pl",
)
# fmt: on
# fmt: off
_VOWELS = (
    "a", "e", "i", "o", "u", "ae", "ia", "ou",
)
# fmt: on
_CODAS = ("", "", "n", "r", "l", "s", "th", "m", "x")
# fmt: off
_COMPANY_SUFFIXES = (
    "Systems", "Labs", "Dynamics", "Works", "Holdings", "Analytics", "Foods",
    "Motors", "Logistics", "Energy", "Robotics", "Textiles", "Pharma", "Networks",
    "Studios", "Materials", "Optics", "Capital", "Marine", "Aerospace",
)
# fmt: on
_COMPANY_TAILS = ("Group", "International", "Partners", "Holdings Ltd", "& Co")
# fmt: off
_CITY_PREFIXES = (
    "Port", "New", "Lake", "Fort", "East", "West", "North", "Mount", "Saint", "Glen",
)
# fmt: on
_CITY_TAILS = ("Heights", "Falls", "Harbor", "Springs", "Crossing")
_PERSON_TAILS = ("Jr.", "III", "the Younger")
_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=4096)  # a page's URL is asked for again at every search that finds it
def slug(name: str) -> str:
    """A URL path segment for a name: lowercase words joined by dashes."""
    return _SLUG.sub("-", name.lower()).strip("-")


class NameForge:
    """Makes names that never repeat within one forge (one corpus)."""

    __slots__ = ("_rng", "_roots", "_used")

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._roots: set[str] = set()
        self._used: set[str] = set()

    def word(self) -> str:
        """A pronounceable invented word (may repeat): open syllables, one closing sound."""
        rng = self._rng
        n = rng.choice((2, 2, 2, 3))
        parts = [rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(n)]
        return ("".join(parts) + rng.choice(_CODAS)).capitalize()

    def root(self) -> str:
        """An invented word not used as a root before in this forge."""
        while True:
            word = self.word()
            if word not in self._roots and len(word) >= 4:
                self._roots.add(word)
                return word

    def _claim(self, name: str) -> bool:
        if name in self._used:
            return False
        self._used.add(name)
        return True

    def company(self) -> str:
        while True:
            name = f"{self.root()} {self._rng.choice(_COMPANY_SUFFIXES)}"
            if self._claim(name):
                return name

    def person(self) -> str:
        while True:
            name = f"{self.word()} {self.root()}"
            if self._claim(name):
                return name

    def city(self) -> str:
        while True:
            name = f"{self._rng.choice(_CITY_PREFIXES)} {self.root()}"
            if self._claim(name):
                return name

    def similar(self, kind: str, name: str, k: int) -> list[str]:
        """``k`` unused names that look like ``name`` (share its distinctive word)."""
        rng = self._rng
        first, _, rest = name.partition(" ")
        out: list[str] = []
        for _ in range(50 * max(k, 1)):
            if len(out) == k:
                break
            if kind == "company":
                candidate = rng.choice(
                    (
                        f"{name} {rng.choice(_COMPANY_TAILS)}",
                        f"{first} {rng.choice(_COMPANY_SUFFIXES)}",
                    )
                )
            elif kind == "person":
                candidate = rng.choice(
                    (
                        f"{self.word()} {rest}",
                        f"{name} {rng.choice(_PERSON_TAILS)}",
                        f"{first} {rest}-{self.word()}",
                    )
                )
            elif kind == "city":
                candidate = rng.choice(
                    (
                        f"{rng.choice(_CITY_PREFIXES)} {rest}",
                        f"{rest} {rng.choice(_CITY_TAILS)}",
                        f"{name} {rng.choice(_CITY_TAILS)}",
                    )
                )
            else:
                raise ValueError(f"unknown kind of name {kind!r}")
            if candidate != name and self._claim(candidate):
                out.append(candidate)
        return out
