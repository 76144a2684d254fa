"""Generated coding work: a DAG of tiny pure-function modules, their tests, and bugs.

Each module ``mNN.py`` defines one function ``fNN(x: int) -> int`` given as a Python
expression over ``x`` and the functions of the modules it imports, so its spec is exact and
its tests are computed, not guessed. The DAG is layered (``depth`` levels); a module on level
k imports one module of level k-1 and sometimes one more from an earlier level. Buggy
variants (an off-by-one, a changed constant, a flipped sign) are checked to fail the tests.

Example::

    modules = make_modules(4, random.Random(0))
    modules[0].spec()          # e.g. '- m01.py: define `f01(x: int) -> int` returning `3 * x + 2`'
    cases = expected_values(modules)["m01"]
    test_script(modules[0], cases)       # a script that exits 1 on any wrong value
    buggy_variants(modules)["m01"]       # e.g. ['(3 * x + 2) + 1', '4 * x + 2', '3 * x - 2']
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CASES",
    "ModuleSpec",
    "buggy_variants",
    "expected_values",
    "make_modules",
    "test_script",
]

CASES: tuple[int, ...] = (-3, 0, 1, 4, 9)
_SAFE = {"abs": abs, "max": max, "min": min, "__builtins__": {}}
_NUMBER = re.compile(r"\b\d+\b")


@dataclass(frozen=True, slots=True)
class ModuleSpec:
    """One module of the DAG: its name, function, imports and formula."""

    name: str
    func: str
    deps: tuple[str, ...]
    expr: str
    level: int

    @property
    def path(self) -> str:
        return f"{self.name}.py"

    def imports(self) -> str:
        return "".join(f"from {d} import f{d[1:]}\n" for d in self.deps)

    def source(self, expr: str | None = None) -> str:
        """The module's Python source (with ``expr`` instead of the right formula: a bug)."""
        body = self.expr if expr is None else expr
        head = f'"""{self.name}: {self.func}(x) = {self.expr}."""\n'
        imports = self.imports()
        return (
            f"{head}{imports}{chr(10) * 2 if imports else chr(10)}"
            f"def {self.func}(x: int) -> int:\n    return {body}\n"
        )

    def spec(self) -> str:
        """The one-line specification given to agents."""
        uses = ""
        if self.deps:
            funcs = ", ".join(f"f{d[1:]} from {d}" for d in self.deps)
            uses = f"; it must import {funcs}"
        return f"- {self.path}: define `{self.func}(x: int) -> int` returning `{self.expr}`{uses}"


def _formula(deps: Sequence[str], rng: random.Random) -> str:
    a, b = rng.randint(2, 5), rng.randint(1, 9)
    f = [f"f{d[1:]}" for d in deps]
    if not f:
        return rng.choice((f"{a} * x + {b}", f"x * x - {b}", f"abs(x - {b}) + {a}"))
    if len(f) == 1:
        return rng.choice((f"{f[0]}(x) + {b}", f"{a} * {f[0]}(x) - {b}", f"{f[0]}(x + {a}) - {b}"))
    return rng.choice(
        (
            f"{f[0]}(x) + {a} * {f[1]}(x)",
            f"max({f[0]}(x), {f[1]}(x)) + {b}",
            f"{f[0]}(x) - {f[1]}(x) + {b}",
        )
    )


def make_modules(n: int, rng: random.Random) -> list[ModuleSpec]:
    """``n`` modules in topological order (``m01`` first), layered into ≈√n levels."""
    depth = max(1, min(n, round(n**0.5)))
    levels = list(range(depth)) + sorted(rng.randrange(depth) for _ in range(n - depth))
    levels.sort()
    by_level: dict[int, list[str]] = {}
    modules: list[ModuleSpec] = []
    for i, level in enumerate(levels, start=1):
        name = f"m{i:02d}"
        deps: list[str] = []
        if level > 0:
            deps.append(rng.choice(by_level[level - 1]))
            earlier = [m.name for m in modules if m.level < level and m.name not in deps]
            if earlier and rng.random() < 0.5:
                deps.append(rng.choice(earlier))
        by_level.setdefault(level, []).append(name)
        modules.append(ModuleSpec(name, f"f{i:02d}", tuple(deps), _formula(deps, rng), level))
    return modules


def _environment(modules: Sequence[ModuleSpec]) -> dict[str, Any]:
    env: dict[str, Any] = dict(_SAFE)
    for m in modules:
        env[m.func] = eval(f"lambda x: {m.expr}", env)  # our own generated formulas
    return env


def expected_values(modules: Sequence[ModuleSpec]) -> dict[str, list[tuple[int, int]]]:
    """The right value of every module's function at every test input."""
    env = _environment(modules)
    return {m.name: [(x, env[m.func](x)) for x in CASES] for m in modules}


def buggy_variants(modules: Sequence[ModuleSpec]) -> dict[str, list[str]]:
    """Wrong formulas for each module that its tests catch (at least one per module).

    A variant is checked against the right functions of the module's imports, as the tests
    run it when the rest of the workspace is right.
    """
    env = _environment(modules)
    out: dict[str, list[str]] = {}
    for m in modules:
        candidates = [f"({m.expr}) + 1"]
        if _NUMBER.search(m.expr):
            candidates.append(_NUMBER.sub(lambda n: str(int(n.group()) + 1), m.expr, count=1))
        if " + " in m.expr:
            candidates.append(m.expr.replace(" + ", " - ", 1))
        right = [env[m.func](x) for x in CASES]
        out[m.name] = []
        for expr in candidates:
            wrong = eval(f"lambda x: {expr}", env)
            if [wrong(x) for x in CASES] != right:
                out[m.name].append(expr)
    return out


def test_script(module: ModuleSpec, cases: Sequence[tuple[int, int]]) -> str:
    """A standalone test script: exit 0 and print PASS, or print what is wrong and exit 1."""
    return f'''"""Tests for {module.path} (generated; read-only)."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from {module.name} import {module.func}  # noqa: E402

CASES = {list(cases)!r}
failures = []
for x, want in CASES:
    try:
        got = {module.func}(x)
    except Exception as exc:  # report, do not crash
        got = f"{{type(exc).__name__}}: {{exc}}"
    if got != want:
        failures.append(f"{module.func}({{x}}) returned {{got!r}}, expected {{want!r}}")
if failures:
    print("FAIL {module.name}: " + "; ".join(failures))
    sys.exit(1)
print(f"PASS {module.name}: {{len(CASES)}}/{{len(CASES)}} checks passed")
'''
