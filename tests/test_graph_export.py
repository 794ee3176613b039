"""`riskscan graph` writes each format as networkx's own writers would, without building a networkx graph.

The reference below is the export as it was written on networkx (a networkx DiGraph copied with
string ids, merged for --collapse, then `node_link_data` + `json.dumps`, `write_graphml`, DOT):
generated graphs with hostile names must come out byte for byte the same.
"""
from __future__ import annotations

import io
import json

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscan.digraph import Digraph
from riskscan.escape import safe_document
from riskscan.render.graph_export import COLLAPSE, GRAPH_FORMATS, _dot, _rank, _scalar, _visible, node_id, render_graph

NAMES = st.text(alphabet=st.sampled_from(list("ab.:_ \"'\\<>&\n\t\r=;/é\u202e\x1b-")), min_size=1, max_size=8)
KINDS = ("module", "function", "vendor", "entry")
VALUES = st.one_of(NAMES, st.integers(-3, 3), st.booleans())
# the attributes the graph carries, each of its own type, and names that clash with the formats' own fields
ATTRIBUTES = st.fixed_dictionaries({}, optional={
    "kind": st.sampled_from(["defines", "imports", "calls", "calls_unresolved", "touches", "runs", "module", "odd"]),
    "evidence": st.lists(NAMES, max_size=3), "line": st.integers(0, 9), "type_only": st.booleans(),
    "path": NAMES, "name": NAMES, "target": NAMES, "id": VALUES, "source": VALUES})


@st.composite
def graphs(draw):
    """A few modules with functions, vendors and entries, edges between any of them, odd names and attributes."""
    modules = draw(st.lists(NAMES, min_size=1, max_size=4))
    nodes = [("module", m) for m in modules] + [("function", m, q) for m in modules for q in draw(st.lists(NAMES, max_size=2))]
    nodes += [("vendor", v) for v in draw(st.lists(NAMES, max_size=2))] + [("entry", e) for e in draw(st.lists(NAMES, max_size=2))]
    calls = []
    for node in nodes:
        calls.append(("node", node, draw(ATTRIBUTES)))
    for _ in range(draw(st.integers(0, 12))):
        calls.append(("edge", draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes)), draw(ATTRIBUTES)))
    return calls


def build(calls, graph):
    for call in calls:
        if call[0] == "node":
            graph.add_node(call[1], **call[2])
        else:
            graph.add_edge(call[1], call[2], **call[3])
    return graph


def reference(graph: nx.DiGraph, fmt: str, collapse=None) -> str:
    """The export as written on networkx before the Digraph."""
    graph = reference_collapsed(graph, collapse) if collapse else graph
    shown = _visible if fmt == "graphml" else str
    out = nx.DiGraph()
    for node, data in sorted(graph.nodes(data=True), key=lambda item: node_id(item[0])):
        label = node[-1] if node[0] != "entry" else data.get("name", node[-1])
        out.add_node(shown(node_id(node)), type=node[0], label=shown(str(label)),
                     **{k: _scalar(v, shown) for k, v in data.items() if k != "kind"})
    for source, target, data in sorted(graph.edges(data=True), key=lambda e: (node_id(e[0]), node_id(e[1]))):
        out.add_edge(shown(node_id(source)), shown(node_id(target)), **{k: _scalar(v, shown) for k, v in data.items()})
    if fmt == "json":
        text = json.dumps(nx.node_link_data(out, edges="links"), indent=2, sort_keys=True) + "\n"
    elif fmt == "graphml":
        buffer = io.BytesIO()
        nx.write_graphml(out, buffer)
        text = buffer.getvalue().decode("utf-8")
    else:
        text = _dot(Digraph.of(out))
    return safe_document(text)


def reference_collapsed(graph: nx.DiGraph, level: str) -> nx.DiGraph:
    packages = {n[1]: n[1] if str(d.get("path", "")).endswith("__init__.py") or "." not in n[1] else n[1].rpartition(".")[0]
                for n, d in graph.nodes(data=True) if n[0] == "module"}
    owner = {n: n if n[0] not in ("module", "function") else ("module", n[1]) if level == "module"
             else ("package", packages.get(n[1], n[1])) for n in graph}
    out = nx.DiGraph()
    for node in graph:
        if owner[node] not in out:
            out.add_node(owner[node], **(dict(graph.nodes[owner[node]]) if owner[node] in graph else {"kind": owner[node][0]}))
    for source, target, data in graph.edges(data=True):
        source, target = owner[source], owner[target]
        if source == target:
            continue
        merged = out.get_edge_data(source, target)
        if merged is None:
            out.add_edge(source, target, kind=data.get("kind", ""), count=1,
                         **({"evidence": sorted(set(data["evidence"]))} if "evidence" in data else {}))
            continue
        merged["count"] += 1
        if _rank(data.get("kind", "")) < _rank(merged["kind"]):
            merged["kind"] = data["kind"]
        if "evidence" in data:
            merged["evidence"] = sorted(set(merged.get("evidence", ())) | set(data["evidence"]))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.sampled_from(GRAPH_FORMATS), st.sampled_from((None,) + COLLAPSE))
def test_every_format_is_written_as_networkx_writes_it(calls, fmt, collapse):
    light, heavy = build(calls, Digraph()), build(calls, nx.DiGraph())
    expected = reference(heavy, fmt, collapse)
    assert render_graph(light, fmt, collapse) == expected
    assert render_graph(heavy, fmt, collapse) == expected  # a networkx graph (RepoGraph.graph) is read as well


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_a_digraph_becomes_the_networkx_graph_the_same_additions_make(calls):
    made, direct = build(calls, Digraph()).to_networkx(), build(calls, nx.DiGraph())
    assert list(made.nodes(data=True)) == list(direct.nodes(data=True))
    assert list(made.edges(data=True)) == list(direct.edges(data=True))
    assert [list(made.predecessors(n)) for n in made] == [list(direct.predecessors(n)) for n in direct]
