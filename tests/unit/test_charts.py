"""The dashboard's charts: inline SVG drawn from plain numbers, readable without the picture."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils import translation

from scoring import charts
from scoring.charts import Bar, Bin

SVG = "{http://www.w3.org/2000/svg}"
HEADERS = ("Label", "Value")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def parsed(markup: str) -> ET.Element:
    """The figure as XML: the markup must be well formed, so a browser reads what we drew."""
    return ET.fromstring(str(markup))


def bars_of(figure: ET.Element) -> list[ET.Element]:
    return figure.findall(f".//{SVG}g[@class='bar']")


def rect_of(group: ET.Element) -> dict[str, float]:
    rect = group.find(f"{SVG}rect")
    return {key: float(rect.get(key)) for key in ("x", "width")}


def zero_line(figure: ET.Element) -> float:
    return float(figure.find(f".//{SVG}line[@class='zero']").get("x1"))


def hidden_table(figure: ET.Element) -> list[tuple[str, str]]:
    table = figure.find("table")
    assert table.get("class") == "visually-hidden"  # there for screen readers only
    return [
        (row.find("th").text, row.find("td").text)
        for row in table.iter("tr")
        if row.find("td") is not None
    ]


def bar_chart(values: dict[str, int], **extra) -> ET.Element:
    bars = [Bar(label, Decimal(value)) for label, value in values.items()]
    return parsed(
        charts.bar_chart(bars, title="Entries", description="By field", headers=HEADERS, **extra)
    )


def test_bar_lengths_are_proportional_to_the_values():
    figure = bar_chart({"Economy": 4, "Culture": 2, "Defence": 0})
    widths = [rect_of(group)["width"] for group in bars_of(figure)]
    assert widths[0] > 0
    assert widths[1] == pytest.approx(widths[0] / 2)
    assert widths[2] == 0


def test_bars_start_from_one_baseline():
    figure = bar_chart({"Economy": 4, "Culture": 2})
    assert len({rect_of(group)["x"] for group in bars_of(figure)}) == 1


def test_a_chart_names_itself_for_assistive_technology():
    figure = bar_chart({"Economy": 4}, ident="fields")
    svg = figure.find(f"{SVG}svg")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "fields-title fields-desc"
    assert svg.find(f"{SVG}title").text == "Entries"
    assert svg.find(f"{SVG}desc").text == "By field"


def test_every_bar_has_a_text_label_and_the_numbers_are_in_a_hidden_table():
    figure = bar_chart({"Economy": 4, "Culture": 2})
    texts = ["".join(group.itertext()) for group in bars_of(figure)]
    assert texts == ["Economy4", "Culture2"]
    assert hidden_table(figure) == [("Economy", "4"), ("Culture", "2")]


def test_labels_are_escaped():
    figure = bar_chart({'<script>alert("x")</script> & co': 1})
    markup = str(
        charts.bar_chart(
            [Bar('<script>alert("x")</script> & co', Decimal(1))],
            title="<b>T</b>",
            description="D",
            headers=HEADERS,
        )
    )
    assert "<script>" not in markup and "<b>" not in markup
    assert bars_of(figure)[0].get("data-label") == '<script>alert("x")</script> & co'


def test_a_long_label_is_shortened_with_its_whole_text_as_a_tooltip():
    name = "Đảng bộ cơ quan Sở Nội vụ thành phố Hà Nội và các đơn vị trực thuộc"
    label = bars_of(bar_chart({name: 1}))[0].find(f"{SVG}text[@class='label']")
    assert label.find(f"{SVG}title").text == name
    assert "".join(label.itertext()).endswith("…")


@pytest.mark.parametrize(
    "draw",
    [
        lambda: charts.bar_chart([], title="T", description="D", headers=HEADERS),
        lambda: charts.histogram([], title="T", description="D", headers=HEADERS),
        lambda: charts.deviation_chart([], title="T", description="D", headers=HEADERS),
    ],
)
def test_empty_data_gives_a_figure_that_says_so(draw):
    figure = parsed(draw())
    assert figure.get("data-chart") == "empty"
    assert "No data yet." in "".join(figure.itertext())
    assert figure.find(f".//{SVG}rect") is None
    assert "No data yet." in figure.find(f".//{SVG}desc").text


def deviation(values: dict[str, str]) -> ET.Element:
    bars = [Bar(label, Decimal(value)) for label, value in values.items()]
    return parsed(
        charts.deviation_chart(bars, title="Bias", description="D", headers=HEADERS, decimals=2)
    )


def test_negative_deviations_are_drawn_left_of_zero_and_positive_ones_right():
    figure = deviation({"Harsh": "-1.5", "Generous": "0.75", "Even": "0"})
    zero = zero_line(figure)
    harsh, generous, even = (rect_of(group) for group in bars_of(figure))
    assert harsh["x"] + harsh["width"] == pytest.approx(zero)
    assert harsh["width"] > 0
    assert generous["x"] == pytest.approx(zero)
    assert generous["width"] == pytest.approx(harsh["width"] / 2)
    assert even["width"] == 0


def test_deviations_are_written_with_their_sign():
    figure = deviation({"Harsh": "-1.5", "Generous": "0.75", "Even": "0"})
    assert hidden_table(figure) == [("Harsh", "−1.50"), ("Generous", "+0.75"), ("Even", "0.00")]


def test_numbers_use_a_decimal_comma_in_vietnamese():
    with translation.override("vi"):
        figure = deviation({"Giám khảo 1": "-1.25"})
        scores = parsed(
            charts.histogram(
                [Decimal("7.5"), Decimal("7.75"), Decimal("8.25"), Decimal("8.5")],
                title="T",
                description="D",
                headers=HEADERS,
            )
        )
    assert hidden_table(figure) == [("Giám khảo 1", "−1,25")]
    edges = [text.text for text in scores.findall(f".//{SVG}text[@class='edge']")]
    assert edges == ["7,5", "8,0", "8,5"]
    # Coordinates are SVG syntax, never localised.
    assert all("," not in rect.get("x") for rect in scores.iter(f"{SVG}rect"))


def test_scores_fall_into_round_bins_that_cover_them_all():
    values = [Decimal(v) for v in ("72.35", "75", "78.5", "81.2", "84", "91.2", "88", "79", "80")]
    bins = charts.score_bins(values)
    assert sum(item.count for item in bins) == len(values)
    assert bins[0].low <= min(values) and bins[-1].high >= max(values)
    # Nine scores: three bins, each a round ten points wide.
    assert [(item.low, item.high, item.count) for item in bins] == [
        (70, 80, 4),
        (80, 90, 4),
        (90, 100, 1),
    ]


def test_equal_scores_make_one_bin():
    assert charts.score_bins([Decimal("8.5")] * 3) == [Bin(Decimal("8.5"), Decimal("8.5"), 3)]


def test_histogram_bars_are_as_tall_as_their_counts():
    values = [Decimal(v) for v in ("1", "1.2", "1.4", "1.6", "2.5", "3.9")]
    figure = parsed(charts.histogram(values, title="T", description="D", headers=HEADERS))
    groups = figure.findall(f".//{SVG}g[@class='bin']")
    counts = [int(group.get("data-count")) for group in groups]
    heights = [float(group.find(f"{SVG}rect").get("height")) for group in groups]
    tallest = heights[counts.index(max(counts))]
    for count, height in zip(counts, heights, strict=True):
        assert height == pytest.approx(tallest * count / max(counts))
    assert sum(int(value) for _band, value in hidden_table(figure)) == len(values)
