"""Traceability with evidence: the spec graph plus metric and run nodes, queries and exports.

Chain: goal <- objective -> metric -> run (the candidate run that measured it); constraint ->
metric; limit -> audit; risk -> what it links. Edges point from an item to what it relies on.

Node ids hold user text (metric names from specs, run ids from tracking stores, which may carry
any character), and the exports go to terminals and XML parsers. So DOT and GraphML name every
node and attribute by `exported` text: no control characters (`planner.text.inert`) and nothing
XML 1.0 forbids (`planner.text.xml_safe`, lone surrogates included); two ids that become the same
text are told apart by a `~2`, `~3`... suffix. JSON needs no such care: `json.dumps` escapes
every control character (and, with `ensure_ascii`, every non-ASCII one).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from planner.assess.model import Assessment
from planner.project.graph import TraceGraph
from planner.text import inert, xml_safe


def with_evidence(graph: TraceGraph, assessment: Assessment) -> TraceGraph:
    """A copy of the project's graph with `metric:NAME` and `run:ID` nodes added from the Assessment;
    the project's own graph is left as validation built it."""
    graph = graph.copy()
    run_id = assessment.candidate.run_id if assessment.candidate else None
    for item in assessment.items:
        metric = item.detail.measured_metric
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


def exported(text: object) -> str:
    """Text an export may hold: control characters made spaces, XML-forbidden characters dropped."""
    return xml_safe(inert(text))


def exported_names(nodes: Iterable[str]) -> dict[str, str]:
    """Each node id -> its `exported` form, unique: a collision gets the first free `~N` suffix."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    ordered = sorted(nodes)
    clean = {node: exported(node) for node in ordered}
    taken.update(name for node, name in clean.items() if name == node)  # unchanged ids keep their name
    for node in ordered:
        name = clean[node]
        if name != node:
            suffix = 2
            while name in taken:
                name, suffix = f"{clean[node]}~{suffix}", suffix + 1
        names[node] = name
        taken.add(name)
    return names


def _dot_string(text: str) -> str:
    """A DOT quoted string. DOT unescapes only `\\"`; graphviz then reads backslash escapes in
    labels (`\\N`, `\\l`), so each backslash is doubled and shown as itself."""
    return '"' + exported(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: TraceGraph, node_id: str | None = None) -> str:
    sub = subgraph(graph, node_id)
    names = exported_names(sub.nodes)
    lines = ["digraph trace {", "  rankdir=LR;"]
    for node, data in sorted(sub.nodes(data=True)):
        style = ', style="bold"' if node == node_id else ""
        label = _dot_string(names[node])[:-1] + "\\n" + _dot_string(data["kind"])[1:]
        lines.append(f"  {_dot_string(names[node])} [label={label}{style}];")
    for source, target, relation in sorted(sub.edges(data="relation")):
        lines.append(f"  {_dot_string(names[source])} -> {_dot_string(names[target])} [label={_dot_string(relation)}];")
    return "\n".join([*lines, "}"]) + "\n"


def to_graphml(graph: TraceGraph, node_id: str | None = None) -> str:
    import networkx

    sub = subgraph(graph, node_id)
    names = exported_names(sub.nodes)
    safe: networkx.DiGraph = networkx.DiGraph()
    safe.add_nodes_from((names[node], _exported_data(data)) for node, data in sub.nodes(data=True))
    safe.add_edges_from((names[s], names[t], _exported_data(data)) for s, t, data in sub.edges(data=True))
    buffer = io.BytesIO()
    networkx.write_graphml(safe, buffer)
    return buffer.getvalue().decode()


def _exported_data(data: dict) -> dict:
    return {exported(key): exported(value) if isinstance(value, str) else value for key, value in data.items()}


def to_json(graph: TraceGraph, node_id: str | None = None) -> dict:
    import networkx

    return networkx.node_link_data(subgraph(graph, node_id), edges="edges")
