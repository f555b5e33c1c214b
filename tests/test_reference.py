"""The spec reference and the diagnostics catalogue: generated from the models and the code, kept
current in docs/, complete, and built into a site that passes `mkdocs build --strict`."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel, WithJsonSchema

from helpers import REPO, run_cli, write_project
from planner import api
from planner.explain import CATALOGUE, catalogue_markdown
from planner.kinds import KINDS
from planner.spec.data import STANDARD_TEMPLATE
from planner.spec.project import Manifest
from planner.spec.reference import reference_markdown

REFERENCE = REPO / "docs" / "reference.md"
DIAGNOSTICS = REPO / "docs" / "diagnostics.md"


def test_committed_reference_is_current():
    assert REFERENCE.read_text() == reference_markdown(), (
        "docs/reference.md is stale: run `planner schema --format markdown --out docs/reference.md`"
    )


def test_committed_diagnostics_are_current():
    assert DIAGNOSTICS.read_text() == catalogue_markdown(), (
        "docs/diagnostics.md is stale: run `planner explain --format markdown > docs/diagnostics.md`"
    )


def test_schema_markdown_prints_the_reference_or_writes_it(capsys, tmp_path):
    assert run_cli(capsys, "schema", "--format", "markdown") == (0, reference_markdown(), "")
    out = tmp_path / "ref.md"
    assert run_cli(capsys, "schema", "--format", "markdown", "--out", str(out)) == (0, f"{out}\n", "")
    assert out.read_text() == reference_markdown()


def test_schema_json_still_writes_a_folder_and_refuses_a_file(capsys, tmp_path):
    from planner.spec.schema import schema_files

    code, out, _ = run_cli(capsys, "schema", "--out", str(tmp_path / "s"))
    assert code == 0
    assert {Path(line).name for line in out.splitlines()} == set(schema_files())
    (tmp_path / "file").write_text("")
    code, _, err = run_cli(capsys, "schema", "--out", str(tmp_path / "file"))
    assert (code, "is a file" in err) == (2, True)


# --- completeness of the reference ------------------------------------------------------------


def _section(text: str, heading: str) -> str:
    """The text from `## HEADING` to the next `## ` heading."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def _models(model: type[BaseModel]) -> list[type[BaseModel]]:
    """`model` and every model its fields reach, each once."""
    found, queue = [], [model]
    while queue:
        current = queue.pop()
        if current in found:
            continue
        found.append(current)
        queue.extend(m for info in current.model_fields.values() for m in _nested(info.annotation))
    return found


def _nested(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _nested(arg)]


def _literals(annotation) -> list[str]:
    """Every Literal value an annotation allows."""
    if typing.get_origin(annotation) is typing.Literal:
        return [str(v) for v in typing.get_args(annotation)]
    return [v for arg in typing.get_args(annotation) for v in _literals(arg)]


def _enums(annotation, metadata=()) -> list[str]:
    """Every value of a JSON-Schema `enum` an annotation (a metric name) declares."""
    values = [v for m in metadata if isinstance(m, WithJsonSchema) for v in (m.json_schema or {}).get("enum", [])]
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return values + _enums(inner, extra)
    return values + [v for arg in typing.get_args(annotation) for v in _enums(arg)]


SECTIONS = {"planner.yaml": Manifest, **{f"kind: {name}": kind.model for name, kind in KINDS.items()}}


@pytest.mark.parametrize("heading", list(SECTIONS))
def test_every_key_of_every_model_appears_in_its_section(heading):
    section = _section(reference_markdown(), heading)
    missing = [
        f"{model.__name__}.{name}"
        for model in _models(SECTIONS[heading])
        for name in model.model_fields
        if f"| `{name}` |" not in section
    ]
    assert missing == []


@pytest.mark.parametrize("heading", list(SECTIONS))
def test_allowed_values_appear(heading):
    text = reference_markdown()
    section = _section(text, heading)
    fields = [info for model in _models(SECTIONS[heading]) for info in model.model_fields.values()]
    literals = {v for info in fields for v in _literals(info.annotation)}
    enums = {v for info in fields for v in _enums(info.annotation, info.metadata)}
    assert [v for v in literals if f"`{v}`" not in section] == []
    # metric names (an enum of canonical names and synonyms) are listed once, in the Metrics section
    metrics = _section(text, "Metrics")
    named = {word for word in re.findall(r"`([a-z_]+)`", metrics)}
    assert [v for v in enums if v not in named and re.sub(r"_(difference|ratio)$", "", v) not in named] == []


