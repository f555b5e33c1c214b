"""`planner trace` text: trees whose branches name their relation, each node expanded once."""

import json
import re
import shutil

import pytest

from helpers import EXAMPLES, REPO, run_cli, run_process
from planner.project.trace_text import LEGEND, SEE_ABOVE, UNLINKED

BRANCH = re.compile(r"^(?:[│ ]   )*(?:├── |└── )")
RELATION = re.compile(r"^(?:(?P<forward>\S+) →|← (?P<backward>\S+))  ")


def cli(capsys, *args):
    code, out, err = run_cli(capsys, "trace", *args)
    assert code == 0, out + err
    return out


def graph_of(capsys, root):
    data = json.loads(cli(capsys, str(root), "--format", "json"))
    edges = {(e["source"], e["target"], e["relation"]) for e in data["edges"]}
    return {n["id"]: n["kind"] for n in data["nodes"]}, edges


def node_of(text, kinds):
    """The node id a line's text names: `kind id  title  (file:line)` or `metric:NAME`."""
    head = text.split("  ", 1)[0].removesuffix(f"  {SEE_ABOVE}")
    kind, _, rest = head.partition(" ")
    node = rest if rest and kinds.get(rest) == kind else head
    assert node in kinds, (text, head)
    return node


def parsed(out, kinds):
    """(depth, relation, direction, node, reference) per branch line; roots with depth 0."""
    rows = []
    for line in out.splitlines():
        if not line or line in (LEGEND,) or line.startswith(UNLINKED) or line.startswith(("upstream:", "downstream:")):
            continue
        branch = BRANCH.match(line)
        depth = len(branch.group(0)) // 4 if branch else 0
        rest = line[branch.end() :] if branch else line
        relation = RELATION.match(rest)
        if relation:
            rest = rest[relation.end() :]
        direction = None if relation is None else ("forward" if relation["forward"] else "backward")
        name = None if relation is None else relation["forward"] or relation["backward"]
        rows.append((depth, name, direction, node_of(rest, kinds), line.endswith(SEE_ABOVE)))
    return rows


@pytest.mark.parametrize("root", EXAMPLES, ids=lambda p: p.name)
def test_every_node_is_expanded_once_and_every_edge_shown_once(capsys, root):
    kinds, edges = graph_of(capsys, root)
    out = cli(capsys, str(root))
    rows = parsed(out, kinds)
    expanded = [node for _, _, _, node, reference in rows if not reference]
    assert sorted(expanded) == sorted(kinds)  # every node, each once
    # rebuild each branch's edge from the node above it: the forest holds the graph's edges, once each
    shown, stack = [], []
    for depth, relation, direction, node, _ in rows:
        stack[depth:] = [node]
        if relation is None:
            continue
        parent = stack[depth - 1]
        shown.append((parent, node, relation) if direction == "forward" else (node, parent, relation))
    assert len(shown) == len(set(shown))
    assert set(shown) == edges
    assert {relation for _, _, relation in edges} <= {row[1] for row in rows}


def test_goals_start_the_forest_and_objectives_hang_under_them(capsys):
    root = REPO / "examples" / "adult-income"
    out = cli(capsys, str(root))
    assert out.startswith("goal G1  ")
    assert "\n├── ← serves  objective O1  Rank prospects" in out
    assert "\n└── ← serves  objective O2  " in out or "\n├── ← serves  objective O2  " in out
    assert "│   ├── measured-by →  metric:roc_auc\n│   │   └── evidenced-by →  run:" in out
    assert "\n\ngoal G2  Keep eligible prospects" in out
    assert out.splitlines()[0].endswith("examples/adult-income/specs/objectives.yaml:6)")
    assert out.rstrip().endswith(LEGEND)


