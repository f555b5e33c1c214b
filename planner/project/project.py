"""A loaded project and its documents: what every later stage receives from loading and validation.

`SpecDoc` pairs a validated model with the YAML it came from, so any stage can place a diagnostic
at a spec path (line, column and a breadcrumb naming list items by id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from planner.errors import Diagnostic, PlannerError, Severity
from planner.source.yaml_documents import Document
from planner.spec import Manifest

if TYPE_CHECKING:
    from planner.project.graph import TraceGraph


@dataclass
class SpecDoc:
    """A validated document: the model and the YAML it came from."""

    document: Document
    model: BaseModel

    @property
    def kind(self) -> str:
        """The document's `kind` (validated: the literal its model holds)."""
        data = self.document.data
        assert isinstance(data, dict)  # a validated document is a mapping
        return str(data["kind"])

    def at(
        self, path: tuple, code: str, message: str, hint: str = "", severity: Severity = Severity.ERROR
    ) -> Diagnostic:
        """A diagnostic placed at `path` of this document: its line, column and breadcrumb."""
        line, column = self.document.position(path)
        return Diagnostic(
            code, message, self.document.file, line, column, path, severity, hint, breadcrumb(self.document.data, path)
        )


@dataclass
class Project:
    """A loaded project: the manifest, every valid spec document, and what was wrong."""

    root: Path
    manifest: Manifest | None
    manifest_document: Document | None
    docs: list[SpecDoc] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    invalid_ids: set[str] = field(default_factory=set)
    """Ids of items that are defined but invalid (reported where they are defined), so a
    reference to one is not also reported as unresolved."""
    invalid_scopes: set[str] = field(default_factory=set)
    """Ids of documents with invalid items: an id derived from one (`A1.metric.feature`) may name
    an item that was dropped, so an unresolved reference under it is not reported either."""

    def is_invalid(self, item_id: str) -> bool:
        """Whether `item_id` is defined but invalid, or may be (derived from a document with invalid items)."""
        return item_id in self.invalid_ids or item_id.partition(".")[0] in self.invalid_scopes

    graph: TraceGraph | None = None
    """The traceability graph (`planner.project.graph.TraceGraph`), set once cross-checks ran."""

    def of_kind(self, kind: str) -> list:
        return [doc.model for doc in self.docs if doc.kind == kind]

    def docs_of_kind(self, kind: str) -> list[SpecDoc]:
        return [doc for doc in self.docs if doc.kind == kind]

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def ensure_valid(self, action: str) -> None:
        """Refuse to act on an invalid project: a missing document would silently pass or sign."""
        errors = [d for d in self.diagnostics if d.is_error]
        if errors:
            first = errors[0]
            raise PlannerError(
                [
                    Diagnostic(
                        "invalid-project",
                        f"cannot {action}: the project has {len(errors)} validation "
                        f"error{'s' * (len(errors) != 1)}, the first here",
                        first.file,
                        first.line,
                        first.column,
                        hint="run `planner validate` and fix them first",
                    )
                ]
            )


def breadcrumb(data, path: tuple) -> str:
    """`risks[R7].likelihood`: list items are named by their id when they have one."""
    text, node = "", data
    for part in path:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
            item_id = node.get("id") if isinstance(node, dict) else None
            text += f"[{item_id}]" if isinstance(item_id, str) else f"[{part}]"
        else:
            node = node.get(part) if isinstance(node, dict) else None
            text += f".{part}" if text else str(part)
    return text