def test_checklist_questions_appear():
    section = _section(reference_markdown(), "Standard data checklist questions")
    assert [i for i, _, question in STANDARD_TEMPLATE if f"| `{i}` |" not in section or question not in section] == []
    assert len(STANDARD_TEMPLATE) == 15


def test_every_computed_metric_and_synonym_appears():
    from planner.audit import metrics
    from planner.metric_names import SYNONYMS
    from planner.spec import reference

    section = _section(reference_markdown(), "Metrics")
    assert reference.SIZE_METRICS == metrics.SIZE_METRICS
    names = [*metrics.ALL_METRICS, *SYNONYMS, *(s for synonyms in SYNONYMS.values() for s in synonyms)]
    assert [name for name in names if f"`{name}`" not in section] == []


def test_reproducibility_facts_and_tags_appear():
    from planner.evidence.model import REPRODUCIBILITY_KEYS, REPRODUCIBILITY_TAGS

    section = _section(reference_markdown(), "Reproducibility facts")
    tags = [tag for key in REPRODUCIBILITY_KEYS for tag in REPRODUCIBILITY_TAGS[key]]
    assert [word for word in [*REPRODUCIBILITY_KEYS, *tags] if f"`{word}`" not in section] == []


# --- every code planner reports has an explanation ---------------------------------------------

CODE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PRINTED = re.compile(r"\b(?:error|warning)\[([a-z][a-z0-9-]*)\]")
Function = ast.FunctionDef | ast.AsyncFunctionDef


class Module:
    def __init__(self, package: Path, file: Path):
        parts = file.relative_to(package.parent).with_suffix("").parts
        self.name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        self.file = file.relative_to(package.parent).as_posix()
        self.tree = ast.parse(file.read_text(encoding="utf-8"))
        self.constants: dict[str, ast.expr] = {}
        self.imports: dict[str, tuple[str, str | None]] = {}
        self.scope: dict[ast.AST, Function | None] = {}
        for node in self.tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign) and node.value is not None:
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    self.constants[target.id] = node.value  # type: ignore[union-attr]
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                self.imports |= {a.asname or a.name: (node.module, a.name) for a in node.names}
            elif isinstance(node, ast.Import):
                self.imports |= {a.asname or a.name: (a.name, None) for a in node.names}
        self._scopes(self.tree, None)

    def _scopes(self, node: ast.AST, function: Function | None) -> None:
        for child in ast.iter_child_nodes(node):
            self.scope[child] = function
            self._scopes(child, child if isinstance(child, Function) else function)


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


