"""`riskscan graph`: the module/function/vendor graph as DOT, GraphML or JSON (node-link).

The graph is a Digraph (digraph.py) and each format is written from it directly, as networkx
writes it (`node_link_data` dumped by `json`, `write_graphml`), byte for byte (the tests compare
the two): building a networkx graph of 100,000 nodes and edges to export it, and networkx's own
writers, cost more than the rest of an export. A networkx DiGraph is read too (the API's
`RepoGraph.graph`).
"""
from __future__ import annotations

from typing import Optional

from ..digraph import Digraph
from ..escape import indented_json

GRAPH_FORMATS = ("dot", "graphml", "json")
COLLAPSE = ("module", "package")
_EDGE_ORDER = ("runs", "calls", "calls_unresolved", "touches", "imports", "defines")  # the first one names a merged edge


def node_id(node: tuple) -> str:
    return ":".join(str(part) for part in node)


def export_graph(graph, shown=str) -> Digraph:
    """A copy with string ids and scalar attributes, which every exchange format can hold, nodes
    and edges sorted by id; `shown` spells each string (GraphML has no escape for a newline in a
    file name of its own)."""
    graph = Digraph.of(graph)
    ids = {node: node_id(node) for node in graph.nodes}
    named = {node: shown(text) for node, text in ids.items()}
    out = Digraph()
    for node in sorted(graph.nodes, key=ids.__getitem__):
        data = graph.nodes[node]
        label = node[-1] if node[0] != "entry" else data.get("name", node[-1])
        out.add_node(named[node], type=node[0], label=shown(str(label)),
                     **{k: _scalar(v, shown) for k, v in data.items() if k != "kind"})
    for source, target, data in sorted(graph.edges(), key=lambda e: (ids[e[0]], ids[e[1]])):
        out.add_edge(named[source], named[target], **{k: _scalar(v, shown) for k, v in data.items()})
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


def render_graph(graph, fmt: str, collapse: Optional[str] = None) -> str:
    """The graph (a Digraph or a networkx DiGraph) in `fmt`; `collapse` ("module" or "package")
    merges functions into their module, or modules into their package, for a graph a person can read."""
    from ..escape import safe_document

    graph = Digraph.of(graph)
    graph = collapsed(graph, collapse) if collapse else graph
    return safe_document(_render_graph(graph, fmt))  # names come from the scanned tree


def collapsed(graph, level: str) -> Digraph:
    """Functions become their module ("module"), and modules their package ("package": the module
    itself for a package's `__init__`, else its parent; a top-level module stays itself). Edges
    between merged nodes become one edge that counts them and is named by its strongest kind
    (runs, calls, unresolved calls, touches, imports); edges inside one merged node go."""
    graph = Digraph.of(graph)
    owner = _owners(graph, level)
    out = Digraph()
    for node in graph.nodes:
        target = owner[node]
        if target not in out.nodes:
            out.add_node(target, **(dict(graph.nodes[target]) if target in graph.nodes else {"kind": target[0]}))
    for source, target, data in graph.edges():
        source, target = owner[source], owner[target]
        if source == target:
            continue
        merged = out.succ[source].get(target)
        if merged is None:
            out.add_edge(source, target, kind=data.get("kind", ""), count=1, **_evidence(data))
            continue
        merged["count"] += 1
        if _rank(data.get("kind", "")) < _rank(merged["kind"]):
            merged["kind"] = data["kind"]
        if "evidence" in data:
            merged["evidence"] = sorted(set(merged.get("evidence", ())) | set(data["evidence"]))
    return out


def _owners(graph: Digraph, level: str) -> dict:
    """Node -> the node it merges into."""
    packages = {}
    for node, data in graph.nodes.items():
        if node[0] == "module":
            name, path = node[1], str(data.get("path", ""))
            packages[name] = name if path.endswith("__init__.py") or "." not in name else name.rpartition(".")[0]
    owners = {}
    for node in graph.nodes:
        module = node[1] if node[0] in ("module", "function") else None
        if module is None:
            owners[node] = node
        elif level == "module":
            owners[node] = ("module", module)
        else:
            owners[node] = ("package", packages.get(module, module))
    return owners


