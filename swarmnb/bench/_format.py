"""Numbers for people: units, thousands separators, sensible precision, never ``2.81e+05``.

Report tables are read, not parsed (the CSV files keep full precision). Each helper returns
text; a missing value is an en dash.

Example::

    fmt_number(281_234.5)          # '281,234'
    fmt_pm(281_234.5, 20_000)      # '281,234 ± 20,000'
    fmt_usd(0.0000912)             # '$0.0000912'
    fmt_ratio(0.0601)              # '0.060×'
    fmt_seconds(281.2)             # '4 min 41 s'
"""

from __future__ import annotations

import math

__all__ = ["fmt_number", "fmt_pm", "fmt_ratio", "fmt_seconds", "fmt_signed", "fmt_usd"]

DASH = "–"


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _decimals(x: float, sig: int) -> int:
    """Decimals that show ``sig`` significant digits of ``x`` (none for numbers ≥ 10^sig)."""
    if x == 0 or not math.isfinite(x):
        return 0
    return max(0, sig - 1 - math.floor(math.log10(abs(x))))


def fmt_number(x: float | None, sig: int = 3, *, decimals: int | None = None) -> str:
    """``x`` with ``sig`` significant digits (integers shown whole), thousands separated."""
    if _missing(x):
        return DASH
    x = float(x)  # type: ignore[arg-type]
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if decimals is not None:
        d = decimals
    elif x.is_integer() and abs(x) >= 1:
        d = 0
    else:
        d = _decimals(x, sig)
    text = f"{x:,.{d}f}"
    return "0" if float(text.replace(",", "")) == 0 and x != 0 and d > 8 else text


def fmt_pm(mean: float | None, ci: float | None, sig: int = 3) -> str:
    """``mean ± ci`` at the same number of decimals (the CI's two significant digits set it,
    never fewer than the mean's own ``sig`` digits need)."""
    if _missing(mean):
        return DASH
    if _missing(ci) or ci == 0:
        return fmt_number(mean, sig)
    d = min(_decimals(float(mean), sig), max(0, _decimals(float(ci), 2)))  # type: ignore[arg-type]
    return f"{float(mean):,.{d}f} ± {float(ci):,.{max(d, _decimals(float(ci), 1))}f}"  # type: ignore[arg-type]


def fmt_signed(x: float | None, decimals: int = 2) -> str:
    return DASH if _missing(x) else f"{float(x):+,.{decimals}f}"  # type: ignore[arg-type]


def fmt_ratio(x: float | None) -> str:
    """A ratio with a ``×``: two significant digits below 10, whole above."""
    if _missing(x):
        return DASH
    x = float(x)  # type: ignore[arg-type]
    return f"{x:,.0f}×" if abs(x) >= 10 else f"{x:.{max(1, _decimals(x, 2))}f}×"


def fmt_usd(x: float | None, sig: int = 3) -> str:
    if _missing(x):
        return DASH
    return ("-" if float(x) < 0 else "") + "$" + fmt_number(abs(float(x)), sig)  # type: ignore[arg-type]


def fmt_seconds(x: float | None) -> str:
    """Seconds as ``850 ms``, ``12.4 s``, ``4 min 41 s`` or ``2 h 5 min``."""
    if _missing(x):
        return DASH
    s = float(x)  # type: ignore[arg-type]
    if s < 1:
        return f"{s * 1000:,.0f} ms"
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        return f"{int(s // 60)} min {round(s % 60)} s"
    return f"{int(s // 3600)} h {round(s % 3600 / 60)} min"