class CodeScan:
    """Every code a `Diagnostic(...)` in `package` can carry, followed back to string literals: through
    local assignments (tuples, `or`, conditionals), module constants and imports, the parameters of
    helpers (`doc.at(path, code, ...)`, `error(code, ...)`, `_git(..., failure=(code, ...))`) to every
    call of them, and the codes a `FileKind` is `renamed` to; plus `error[code]` printed directly.
    What it cannot follow lands in `unresolved`, so a new way of passing codes fails loudly."""

    def __init__(self, package: Path):
        self.modules = {m.name: m for m in (Module(package, f) for f in sorted(package.rglob("*.py")))}
        self.codes: dict[str, set[str]] = {}
        self.unresolved: list[str] = []
        self._demanded: set[tuple[int, str, int | None]] = set()
        self._calls = [(m, n) for m in self.modules.values() for n in ast.walk(m.tree) if isinstance(n, ast.Call)]
        for module, call in self._calls:
            if _called(call) == "Diagnostic" and not self._argument(module, call, 0, "code", None):
                self.unresolved.append(f"{module.file}:{call.lineno}: Diagnostic without a code")
            if _called(call) == "renamed" and call.args and isinstance(call.args[0], ast.Dict):
                for value in call.args[0].values:
                    self._resolve(module, value, None)
        for module in self.modules.values():
            self._printed(module)

    def _add(self, module: Module, node: ast.AST, value: object) -> None:
        where = f"{module.file}:{getattr(node, 'lineno', 0)}"
        if isinstance(value, str) and CODE.match(value):
            self.codes.setdefault(value, set()).add(where)
        else:
            self.unresolved.append(f"{where}: {value!r} is not a code")

    def _printed(self, module: Module) -> None:
        docstrings = {
            id(node.body[0].value)  # type: ignore[attr-defined]
            for node in ast.walk(module.tree)
            if isinstance(node, (ast.Module, ast.ClassDef, *Function.__args__))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                for code in PRINTED.findall(node.value):
                    self._add(module, node, code)

    def _argument(self, module: Module, call: ast.Call, index: int | None, name: str, element: int | None) -> bool:
        """Resolve the argument of `call` at `index` or keyword `name`; False when it is not passed."""
        for keyword in call.keywords:
            if keyword.arg == name:
                self._resolve(module, keyword.value, element)
                return True
        if index is not None and index < len(call.args) and not isinstance(call.args[index], ast.Starred):
            self._resolve(module, call.args[index], element)
            return True
        return False

    def _resolve(self, module: Module, node: ast.expr, element: int | None) -> None:
        where = f"{module.file}:{node.lineno}: {ast.unparse(node)}"
        if isinstance(node, ast.Constant):
            self._add(module, node, node.value)
        elif isinstance(node, ast.Tuple) and element is not None and element < len(node.elts):
            self._resolve(module, node.elts[element], None)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self._resolve(module, value, element)
        elif isinstance(node, ast.IfExp):
            self._resolve(module, node.body, element)
            self._resolve(module, node.orelse, element)
        elif isinstance(node, ast.Name):
            if not self._name(module, node, element):
                self.unresolved.append(where)
        elif isinstance(node, ast.Attribute) and node.attr == "code":
            pass  # the code of another diagnostic or refusal, found where that one is made
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in module.imports:
            source = self.modules.get(".".join(filter(None, module.imports[node.value.id])))
            if source is None or node.attr not in source.constants:
                self.unresolved.append(where)
            else:
                self._resolve(source, source.constants[node.attr], element)
        elif isinstance(node, ast.Call) and _called(node) == "code" and isinstance(node.func, ast.Attribute):
            self._argument(module, node, 0, "code", element)  # `kind.code(code)`, renamed by `renamed` maps
        else:
            self.unresolved.append(where)

    def _name(self, module: Module, node: ast.Name, element: int | None) -> bool:
        function = module.scope.get(node)
        if function is not None:
            args = function.args
            if node.id in [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]:
                self._parameter(module, function, node.id, element)
                return True
            assigned = False
            for statement in ast.walk(function):
                if not isinstance(statement, ast.Assign) or module.scope.get(statement) is not function:
                    continue
                for target in statement.targets:
                    parts = target.elts if isinstance(target, ast.Tuple) else [target]
                    for i, part in enumerate(parts):
                        if isinstance(part, ast.Name) and part.id == node.id:
                            self._resolve(module, statement.value, i if isinstance(target, ast.Tuple) else element)
                            assigned = True
            if assigned:
                return True
        if node.id in module.constants:
            self._resolve(module, module.constants[node.id], element)
            return True
        source_name, attr = module.imports.get(node.id, ("", None))
        source = self.modules.get(source_name)
        if source is not None and attr in source.constants:
            self._resolve(source, source.constants[attr], element)
            return True
        return False

    def _parameter(self, module: Module, function: Function, param: str, element: int | None) -> None:
        """Every value a caller passes for `param` of `function` (or its default)."""
        if (id(function), param, element) in self._demanded:
            return
        self._demanded.add((id(function), param, element))
        positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        is_method = bool(positional) and positional[0] in ("self", "cls")
        index = positional.index(param) - is_method if param in positional else None
        defaults = dict(
            zip(positional[len(positional) - len(function.args.defaults) :], function.args.defaults, strict=True)
        )
        defaults |= {
            a.arg: d for a, d in zip(function.args.kwonlyargs, function.args.kw_defaults, strict=True) if d is not None
        }
        for caller, call in self._calls:
            if _called(call) != function.name or (is_method and not isinstance(call.func, ast.Attribute)):
                continue
            if not self._argument(caller, call, index, param, element) and param in defaults:
                default = defaults[param]
                if not (isinstance(default, ast.Constant) and default.value is None):
                    self._resolve(module, default, element)


@pytest.fixture(scope="module")
def scan() -> CodeScan:
    return CodeScan(REPO / "planner")


def test_the_scan_follows_every_code(scan):
    assert scan.unresolved == [], "teach CodeScan this way of passing a diagnostic code, or pass a literal"
    # the kinds of sites it must see through: a literal, a local tuple, a helper's parameter, a
    # constant imported from another module, a FileKind renamed, a tuple parameter, printed text
    for code in ("duplicate-id", "unknown-key", "unresolved-ref", "evidence-missing", "input-outside"):
        assert code in scan.codes
    for code in ("file-too-large", "unknown-revision", "threshold-mismatch", "unknown-item", "os"):
        assert code in scan.codes


def test_every_code_has_an_explanation(scan):
    missing = {code: sorted(where) for code, where in scan.codes.items() if code not in CATALOGUE}
    assert missing == {}, "add an entry to planner/explain.py CATALOGUE for each"


def test_every_explanation_names_a_code_planner_reports(scan):
    assert sorted(set(CATALOGUE) - set(scan.codes)) == []


def test_every_explanation_is_complete():
    for code, entry in CATALOGUE.items():
        assert entry.summary and entry.meaning and entry.fix, code
        assert bool(entry.bad) == bool(entry.good), code


# codes whose example is a whole spec file: validated in a project (examples double as smoke tests)
SMOKE = (
    *("unknown-key", "missing-key", "type", "invalid", "not-a-mapping", "unknown-kind", "duplicate-kind"),
    *("missing-question", "out-of-scale", "yaml-syntax", "duplicate-key", "bad-key", "bad-merge", "bad-scalar"),
    "unsafe-tag",
)


@pytest.mark.parametrize("code", SMOKE)
def test_examples_cause_the_code_and_fixes_remove_it(tmp_path, code):
    entry = CATALOGUE[code]
    found = {}
    for side, text in (("bad", entry.bad), ("good", entry.good)):
        root = write_project(tmp_path / side, {"specs/doc.yaml": text + "\n"})
        found[side] = {d.code for d in api.load(str(root)).diagnostics}
    assert code in found["bad"]
    assert code not in found["good"]


def test_explain_prints_meaning_fix_and_example(capsys):
    code, out, err = run_cli(capsys, "explain", "unknown-key")
    assert (code, err) == (0, "")
    assert out.startswith("unknown-key: a key the kind does not define\n\nSpec models refuse keys")
    assert "\nFix: Correct the spelling" in out
    assert "\nExample:\n    kind: risks\n" in out and "        likelyhood: 4\n" in out
    assert "\nFixed:\n" in out and "        likelihood: 4\n" in out
    assert run_cli(capsys, "explain", "error[unknown-key]") == (0, out, "")
    code, out, _ = run_cli(capsys, "explain", "--format", "markdown", "unknown-key")
    assert (code, out.splitlines()[0]) == (0, "## unknown-key")


def test_explain_unknown_code_exits_2_with_did_you_mean(capsys):
    assert run_cli(capsys, "explain", "unknown-keys") == (
        2,
        "",
        "error[unknown-code] no diagnostic code 'unknown-keys'; did you mean 'unknown-key'?\n",
    )
    code, _, err = run_cli(capsys, "explain", "zzzz")
    assert (code, err) == (2, "error[unknown-code] no diagnostic code 'zzzz'; `planner explain` lists every code\n")


def test_explain_without_code_lists_every_code(capsys):
    code, out, _ = run_cli(capsys, "explain")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == sorted(CATALOGUE)


# --- the site -------------------------------------------------------------------------------


@pytest.mark.slow  # starts mkdocs, which builds the whole site
@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed (the docs extra)")
def test_site_builds_strictly(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(REPO / "mkdocs.yml", source)
    shutil.copytree(REPO / "docs", source / "docs")
    if not (source / "docs" / "tutorial.md").exists():  # written separately; the nav needs the page
        (source / "docs" / "tutorial.md").write_text("# Tutorial\n")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=source,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "index.html").is_file()