@pytest.mark.parametrize(("root", "item"), [("adult-income", "O3"), ("german-credit", "O1"), ("adult-income", "A1")])
def test_an_items_trees_show_its_real_neighbours_by_relation(capsys, root, item):
    root = REPO / "examples" / root
    kinds, edges = graph_of(capsys, root)
    out = cli(capsys, str(root), item)
    upstream, _, downstream = out.partition("\ndownstream: ")
    rows_up, rows_down = parsed(upstream, kinds), parsed(downstream.partition("\n")[2], kinds)
    assert rows_up[0][3] == item and rows_up[0][0] == 0
    first_up = {(node, relation) for depth, relation, _, node, _ in rows_up if depth == 1}
    first_down = {(node, relation) for depth, relation, _, node, _ in rows_down if depth == 1}
    assert first_up == {(target, relation) for source, target, relation in edges if source == item}
    assert first_down == {(source, relation) for source, target, relation in edges if target == item}
    assert all(direction == "forward" for _, _, direction, _, _ in rows_up[1:])
    assert all(direction == "backward" for _, _, direction, _, _ in rows_down)
    for rows in (rows_up[1:], rows_down):  # each tree expands a node once, and a cycle ends in "(see above)"
        expanded = [node for _, _, _, node, reference in rows if not reference]
        assert len(expanded) == len(set(expanded))


def test_the_objective_tree_names_its_relations(capsys):
    out = cli(capsys, str(REPO / "examples" / "adult-income"), "O3")
    upstream, _, downstream = out.partition("downstream: ")
    for line in (
        "├── compared-with →  baseline B3  ",
        "├── depends-on →  objective O1  ",
        "├── measured-by →  metric:recall\n│   └── evidenced-by →  run:",
        "└── serves →  goal G2  ",
    ):
        assert line in upstream
    assert "← links  audit A1  Advice pre-screen" in downstream
    assert "← guards  test T4  " in downstream


def test_a_cycle_is_cut_with_see_above(capsys):
    """R5 links C6 and C6 links R5: each tree meets R5 again and marks it instead of looping."""
    out = cli(capsys, str(REPO / "examples" / "adult-income"), "R5")
    upstream, _, downstream = out.partition("downstream: ")
    assert "    └── links →  risk R5  Model used for credit or pricing decisions  (" in upstream
    assert upstream.count("risk R5  ") == 2 and upstream.count(SEE_ABOVE) == 1
    assert "← links  risk R5  Model used for credit or pricing decisions  (" in downstream
    assert f"risks.yaml:79)  {SEE_ABOVE}" in downstream


def test_an_item_with_nothing_upstream_says_none(capsys):
    out = cli(capsys, str(REPO / "examples" / "adult-income"), "D1.refresh")
    assert "\nupstream: none\n" in out


def test_brackets_and_markup_in_ids_print_literally(tmp_path, capsys):
    root = tmp_path / "p"
    shutil.copytree(REPO / "examples" / "adult-income", root, ignore=shutil.ignore_patterns("reports", ".planner*"))
    path = root / "specs" / "objectives.yaml"
    path.write_text(
        path.read_text().replace("{name: roc_auc, target: 0.90", "{name: 'roc_auc[bold]x[/bold]', target: 0.90")
    )
    out = cli(capsys, str(root))
    assert "measured-by →  metric:roc_auc[bold]x[/bold]\n" in out
    out = cli(capsys, str(root), "metric:roc_auc[bold]x[/bold]")
    assert out.startswith("metric:roc_auc[bold]x[/bold]\n")
    assert "← measured-by  objective O1  " in out


def test_a_narrow_terminal_gets_the_same_text_and_no_escapes(capsys):
    root = REPO / "examples" / "german-credit"
    wide = cli(capsys, str(root), "O1")
    result = run_process("trace", str(root), "O1", env={"COLUMNS": "30", "PATH": "/usr/bin:/bin", "TERM": "xterm"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == wide
    assert "\x1b" not in result.stdout


def test_other_formats_are_unchanged(capsys):
    root = str(REPO / "examples" / "adult-income")
    data = json.loads(cli(capsys, root, "--format", "json"))
    assert set(data) >= {"nodes", "edges"}
    item = json.loads(cli(capsys, root, "O3", "--format", "json"))
    assert set(item) == {"id", "kind", "upstream", "downstream"}
    assert cli(capsys, root, "--format", "dot").startswith("digraph trace {")
