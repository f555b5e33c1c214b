"""`signoffs`: sign-offs bound to the content of the specs they approve (written by `planner signoff`).

A digest of each spec file is taken over its *parsed* data in a canonical JSON form, so
reformatting, comments, key order and quoting leave it unchanged while any changed value changes
it. A recorded sign-off keeps the digest of every file, so a stale one names the files that
changed, appeared or disappeared since. `signoffs.yaml` itself is not digested: recording a
sign-off must not invalidate the others.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from planner.assess.context import AssessContext
from planner.assess.model import Assessment, Status
from planner.canonical import canonical_json
from planner.errors import Diagnostic, PlannerError
from planner.gate.item import FAIL, PASS, GateItem, Requirement
from planner.kinds.base import Record, Section, SpecKind
from planner.project.build import validate_document
from planner.project.items import ItemRef, Reference
from planner.project.project import Project, SpecDoc
from planner.source.atomic import locked, write_atomic
from planner.source.files import DEFAULT_MAX_BYTES, SIGNOFFS, read_text
from planner.source.yaml_documents import Document, dump, parse_documents
from planner.spec.base import Text
from planner.spec.policy import SignoffsSpec

HEADER = """\
# Sign-offs recorded by `planner signoff`; each is bound to a digest of the specs it approves.
# Any change to a spec value makes a sign-off stale, and `planner gate` names the changed file.
"""


@dataclass
class SignoffState:
    """A recorded sign-off compared with the specs as they are now."""

    role: str
    name: str
    date: datetime.date
    valid: bool
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    file: str = ""
    line: int = 0

    @property
    def why(self) -> str:
        signed = f"signed off by {self.name} on {self.date.isoformat()}"
        if self.valid:
            return signed
        changes = [
            f"{', '.join(files)} {verb}"
            for files, verb in ((self.changed, "changed"), (self.added, "added"), (self.removed, "removed"))
            if files
        ]
        return f"{signed}, stale: {'; '.join(changes) or 'the specs changed'} since"

    def to_dict(self) -> dict:
        return {
            "role": self.role,
            "name": self.name,
            "date": self.date.isoformat(),
            "valid": self.valid,
            "changed": self.changed,
            "added": self.added,
            "removed": self.removed,
            "file": self.file,
            "line": self.line,
        }


def _relative(project: Project, name: str) -> str:
    return Path(name).relative_to(project.root).as_posix()


def _sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def spec_digests(project: Project) -> dict[str, str]:
    """Digest of every spec file (manifest included, `signoffs.yaml` not), by POSIX path from the root."""
    grouped: dict[str, list] = {name: [] for name in project.texts}
    documents = [project.manifest_document, *(doc.document for doc in project.docs)]
    for document in filter(None, documents):
        grouped.setdefault(document.file, []).append(document.data)
    digests = {_relative(project, name): _sha256(canonical_json(data)) for name, data in grouped.items()}
    digests.pop(SIGNOFFS, None)
    return dict(sorted(digests.items()))


def overall_digest(digests: dict[str, str]) -> str:
    """One digest for the whole set of files, as a sign-off records it."""
    return _sha256("".join(f"{path}\0{digest}\n" for path, digest in sorted(digests.items())))


def _state(signoff, current: dict[str, str], overall: str, file: str, line: int) -> SignoffState:
    recorded = signoff.files
    changed = sorted(p for p in recorded.keys() & current.keys() if recorded[p] != current[p])
    # a hand-written sign-off without per-file digests can only say that something changed
    added = sorted(current.keys() - recorded.keys()) if recorded else []
    removed = sorted(recorded.keys() - current.keys())
    valid = signoff.digest == overall and not (changed or added or removed)
    return SignoffState(signoff.role, signoff.name, signoff.date, valid, changed, added, removed, file, line)


def check_signoffs(project: Project) -> list[SignoffState]:
    """Every recorded sign-off, oldest first, valid or stale against the current specs."""
    current = spec_digests(project)
    overall = overall_digest(current)
    return [
        _state(signoff, current, overall, doc.document.file, doc.document.position(("signoffs", i))[0])
        for doc in project.docs_of_kind("signoffs")
        for i, signoff in enumerate(_signoffs(doc))
    ]


def _signoffs(doc: SpecDoc) -> list[Any]:
    spec = doc.model
    assert isinstance(spec, SignoffsSpec)  # `docs_of_kind("signoffs")` holds validated sign-offs only
    return list(spec.signoffs)


def _recorded_entries(project: Project, path: Path) -> list[dict]:
    """Entries in `signoffs.yaml` as it is on disk now (another `planner signoff` may have added one
    since the project was loaded), read through the guard; a document of another kind there is refused."""
    if not os.path.lexists(path):
        return []
    text = read_text(path, str(path), DEFAULT_MAX_BYTES, project.root)
    entries: list[dict] = []
    for document in parse_documents(text, str(path)):
        data = document.data
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind != "signoffs":
            line, column = document.position(("kind",))
            raise PlannerError(
                [
                    Diagnostic(
                        "not-signoffs",
                        f"{SIGNOFFS} holds a {kind!r} document; it is rewritten by `planner signoff`",
                        document.file,
                        line,
                        column,
                        ("kind",),
                        hint="move that document into a spec file",
                    )
                ]
            )
        recorded = data.get("signoffs") if isinstance(data, dict) else None
        entries.extend(entry for entry in recorded or [] if isinstance(entry, dict))
    return entries


def record_signoff(project: Project, *, role: str, name: str, on: datetime.date) -> Path:
    """Add (or replace the same person's entry for the same role) a sign-off of the current specs.

    Read, merged and written under an exclusive lock (`.signoffs.yaml.lock` beside the file), so two
    `planner signoff` runs at once keep both sign-offs; the file is written only inside the project."""
    project.ensure_valid("record a sign-off")
    path = project.root / SIGNOFFS
    digests = spec_digests(project)
    entry = {"role": role, "name": name, "date": on, "digest": overall_digest(digests), "files": digests}
    with locked(path, root=project.root):
        kept = [e for e in _recorded_entries(project, path) if (e.get("role"), e.get("name")) != (role, name)]
        data = {"kind": "signoffs", "signoffs": [*kept, entry]}
        _, problems = validate_document(Document(str(path), 0, data), SignoffsSpec, project.root)
        if problems:
            raise PlannerError(problems)
        write_atomic(path, HEADER + dump(data), root=project.root)
    return path


class SignoffsKind(SpecKind[SignoffsSpec]):
    name = "signoffs"
    model = SignoffsSpec
    item_titles: ClassVar[dict[str, str]] = {"signoff": "Sign-offs"}
    requirements = (
        Requirement(
            "signoffs",
            "Every required role has a valid sign-off of the current specs.",
            "A required role has not signed off, or the specs changed since it did: run `planner signoff`.",
            90,
            keys={
                "signoffs": (
                    list[Text],
                    Field(
                        default_factory=list,
                        description="Roles whose valid sign-off is required (e.g. product-owner, risk-officer).",
                    ),
                )
            },
        ),
    )
    sections = (Section("governance", "signoffs", "Sign-offs", "sections/signoffs.governance.html.j2", 60),)

    def items(self, doc: SpecDoc) -> Iterator[ItemRef]:
        return iter(())  # a sign-off is named by its role, not by an id others refer to

    def references(self, doc: SpecDoc, project: Project) -> Iterator[Reference]:
        return iter(())

    def check(self, doc: SpecDoc, project: Project) -> Iterator[Diagnostic]:
        return iter(())  # digests are compared when the project is assessed (`check_signoffs`)

    def assess(self, doc: SpecDoc, context: AssessContext) -> Iterator[Status]:
        return iter(())  # the Assessment's `signoffs` hold each sign-off's state

    def records(self, doc: SpecDoc) -> Iterator[Record]:
        latest = {signoff.role: signoff for signoff in self.spec(doc).signoffs}  # oldest first: the last one counts
        for role, signoff in latest.items():
            yield Record(
                "signoff",
                role,
                f"{role}: {signoff.name}",
                {"name": signoff.name, "date": signoff.date, "digest": signoff.digest},
            )

    def gate(self, require: Any, assessment: Assessment) -> Iterator[GateItem]:
        """Each required role needs a valid sign-off; the latest stale one says which file changed."""
        terms = assessment.policy
        for role, line in zip(require.signoffs, terms.role_lines if terms else [], strict=False):
            of_role = [state for state in assessment.signoffs if state.role == role]
            valid = [state for state in of_role if state.valid]
            shown = (valid or of_role)[-1:]
            why = shown[0].why if shown else f"no sign-off for the role {role!r}"
            yield GateItem(
                f"signoff:{role}",
                "signoffs",
                PASS if valid else FAIL,
                f"Sign-off by the {role}",
                why,
                terms.file if terms else "",
                line,
            )

    def report(self, assessment: Assessment, pdf: bool) -> dict[str, Any]:
        return {}  # the sign-offs section shows the gate's Decision


KIND = SignoffsKind()
