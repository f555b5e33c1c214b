"""Traceability with evidence: the spec graph plus metric and run nodes, queries and exports.

Chain: goal <- objective -> metric -> run (the candidate run that measured it); constraint ->
metric; limit -> audit; risk -> what it links. Edges point from an item to what it relies on.
"""

from __future__ import annotations

import io
import json

from planner.assess.model import Assessment
from planner.project.graph import TraceGraph


def with_evidence(graph: TraceGraph, assessment: Assessment) -> TraceGraph:
    """A copy of the project's graph with `metric:NAME` and `run:ID` nodes added from the Assessment;
    the project's own graph is left as validation built it."""
    graph = graph.copy()
    run_id = assessment.candidate.run_id if assessment.candidate else None
    for item in assessment.items:
        metric = getattr(item.detail, "metric", None) or getattr(item.detail, "kpi", None)
        if metric:
            graph.add_edge(item.id, f"metric:{metric}", "measured-by", "metric")
            if item.value is not None and run_id:
                graph.add_edge(f"metric:{metric}", f"run:{run_id}", "evidenced-by", "run")
    return graph


def trace(graph: TraceGraph, node_id: str) -> dict:
    """What `node_id` relies on (upstream) and what relies on it (downstream), with kinds."""

    def listed(ids):
        return [{"id": n, "kind": graph.kind(n)} for n in sorted(ids)]

    return {
        "id": node_id,
        "kind": graph.kind(node_id),
        "upstream": listed(graph.upstream(node_id)),
        "downstream": listed(graph.downstream(node_id)),
    }


def subgraph(graph: TraceGraph, node_id: str | None):
    nodes = graph.nx.nodes if node_id is None else {node_id} | graph.upstream(node_id) | graph.downstream(node_id)
    return graph.nx.subgraph(nodes)


def to_dot(graph: TraceGraph, node_id: str | None = None) -> str:
    sub = subgraph(graph, node_id)
    lines = ["digraph trace {", "  rankdir=LR;"]
    for node, data in sorted(sub.nodes(data=True)):
        style = ', style="bold"' if node == node_id else ""
        label = json.dumps(node + "\n" + data["kind"])
        lines.append(f"  {json.dumps(node)} [label={label}{style}];")
    for source, target, relation in sorted(sub.edges(data="relation")):
        lines.append(f"  {json.dumps(source)} -> {json.dumps(target)} [label={json.dumps(relation)}];")
    return "\n".join([*lines, "}"]) + "\n"


def to_graphml(graph: TraceGraph, node_id: str | None = None) -> str:
    import networkx

    buffer = io.BytesIO()
    networkx.write_graphml(subgraph(graph, node_id), buffer)
    return buffer.getvalue().decode()


def to_json(graph: TraceGraph, node_id: str | None = None) -> dict:
    import networkx

    return networkx.node_link_data(subgraph(graph, node_id), edges="edges")
