"""A catalogue of hostile inputs: nothing planner reads can crash it, hang it or leak through it.

Each case builds its input on the fly (a copy of `examples/german-credit`, or a small project from
`helpers.write_project`) and runs the real CLI in a separate process, as CI would. Every case must
end with its exit code (0, 1 or 2, never 3 for a bug), without a traceback, with the file named
when the input is refused, and without the secret of the environment (`PLANNER_TEST_SECRET`) or
of the specs anywhere in what planner prints or writes. Terminal output must hold no control
character (an ESC or CSI from the input would drive the reader's terminal) and show rich markup
from the input literally.

The shared machinery is `helpers.hostile`; file-boundary cases (symlinks, FIFOs, devices,
outputs, races) are in `test_hostile_files.py`, data cases (predictions, run files, caches,
tracking URIs, scale) in `test_hostile_data.py`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import write_project
from helpers.hostile import SECRET, Case, german_copy, run_case

# Every case starts a fresh planner process (CONTRIBUTING.md: slow); the policies themselves are
# tested in-process by tests/test_text.py and tests/test_yaml_source.py, in the fast loop.
pytestmark = pytest.mark.slow

MARKUP = "[/][link=https://evil.example]x[/link]"  # `[/]` raised MarkupError; `[link=]` a live link
ANSI = "\x1b[31m\x1b]8;;https://evil.example\x07y\x1b]8;;\x07\x9b2J"  # colour, OSC 8 link, 8-bit CSI
RUN_ID = "score[/]\x1b[31m\x01card"  # a run id with markup, an ESC and a control XML forbids


def _yaml(text: str) -> str:
    """`text` as a YAML double-quoted scalar (control characters as escapes)."""
    return json.dumps(text)  # JSON string escapes are valid YAML double-quoted escapes


# Builders: each writes a project under `root` and returns its folder


def hostile_terminal_text(root: Path) -> Path:
    """german-credit with rich markup and escape sequences in the project name, an audit title,
    the group names of its predictions file and the candidate's run id."""
    german_copy(root)
    manifest = root / "planner.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "name: Instalment-loan default score (UCI German credit)", f"name: {_yaml('N' + MARKUP + ANSI)}"
        )
    )
    audit = root / "specs" / "bias-audit.yaml"
    audit.write_text(
        audit.read_text().replace(
            "title: Instalment-loan default score, German credit test split", f"title: {_yaml(MARKUP + ANSI)}"
        )
    )
    predictions = root / "data" / "predictions.csv"
    predictions.write_text(predictions.read_text().replace(",female,", f",fe{MARKUP}{ANSI},"))
    runs = root / "results" / "runs.csv"
    runs.write_text(runs.read_text().replace("scorecard-2025,", f"{RUN_ID},"))
    results = root / "specs" / "results.yaml"
    results.write_text(results.read_text().replace('tag: {candidate: "true"}', f"run: {_yaml(RUN_ID)}"))
    return root


RESULTS = """\
kind: results
sources:
  - id: S1
    type: mlflow
    uri: {uri}
candidate: {{run: r1}}
"""


def results_with(uri: str) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        return write_project(root, {"specs/results.yaml": RESULTS.format(uri=uri)})

    return build


def spec_bytes(raw: bytes, name: str = "specs/r.yaml") -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        return write_project(root, {name: raw})

    return build


def manifest_bytes(raw: bytes) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        root.mkdir(parents=True)
        (root / "planner.yaml").write_bytes(raw)
        return root

    return build


def risk_register(count: int, likelihood: str = "") -> Callable[[Path], Path]:
    """An honest register of `count` risks, each with id, title, likelihood, impact, owner and two
    mitigations; no alias anywhere. With `likelihood`, every risk is rated so (`high`: all invalid,
    each dropped from the document, which is then validated again without them)."""

    def build(root: Path) -> Path:
        risks = "kind: risks\nrisks:\n" + "".join(
            f"  - id: R{i}\n    title: Risk number {i} of the register\n"
            f"    likelihood: {likelihood or i % 5 + 1}\n    impact: {i % 3 + 1}\n    owner: owner{i % 7}@example.com\n"
            f"    mitigations:\n      - First mitigation of risk {i}.\n      - Second mitigation of risk {i}.\n"
            for i in range(count)
        )
        return write_project(root, {"specs/risks.yaml": risks.encode()})

    return build


