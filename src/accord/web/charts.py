"""Server-side SVG for the asset page: the lineage graph and the validation pass-rate chart.

Pure functions of plain data that return SVG text (no I/O, no layout engine): the page
stays readable without JavaScript and the same input always draws the same picture. Every
name is escaped here; only presentation attributes are used (the UI's CSP forbids inline
styles), and every chart carries a <title> (and <desc>) that names it for screen readers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

# Colours of the stylesheet (static/accord.css), each 4.5:1 or better on white.
INK = "#1b1f24"
MUTED = "#57606a"
LINE = "#8c959f"
ACCENT = "#1f4e79"
PANEL = "#f6f8fa"
OK = "#1a7f37"
BAD = "#b42318"

NODE_W = 190
NODE_H = 34
COL_GAP = 60
ROW_GAP = 14
MARGIN = 12
LABEL_CHARS = 26


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _clip(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- lineage -------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphNode:
    """One asset of the picture. ``layer``: 0 the asset itself, -n upstream (what it
    reads, n edges away), +n downstream (what reads it)."""

    key: str
    label: str
    layer: int
    href: str | None = None
    note: str = ""  # a second, smaller line (environment, owner)


@dataclass(frozen=True)
class Placed:
    node: GraphNode
    x: int
    y: int


@dataclass(frozen=True)
class Layout:
    placed: dict[str, Placed]
    more: dict[int, int] = field(default_factory=dict)  # layer -> nodes left out
    more_at: dict[int, tuple[int, int]] = field(default_factory=dict)  # where "+N more" goes
    width: int = 0
    height: int = 0


def layout(nodes: Iterable[GraphNode], *, per_layer: int = 6) -> Layout:
    """Columns by layer (upstream left, downstream right), nodes in a column ordered by
    label then key, at most ``per_layer`` each (the rest counted in ``more``), every
    column centred vertically. Deterministic: the order of ``nodes`` does not matter."""
    columns: dict[int, list[GraphNode]] = {}
    for node in nodes:
        columns.setdefault(node.layer, []).append(node)
    if not columns:
        return Layout({}, width=0, height=0)
    layers = sorted(columns)
    shown: dict[int, list[GraphNode]] = {}
    more: dict[int, int] = {}
    for layer in layers:
        ordered = sorted(columns[layer], key=lambda n: (n.label.lower(), n.label, n.key))
        shown[layer] = ordered[:per_layer]
        if len(ordered) > per_layer:
            more[layer] = len(ordered) - per_layer
    rows = max(len(shown[layer]) + (1 if layer in more else 0) for layer in layers)
    height = 2 * MARGIN + rows * NODE_H + (rows - 1) * ROW_GAP
    width = 2 * MARGIN + len(layers) * NODE_W + (len(layers) - 1) * COL_GAP
    placed: dict[str, Placed] = {}
    more_at: dict[int, tuple[int, int]] = {}
    for index, layer in enumerate(layers):
        x = MARGIN + index * (NODE_W + COL_GAP)
        count = len(shown[layer]) + (1 if layer in more else 0)
        top = MARGIN + (rows - count) * (NODE_H + ROW_GAP) // 2
        for row, node in enumerate(shown[layer]):
            placed.setdefault(node.key, Placed(node, x, top + row * (NODE_H + ROW_GAP)))
        if layer in more:
            more_at[layer] = (x, top + len(shown[layer]) * (NODE_H + ROW_GAP))
    return Layout(placed, more, more_at, width, height)


def _node_svg(item: Placed) -> str:
    node = item.node
    centre = node.layer == 0
    fill, stroke, ink = (ACCENT, ACCENT, "#ffffff") if centre else (PANEL, LINE, INK)
    sub = "#ffffff" if centre else MUTED
    text_y = item.y + (14 if node.note else 21)
    parts = [
        f'<rect x="{item.x}" y="{item.y}" width="{NODE_W}" height="{NODE_H}" rx="5" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>',
        f'<text x="{item.x + 8}" y="{text_y}" font-size="12" fill="{ink}">'
        f"{_e(_clip(node.label))}</text>",
    ]
    if node.note:
        parts.append(
            f'<text x="{item.x + 8}" y="{item.y + 28}" font-size="10" fill="{sub}">'
            f"{_e(_clip(node.note, 32))}</text>"
        )
    body = "".join(parts)
    if node.href is None:
        return f"<g><title>{_e(node.label)}</title>{body}</g>"
    name = node.label + (f", {node.note}" if node.note else "")
    return (
        f'<a href="{_e(node.href)}" aria-label="{_e(name)}">'
        f"<title>{_e(node.label)}</title>{body}</a>"
    )


def _edge_svg(src: Placed, dst: Placed) -> str:
    x1, y1 = src.x + NODE_W, src.y + NODE_H // 2
    x2, y2 = dst.x, dst.y + NODE_H // 2
    if x2 <= x1:  # same column or backwards (a cycle): leave from the left, enter right
        x1, x2 = src.x, dst.x + NODE_W
    return (
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{LINE}" stroke-width="1.5" '
        'marker-end="url(#arrow)"/>'
    )


def lineage_svg(
    nodes: Sequence[GraphNode],
    edges: Iterable[tuple[str, str]],
    *,
    title: str,
    per_layer: int = 6,
    svg_id: str = "lineage",
) -> str:
    """The layered lineage picture; ``edges`` are (upstream key, downstream key) pairs,
    drawn when both ends are shown. Empty ``nodes``: an empty string (nothing to draw)."""
    laid = layout(nodes, per_layer=per_layer)
    if not laid.placed:
        return ""
    drawn = sorted({(a, b) for a, b in edges if a in laid.placed and b in laid.placed and a != b})
    more = sum(laid.more.values())
    desc = f"{len(laid.placed)} assets shown" + (f", {more} more not drawn" if more else "")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{_e(svg_id)}" role="group" '
        f'aria-labelledby="{_e(svg_id)}-title {_e(svg_id)}-desc" '
        f'viewBox="0 0 {laid.width} {laid.height}" width="{laid.width}" height="{laid.height}">',
        f'<title id="{_e(svg_id)}-title">{_e(title)}</title>',
        f'<desc id="{_e(svg_id)}-desc">{_e(desc)}</desc>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{LINE}"/></marker></defs>',
    ]
    out += [_edge_svg(laid.placed[a], laid.placed[b]) for a, b in drawn]
    out += [_node_svg(p) for p in sorted(laid.placed.values(), key=lambda p: (p.x, p.y))]
    for layer, (x, y) in sorted(laid.more_at.items()):
        out.append(
            f'<text x="{x + 8}" y="{y + 21}" font-size="12" fill="{MUTED}">'
            f"+{laid.more[layer]} more</text>"
        )
    out.append("</svg>")
    return "".join(out)


# --- validation pass rate ------------------------------------------------------------


@dataclass(frozen=True)
class RunPoint:
    """One validation run: when (already formatted), its pass rate 0..1 (None when no
    check ran) and whether it passed as a whole."""

    label: str
    rate: float | None
    passed: bool


CHART_H = 120
BAR_W = 14
BAR_GAP = 6
AXIS_W = 44


def percent(rate: float | None) -> str:
    return "no checks ran" if rate is None else f"{round(rate * 100)}%"


def pass_rate_svg(points: Sequence[RunPoint], *, title: str, svg_id: str = "passrate") -> str:
    """Bars of each run's pass rate, oldest left; green for a passing run, red for a
    failing one. Empty ``points``: an empty string."""
    if not points:
        return ""
    width = AXIS_W + len(points) * (BAR_W + BAR_GAP) + MARGIN
    height = CHART_H + 2 * MARGIN
    base = MARGIN + CHART_H
    failed = sum(not p.passed for p in points)
    desc = (
        f"{len(points)} runs from {points[0].label} to {points[-1].label}; "
        f"{failed} failed; latest pass rate {percent(points[-1].rate)}."
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{_e(svg_id)}" role="img" '
        f'aria-labelledby="{_e(svg_id)}-title {_e(svg_id)}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f'<title id="{_e(svg_id)}-title">{_e(title)}</title>',
        f'<desc id="{_e(svg_id)}-desc">{_e(desc)}</desc>',
    ]
    for share in (0.0, 0.5, 1.0):
        y = base - round(share * CHART_H)
        out.append(
            f'<line x1="{AXIS_W - 4}" y1="{y}" x2="{width - MARGIN}" y2="{y}" '
            f'stroke="{LINE}" stroke-width="{1 if share else 1.5}"/>'
            f'<text x="{AXIS_W - 8}" y="{y + 4}" font-size="10" fill="{MUTED}" '
            f'text-anchor="end">{round(share * 100)}%</text>'
        )
    for i, point in enumerate(points):
        x = AXIS_W + i * (BAR_W + BAR_GAP)
        rate = point.rate if point.rate is not None else 0.0
        h = max(2, round(rate * CHART_H))
        colour = OK if point.passed else BAD
        out.append(
            f'<rect x="{x}" y="{base - h}" width="{BAR_W}" height="{h}" fill="{colour}">'
            f"<title>{_e(point.label)}: {_e(percent(point.rate))}, "
            f"{'passed' if point.passed else 'failed'}</title></rect>"
        )
    out.append("</svg>")
    return "".join(out)