def _rank(kind: str) -> int:
    return _EDGE_ORDER.index(kind) if kind in _EDGE_ORDER else len(_EDGE_ORDER)


def _evidence(data: dict) -> dict:
    return {"evidence": sorted(set(data["evidence"]))} if "evidence" in data else {}


def _render_graph(graph: Digraph, fmt: str) -> str:
    exported = export_graph(graph, _visible if fmt == "graphml" else str)
    if fmt == "json":
        return _node_link(exported)
    if fmt == "graphml":
        return _graphml(exported)
    return _dot(exported)


# ---------------------------------------------------------------------- DOT
_SHAPES = {"package": "tab", "module": "folder", "function": "box", "vendor": "doubleoctagon", "entry": "cds"}


def _dot(graph: Digraph) -> str:
    lines = ["digraph riskscan {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    for node, data in graph.nodes.items():
        shape = _SHAPES.get(data.get("type"), "ellipse")
        lines.append(f"  {_quote(node)} [label={_quote(data.get('label', node))}, shape={shape}];")
    for source, target, data in graph.edges():
        style = ", style=dashed" if data.get("kind") in ("imports", "calls_unresolved") else ""
        lines.append(f"  {_quote(source)} -> {_quote(target)} [label={_quote(data.get('kind', ''))}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quote(text) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# ---------------------------------------------------------------------- JSON (node-link)
def _node_link(graph: Digraph) -> str:
    """`json.dumps(networkx.node_link_data(graph, edges="links"), indent=2, sort_keys=True)`: an
    attribute named like a node-link field gives way to it, as there."""
    document = {
        "directed": True, "multigraph": False, "graph": {},
        "nodes": [{**data, "id": node} for node, data in graph.nodes.items()],
        "links": [{**data, "source": source, "target": target} for source, target, data in graph.edges()],
    }
    return indented_json(document, sort_keys=True, ensure_ascii=True) + "\n"


# ---------------------------------------------------------------------- GraphML
_GRAPHML_ROOT = ('<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">')
_XML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}  # networkx's names for the types export_graph leaves


def _graphml(graph: Digraph) -> str:
    """`networkx.write_graphml` (its ElementTree writer, pretty-printed): a key per attribute
    name, type and scope numbered as first met (nodes, then edges) and listed newest first, an
    element without data written empty, text and attribute values escaped as ElementTree does."""
    keys: dict = {}
    body = [_element("node", {"id": node}, data, "node", keys) for node, data in graph.nodes.items()]
    body += [_element("edge", {"source": source, "target": target}, data, "edge", keys) for source, target, data in graph.edges()]
    lines = ["<?xml version='1.0' encoding='utf-8'?>", _GRAPHML_ROOT]
    lines += [f'  <key id="{key}" for="{scope}" attr.name="{_attribute(name)}" attr.type="{kind}" />'
              for (name, kind, scope), key in reversed(list(keys.items()))]
    lines += ['  <graph edgedefault="directed">', *body, "  </graph>"] if body else ['  <graph edgedefault="directed" />']
    return "\n".join(lines) + "\n</graphml>\n"


def _element(tag: str, attributes: dict, data: dict, scope: str, keys: dict) -> str:
    opening = f"    <{tag} " + " ".join(f'{name}="{_attribute(value)}"' for name, value in attributes.items())
    if not data:
        return opening + " />"
    rows = [opening + ">"]
    for name, value in data.items():
        kind = (str(name), _XML_TYPES[type(value)], scope)
        key = keys.setdefault(kind, f"d{len(keys)}")
        text = str(value)
        rows.append(f'      <data key="{key}">{_text(text)}</data>' if text else f'      <data key="{key}" />')
    rows.append(f"    </{tag}>")
    return "\n".join(rows)


def _text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(text: str) -> str:
    return (_text(text).replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;"))
