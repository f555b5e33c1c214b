"""The traceability graph: items as nodes, references as edges (referrer -> referenced).

A small domain class around `networkx.DiGraph`, in the manner of dbt's graph: the rest of planner
asks it questions (what is upstream, what is downstream, which cycles) instead of walking specs.
"""

from __future__ import annotations

import networkx as nx

from .items import ItemRef, Reference


class TraceGraph:
    def __init__(self, items: list[ItemRef], references: list[Reference]):
        self.graph = nx.DiGraph()
        for item in items:
            self.graph.add_node(item.id, kind=item.kind, file=item.doc.document.file)
        for ref in references:
            if ref.source is not None and ref.target in self.graph:
                self.graph.add_edge(ref.source, ref.target, relation=ref.relation)

    def __contains__(self, node_id: str) -> bool:
        return node_id in self.graph

    def kind(self, node_id: str) -> str:
        return self.graph.nodes[node_id]["kind"]

    def upstream(self, node_id: str) -> set[str]:
        """Everything `node_id` depends on (what it refers to, transitively)."""
        return nx.descendants(self.graph, node_id)

    def downstream(self, node_id: str) -> set[str]:
        """Everything that depends on `node_id`."""
        return nx.ancestors(self.graph, node_id)

    def referrers(self, node_id: str, relation: str) -> list[str]:
        return [src for src, _, rel in self.graph.in_edges(node_id, data="relation") if rel == relation]

    def find_cycles(self, relations: set[str]) -> list[list[str]]:
        """Cycles among edges of the given relations (those where order matters)."""
        sub = nx.DiGraph((a, b) for a, b, rel in self.graph.edges(data="relation") if rel in relations)
        cycles = (cycle for cycle in nx.simple_cycles(sub))
        return sorted(cycle[cycle.index(min(cycle)):] + cycle[:cycle.index(min(cycle))] for cycle in cycles)


def format_cycle(cycle: list[str]) -> str:
    return " --> ".join(cycle + cycle[:1])
