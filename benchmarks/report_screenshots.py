"""Screenshot benchmark reports in headless Chromium, to check by eye how they read.

Opens each ``report.html`` / ``sensitivity.html`` from disk (the Vega bundle is inline), waits
for every chart to draw, and writes full-page PNGs (and one PNG per chart section).

    python benchmarks/report_screenshots.py reports/demo/report.html --out docs/benchmarks
"""

from __future__ import annotations

import argparse
from pathlib import Path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]


def shoot(page_path: Path, out: Path, *, width: int = 1280) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    stem = page_path.parent.name + "_" + page_path.stem
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(page_path.resolve().as_uri())
            charts = page.locator("div.chart")
            for n in range(charts.count()):
                charts.nth(n).locator("svg").first.wait_for(state="attached", timeout=60_000)
            page.wait_for_timeout(500)
            full = out / f"{stem}.png"
            page.screenshot(path=str(full), full_page=True)
            written.append(full)
            for n in range(charts.count()):
                shot = out / f"{stem}_chart{n}.png"
                charts.nth(n).screenshot(path=str(shot))
                written.append(shot)
        finally:
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks"))
    args = parser.parse_args()
    for page in args.pages:
        for path in shoot(page, args.out):
            print(path)


if __name__ == "__main__":
    main()
