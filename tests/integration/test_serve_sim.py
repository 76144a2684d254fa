"""serve_sim over litellm's real openai/ HTTP path: same replies, 429s, timeouts."""

from __future__ import annotations

import itertools
import json
import threading
import urllib.error
import urllib.request

import pytest

from swarmnb.models import SIM_PROFILES, Backoff, TransientModelError, complete, serve_sim
from swarmnb.runtime.errors import ModelError, RetryableError
from tests.models_support import TOOLS, ask

KEY = "sk-local"


@pytest.fixture(scope="module")
def server():
    with serve_sim(latency_scale=0.0) as srv:
        yield srv


@pytest.fixture(autouse=True)
def clean_faults(server):
    server.configure(fail_429=0, fail_500=0, timeout_every=0, malformed=0, retry_after=1.0)
    yield


@pytest.mark.parametrize(
    ("messages", "tools"),
    [
        (ask("Peru"), TOOLS),
        (ask("Japan"), None),
        ([{"role": "user", "content": "please search for river deltas"}], TOOLS),
        ([{"role": "user", "content": "describe a heron"}], None),
    ],
)
async def test_http_replies_match_the_in_process_sim(server, messages, tools):
    for seed in (0, 1, 2):
        remote = await complete(
            "openai/sim-small", messages, tools=tools, seed=seed, api_base=server.url, api_key=KEY
        )
        local = await complete("sim/small", messages, tools=tools, seed=seed, sim_latency_scale=0)
        assert remote.content == local.content
        assert remote.tool_calls == local.tool_calls
        assert (remote.tokens_in, remote.tokens_out) == (local.tokens_in, local.tokens_out)
        assert remote.cost_usd == pytest.approx(local.cost_usd)


async def test_tool_call_arguments_arrive_in_openai_wire_format(server):
    c = await complete(
        "openai/sim-medium", ask("Kenya"), tools=TOOLS, api_base=server.url, api_key=KEY
    )
    call = c.raw.choices[0].message.tool_calls[0]
    assert c.raw.choices[0].finish_reason == "tool_calls"
    assert json.loads(call.function.arguments) == {"query": "capital of Kenya", "k": 3}
    price = SIM_PROFILES["medium"]
    assert c.cost_usd == pytest.approx(
        c.tokens_in * price.input_cost_per_token + c.tokens_out * price.output_cost_per_token
    )


async def test_429s_are_retried_and_retry_after_is_honoured(server):
    server.configure(fail_429=2, retry_after=0.2)
    before = server.requests
    c = await complete("openai/sim-small", ask(), api_base=server.url, api_key=KEY)
    arrivals = server.arrivals[before:]
    assert server.requests - before == 3 and server.faults[-2:] == ["429", "429"]
    assert c.retries == 2 and c.content
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert all(gap >= 0.2 for gap in gaps)


async def test_429s_past_max_retries_surface_as_retryable(server):
    server.configure(fail_429=5, retry_after=0.05)
    before = server.requests
    with pytest.raises(TransientModelError) as info:
        await complete("openai/sim-small", ask(), api_base=server.url, api_key=KEY, max_retries=1)
    assert server.requests - before == 2
    assert isinstance(info.value, RetryableError)
    assert info.value.retry_after == pytest.approx(0.05)


async def test_a_hanging_request_times_out_and_is_retried(server):
    before = server.requests
    server.configure(timeout_every=before + 1, hang_s=30.0)  # the next request hangs
    c = await complete("openai/sim-large", ask(), api_base=server.url, api_key=KEY, timeout=0.5)
    assert server.requests - before == 2 and server.faults[-1] == "timeout"
    assert c.retries == 1 and c.content


async def test_server_errors_are_retried(server):
    server.configure(fail_500=1)
    c = await complete(
        "openai/sim-small", ask(), api_base=server.url, api_key=KEY, backoff=Backoff(base=0.05)
    )
    assert c.retries == 1


async def test_malformed_reply_over_http_is_repaired(server):
    server.configure(malformed=1)
    c = await complete("openai/sim-small", ask(), tools=TOOLS, api_base=server.url, api_key=KEY)
    assert c.repairs == 1 and c.tool_calls[0].name == "search"


async def test_unknown_models_fail_without_retries(server):
    before = server.requests
    with pytest.raises(ModelError, match="unknown sim model") as info:
        await complete("openai/sim-gigantic", ask(), api_base=server.url, api_key=KEY)
    assert not isinstance(info.value, RetryableError)
    assert server.requests - before == 1


def test_models_endpoint_lists_the_profiles(server):
    with urllib.request.urlopen(f"{server.url}/models", timeout=5) as response:
        body = json.load(response)
    assert sorted(m["id"] for m in body["data"]) == sorted(f"sim-{n}" for n in SIM_PROFILES)


def test_only_loopback_is_served():
    with pytest.raises(ValueError, match="loopback"):
        serve_sim(host="0.0.0.0")


def test_stop_releases_a_hanging_request_and_the_port():
    srv = serve_sim(timeout_every=1, hang_s=60.0, latency_scale=0.0)
    done = threading.Event()
    outcome: list[object] = []

    def hang() -> None:
        request = urllib.request.Request(f"{srv.url}/chat/completions", data=b"{}", method="POST")
        try:
            urllib.request.urlopen(request, timeout=30)
        except urllib.error.HTTPError as exc:
            outcome.append(exc.code)
        except OSError as exc:
            outcome.append(exc)
        done.set()

    threading.Thread(target=hang, daemon=True).start()
    for _ in range(1000):  # until the request has arrived (bounded)
        if srv.requests:
            break
        done.wait(0.01)
    assert srv.requests == 1
    srv.stop()
    assert done.wait(10)
    assert outcome == [504]  # released with a gateway timeout, long before hang_s
    assert "stopped" in repr(srv)
