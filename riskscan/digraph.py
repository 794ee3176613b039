"""A directed graph kept as networkx keeps one, without networkx: what `riskscan graph` exports.

Nodes and edges carry attribute dicts and keep networkx's orders (nodes as first added, an edge's
end added with it; each node's successors as added; predecessors in the order of the edges), and
adding what exists updates its attributes, so `to_networkx()` gives the DiGraph that adding the
same things to networkx directly would. Building one of 100,000 nodes and edges costs a fraction
of building the networkx graph (and of importing networkx): the export needs no more.
"""
from __future__ import annotations


class Digraph:
    def __init__(self):
        self.nodes: dict = {}  # node -> attributes, in the order nodes were added
        self.succ: dict = {}  # node -> {successor: attributes of the edge}
        self.order: list = []  # (source, target) of each edge as first added

    def add_node(self, node, /, **attributes) -> None:
        data = self.nodes.get(node)
        if data is None:
            self.nodes[node] = attributes
            self.succ[node] = {}
        else:
            data.update(attributes)

    def add_edge(self, source, target, /, **attributes) -> None:
        for end in (source, target):
            if end not in self.nodes:
                self.nodes[end] = {}
                self.succ[end] = {}
        data = self.succ[source].get(target)
        if data is None:
            self.succ[source][target] = attributes
            self.order.append((source, target))
        else:
            data.update(attributes)

    def edges(self):
        """(source, target, attributes) in networkx's order: by source node, then successor."""
        for source, targets in self.succ.items():
            for target, data in targets.items():
                yield source, target, data

    def to_networkx(self):
        import networkx as nx

        graph = nx.DiGraph()
        for node, data in self.nodes.items():
            graph.add_node(node, **data)
        for source, target in self.order:
            graph.add_edge(source, target, **self.succ[source][target])
        return graph

    @classmethod
    def of(cls, graph) -> "Digraph":
        """A Digraph as it is, or the Digraph of a networkx DiGraph (its node and edge orders kept)."""
        if isinstance(graph, cls):
            return graph
        light = cls()
        for node, data in graph.nodes(data=True):
            light.add_node(node, **data)
        for source, target, data in graph.edges(data=True):
            light.add_edge(source, target, **data)
        return light