def alias_bomb(root: Path) -> Path:
    """Nine levels of nine-fold aliases: a few hundred bytes that expand to ~387 million values."""
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return write_project(root, {"specs/x.yaml": text.encode()})


FILE_MARKUP = "[bold]x[link=mailto:a@evil.example]y"  # a file name cannot hold the `/` of `[/]`


def hostile_file_name(root: Path) -> Path:
    """A spec file whose name holds an escape sequence and rich markup, with an error in it."""
    return write_project(root, {f"specs/\x1b[31m{FILE_MARKUP}\x9b.yaml": b"kind: risks\nrisks: 3\n"})


def empty_folder(root: Path) -> Path:
    root.mkdir(parents=True)
    return root


def with_spec(name: str, text: str) -> Callable[[Path], Path]:
    """german-credit with one more spec file `specs/NAME`."""

    def build(root: Path) -> Path:
        german_copy(root)
        (root / "specs" / name).write_text(text)
        return root

    return build


def with_profiles(text: str) -> Callable[[Path], Path]:
    """german-credit whose planner.yaml's `profiles` section is `text` instead of its own."""

    def build(root: Path) -> Path:
        german_copy(root)
        manifest = root / "planner.yaml"
        kept = manifest.read_text().split("\nprofiles:")[0]
        manifest.write_text(kept + "\nprofiles:\n" + text)
        return root

    return build


def own_catalogue(title: str, rule: str = "{kind: risk, property: owner}") -> str:
    return (
        "kind: catalogue\nid: own\nprefix: own\nversion: '1'\ntitle: Our policy\nsource: Policy v1\n"
        f"entries:\n  - id: P-1\n    title: {_yaml(title)}\n    summary: {_yaml(title)}\n"
        f"    source: {_yaml(title)}\n    evidence:\n      - {rule}\n"
    )


# Checks beyond the common ones


def markup_shown_literally(out: str) -> None:
    assert "[link=https://evil.example]x[/link]" in out


def graphml_parses(out: str) -> None:
    ids = {node.get("id") for node in ET.fromstring(out).iter("{http://graphml.graphdrawing.org/xmlns}node")}
    assert "run:score[/] [31m card" in ids


def dot_names_the_run(out: str) -> None:
    assert out.startswith("digraph trace {") and '"run:score[/] [31m card"' in out


def json_parses(out: str) -> None:
    json.loads(out)


def junit_parses(out: str) -> None:
    ET.fromstring(out)


