"""`planner trace` as text: the graph as trees whose every branch names its relation.

Edges point from an item to what it relies on (`objective O1 -serves-> goal G1`). A branch shows
the edge as seen from the line above it: `serves →  goal G1` under O1 (O1 serves G1), and
`← serves  objective O1` under G1 (O1 serves G1: the arrow points at the item relied on).

Without an item, the whole graph is a forest: goals first, then every item no earlier tree
reached, each tree following edges both ways, so objectives hang under their goals and metrics,
runs, risks and audits under the objectives. With an item, two trees: upstream (what it depends
on, following edges forward) and downstream (what depends on it, following them backward).

A node is expanded once; met again (another path, a cycle) it is shown with "(see above)", so
the output stays linear in the size of the graph. The walk keeps its own stack (no recursion), so
a chain of 10,000 dependencies prints instead of overflowing. Order is deterministic: children by
direction (forward first), relation, kind, id. Text passes `planner.text.inert` and credentials
are scrubbed; nothing is markup, so `[` or `*` in an id prints as itself.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from planner.assess.model import Assessment
from planner.project.graph import TraceGraph
from planner.project.items import collect_items
from planner.project.project import Project
from planner.text import inert, scrub_credentials

KIND_ORDER = (
    "goal",
    "objective",
    "baseline",
    "constraint",
    "risk",
    "audit",
    "limit",
    "evaluation",
    "dataset",
    "test",
    "threshold",
    "checklist",
    "checklist-item",
    "policy",
    "rule",
    "source",
    "metric",
    "run",
)
"""Which items start trees first, and the order of siblings of one relation; other kinds follow."""
TITLE_WIDTH = 60
"""Titles are cut to this many characters (statements can be paragraphs)."""
TITLE_KEYS = ("title", "statement", "question", "description")
"""Where an item the Assessment does not list (an audit, a dataset) keeps its title."""
SEE_ABOVE = "(see above)"
UNLINKED = "not linked to any other item"
LEGEND = "(A rel →  B: A relies on B;  ← rel  B: B relies on the item above it)"
MID, END, PIPE, GAP = "├── ", "└── ", "│   ", "    "


@dataclass(frozen=True)
class Place:
    """What a node line shows beside its kind and id."""

    title: str = ""
    file: str = ""
    line: int = 0


Child = tuple[str, str]
"""(relation phrase as seen from the parent, child node)."""


def places(project: Project, assessment: Assessment) -> dict[str, Place]:
    """Each item's title (from the Assessment) and where it is defined (file and line)."""
    titles = {status.id: status.title for status in assessment.items}
    found = {}
    for item in collect_items(project):
        line, _ = item.doc.document.position(item.path)
        title = titles.get(item.id) or next(
            (str(text) for name in TITLE_KEYS if (text := getattr(item.model, name, None))), ""
        )
        found[item.id] = Place(title, item.doc.document.file, line)
    return found


def _shown(text: object) -> str:
    return inert(scrub_credentials(text))


def node_text(graph: TraceGraph, node: str, place: dict[str, Place]) -> str:
    """`objective O1  Rank prospects...  (specs/objectives.yaml:25)`; evidence nodes, whose ids
    carry their kind (`metric:recall`), by their id alone."""
    kind = graph.kind(node)
    head = _shown(node) if node.startswith(f"{kind}:") else f"{_shown(kind)} {_shown(node)}"
    info = place.get(node, Place(file=graph.nodes[node].get("file", "")))
    title = " ".join(_shown(info.title).split())
    if len(title) > TITLE_WIDTH:
        title = title[: TITLE_WIDTH - 1] + "…"
    where = _shown(info.file) + (f":{info.line}" if info.file and info.line else "")
    return "  ".join(part for part in (head, title, f"({where})" if where else "") if part)


def _rank(graph: TraceGraph, node: str) -> tuple[int, str]:
    kind = graph.kind(node)
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), node)


class _Edges:
    """The graph's edges (each once) by source and by target, handed out as tree children."""

    def __init__(self, graph: TraceGraph):
        self.graph = graph
        self.forward: dict[str, set[tuple[str, str]]] = {}
        self.backward: dict[str, set[tuple[str, str]]] = {}
        for source, target, relation in set(graph.edges):
            self.forward.setdefault(source, set()).add((relation, target))
            self.backward.setdefault(target, set()).add((relation, source))
        self.shown: set[tuple[str, str, str]] = set()

    def _sorted(self, pairs: set[tuple[str, str]]) -> list[tuple[str, str]]:
        return sorted(pairs, key=lambda pair: (pair[0], *_rank(self.graph, pair[1])))

    def upstream(self, node: str) -> list[Child]:
        return [(f"{relation} →", target) for relation, target in self._sorted(self.forward.get(node, set()))]

    def downstream(self, node: str) -> list[Child]:
        return [(f"← {relation}", source) for relation, source in self._sorted(self.backward.get(node, set()))]

    def both(self, node: str) -> list[tuple[Child, tuple[str, str, str]]]:
        """Edges either way, each with its (source, target, relation)."""
        out = [((label, target), (node, target, label[:-2])) for label, target in self.upstream(node)]
        return out + [((label, source), (source, node, label[2:])) for label, source in self.downstream(node)]


