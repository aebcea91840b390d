"""Server-drawn SVG charts (reports.charts): well-formed, escaped, accessible, proportional."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils.safestring import SafeString
from django.utils.translation import override

from reports.charts import PALETTE, bar_chart, line_chart, nice_ticks, pie_chart

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = [f"{month}月" for month in range(1, 13)]


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own markup


def texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def bars(root: ET.Element) -> list[float]:
    """Widths of the bars (rects other than the white background and legend swatches)."""
    return [
        float(rect.get("width"))
        for rect in root.iter(f"{SVG}rect")
        if rect.get("fill") != "#ffffff" and rect.get("height") != "14"
    ]


def relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def assert_accessible(root: ET.Element) -> None:
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert "Noto Sans CJK SC" in root.get("font-family")


def assert_self_contained(markup: str) -> None:
    """Nothing the CSP would refuse or that loads from elsewhere."""
    assert "<script" not in markup
    assert "style=" not in markup
    assert not re.search(r"\son[a-z]+=", markup)
    assert "href" not in markup
    assert "url(" not in markup


def test_bar_chart_is_accessible_svg_with_proportional_bars():
    markup = bar_chart([("特困户", 10), ("困难户", 40), ("边缘户", 20)], title="类别", unit="户")

    assert isinstance(markup, SafeString)
    root = parse(markup)
    assert_accessible(root)
    assert_self_contained(markup)
    assert root.find(f"{SVG}title").text == "类别"
    assert root.find(f"{SVG}desc").text == "特困户: 10 户; 困难户: 40 户; 边缘户: 20 户"
    widths = bars(root)
    assert len(widths) == 3
    assert widths[1] == pytest.approx(4 * widths[0], rel=0.01)
    assert widths[2] == pytest.approx(2 * widths[0], rel=0.01)
    assert {"10 户", "40 户", "20 户"} <= set(texts(root))


def test_bar_chart_takes_decimals_and_formats_money():
    """Values keep the decimals they come with (at most two): money prints to the fen."""
    root = parse(
        bar_chart([("临时救助", Decimal("12345.60")), ("助学", 0)], title="金额", unit="元")
    )

    assert "12,345.60 元" in texts(root)
    assert "0 元" in texts(root)
    assert len(bars(root)) == 1  # a zero draws no bar, but keeps its label and value


def test_labels_stay_text():
    hostile = '<script>alert("x")</script>'
    for markup in (
        bar_chart([(hostile, 1)], title=hostile, unit="&"),
        pie_chart([(hostile, 1), ("b", 2)], title=hostile),
        line_chart([hostile], [(hostile, [1])], title=hostile, unit=hostile),
    ):
        assert "<script" not in markup
        assert_self_contained(markup)
        root = parse(markup)
        assert root.find(f"{SVG}title").text == hostile
        assert hostile in " ".join(texts(root)) or "…" in " ".join(texts(root))
        assert root.find(f"{SVG}desc").text.count(hostile) >= 1


@pytest.mark.parametrize(
    "markup",
    [
        lambda: bar_chart([], title="空"),
        lambda: pie_chart([], title="空"),
        lambda: pie_chart([("甲", 0), ("乙", Decimal("0.00"))], title="空"),
        lambda: line_chart([], [], title="空"),
        lambda: line_chart(MONTHS, [("甲", [None] * 12)], title="空"),
    ],
)
def test_empty_data_says_so(markup):
    with override("zh-hans"):
        root = parse(markup())
    assert_accessible(root)
    assert "无数据" in texts(root)
    assert bars(root) == []
    assert root.find(f"{SVG}path") is None


def test_bar_chart_with_a_maximum_draws_shares_of_it():
    """Percentages: 50 % of a 0–100 scale is half a bar, not the longest bar drawn full."""
    scaled = bars(parse(bar_chart([("甲", 25), ("乙", 50)], title="率", unit="%", maximum=100)))
    unscaled = bars(parse(bar_chart([("甲", 25), ("乙", 50)], title="率", unit="%")))
    over = bars(parse(bar_chart([("甲", 150)], title="率", unit="%", maximum=100)))
    full = bars(parse(bar_chart([("甲", 100)], title="率", unit="%", maximum=100)))

    assert scaled[1] == pytest.approx(unscaled[1] / 2, rel=0.01)
    assert scaled[0] == pytest.approx(scaled[1] / 2, rel=0.01)
    assert over == full  # drawn full length, its value written as it is


def test_all_zero_bars_keep_their_labels():
    root = parse(bar_chart([("甲", 0), ("乙", 0)], title="零"))

    assert bars(root) == []
    assert {"甲", "乙"} <= set(texts(root))
    assert texts(root).count("0") == 2


def test_pie_chart_shares_in_the_legend():
    markup = pie_chart([("甲", 1), ("乙", 3), ("丙", 0)], title="份额")
    root = parse(markup)

    assert_accessible(root)
    assert_self_contained(markup)
    assert len(root.findall(f"{SVG}path")) == 2  # the zero slice is only in the legend
    legend = texts(root)
    assert "甲 1 (25.0%)" in legend
    assert "乙 3 (75.0%)" in legend
    assert "丙 0 (0.0%)" in legend
    assert "乙: 3 (75.0%)" in root.find(f"{SVG}desc").text


def test_pie_chart_of_one_slice_is_a_full_circle():
    root = parse(pie_chart([("唯一", Decimal("5.50")), ("无", 0)], title="一片"))

    assert root.find(f"{SVG}path") is None
    circle = root.find(f"{SVG}circle")
    assert circle is not None and circle.get("r") == "80"
    assert "唯一 5.50 (100.0%)" in texts(root)


def test_line_chart_series_and_legend():
    markup = line_chart(
        MONTHS,
        [("临时救助", [100] * 12), ("助学", [0, 0, 0, 0, 0, 0, 0, 250, 180, 0, 0, 0])],
        title="每月发放",
        unit="元",
    )
    root = parse(markup)

    assert_accessible(root)
    assert_self_contained(markup)
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 2
    assert [line.get("stroke") for line in lines] == list(PALETTE[:2])
    assert {"临时救助", "助学"} <= set(texts(root))
    assert {"0", "100", "200", "300"} <= set(texts(root))  # round ticks up past the largest
    flat = [float(point.split(",")[1]) for point in lines[0].get("points").split()]
    assert len(set(flat)) == 1  # a constant series is a flat line
    assert "助学: 1月 0 元" in root.find(f"{SVG}desc").text


def test_line_chart_leaves_a_gap_for_missing_values():
    root = parse(line_chart(["1月", "2月", "3月", "4月"], [("甲", [1, 2, None, 4])], title="缺"))

    assert len(root.findall(f".//{SVG}polyline")) == 2


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 87, [0, 25, 50, 75, 100]),
        (0, Decimal("12345.6"), [0, 5000, 10000, 15000]),
        (0, 0, [0, 1, 2, 3, 4]),
        (0, Decimal("0.3"), [0, Decimal("0.1"), Decimal("0.2"), Decimal("0.3")]),
        (-3, 7, [-5, Decimal("-2.5"), 0, Decimal("2.5"), 5, Decimal("7.5")]),
    ],
)
def test_nice_ticks(low, high, expected):
    assert nice_ticks(low, high) == [Decimal(tick) for tick in expected]


def test_palette_contrast_against_white_is_at_least_three_to_one():
    for colour in PALETTE:
        contrast = 1.05 / (relative_luminance(colour) + 0.05)
        assert contrast >= 3, colour
    assert len(set(PALETTE)) == len(PALETTE)


def test_charts_on_one_page_have_distinct_ids():
    first = parse(bar_chart([("甲", 1)], title="一"))
    second = parse(bar_chart([("甲", 2)], title="一"))

    assert first.find(f"{SVG}title").get("id") != second.find(f"{SVG}title").get("id")
