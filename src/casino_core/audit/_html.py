"""The HTML certification report: a Jinja2 template over the report's data.

The page is rendered from ``templates/report.html.j2`` with autoescaping on, so every text
that comes from an input (file names, parameters, findings) is escaped by the template
engine. The charts are inline SVG drawn by the template from geometry computed here from the
exact data: per game configuration, the observed share of each outcome beside its exact
probability, and the running RTP inside the exact RTP's 99% band. No script, no network.

Jinja2 comes with the ``report`` extra (``pip install casino-core[report]``).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

from casino_core.errors import ConfigurationError

if TYPE_CHECKING:
    from casino_core.audit._report import CertificationReport

__all__ = ["render_html"]

_W: Final = 640
_H: Final = 220
_LEFT: Final = 64
_RIGHT: Final = 12
_TOP: Final = 12
_BOTTOM: Final = 56


def _fmt_p(value: object) -> str:
    if value is None:
        return "-"
    p = float(str(value))
    return f"{p:.3g}" if p >= 1e-4 else f"{p:.2e}"


def _fmt_stat(value: object) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _distribution_chart(bars: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Bar geometry: per outcome group, the exact probability and the observed share."""
    if not bars:
        return None
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    top = max(max(b["expected_share"], b["observed_share"]) for b in bars) * 1.1 or 1.0
    slot = plot_w / len(bars)
    width = slot * 0.38

    def y(share: float) -> float:
        return _TOP + plot_h * (1 - share / top)

    shapes = []
    for i, b in enumerate(bars):
        x = _LEFT + i * slot + slot * 0.1
        shapes.append(
            {
                "x_expected": round(x, 2),
                "x_observed": round(x + width, 2),
                "width": round(width, 2),
                "y_expected": round(y(b["expected_share"]), 2),
                "h_expected": round(_TOP + plot_h - y(b["expected_share"]), 2),
                "y_observed": round(y(b["observed_share"]), 2),
                "h_observed": round(_TOP + plot_h - y(b["observed_share"]), 2),
                "label": b["outcome"],
                "label_x": round(x + width, 2),
                "title": (
                    f"{b['outcome']}: exact {b['expected_share']:.6g}, observed "
                    f"{b['observed_share']:.6g} ({b['observed']:,} rounds)"
                ),
            }
        )
    ticks = [{"y": round(y(v), 2), "label": f"{v:.3g}"} for v in (0.0, top / 2, top / 1.1)]
    return {
        "width": _W,
        "height": _H,
        "left": _LEFT,
        "right": _W - _RIGHT,
        "top": _TOP,
        "bottom": _TOP + plot_h,
        "bars": shapes,
        "ticks": ticks,
        "label_y": _TOP + plot_h + 10,
    }


def _rtp_chart(data: dict[str, Any] | None, index: int) -> dict[str, Any] | None:
    """Line and band geometry: the observed RTP over rounds in the exact RTP's 99% band."""
    if not data or len(data["points"]) < 2:
        return None
    points = data["points"]
    exact = float(data["rtp"])
    last = int(points[-1]["rounds"])
    settled = points[len(points) // 10 :]  # the first rounds' band is too wide to show
    low = float(min(min(p["low"], p["observed"]) for p in settled))
    high = float(max(max(p["high"], p["observed"]) for p in settled))
    pad = (high - low) * 0.08 or 0.01
    low, high = low - pad, high + pad
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - 30

    def x(n: int) -> float:
        return round(_LEFT + plot_w * n / last, 2)

    def y(v: float) -> float:
        clamped = min(max(v, low - (high - low)), high + (high - low))
        return round(_TOP + plot_h * (high - clamped) / (high - low), 2)

    band = [f"{x(p['rounds'])},{y(p['high'])}" for p in points]
    band += [f"{x(p['rounds'])},{y(p['low'])}" for p in reversed(points)]
    return {
        "id": f"clip{index}",
        "width": _W,
        "height": _H,
        "left": _LEFT,
        "right": _W - _RIGHT,
        "top": _TOP,
        "bottom": _TOP + plot_h,
        "plot_w": plot_w,
        "plot_h": plot_h,
        "band": " ".join(band),
        "line": " ".join(f"{x(p['rounds'])},{y(p['observed'])}" for p in points),
        "exact_y": y(exact),
        "ticks": [{"y": y(v), "label": f"{v:.4f}"} for v in (low + pad, exact, high - pad)],
        "x_ticks": [{"x": x(n), "label": f"{n:,}"} for n in (0, last // 2, last)],
    }


def _environment() -> Any:
    try:
        import jinja2
    except ImportError:  # pragma: no cover - the report extra is installed in CI
        raise ConfigurationError(
            "the HTML report needs Jinja2: pip install 'casino-core[report]'"
        ) from None
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["p"] = _fmt_p
    env.filters["stat"] = _fmt_stat
    return env


def render_html(report: CertificationReport) -> str:
    """The report as one self-contained HTML page (no script, no network request)."""
    source = resources.files("casino_core.audit").joinpath("templates/report.html.j2")
    template = _environment().from_string(source.read_text(encoding="utf-8"))
    configs = []
    for index, section in enumerate(report.configs):
        config: dict[str, Any] = dict(section)
        configs.append(
            {
                **config,
                "params_text": json.dumps(config["params"], sort_keys=True),
                "distribution_chart": _distribution_chart(list(config.get("distribution", []))),
                "rtp_chart": _rtp_chart(config.get("running_rtp"), index),
            }
        )
    return str(
        template.render(
            report=report,
            verification=report.verification,
            flags=report.holm_flags(),
            configs=configs,
        )
    )
