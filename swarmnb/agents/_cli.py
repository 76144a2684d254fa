"""``swarmnb agents``: the role catalogue, and a registry kept in a SQLite file.

Each command opens the registry file, does one thing and closes it; the file remembers which
roles are installed with how many agents, the agents' last known state, results and the
audit log.

Example::

    swarmnb agents roles
    swarmnb agents install developer -n 3 --registry team.sqlite
    swarmnb agents scale developer 5 --registry team.sqlite
    swarmnb agents list --registry team.sqlite
    swarmnb agents audit --registry team.sqlite
    swarmnb agents uninstall developer --registry team.sqlite
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import pandas as pd

from .._exceptions import SwarmError

__all__ = ["add_agents"]

DEFAULT_FILE = "swarmnb-agents.sqlite"


def _show(frame: pd.DataFrame, columns: list[str]) -> None:
    if frame.empty:
        print("(none)")
        return
    with pd.option_context("display.width", 160, "display.max_colwidth", 60):
        print(frame[[c for c in columns if c in frame.columns]].to_string(index=False))


def _with_registry(args: argparse.Namespace, action: Callable[[Any], Awaitable[int]]) -> int:
    from ..runtime.clock import run_in_new_loop
    from .registry import Registry

    async def main() -> int:
        async with Registry(path=args.registry) as reg:
            return await action(reg)

    return int(run_in_new_loop(main, "virtual"))


def _roles(args: argparse.Namespace) -> int:
    from .catalogue import roles

    _show(roles(), ["id", "version", "model", "mode", "capabilities", "dependencies"])
    return 0


def _list(args: argparse.Namespace) -> int:
    from .registry import Registry

    reg = Registry(path=args.registry)
    _show(reg.agents(), ["id", "role", "version", "status", "health", "tasks", "tokens",
                         "cost_usd", "restarts", "denied"])  # fmt: skip
    return 0


def _install(args: argparse.Namespace) -> int:
    async def act(reg: Any) -> int:
        new = await reg.install(args.role, count=args.n)
        print(f"installed {args.role}: {', '.join(new) or 'already running'}")
        return 0

    return _with_registry(args, act)


def _scale(args: argparse.Namespace) -> int:
    async def act(reg: Any) -> int:
        ids = await reg.scale(args.role, args.count)
        print(f"{args.role}: {len(ids)} agent(s)")
        return 0

    return _with_registry(args, act)


def _uninstall(args: argparse.Namespace) -> int:
    async def act(reg: Any) -> int:
        await reg.uninstall(args.role)
        print(f"uninstalled {args.role}")
        return 0

    return _with_registry(args, act)


def _audit(args: argparse.Namespace) -> int:
    from .registry import Registry

    frame = Registry(path=args.registry).audit()
    if args.denied:
        frame = frame[frame["decision"] == "denied"]
    _show(frame, ["seq", "agent", "task", "tool", "capability", "scope", "decision", "reason"])
    return 0


def _guard(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except SwarmError as exc:
            print(f"swarmnb agents: {exc}", file=sys.stderr)
            return 2

    return run


def add_agents(sub: Any) -> None:
    """Register ``swarmnb agents …`` on the main parser's subcommands."""
    agents = sub.add_parser("agents", help="the role catalogue and a registry of agents")
    cmds = agents.add_subparsers(dest="agents_command", required=True)

    def cmd(name: str, fn: Callable[[argparse.Namespace], int], text: str) -> Any:
        p = cmds.add_parser(name, help=text)
        if name != "roles":
            p.add_argument("--registry", default=DEFAULT_FILE, help="the registry's SQLite file")
        p.set_defaults(func=_guard(fn))
        return p

    cmd("roles", _roles, "list the built-in roles")
    cmd("list", _list, "list the agents in a registry file")
    p = cmd("install", _install, "install a role (name, or a .toml/.yaml manifest)")
    p.add_argument("role")
    p.add_argument("-n", type=int, default=1, help="how many agents (default 1)")
    p = cmd("scale", _scale, "run exactly N agents of an installed role")
    p.add_argument("role")
    p.add_argument("count", type=int)
    p = cmd("uninstall", _uninstall, "stop a role's agents and forget it")
    p.add_argument("role")
    p = cmd("audit", _audit, "print the capability audit log")
    p.add_argument("--denied", action="store_true", help="only denied calls")