CASES = [
    # 1. rich markup and escape sequences from specs, a predictions file and a run
    Case("markup-status", hostile_terminal_text, ("status", "{root}"), 0, check=markup_shown_literally),
    Case("markup-audit", hostile_terminal_text, ("audit", "{root}"), 1, check=markup_shown_literally),
    Case("markup-gate", hostile_terminal_text, ("gate", "{root}"), 1, check=markup_shown_literally),
    Case("markup-gate-github", hostile_terminal_text, ("gate", "{root}", "--format", "github"), 1),
    Case(
        "markup-gate-junit",
        hostile_terminal_text,
        ("gate", "{root}", "--format", "junit"),
        1,
        check=junit_parses,
    ),
    Case(
        "markup-trace-graphml",
        hostile_terminal_text,
        ("trace", "{root}", "--format", "graphml"),
        0,
        check=graphml_parses,
    ),
    Case(
        "markup-trace-dot",
        hostile_terminal_text,
        ("trace", "{root}", "--format", "dot"),
        0,
        check=dot_names_the_run,
    ),
    Case(
        "markup-trace-json",
        hostile_terminal_text,
        ("trace", "{root}", "--format", "json"),
        0,
        check=json_parses,
    ),
    Case("markup-file-name", hostile_file_name, ("validate", "{root}"), 2, names=f" [31m{FILE_MARKUP} .yaml"),
    # 2. credentials in a tracking URI: never echoed, in text, JSON or annotations
    *(
        Case(
            f"password-in-uri-{'-'.join(args[:1] + args[2:])}",
            results_with(f"https://alice:{SECRET}@mlflow.example.com"),
            (args[0], "{root}", *args[1:]),
            2,
            names="results.yaml",
            terminal=args[-1] != "json",
        )
        for args in [
            ("validate",),
            ("validate", "--format", "json"),
            ("status",),
            ("gate", "--format", "github"),
            ("gate", "--format", "json"),
        ]
    ),
    Case(
        "token-in-uri-query",
        results_with(
            f"ftp://mlflow.example.com/x?token={SECRET}&Access_Token={SECRET};PASSWORD={SECRET}&key={SECRET}"
            f"&Secret={SECRET}#part"
        ),
        ("validate", "{root}"),
        2,
        names="results.yaml",
        shows=("?token=***&Access_Token=***;PASSWORD=***&key=***&Secret=***#part",),
    ),
    Case(
        "secret-from-environment",  # `${NAME}` is expanded for the client only; port 9 refuses at once
        results_with("http://user:${PLANNER_TEST_SECRET}@127.0.0.1:9"),
        ("status", "{root}"),
        2,
        names="results.yaml",
        shows=("error[evidence-tracking]",),
    ),
    # 3. characters YAML does not allow: positioned diagnostics, not a crash
    *(
        Case(
            f"control-{name}",
            spec_bytes(b"kind: risks\nrisks:\n  - id: R1\n    title: a " + raw + b" b\n"),
            ("validate", "{root}"),
            2,
            names="r.yaml:4:14",
            shows=("error[bad-character]",),
        )
        for name, raw in [
            ("nul", b"\x00"),
            ("bel", b"\x07"),
            ("esc", b"\x1b[2J"),
            ("del", b"\x7f"),
            ("c1-csi", "\x9b".encode()),
            ("c1-osc", "\x9d".encode()),
        ]
    ),
    Case(
        "control-in-manifest",
        manifest_bytes(b"project:\n  id: x\x07\n"),
        ("validate", "{root}"),
        2,
        names="planner.yaml:2:8",
        shows=("error[bad-character]",),
    ),
    Case(
        "bad-utf8",
        spec_bytes(b"kind: risks\nrisks: [caf\xe9]\n"),
        ("validate", "{root}"),
        2,
        names="r.yaml:2:12",
        shows=("error[encoding]",),
    ),
    # hints that quote the user's text back: shown literally
    Case(
        "markup-in-a-quoting-hint",
        spec_bytes(
            b"kind: risks\nrisks:\n  - id: R1\n    title: T\n    likelihood: 1\n    impact: 1\n"
            b"    residual: {likelihood: 1, impact: 1, note: x, " + MARKUP.encode() + b" y}\n"
        ),
        ("validate", "{root}"),
        2,
        names="r.yaml:7:",
        check=markup_shown_literally,
    ),
    # the commands that take no project: their arguments are input too
    Case(
        "explain-hostile-code",
        empty_folder,
        ("explain", "x" + MARKUP + ANSI),
        2,
        shows=("error[unknown-code]",),
    ),
    Case(
        "init-hostile-name",
        empty_folder,
        ("init", "{root}/new", "--name", "N" + ANSI),
        2,
        shows=("error[bad-name]",),
    ),
    Case(
        "init-markup-name",
        empty_folder,
        ("init", "{root}/new", "--id", "p-1", "--name", MARKUP + ": 'x' # y"),
        0,
        check=lambda out: None if "next: planner validate" in out else pytest.fail(out),
    ),
    Case(
        "schema-markdown-out-is-a-folder",
        empty_folder,
        ("schema", "--format", "markdown", "--out", "{root}"),
        2,
        shows=("error[os]",),
    ),
    # 5. catalogues and coverage: a project's own catalogue, `satisfies`, profiles, --profile
    Case(
        "catalogue-rule-names-no-kind",
        with_spec("own.yaml", own_catalogue("t", "{kind: riks, property: owner}")),
        ("validate", "{root}"),
        2,
        names="own.yaml:13:",
        shows=("error[unknown-evidence]", "did you mean 'risk'?"),
    ),
    Case(
        "catalogue-rule-names-no-property",
        with_spec("own.yaml", own_catalogue("t", "{kind: risk, property: datasheet.collection}")),
        ("validate", "{root}"),
        2,
        names="own.yaml:13:",
        shows=("error[unknown-evidence]", "risk has no field 'datasheet'"),
    ),
    Case(
        "catalogue-replaces-a-built-in",
        with_spec("own.yaml", own_catalogue("t").replace("id: own", "id: nist-ai-rmf-1.0")),
        ("validate", "{root}"),
        2,
        names="own.yaml:2:",
        shows=("error[duplicate-catalogue]",),
    ),
    Case(
        "satisfies-unknown-entry",
        with_spec(
            "extra.yaml",
            "kind: constraints\nconstraints:\n  - id: CX\n    category: ethical\n"
            + "    statement: x\n    satisfies: [eu-ai-act:art-10.2x, nist:MEASURE-2.11]\n",
        ),
        ("validate", "{root}"),
        2,
        names="extra.yaml:6:",
        shows=("error[unknown-entry]", "eu-ai-act-high-risk has no entry 'art-10.2x'", "did you mean"),
    ),
    Case(
        "profile-names-no-catalogue",
        with_profiles("  eu-ai-act:\n    not_applicable: {}\n"),
        ("validate", "{root}"),
        2,
        names="planner.yaml:",
        shows=("error[unknown-profile]", "did you mean 'eu-ai-act-high-risk'?"),
    ),
    Case(
        "not-applicable-names-no-entry",
        with_profiles("  eu-ai-act-high-risk:\n    not_applicable:\n      art-99: " + _yaml(MARKUP + ANSI) + "\n"),
        ("validate", "{root}"),
        2,
        names="planner.yaml:",
        shows=("error[unknown-entry]", "eu-ai-act-high-risk has no entry 'art-99'"),
    ),
    Case(
        "coverage-hostile-profile",
        german_copy,
        ("coverage", "{root}", "--profile", "x" + MARKUP + ANSI),
        2,
        shows=("error[unknown-profile]",),
    ),
    Case(
        "coverage-markup-in-own-catalogue",
        with_spec("own.yaml", own_catalogue("T" + MARKUP + ANSI)),
        ("coverage", "{root}", "--profile", "own"),
        0,
        check=markup_shown_literally,
    ),
    Case(
        "coverage-markdown-markup-in-own-catalogue",
        with_spec("own.yaml", own_catalogue("T<script>alert(1)</script>|" + ANSI)),
        ("coverage", "{root}", "--profile", "own", "--format", "markdown"),
        0,
        check=lambda out: None if "<script>" not in out and "&lt;script&gt;" in out else pytest.fail(out),
    ),
    Case(
        "coverage-10000-risks",
        risk_register(10_000),
        ("coverage", "{root}", "--profile", "iso-23894", "--format", "json"),
        0,
        memory=True,
        seconds=60,
    ),
    # 4. size: honest scale is read, expansion and depth are refused before composing
    Case(
        "register-10000-risks",
        risk_register(10_000),
        ("validate", "{root}"),
        0,
        shows=("valid (1 documents",),
        memory=True,
        seconds=30,  # about 2 s measured; the target is 5 s
    ),
    Case(
        "register-10000-invalid-risks",
        risk_register(10_000, likelihood="high"),
        ("validate", "{root}"),
        2,
        names="risks.yaml:5:17",
        shows=("specs/risks.yaml: 10000 errors, 0 warnings", "'high' is about 4"),
        memory=True,
        seconds=60,
    ),
    Case(
        "alias-bomb", alias_bomb, ("validate", "{root}"), 2, names="x.yaml:6:", shows=("error[too-large]",), memory=True
    ),
    Case(
        "deep-flow-nesting",
        spec_bytes(b"[" * 100_000 + b"]" * 100_000),
        ("validate", "{root}"),
        2,
        names="r.yaml:1:",
        shows=("error[too-deep]",),
        memory=True,
    ),
    Case(
        "deep-block-nesting",
        spec_bytes("".join("  " * i + f"k{i}:\n" for i in range(500)).encode() + b"  " * 500 + b"v: 1\n"),
        ("validate", "{root}"),
        2,
        names="r.yaml:",
        shows=("error[too-deep]",),
        memory=True,
    ),
]


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_hostile_input(case: Case, built, tmp_path):
    run_case(case, built(case.build), tmp_path)
