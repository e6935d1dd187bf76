"""The SVG drawings of the asset page: deterministic layout, escaping, empty inputs."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

from accord.web import charts
from accord.web.charts import GraphNode, RunPoint


def _nodes() -> list[GraphNode]:
    return [
        GraphNode("c", "warehouse.orders", 0),
        GraphNode("u1", "raw.orders", -1, "/ui/assets/u1"),
        GraphNode("u2", "raw.customers", -1, "/ui/assets/u2"),
        GraphNode("u3", "landing.events", -2, "/ui/assets/u3"),
        GraphNode("d1", "mart.revenue", 1, "/ui/assets/d1"),
    ]


def test_the_layout_puts_upstream_left_downstream_right_in_a_fixed_order() -> None:
    laid = charts.layout(_nodes())
    xs = {k: p.x for k, p in laid.placed.items()}
    assert xs["u3"] < xs["u1"] == xs["u2"] < xs["c"] < xs["d1"]
    # within a column: by label (raw.customers before raw.orders)
    assert laid.placed["u2"].y < laid.placed["u1"].y
    shuffled = _nodes()
    random.Random(3).shuffle(shuffled)
    assert charts.layout(shuffled) == laid
    assert laid.width > 0
    assert laid.height > 0


def test_a_crowded_column_is_capped_with_a_count_of_the_rest() -> None:
    nodes = [GraphNode("c", "centre", 0)] + [
        GraphNode(f"d{i}", f"down{i:02}", 1, f"/ui/assets/d{i}") for i in range(10)
    ]
    laid = charts.layout(nodes, per_layer=4)
    assert sorted(k for k in laid.placed if k != "c") == ["d0", "d1", "d2", "d3"]
    assert laid.more == {1: 6}
    svg = charts.lineage_svg(nodes, [("c", "d0"), ("c", "d9")], title="t", per_layer=4)
    assert "+6 more" in svg
    assert svg.count("<line") == 1  # the edge to a node left out is not drawn


def test_names_are_escaped_and_the_svg_is_well_formed() -> None:
    nodes = [
        GraphNode("c", 'a<b>&"c"', 0),
        GraphNode("d", "<script>x</script>", 1, "/ui/assets/d?x=1&y=<2>", 'env & "team"'),
    ]
    svg = charts.lineage_svg(nodes, [("c", "d")], title="Lineage of <a & b>")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "a&lt;b&gt;&amp;&quot;c&quot;" in svg
    assert 'href="/ui/assets/d?x=1&amp;y=&lt;2&gt;"' in svg
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "style" not in svg
    run = charts.pass_rate_svg([RunPoint("<now>", 0.5, False)], title="runs of <x>")
    ET.fromstring(run)
    assert "&lt;now&gt;" in run
    assert "runs of &lt;x&gt;" in run


def test_empty_inputs_draw_nothing() -> None:
    assert charts.layout([]).placed == {}
    assert charts.lineage_svg([], [], title="x") == ""
    assert charts.pass_rate_svg([], title="x") == ""


def test_the_pass_rate_chart_has_a_title_a_description_and_a_bar_per_run() -> None:
    points = [RunPoint("day 1", 1.0, True), RunPoint("day 2", 0.25, False),
              RunPoint("day 3", None, True)]  # fmt: skip
    svg = charts.pass_rate_svg(points, title="Pass rate")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.find(f"{ns}title") is not None
    assert root.find(f"{ns}desc") is not None
    assert len(root.findall(f"{ns}rect")) == 3
    assert "3 runs from day 1 to day 3; 1 failed" in svg
    assert charts.BAD in svg
    assert charts.OK in svg
    assert "no checks ran" in svg
