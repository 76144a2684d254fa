"""``swarmnb serve``: run the swarm service, or mint a token for it.

Tokens are shown once and stored hashed in ``<data>/service.sqlite``. ``SWARMNB_TOKEN`` in the
environment registers a write token at start (handy for containers and tests); if no token
exists at all, one is minted and printed to stderr.

Example::

    swarmnb serve --add-token ci --read-only     # prints a read-only token and exits
    swarmnb serve --host 127.0.0.1 --port 8000   # serves until interrupted
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_serve"]


def _serve(args: argparse.Namespace) -> int:
    from ._store import ServiceStore

    data = Path(args.data)
    store = ServiceStore(data / "service.sqlite")
    try:
        if args.add_token:
            scope = "read" if args.read_only else "write"
            token = store.add_token(args.add_token, scope=scope, rate=args.rate, burst=args.burst)
            print(token)
            return 0
        env = os.environ.get("SWARMNB_TOKEN")
        if env:
            store.add_token("env", scope="write", rate=args.rate, burst=args.burst, token=env)
        if store.n_tokens() == 0:
            token = store.add_token("first", scope="write", rate=args.rate, burst=args.burst)
            print(f"swarmnb serve: no tokens yet; minted a write token: {token}", file=sys.stderr)
    finally:
        store.close()
    if args.fsync is not None:  # the result stores of every swarm run in this process
        os.environ["SWARMNB_FSYNC"] = args.fsync
    from .app import ServiceConfig
    from .server import serve

    print(f"swarmnb serve: http://{args.host}:{args.port} (data in {data})", file=sys.stderr)
    config = ServiceConfig(data_dir=data, max_swarms=args.max_swarms, max_body=args.max_body)
    serve(config, host=args.host, port=args.port)
    return 0


def add_serve(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the swarm service (HTTP API; extra [serve])")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--data", default="runs/service", help="traces and service.sqlite")
    serve.add_argument("--max-swarms", type=int, default=10, help="swarms running at once")
    serve.add_argument("--add-token", metavar="NAME", help="mint a token, print it, and exit")
    serve.add_argument("--read-only", action="store_true", help="with --add-token: GET only")
    serve.add_argument("--rate", type=float, default=100.0, help="token requests per second")
    serve.add_argument("--burst", type=float, default=200.0, help="token burst size")
    serve.add_argument("--max-body", type=int, default=1 << 20, help="request body limit (bytes)")
    serve.add_argument(
        "--fsync",
        choices=("always", "batch", "never"),
        default=None,
        help="result-store fsync policy (default: SWARMNB_FSYNC or batch; see durability.md)",
    )
    serve.set_defaults(func=_serve)
