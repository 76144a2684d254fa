"""Reading answers leniently and scoring them like the WideSearch benchmark.

Agents write answers in many shapes: a JSON list in a code fence, bare JSON, a markdown table,
an ``ANSWER:`` line. The parsers here accept all of them and return an empty result — never
raise — for anything unreadable, so a malformed answer scores 0 instead of crashing a run.

Table scoring (WideSearch): rows are aligned on the normalised entity name. *Item* F1 counts
attribute cells (precision over the cells the answer filled, recall over the gold cells);
*row* F1 counts rows with every attribute right; success is 1 only for the exact table.

Example::

    gold = [{"name": "A", "x": "1"}, {"name": "B", "x": "2"}]
    table_scores(gold, [{"name": "a", "x": "1"}], attributes=["x"])
    # {'item_f1': 0.667, 'row_f1': 0.667, 'success_rate': 0.0} (rounded)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

__all__ = ["norm_key", "norm_value", "parse_final_answer", "parse_rows", "table_scores"]

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+$")
_FINAL = re.compile(r"(?:final\s+)?answer\s*[:：]\s*(.+)", re.IGNORECASE)
NAME_KEYS = ("name", "entity", "company", "item")


def norm_key(key: Any) -> str:
    """Column names compare case- and separator-insensitively: 'Revenue (USD m)' ~ 'revenue'."""
    return _norm_key(key if type(key) is str else str(key))


@lru_cache(maxsize=4096)  # a table's few column names, normalised for every cell
def _norm_key(key: str) -> str:
    return _NON_WORD.sub("_", key.lower()).strip("_")


def norm_value(value: Any) -> str:
    """Cell values compare after case folding, trimming, and number canonicalisation."""
    if value is None:
        return ""
    return _norm_value(value if type(value) is str else str(value))


@lru_cache(maxsize=4096)  # each cell is normalised several times while grading
def _norm_value(value: str) -> str:
    text = _SPACES.sub(" ", value).strip().strip("\"'`*").rstrip(".")
    text = text.strip("\"'`*").strip().casefold()
    if _NUMBER.match(text):
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return text
        return str(int(number)) if number.is_integer() else repr(number)
    return text


def _json_candidates(text: str) -> list[str]:
    out = [m.group(1) for m in _FENCE.finditer(text)]
    for opener, closer in (("[", "]"), ("{", "}")):
        start, end = text.find(opener), text.rfind(closer)
        if 0 <= start < end:
            out.append(text[start : end + 1])
    return out


def _rows_from_json(value: Any) -> list[dict[str, Any]] | None:
    if isinstance(value, Mapping):
        for key in ("rows", "table", "results", "answer", "data"):
            if isinstance(value.get(key), list):
                return _rows_from_json(value[key])
        if value and all(isinstance(v, Mapping) for v in value.values()):
            return [{"name": k, **dict(v)} for k, v in value.items()]
        return [dict(value)] if any(norm_key(k) in NAME_KEYS for k in value) else None
    if isinstance(value, list):
        rows = [dict(r) for r in value if isinstance(r, Mapping)]
        return rows if rows else None
    return None


def _rows_from_markdown(text: str) -> list[dict[str, Any]]:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("|")]
    cells = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
    cells = [row for row in cells if not all(re.fullmatch(r":?-{2,}:?", c or "-") for c in row)]
    if len(cells) < 2:
        return []
    header = cells[0]
    return [dict(zip(header, row, strict=False)) for row in cells[1:]]


def parse_rows(answer: Any) -> list[dict[str, str]]:
    """Rows of a table answer (JSON list/dict, fenced or bare, or markdown); [] if unreadable.

    Keys are normalised with :func:`norm_key`; the entity column is called ``name`` (also
    recognised as ``entity``, ``company`` or ``item``).
    """
    rows: list[dict[str, Any]] | None = None
    if isinstance(answer, str):
        for candidate in _json_candidates(answer):
            try:
                rows = _rows_from_json(json.loads(candidate))
            except ValueError:
                continue
            if rows:
                break
        if not rows:
            rows = _rows_from_markdown(answer)
    else:
        try:
            rows = _rows_from_json(answer)
        except (TypeError, ValueError):
            rows = None
    out: list[dict[str, str]] = []
    for row in rows or ():
        clean = {norm_key(k): v for k, v in row.items()}
        for alias in NAME_KEYS:
            if alias in clean:
                clean["name"] = clean.pop(alias)
                break
        if "name" in clean and clean["name"] is not None:
            out.append({k: "" if v is None else str(v) for k, v in clean.items()})
    return out


def _f1(correct: int, predicted: int, gold: int) -> float:
    if correct == 0 or predicted == 0 or gold == 0:
        return 0.0
    precision, recall = correct / predicted, correct / gold
    return 2 * precision * recall / (precision + recall)


def table_scores(
    gold: Sequence[Mapping[str, str]],
    predicted: Sequence[Mapping[str, str]],
    *,
    attributes: Sequence[str],
) -> dict[str, float]:
    """WideSearch item-F1, row-F1 and success rate of ``predicted`` against ``gold``.

    A predicted row whose name is not in the gold table, or that repeats a name already seen,
    still counts as predicted (it lowers precision). Empty cells are not predictions.
    """
    gold_rows = {norm_value(r["name"]): r for r in gold}
    attrs = [norm_key(a) for a in attributes]
    seen: set[str] = set()
    correct_cells = predicted_cells = correct_rows = 0
    for row in predicted:
        filled = [a for a in attrs if norm_value(row.get(a)) != ""]
        predicted_cells += len(filled)
        name = norm_value(row.get("name"))
        truth = gold_rows.get(name)
        if truth is None or name in seen:
            continue
        seen.add(name)
        right = sum(norm_value(row.get(a)) == norm_value(truth[a]) for a in filled)
        correct_cells += right
        correct_rows += int(right == len(attrs))
    n_gold = len(gold_rows)
    exact = correct_rows == n_gold and len(predicted) == n_gold and n_gold > 0
    return {
        "item_f1": _f1(correct_cells, predicted_cells, n_gold * len(attrs)),
        "row_f1": _f1(correct_rows, len(predicted), n_gold),
        "success_rate": 1.0 if exact else 0.0,
    }


def parse_final_answer(answer: Any) -> str:
    """The short answer in a text: the last ``ANSWER: …`` line, else the last non-empty line."""
    if answer is None:
        return ""
    text = str(answer)
    found = _FINAL.findall(text)
    line = (
        found[-1] if found else next((ln for ln in reversed(text.splitlines()) if ln.strip()), "")
    )
    return line.strip().strip("*").strip()