def tree(root: str, children: Callable[[str], list[Child]], text: Callable[[str], str], seen: set[str]) -> list[str]:
    """Lines of the tree below `root` (not its own line); nodes in `seen` are not expanded again."""
    lines: list[str] = []
    seen.add(root)
    stack: list[tuple[list[Child], int, str]] = [(children(root), 0, "")]
    while stack:
        kids, index, prefix = stack.pop()
        if index == len(kids):
            continue
        stack.append((kids, index + 1, prefix))
        relation, child = kids[index]
        last = index == len(kids) - 1
        line = f"{prefix}{END if last else MID}{relation}  {text(child)}"
        if child in seen:
            lines.append(f"{line}  {SEE_ABOVE}")
            continue
        seen.add(child)
        lines.append(line)
        stack.append((children(child), 0, prefix + (GAP if last else PIPE)))
    return lines


def _roots(graph: TraceGraph) -> list[list[str]]:
    """Where trees start: every top goal at once (each item then hangs under its nearest goal),
    then each node in turn by kind and id (an item no earlier tree reached starts its own)."""
    below_goal = {s for s, t, _ in graph.edges if graph.kind(s) == "goal" and t in graph and graph.kind(t) == "goal"}
    goals = sorted(graph.of_kind("goal") - below_goal)
    return [goals, *([node] for node in sorted(graph.nodes, key=lambda node: _rank(graph, node)))]


def forest_text(graph: TraceGraph, place: dict[str, Place]) -> str:
    """The whole graph as trees: a breadth-first spanning forest (so an item sits at its shortest
    distance from a goal), every other edge shown once as a "(see above)" leaf under whichever of
    its two ends is printed later; so each node is expanded once and each edge appears once."""
    edges = _Edges(graph)
    children: dict[str, list[tuple[Child, bool]]] = {}
    tree_edges: set[tuple[str, str, str]] = set()
    roots: list[str] = []
    for group in _roots(graph):
        sources = [node for node in group if node not in children]
        roots += sources
        children.update((node, []) for node in sources)
        queue = deque(sources)
        while queue:
            node = queue.popleft()
            for child, key in edges.both(node):
                if child[1] not in children:
                    children[child[1]] = []
                    children[node].append((child, False))
                    tree_edges.add(key)
                    queue.append(child[1])
    order = {node: at for at, node in enumerate(_preorder(roots, children))}
    for node in order:  # the other edges, each under its end printed later, so always "above"
        for child, key in edges.both(node):
            if key not in tree_edges and order[node] >= order[child[1]]:
                tree_edges.add(key)
                children[node].append((child, True))
    text = lambda n: node_text(graph, n, place)  # noqa: E731 - one short closure
    blocks = ["\n".join([text(root), *_drawn(root, children, text)]) for root in roots if children[root]]
    alone = [root for root in roots if not children[root]]
    if alone:  # one list, not a tree each: a checklist's questions are often linked to nothing
        children[UNLINKED] = [(("", node), False) for node in alone]
        blocks.append("\n".join([f"{UNLINKED} ({len(alone)})", *_drawn(UNLINKED, children, text)]))
    return "\n\n".join([*blocks, LEGEND]) + "\n"


def _preorder(roots: list[str], children: dict[str, list[tuple[Child, bool]]]) -> list[str]:
    out, stack = [], list(reversed(roots))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(child[1] for child, _ in reversed(children[node]))
    return out


def _drawn(root: str, children: dict[str, list[tuple[Child, bool]]], text: Callable[[str], str]) -> list[str]:
    """The lines below `root` of a laid-out forest; a reference (True) is a "(see above)" leaf."""
    lines: list[str] = []
    stack: list[tuple[list[tuple[Child, bool]], int, str]] = [(children[root], 0, "")]
    while stack:
        kids, index, prefix = stack.pop()
        if index == len(kids):
            continue
        stack.append((kids, index + 1, prefix))
        (relation, child), reference = kids[index]
        last = index == len(kids) - 1
        line = f"{prefix}{END if last else MID}{f'{relation}  ' if relation else ''}{text(child)}"
        lines.append(f"{line}  {SEE_ABOVE}" if reference else line)
        if not reference:
            stack.append((children[child], 0, prefix + (GAP if last else PIPE)))
    return lines


def item_text(graph: TraceGraph, node: str, place: dict[str, Place]) -> str:
    """What `node` depends on (upstream) and what depends on it (downstream), as two trees."""
    edges = _Edges(graph)
    text = lambda n: node_text(graph, n, place)  # noqa: E731 - one short closure, used twice
    out = [text(node)]
    for name, children, what in (
        ("upstream", edges.upstream, "what it depends on"),
        ("downstream", edges.downstream, "what depends on it"),
    ):
        lines = tree(node, children, text, set())
        out += [f"{name}: {what}" if lines else f"{name}: none", *lines]
    return "\n".join([*out, LEGEND]) + "\n"
