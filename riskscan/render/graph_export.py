"""`riskscan graph`: the module/function/vendor graph as DOT, GraphML or JSON (node-link).

networkx is imported where it is used: a scan that exports no graph does not load it.
"""
from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

GRAPH_FORMATS = ("dot", "graphml", "json")


def node_id(node: tuple) -> str:
    return ":".join(str(part) for part in node)


def export_graph(graph: nx.DiGraph, shown=str) -> nx.DiGraph:
    """A copy with string ids and scalar attributes, which every exchange format can hold;
    `shown` spells each string (GraphML has no escape for a newline in a file name of its own)."""
    import networkx as nx

    out = nx.DiGraph()
    for node, data in sorted(graph.nodes(data=True), key=lambda item: node_id(item[0])):
        label = node[-1] if node[0] != "entry" else data.get("name", node[-1])
        out.add_node(shown(node_id(node)), type=node[0], label=shown(str(label)),
                     **{k: _scalar(v, shown) for k, v in data.items() if k != "kind"})
    for source, target, data in sorted(graph.edges(data=True), key=lambda e: (node_id(e[0]), node_id(e[1]))):
        out.add_edge(shown(node_id(source)), shown(node_id(target)), **{k: _scalar(v, shown) for k, v in data.items()})
    return out


def _scalar(value, shown=str):
    if isinstance(value, (list, tuple, set, frozenset)):
        return shown(", ".join(sorted(str(v) for v in value)))
    if isinstance(value, str):
        return shown(value)
    return value if isinstance(value, (int, float, bool)) else shown(str(value))


def _visible(text: str) -> str:
    """Control characters as escapes, backslashes doubled first, so two names never print alike."""
    from ..escape import printable

    return printable(text.replace("\\", "\\\\"))


def render_graph(graph: nx.DiGraph, fmt: str) -> str:
    from ..escape import safe_document

    return safe_document(_render_graph(graph, fmt))  # names come from the scanned tree


def _render_graph(graph: nx.DiGraph, fmt: str) -> str:
    import networkx as nx

    exported = export_graph(graph, _visible if fmt == "graphml" else str)
    if fmt == "json":
        try:
            data = nx.node_link_data(exported, edges="links")
        except TypeError:  # networkx < 3.4 names them "links" already
            data = nx.node_link_data(exported)
        return json.dumps(data, indent=2, sort_keys=True) + "\n"
    if fmt == "graphml":
        buffer = io.BytesIO()
        nx.write_graphml(exported, buffer)
        return buffer.getvalue().decode("utf-8")
    return _dot(exported)


_SHAPES = {"module": "folder", "function": "box", "vendor": "doubleoctagon", "entry": "cds"}


def _dot(graph: nx.DiGraph) -> str:
    lines = ["digraph riskscan {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    for node, data in graph.nodes(data=True):
        shape = _SHAPES.get(data.get("type"), "ellipse")
        lines.append(f"  {_quote(node)} [label={_quote(data.get('label', node))}, shape={shape}];")
    for source, target, data in graph.edges(data=True):
        style = ", style=dashed" if data.get("kind") in ("imports", "calls_unresolved") else ""
        lines.append(f"  {_quote(source)} -> {_quote(target)} [label={_quote(data.get('kind', ''))}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quote(text) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
