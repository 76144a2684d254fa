"""MixedCoding: implement a DAG of tiny Python modules until their tests pass.

Ground truth: ``n_modules`` modules ``m01.py`` … each defining one pure function given by an
exact formula over ``x`` and the functions of the modules it imports
(:attr:`MixedCoding.ground_truth` maps each path to a correct source). Tests in the workspace's
read-only ``tests/`` folder really run, in a subprocess with a timeout, so a module whose
dependency is broken fails too.

The deliverable is the workspace, not a claim: :meth:`MixedCoding.grade` runs every module's
tests on the files written (or on a ``{path: source}`` answer) — ``pass_at_1`` is the fraction
of modules whose tests pass, ``success_rate`` is 1 only if all pass. Modules on the same DAG
level are independent, so ``split(width)`` gives one subtask per module (or group), with deps
following the imports.

Example::

    async with MixedCoding(n_modules=8, seed=0) as sc:
        await sc.call_tool("write_file", {"path": "m01.py", "content": src})
        await sc.call_tool("run_tests", {"module": "m01"})   # 'PASS m01: …' / 'FAIL m01: …'
        sc.grade(None)                                        # grades the workspace
"""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from ..oracle import SimReply
from ._base import Scenario, ScenarioError, Subtask
from ._codegen import buggy_variants, expected_values, make_modules, test_script
from ._conversation import Conversation
from ._tools import ToolSpec
from ._workspace import Workspace, run_all
from .oracles import coding as coding_oracle

__all__ = ["MixedCoding"]

_CLAIM = re.compile(r"\b(m\d+)(?:\.py)?\s*[:=-]\s*\**\s*(PASS|FAIL)", re.IGNORECASE)

CODING_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="write_file",
        description="Write (create or replace) a file in the workspace, e.g. path 'm01.py'.",
        params={
            "path": "File path relative to the workspace root, e.g. 'm01.py'.",
            "content": "The complete file content.",
        },
    ),
    ToolSpec(
        name="run_tests",
        description=(
            "Run the tests of one module (e.g. 'm01') in a fresh Python process; returns "
            "'PASS …' or 'FAIL …' with the failing cases or the error."
        ),
        params={"module": "The module name, e.g. 'm01'."},
        max_chars=200,
    ),
    ToolSpec(
        name="read_file",
        description="Read a file of the workspace, e.g. 'tests/test_m01.py' or 'm01.py'.",
        params={"path": "File path relative to the workspace root."},
        max_chars=500,
    ),
)


