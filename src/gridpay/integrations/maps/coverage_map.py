"""Draws the 10-minute payment circle: households covered or not, open outlets and their circles, village names."""

import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse

METRES_PER_DEGREE = 111_320
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "SimHei", "Microsoft YaHei")


class MapNotDrawn(Exception):
    """The image cannot be made as asked (a PNG without a Chinese font)."""


def draw_coverage_map(
    *,
    path: Path,
    title: str,
    latitudes: np.ndarray,
    longitudes: np.ndarray,
    covered: np.ndarray,
    outlets: Sequence[tuple[str, float, float, bool]],  # name, latitude, longitude, open
    labels: Sequence[tuple[str, float, float]],  # village name at a point
    radius_m: float,
    legend: tuple[str, str, str, str],  # covered, not covered, open outlet, closed outlet
) -> None:
    """SVG keeps text as text (any viewer shows the Chinese); PNG needs a Chinese font installed here."""
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise MapNotDrawn(f"地图文件应为 .svg 或 .png：{path.name}")
    if suffix == ".png" and not _cjk_font_installed():
        raise MapNotDrawn("PNG 地图需要中文字体（例如 apt-get install fonts-wqy-microhei），或改用 .svg")
    fonts = [*CJK_FONTS, "DejaVu Sans"]
    with mpl.rc_context({"svg.fonttype": "none", "font.family": ["sans-serif"], "font.sans-serif": fonts}):
        # A Figure of its own, not pyplot: no global state, no window, safe in a server.
        figure = Figure(figsize=(10, 10))
        axes = figure.subplots()
        mean_latitude = float(np.mean(latitudes)) if len(latitudes) else (outlets[0][1] if outlets else 0.0)
        axes.set_aspect(1 / math.cos(math.radians(mean_latitude)))
        axes.scatter(longitudes[covered], latitudes[covered], s=2, c="#2e7d32", label=legend[0], linewidths=0)
        axes.scatter(longitudes[~covered], latitudes[~covered], s=2, c="#c62828", label=legend[1], linewidths=0)
        height = 2 * radius_m / METRES_PER_DEGREE
        for _name, latitude, longitude, is_open in outlets:
            width = height / math.cos(math.radians(latitude))
            circle = Ellipse((longitude, latitude), width, height, fill=False, lw=0.8,
                             edgecolor="#1565c0" if is_open else "#9e9e9e", linestyle="-" if is_open else ":")
            axes.add_patch(circle)
        for is_open, colour, label in ((True, "#1565c0", legend[2]), (False, "#9e9e9e", legend[3])):
            points = [(o[2], o[1]) for o in outlets if o[3] is is_open]
            if points:
                xs, ys = zip(*points, strict=True)
                axes.scatter(xs, ys, marker="^", s=30, c=colour, label=label, zorder=3)
        for name, latitude, longitude in labels:
            axes.annotate(name, (longitude, latitude), fontsize=7, ha="center", va="bottom", color="#212121")
        axes.set_title(title)
        axes.set_xlabel("经度")
        axes.set_ylabel("纬度")
        axes.legend(loc="upper right", markerscale=2, fontsize=8)
        with warnings.catch_warnings():
            # Without a Chinese font here, text is measured with a Latin one; an SVG keeps it as text anyway.
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            figure.savefig(path, dpi=150, bbox_inches="tight")


def _cjk_font_installed() -> bool:
    names = {font.name for font in font_manager.fontManager.ttflist}
    return any(name in names for name in CJK_FONTS)
