"""Benchmark report files: CSV/Parquet, an HTML page that needs no network, PNG and SVG."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

import swarmnb as sn
from swarmnb.bench.report import SIM_NOTE, pareto_front, render_html
from swarmnb.scenarios import DeepSearch, WideSearch


@pytest.fixture(scope="module")
def bench() -> sn.bench.Benchmark:
    return sn.bench.benchmark(
        {"wide": WideSearch(n_items=6), "deep": DeepSearch(hops=2)},
        ("single", "heuristic"),
        (0, 1),
        timeline_points=10,
    )


@pytest.fixture(scope="module")
def written(bench: sn.bench.Benchmark, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return sn.bench.write_report(bench, tmp_path_factory.mktemp("report"))


def test_every_file_is_written_and_readable(
    bench: sn.bench.Benchmark, written: dict[str, Path]
) -> None:
    for name in ("results", "summary", "timelines"):
        assert written[f"{name}.csv"].exists() and written[f"{name}.parquet"].exists()
    back = pd.read_parquet(written["results.parquet"])
    pd.testing.assert_frame_equal(back, bench.results, check_dtype=False)
    assert len(pd.read_csv(written["results.csv"])) == len(bench.results)
    for chart in ("pareto", "cost_quality", "parallelism"):
        assert written[f"{chart}.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        root = ET.fromstring(written[f"{chart}.svg"].read_text())
        assert root.tag.endswith("svg") and len(list(root.iter())) > 50


def test_the_html_report_loads_nothing_from_the_network(written: dict[str, Path]) -> None:
    page = written["report.html"].read_text()
    assert "<script src" not in page and "<link" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", page)
    assert "window.vegaEmbed" in page  # the bundle is inline
    assert page.count("vegaEmbed('#chart-") == 3
    assert SIM_NOTE in page and "mean ± 95% CI over seeds" in page
    assert "wide" in page and "heuristic" in page


def test_reports_are_byte_identical_for_the_same_results(
    bench: sn.bench.Benchmark, written: dict[str, Path], tmp_path: Path
) -> None:
    again = sn.bench.write_report(bench, tmp_path, formats=("svg",))
    for name in ("report.html", "results.csv", "summary.csv", "pareto.svg"):
        assert again[name].read_bytes() == written[name].read_bytes(), name
    assert "pareto.png" not in again


def test_charts_say_simulation_only_for_virtual_runs(bench: sn.bench.Benchmark) -> None:
    sim = sn.bench.charts(bench.results, bench.timelines)
    assert set(sim) == {"pareto", "cost_quality", "parallelism"}
    assert "(simulation)" in str(sim["pareto"].to_dict()["title"])
    real = sn.bench.charts(bench.results.assign(clock="real"))
    assert set(real) == {"pareto", "cost_quality"}
    assert "simulation" not in str(real["pareto"].to_dict()["title"])


def test_pareto_front_keeps_only_undominated_points() -> None:
    pts = pd.DataFrame(
        {
            "policy": list("abcde"),
            "steps": [100, 20, 25, 5, 20],
            "quality": [0.9, 0.7, 0.6, 0.3, 0.8],
        }
    )
    front = pareto_front(pts, x="steps")
    assert list(front["policy"]) == ["d", "e", "a"]


def test_summary_table_text() -> None:
    stats = pd.DataFrame(
        {
            "scenario": ["w"],
            "policy": ["h"],
            "n": [3],
            "quality_mean": [0.71234],
            "quality_ci95": [0.0456],
            "critical_steps_ratio": [0.0612],
        }
    )
    table = sn.bench.summary_table(stats)
    assert table.iloc[0]["quality"] == "0.712 ± 0.046"
    assert table.iloc[0]["critical_steps ÷ single"] == "0.061×"


def test_report_numbers_are_for_people() -> None:
    from swarmnb.bench._format import fmt_number, fmt_pm, fmt_ratio, fmt_seconds, fmt_usd

    assert fmt_pm(281_234.5, 20_123.0) == "281,234 ± 20,123"
    assert fmt_pm(0.00144, 9.1e-05) == "0.00144 ± 0.00009"
    assert fmt_pm(1.0, 0.0) == "1" and fmt_pm(float("nan"), 1.0) == "–"
    assert fmt_number(0.000012345) == "0.0000123" and fmt_number(12_345_678.9) == "12,345,679"
    assert fmt_ratio(16.62) == "17×" and fmt_ratio(0.0601) == "0.060×"
    assert fmt_usd(0.0233) == "$0.0233" and fmt_seconds(281.2) == "4 min 41 s"
    stats = pd.DataFrame(
        {"scenario": ["w"], "policy": ["s"], "n": [3], "cost_usd_mean": [0.0233],
         "cost_usd_ci95": [0.001], "wall_clock_ms_mean": [280_775.4],
         "wall_clock_ms_ci95": [20_000.0]}
    )  # fmt: skip
    row = sn.bench.summary_table(stats).iloc[0]
    assert row["cost_usd"] == "$0.0233 ± $0.0010"
    assert row["wall_clock_ms"] == "281 ± 20"  # seconds, as the column title says


def test_scenario_tables_leave_out_constant_columns_and_say_why(bench) -> None:
    stats = sn.bench.summary(bench.results)
    tables = {name: (table, notes) for name, table, notes in sn.bench.scenario_tables(stats)}
    assert set(tables) == {"wide", "deep"}
    table, notes = tables["deep"]
    assert "subagents" not in table.columns  # one agent for both policies on the chain
    assert any(n.startswith("subagents is 1 for every policy: every policy ran") for n in notes)
    wide, _ = tables["wide"]
    assert "quality" in wide.columns and "critical steps ÷ single" in wide.columns
    for t, _ in tables.values():
        for cell in t.astype(str).to_numpy().ravel():
            assert not re.search(r"\de[+-]\d", cell), cell  # never scientific notation


def test_the_parallelism_chart_gives_each_policy_its_own_time_axis(bench) -> None:
    spec = sn.bench.charts(bench.results, bench.timelines)["parallelism"].to_dict()
    assert spec["facet"]["row"]["field"] == "policy"
    assert spec["resolve"]["scale"]["x"] == "independent"


def test_every_report_opens_with_the_sensitivity_finding_and_published_figures(
    written: dict[str, Path],
) -> None:
    from swarmnb.bench.report import SENSITIVITY_HEADLINE

    page = written["report.html"].read_text()
    body = page.split("</h1>", 1)[1]
    assert body.index(html.escape(SENSITIVITY_HEADLINE)) < body.index("<h2>")
    for source in ("2602.02276", "multi-agent-research-system", "2312.04511"):
        assert source in page
    assert "79.0 vs 72.7" in page and "+90.2%" in page and "up to 3.7× faster" in page
    assert "Why the columns differ" in page
    cells = re.findall(r"<td>(.*?)</td>", page.split("</head>", 1)[1].split("<script>")[0])
    assert cells and not [c for c in cells if re.search(r"\de[+-]?\d", c)]  # no 2.8e+05


def test_render_html_escapes_text_and_embeds_tables() -> None:
    page = render_html("a <b> & c", [("t", pd.DataFrame({"x": [1]})), ("raw", "<p>ok</p>")])
    assert "<title>a &lt;b&gt; &amp; c</title>" in page
    assert 'class="dataframe table"' in page and "<th>x</th>" in page and "<p>ok</p>" in page


@pytest.mark.browser
def test_the_report_renders_in_chromium_with_the_network_cut(written: dict[str, Path]) -> None:
    """Open report.html from disk in headless Chromium, every request off disk refused."""
    from tests.browser.harness import CHROMIUM_ARGS, chromium_path

    playwright = pytest.importorskip("playwright.sync_api")
    path = chromium_path()
    if path is None:
        pytest.skip("headless Chromium not found (make browser-deps)")
    refused: list[str] = []

    def route(request_route: object) -> None:
        url = request_route.request.url  # type: ignore[attr-defined]
        if url.startswith(("file:", "data:", "blob:")):
            request_route.continue_()  # type: ignore[attr-defined]
        else:
            refused.append(url)
            request_route.abort()  # type: ignore[attr-defined]

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.route("**/*", route)
            page.goto(written["report.html"].as_uri())
            for n in range(3):
                page.wait_for_selector(f"#chart-{n} svg .mark-symbol, #chart-{n} svg .mark-line",
                                       state="attached", timeout=20_000)  # fmt: skip
            marks = page.locator("#chart-0 svg path").count()
        finally:
            browser.close()
    assert not errors and not refused
    assert marks > 10