class MixedCoding(Scenario):
    """A DAG of ``n_modules`` modules with unit tests (see module docs)."""

    name = "mixed_coding"
    role = "coder"
    role_prompt = "You are a careful Python developer."
    _oracle_tools: ClassVar[frozenset[str]] = frozenset({"write_file", "run_tests"})
    #: how many times the ideal agent writes one module before giving up (1 + 2 fixes)
    MAX_WRITES: ClassVar[int] = 3

    def __init__(self, *, n_modules: int = 8, seed: int = 0, test_timeout: float = 10.0) -> None:
        super().__init__(seed=seed)
        if not isinstance(n_modules, int) or not 1 <= n_modules <= 99:
            raise ScenarioError(f"n_modules must be an int in [1, 99], not {n_modules!r}")
        if not test_timeout > 0:
            raise ScenarioError(f"test_timeout must be > 0 seconds, not {test_timeout!r}")
        self.n_modules = n_modules
        rng = random.Random(f"coding:{seed}")
        self.modules = make_modules(n_modules, rng)
        self._by_name = {m.name: m for m in self.modules}
        expected = expected_values(self.modules)
        self._tests = {m.name: test_script(m, expected[m.name]) for m in self.modules}
        self._bugs = buggy_variants(self.modules)
        self.workspace = Workspace(tests=self._tests, timeout=float(test_timeout))
        self._register()

    def _params(self) -> dict[str, Any]:
        return {"n_modules": self.n_modules, "seed": self.seed}

    @property
    def key(self) -> str:
        return f"{self.name}-m{self.n_modules}-s{self.seed}"

    @property
    def ground_truth(self) -> dict[str, str]:
        return {m.path: m.source() for m in self.modules}

    def _levels(self) -> list[list[str]]:
        levels: dict[int, list[str]] = {}
        for m in self.modules:
            levels.setdefault(m.level, []).append(m.name)
        return [levels[k] for k in sorted(levels)]

    def features(self) -> dict[str, float]:
        levels = self._levels()
        return {
            "n_items": self.n_modules,
            "n_attributes": 1,
            "n_distractors": 0,
            "depth": len(levels),
            "width_max": max(len(lv) for lv in levels),
            "n_edges": sum(len(m.deps) for m in self.modules),
            "est_steps_per_item": 2,
            "est_steps_single": 2 * self.n_modules + 1,
            "default_width": self.default_width,
        }

    @property
    def default_width(self) -> int:
        return max(len(lv) for lv in self._levels())

    # -- tools -------------------------------------------------------------------------------
    def _specs(self) -> Sequence[ToolSpec]:
        return CODING_TOOLS

    async def _run_tool(self, name: str, args: dict[str, str]) -> str:
        if name == "write_file":
            return self.workspace.write(args["path"], args["content"])
        if name == "run_tests":
            return await self.workspace.run_tests(args["module"])
        return self.workspace.read(args["path"])

    # -- prompts -----------------------------------------------------------------------------
    def _prompt(self, names: Sequence[str], header: str) -> str:
        specs = "\n".join(self._by_name[n].spec() for n in names)
        return (
            f"{self.marker} {header}\n\n"
            "Implement these Python modules in the workspace root so that their tests pass "
            "(in this order; a module imports only modules that come before it):\n"
            f"{specs}\n\n"
            "Each module's tests are in tests/test_<module>.py (read-only).\n"
            "Tools:\n"
            "- write_file(path, content): writes a file, e.g. path 'm01.py'.\n"
            "- run_tests(module): runs one module's tests in a fresh Python process and "
            "reports PASS or FAIL with details.\n"
            "- read_file(path): returns a file of the workspace (the tests too).\n"
            "Write a module, run its tests, and fix it until they pass.\n\n"
            f"{self._answer_format()}"
        )

    @property
    def goal(self) -> str:
        header = f"MixedCoding task: implement {self.n_modules} small modules."
        return self._prompt([m.name for m in self.modules], header)

    def _answer_format(self) -> str:
        return "Final answer: one line per module, for example 'm01: PASS' or 'm01: FAIL'."

    def split(self, width: int) -> list[Subtask]:
        """Each DAG level cut into at most ``width`` groups; width 1 gives one subtask."""
        if self._check_width(width) == 1:
            names = [m.name for m in self.modules]
            header = "Subtask code of 1: all the modules."
            return [Subtask(id="code", prompt=self._prompt(names, header), items=tuple(names))]
        groups: list[list[str]] = []
        for level in self._levels():
            k = min(width, len(level))
            size, extra = divmod(len(level), k)
            start = 0
            for g in range(k):
                stop = start + size + (1 if g < extra else 0)
                groups.append(level[start:stop])
                start = stop
        owner = {name: i for i, group in enumerate(groups) for name in group}
        out = []
        for i, group in enumerate(groups):
            sid = f"code-{i + 1:02d}"
            deps = sorted({owner[d] for n in group for d in self._by_name[n].deps} - {i})
            header = (
                f"Subtask {sid} of {len(groups)}: implement only the modules below; the modules "
                "they import are written by other agents and are already in the workspace."
            )
            out.append(
                Subtask(
                    id=sid,
                    prompt=self._prompt(group, header),
                    deps=tuple(f"code-{d + 1:02d}" for d in deps),
                    items=tuple(group),
                )
            )
        return out

    # -- answers -----------------------------------------------------------------------------
    def snapshot(self) -> dict[str, str]:
        """The module files currently in the workspace, by path."""
        return self.workspace.snapshot([m.path for m in self.modules])

    def merge(self, results: Mapping[str, str]) -> dict[str, str]:
        """The workspace's module files: what the subagents wrote, whatever they claimed."""
        return self.snapshot()

    def format_answer(self, answer: Any) -> str:
        if isinstance(answer, Mapping):
            return "Modules written: " + ", ".join(sorted(str(k) for k in answer))
        return "" if answer is None else str(answer)

    def _final_from_results(self, results: Mapping[str, str]) -> str:
        claims: dict[str, str] = {}
        for text in results.values():
            for name, status in _CLAIM.findall(text or ""):
                claims[name.lower()] = status.upper()
        return "\n".join(f"{m.name}: {claims.get(m.name, 'FAIL')}" for m in self.modules)

    def grade(self, answer: Any) -> dict[str, float]:
        """Run every module's tests: on ``{path: source}`` if given, else on the workspace."""
        if isinstance(answer, Mapping) and answer:
            passed = self._grade_sources(answer)
        else:
            passed = self.workspace.check([m.name for m in self.modules])
        n_ok = sum(passed.values())
        return {
            "pass_at_1": n_ok / self.n_modules,
            "success_rate": float(n_ok == self.n_modules),
        }

    def _grade_sources(self, sources: Mapping[Any, Any]) -> dict[str, bool]:
        root = Path(tempfile.mkdtemp(prefix="swarmnb-grade-"))
        try:
            for name, script in self._tests.items():
                (root / "tests").mkdir(exist_ok=True)
                (root / "tests" / f"test_{name}.py").write_text(script, encoding="utf-8")
            for path, source in sources.items():
                name = str(path).strip().removesuffix(".py")
                if name in self._by_name and isinstance(source, str):
                    (root / f"{name}.py").write_text(source, encoding="utf-8")
            return run_all(root, [m.name for m in self.modules], timeout=self.workspace.timeout)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    # -- lifetime ----------------------------------------------------------------------------
    def reset(self) -> None:
        """Remove every file agents wrote (keep the tests): ready for a new episode."""
        self.workspace.reset()

    async def close(self) -> None:
        self.workspace.close()

    # -- the ideal agent (swarmnb.scenarios.oracles.coding) ---------------------------------
    def _respond(
        self, conv: Conversation, *, can_act: bool, accuracy: float, rng: random.Random
    ) -> SimReply:
        return coding_oracle.respond(self, conv, can_act=can_act, accuracy=accuracy, rng=rng)
