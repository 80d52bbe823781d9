"""charts.py: every chart is valid, self-contained, accessible SVG that states its data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from quizlib.results import charts
from quizlib.results.report import ALL, ItemRow, RateRow, ScoreBin

SVG = "{http://www.w3.org/2000/svg}"


def bins(counts, quiz="q"):
    width = 100 / len(counts)
    total = sum(counts)
    return [
        ScoreBin(quiz, ALL, i * width, (i + 1) * width, c, c / total if total else None) for i, c in enumerate(counts)
    ]


def rate(cohort, name, module, learners, completed, passed, title=None):
    return RateRow(
        cohort,
        name,
        module,
        title or module,
        learners,
        completed,
        completed,
        passed,
        0,
        completed / learners,
        passed / learners,
    )


def drawn_texts(root) -> list[str]:
    """What each <text> of a chart shows: its lines (tspans) joined by spaces."""
    return [" ".join(span.text for span in t.iter(f"{SVG}tspan")) or (t.text or "") for t in root.iter(f"{SVG}text")]


def item(question, facility, discrimination, flags=(), n=40):
    return ItemRow("quiz", question, "single_choice", "", n, 1.0, facility, facility, 0.4, discrimination, tuple(flags))


def sample_charts():
    return {
        "histogram": charts.histogram(bins([0, 1, 3, 7, 2]), title="Scores <quiz & co>"),
        "rate_bars": charts.rate_bars(
            [
                rate(ALL, ALL, "chapters/02-sensitivity", 4, 3, 2, "Why sensitivity matters"),
                rate("c1", "Cardiff <2026>", ALL, 10, 5, 1),
            ],
            title="Rates",
        ),
        "scatter": charts.item_scatter(
            [
                item("fine", 0.6, 45),
                item("wrong-key", 0.3, -20, ["negative-discrimination"]),
                item("rare", 0.5, 80, ["few-responses"], n=5),
                item("constant", 1.0, None, ["very-easy"]),
            ],
            title="Items",
        ),
    }


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return root


@pytest.mark.parametrize("name", ["histogram", "rate_bars", "scatter"])
def test_each_chart_is_valid_accessible_svg(name):
    svg = sample_charts()[name]
    root = parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.get("id") == title_id and title.text
    assert desc is not None and desc.get("id") == desc_id and len(desc.text) > 20
    # The title is also drawn, so sighted users read the same words.
    assert title.text in drawn_texts(root)
    assert root.get("viewBox") and root.get("width") and root.get("height")


@pytest.mark.parametrize("name", ["histogram", "rate_bars", "scatter"])
def test_charts_are_self_contained(name):
    svg = sample_charts()[name]
    root = parse(svg)
    tags = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert not tags & {"script", "style", "image", "foreignObject", "use", "a"}
    # No reference to anything outside the chart: no links, no url(), no web fonts or event handlers.
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "url(" not in svg and "@import" not in svg and "@font-face" not in svg
    assert not any(attr.startswith("on") for el in root.iter() for attr in el.attrib)
    assert not any("href" in attr for el in root.iter() for attr in el.attrib)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str = "#FFFFFF") -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("name", ["histogram", "rate_bars", "scatter"])
def test_marks_and_text_have_enough_contrast_on_the_background(name):
    root = parse(sample_charts()[name])
    background = root.find(f"{SVG}rect").get("fill")
    assert background == charts.BACKGROUND
    for el in root.iter():
        tag = el.tag.removeprefix(SVG)
        fill = el.get("fill") or root.get("fill")
        if tag == "text":
            assert contrast(fill, background) >= 4.5, f"text in {fill}"
        elif tag in ("path", "circle") or (tag == "rect" and el.get("fill") != background):
            colour = el.get("stroke") if fill == background else fill
            assert contrast(colour, background) >= 3, f"{tag} in {colour}"  # WCAG 1.4.11, graphical objects


def test_palette_is_okabe_ito_and_series_differ_in_shape_too():
    # Blue and vermillion stay apart under protanopia, deuteranopia and tritanopia (Okabe and Ito, 2008).
    assert {charts.BLUE, charts.VERMILLION} == {"#0072B2", "#D55E00"}
    root = parse(sample_charts()["scatter"])
    flagged = [p for p in root.iter(f"{SVG}path") if p.find(f"{SVG}title") is not None]
    plain = [c for c in root.iter(f"{SVG}circle") if c.find(f"{SVG}title") is not None]
    assert len(flagged) == 1 and "wrong-key" in flagged[0].find(f"{SVG}title").text
    assert {c.get("fill") for c in plain} == {charts.BLUE, charts.BACKGROUND}  # filled, and hollow for "few"


def test_histogram_shows_each_count_and_bin_as_text():
    root = parse(charts.histogram(bins([0, 1, 3, 7, 2])))
    texts = drawn_texts(root)
    for count in ("0", "1", "3", "7", "2"):
        assert count in texts
    assert "60–80" in texts and "Score (%)" in texts
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.BLUE]
    heights = [float(b.get("height")) for b in bars]
    assert heights.index(max(heights)) == 3 and heights[0] == 0
    assert "60 to 80%: 7" in root.find(f"{SVG}desc").text


def test_rate_bars_label_values_and_counts():
    svg = sample_charts()["rate_bars"]
    root = parse(svg)
    texts = drawn_texts(root)
    assert "75% completed (3 of 4)" in texts and "50% passed (2 of 4)" in texts
    # Modules by their titles, never their paths; escaped in the source, plain once parsed.
    assert "Why sensitivity matters" in texts and "Cardiff <2026>" in texts
    assert not any("chapters/" in t for t in texts)
    assert "Cardiff &lt;2026&gt;" in svg
    widths = {
        r.find(f"{SVG}title").text: float(r.get("width"))
        for r in root.iter(f"{SVG}rect")
        if r.find(f"{SVG}title") is not None
    }
    full = next(w for t, w in widths.items() if "Why sensitivity matters: 75% completed" in t)
    half = next(w for t, w in widths.items() if "Why sensitivity matters: 50% passed" in t)
    assert full == pytest.approx(1.5 * half)


def test_scatter_places_points_and_names_the_unplottable():
    root = parse(sample_charts()["scatter"])
    desc = root.find(f"{SVG}desc").text
    assert "Scatter plot of 3 questions" in desc
    assert "Not plotted (no discrimination index): quiz constant" in desc
    labels = drawn_texts(root)
    assert "wrong-key" in labels and "fine" not in labels  # only flagged points carry a label
    circle = next(
        c
        for c in root.iter(f"{SVG}circle")
        if c.find(f"{SVG}title") is not None and "fine" in c.find(f"{SVG}title").text
    )
    # facility 0.6 -> 60% of the plot width from its left edge; discrimination 45 above the middle.
    assert float(circle.get("cx")) == pytest.approx(64 + 0.6 * (640 - 64 - 24), abs=0.1)
    assert float(circle.get("cy")) < 60 + (460 - 60 - 56) / 2


def test_empty_data_gives_a_valid_chart_that_says_so():
    for svg, message in (
        (charts.histogram([]), "No finished attempts yet."),
        (charts.rate_bars([RateRow("c", "C", "m", "M", 0, 0, 0, 0, 0, None, None)]), "No learners"),
        (charts.item_scatter([item("x", None, None)]), "No question"),
    ):
        root = parse(svg)
        assert root.get("role") == "img"
        assert message in root.find(f"{SVG}desc").text


def test_text_that_xml_cannot_hold_is_dropped_not_fatal():
    svg = charts.rate_bars([rate("c1", "Cardiff\x00\x1b group", ALL, 2, 1, 1)], title="Rates\x0b")
    root = parse(svg)
    assert "Cardiff group" in drawn_texts(root)


def test_charts_on_one_page_have_distinct_ids():
    a = charts.histogram(bins([1, 2]), title="A")
    b = charts.histogram(bins([2, 1]), title="A")
    ids = re.findall(r'id="([^"]+)"', a) + re.findall(r'id="([^"]+)"', b)
    assert len(ids) == len(set(ids)) == 4
    assert charts.histogram(bins([1, 2]), title="A") == a  # and the same data gives the same chart


def test_long_titles_and_labels_wrap_and_are_never_cut_short():
    long_title = "First attempts: Check your understanding: why sensitivity and attunement matter for babies"
    label = "North team — Jan 2027 · Check your understanding: why sensitivity and attunement matter"
    for svg in (
        charts.histogram(bins([1, 2, 3]), title=long_title),
        charts.rate_bars([rate("c1", "North team — Jan 2027", "m", 3, 2, 1)], title=long_title, label=lambda r: label),
    ):
        root = ET.fromstring(svg)
        texts = drawn_texts(root)
        assert long_title in texts and not any("…" in t for t in texts)
        width, height = (float(v) for v in root.get("viewBox").split()[2:])
        heading = next(t for t in root.iter(f"{SVG}text") if t.get("font-weight") == "bold")
        lines = [span.text for span in heading.iter(f"{SVG}tspan")]
        assert len(lines) >= 2 and all(len(line) * 10 <= width - 24 for line in lines)
        if "North team" in svg:
            assert label in texts
            assert float(root.get("height")) == height
