"""The traceability graph: reachability, cycles, and its networkx view agree."""

import networkx as nx

from helpers import EXAMPLES
from planner import load as load_project


def test_plain_reachability_matches_networkx():
    for example in EXAMPLES:
        graph = load_project(example).graph
        for node in graph.nodes:
            assert graph.upstream(node) == nx.descendants(graph.nx, node)
            assert graph.downstream(node) == nx.ancestors(graph.nx, node)


def test_cycles_match_networkx_simple_cycles(tmp_path):
    from planner.project.graph import TraceGraph

    graph = TraceGraph([], [])
    graph.nodes = {n: {"kind": "objective"} for n in "ABCDE"}
    graph.edges = [
        ("A", "B", "depends-on"),
        ("B", "C", "depends-on"),
        ("C", "A", "depends-on"),
        ("D", "E", "depends-on"),
        ("E", "D", "depends-on"),
        ("A", "D", "links"),
    ]
    expected = nx.DiGraph([(s, t) for s, t, r in graph.edges if r == "depends-on"])
    found = graph.find_cycles({"depends-on"})
    assert found == [["A", "B", "C"], ["D", "E"]]
    assert sorted(map(sorted, nx.simple_cycles(expected))) == sorted(map(sorted, found))
