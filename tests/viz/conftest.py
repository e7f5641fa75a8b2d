"""Helpers for the viz tests: render a Digraph with the real ``dot`` and read the SVG back."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest

SVG = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass
class SvgGraph:
    """What a rendered picture shows: node texts and fill colours by node id, edges,
    the text on each edge (in the order of ``edges``) and the graph's caption."""

    texts: dict[str, list[str]] = field(default_factory=dict)
    fills: dict[str, str | None] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)
    edge_texts: list[list[str]] = field(default_factory=list)
    caption: list[str] = field(default_factory=list)
    root: ET.Element | None = None

    def nodes_showing(self, text: str) -> list[str]:
        return [node for node, texts in self.texts.items() if text in texts]

    def only_node_showing(self, text: str) -> str:
        found = self.nodes_showing(text)
        assert len(found) == 1, f"{text!r} shown by {found}"
        return found[0]


def _parse_svg(svg: bytes) -> SvgGraph:
    root = ET.fromstring(svg)
    graph = SvgGraph(root=root)
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if group.get("class") == "node":
            graph.texts[title.text] = [" ".join(t.text.split()) for t in group.iter(f"{SVG}text")]
            shape = next((s for s in group if s.tag in (f"{SVG}ellipse", f"{SVG}polygon")), None)
            graph.fills[title.text] = None if shape is None else shape.get("fill")
        elif group.get("class") == "edge":
            tail, head = title.text.split("->")
            graph.edges.append((tail, head))
            graph.edge_texts.append([" ".join(t.text.split()) for t in group.iter(f"{SVG}text")])
        elif group.get("class") == "graph":
            graph.caption = [" ".join(t.text.split()) for t in group.findall(f"{SVG}text")]
    return graph


@pytest.fixture
def parse_svg():
    """Read SVG bytes into an ``SvgGraph``."""
    return _parse_svg


@pytest.fixture
def render_svg():
    """Render a Digraph to SVG with the real dot program and parse it."""

    def render(dot) -> SvgGraph:
        return _parse_svg(dot.pipe(format="svg"))

    return render


@pytest.fixture
def png_size():
    """(width, height) of PNG bytes."""
    return _png_size


def _png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, read from its IHDR chunk; fails if it is no PNG."""
    assert data[:8] == PNG_MAGIC, data[:8]
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])
