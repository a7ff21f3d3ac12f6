"""The bulletin's charts as PNG bytes (matplotlib, drawn with the shipped Simplified Chinese Noto face)."""

from __future__ import annotations

import contextlib
import io

from gongjian.core import fonts
from gongjian.documents.text import LEVEL_LABELS, LEVEL_ORDER


def chart_font_family() -> str:
    """The shipped 'Noto Sans SC', registered with matplotlib (``gongjian.core.fonts``); raises
    ``FontsMissing`` without it rather than draw Chinese as empty boxes."""
    return fonts.chart_family()


@contextlib.contextmanager
def _chart_context():
    """matplotlib's settings for one chart: the shipped CJK font."""
    import matplotlib

    with matplotlib.rc_context({"axes.unicode_minus": False, "font.size": 10, "font.family": [chart_font_family()]}):
        yield


def _png(figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    canvas.print_png(buffer)
    return buffer.getvalue()


INK = "#1f3a68"
RED = "#c00000"


def category_chart(shares) -> bytes:
    """Horizontal bars of the month's problems by category, the largest on top (PNG)."""
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import MaxNLocator

    shares = list(shares)
    with _chart_context():
        figure = MplFigure(figsize=(6.3, 0.36 * max(len(shares), 3) + 0.8), dpi=200)
        axes = figure.add_subplot()
        if not shares:
            axes.text(0.5, 0.5, "本月未发现问题", ha="center", va="center", transform=axes.transAxes)
            axes.set_axis_off()
        else:
            names = [s.name for s in reversed(shares)]
            counts = [s.count for s in reversed(shares)]
            colours = [INK] * (len(shares) - 1) + [RED]
            bars = axes.barh(names, counts, color=colours, height=0.6)
            peak = max(counts)
            for bar, share in zip(bars, reversed(shares), strict=True):
                axes.text(
                    bar.get_width() + peak * 0.015,
                    bar.get_y() + bar.get_height() / 2,
                    f"{share.count}处（{share.share}%）",
                    va="center",
                    fontsize=9,
                )
            axes.set_xlim(0, peak * 1.3)
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes.set_xlabel("问题数（处）")
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
            axes.grid(axis="x", color="#dddddd", linewidth=0.6)
            axes.set_axisbelow(True)
        figure.tight_layout()
        return _png(figure)


def trend_chart(averages) -> bytes:
    """Lines of the city-wide average score rate per level over the last months (PNG)."""
    from matplotlib.figure import Figure as MplFigure

    averages = list(averages)
    labels = [
        f"{m.year}年{m.month}月" if i == 0 or m.month == 1 else f"{m.month}月" for i, (m, _v) in enumerate(averages)
    ]
    styles = {"community": (RED, "o"), "compound": (INK, "s")}
    with _chart_context():
        figure = MplFigure(figsize=(6.3, 2.6), dpi=200)
        axes = figure.add_subplot()
        values_seen = []
        for level in LEVEL_ORDER:
            if not averages or level not in averages[0][1]:
                continue
            ys = [float(v[level] * 100) if v.get(level) is not None else float("nan") for _m, v in averages]
            colour, marker = styles[level]
            axes.plot(range(len(ys)), ys, color=colour, marker=marker, linewidth=1.6, label=LEVEL_LABELS[level])
            # Communities' values below their points, compounds' above, so that they never collide.
            below = level == "community"
            for x, y in enumerate(ys):
                if y == y:  # not NaN
                    values_seen.append(y)
                    axes.annotate(
                        f"{y:.1f}%",
                        (x, y),
                        textcoords="offset points",
                        xytext=(0, -13 if below else 7),
                        ha="center",
                        fontsize=8,
                        color=colour,
                    )
        axes.set_xticks(range(len(labels)), labels)
        axes.set_xlim(-0.4, len(labels) - 0.6)
        if values_seen:
            low = max(0.0, min(values_seen) - 12)
            axes.set_ylim(low, min(105.0, max(values_seen) + 8))
            axes.legend(loc="lower left", frameon=False, ncol=2)
        else:
            axes.text(0.5, 0.5, "暂无已发布的考核数据", ha="center", va="center", transform=axes.transAxes)
        axes.set_ylabel("平均得分率（%）")
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        figure.tight_layout()
        return _png(figure)
