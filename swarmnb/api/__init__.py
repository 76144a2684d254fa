"""The swarm service: an authenticated HTTP API over swarms (FastAPI), and its Python client.

``swarmnb serve --host 127.0.0.1 --port 8000`` runs it (extra ``[serve]``); the routes are in
:mod:`swarmnb.api.app`. :class:`Client` reaches it from Python; :class:`BackgroundServer` runs
it in a thread next to a notebook or a test.

Example::

    with sn.api.BackgroundServer(sn.api.ServiceConfig(data_dir=tmp, tokens={"t": "write"})) as s:
        client = sn.Client(s.url, "t")
        swarm = client.create_swarm(agents=4, tasks=[{"prompt": "hello"}])
        swarm.wait()["status"]          # 'completed'
"""

from .app import ServiceConfig, create_app
from .client import Client, RemoteSwarm, ServiceError
from .server import BackgroundServer, serve

__all__ = [
    "BackgroundServer",
    "Client",
    "RemoteSwarm",
    "ServiceConfig",
    "ServiceError",
    "create_app",
    "serve",
]
