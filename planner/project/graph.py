"""The traceability graph: items as nodes, references as edges (referrer -> referenced).

A small domain class in the manner of dbt's graph: the rest of planner asks it questions (what is
upstream, what is downstream, which cycles) instead of walking specs. Validation needs only plain
adjacency (importing networkx costs a quarter of a second, most of `planner validate`'s run), so
the networkx view is built on first use, by the commands that query or export the graph.
"""

from __future__ import annotations

from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from typing import TYPE_CHECKING

from planner.project.items import ItemRef, Reference

if TYPE_CHECKING:
    import networkx


class TraceGraph:
    def __init__(self, items: list[ItemRef], references: list[Reference]):
        self.nodes = {item.id: {"kind": item.kind, "file": item.doc.document.file} for item in items}
        self.edges: list[tuple[str, str, str]] = []
        self._forward: dict[str, set[str]] = defaultdict(set)
        self._backward: dict[str, set[str]] = defaultdict(set)
        self._nx: networkx.DiGraph | None = None
        for ref in references:
            if ref.source is not None and ref.target in self.nodes:
                self.add_edge(ref.source, ref.target, ref.relation)

    def add_edge(self, source: str, target: str, relation: str, kind: str | None = None) -> None:
        """`source` relies on `target`; a new `target` node of `kind` is added when given."""
        if kind is not None:
            self.nodes.setdefault(target, {"kind": kind, "file": ""})
        self.edges.append((source, target, relation))
        self._forward[source].add(target)
        self._backward[target].add(source)
        self._nx = None

    def copy(self) -> TraceGraph:
        """An independent copy, for adding evidence nodes without changing the project's graph."""
        twin = TraceGraph([], [])
        twin.nodes = {node: dict(data) for node, data in self.nodes.items()}
        for source, target, relation in self.edges:
            twin.add_edge(source, target, relation)
        return twin

    def __contains__(self, node_id: str) -> bool:
        return node_id in self.nodes

    def kind(self, node_id: str) -> str:
        return self.nodes[node_id]["kind"]

    def of_kind(self, kind: str) -> set[str]:
        return {node for node, data in self.nodes.items() if data["kind"] == kind}

    def upstream(self, node_id: str) -> set[str]:
        """Everything `node_id` depends on (what it refers to, transitively)."""
        return _reach(self._forward, node_id)

    def downstream(self, node_id: str) -> set[str]:
        """Everything that depends on `node_id`."""
        return _reach(self._backward, node_id)

    def find_cycles(self, relations: set[str]) -> list[list[str]]:
        """Cycles among edges of the given relations (those where order matters), each starting at its smallest id."""
        graph: dict[str, set[str]] = defaultdict(set)
        for source, target, relation in self.edges:
            if relation in relations:
                graph[source].add(target)
        cycles: list[list[str]] = []
        while True:
            try:
                TopologicalSorter(graph).prepare()
                return sorted(cycles)
            except CycleError as exc:
                cycle = list(reversed(exc.args[1][:-1]))
                start = cycle.index(min(cycle))
                cycles.append(cycle[start:] + cycle[:start])
                graph[cycle[0]].discard(cycle[1 % len(cycle)])

    @property
    def nx(self) -> networkx.DiGraph:
        """The same graph as a `networkx.DiGraph`, for queries and exports."""
        if self._nx is None:
            import networkx

            self._nx = networkx.DiGraph()
            self._nx.add_nodes_from(self.nodes.items())
            self._nx.add_edges_from((s, t, {"relation": r}) for s, t, r in self.edges)
        return self._nx


def _reach(adjacency: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    frontier = [start]
    while frontier:
        for neighbour in adjacency.get(frontier.pop(), ()):
            if neighbour not in seen:
                seen.add(neighbour)
                frontier.append(neighbour)
    seen.discard(start)
    return seen


def format_cycle(cycle: list[str]) -> str:
    return " --> ".join(cycle + cycle[:1])
