"""`signoffs`: sign-offs bound to the specs and the evidence they approve (written by `planner signoff`).

A digest of each spec file is taken over its *parsed* data in a canonical JSON form, so
reformatting, comments, key order and quoting leave it unchanged while any changed value changes
it. A recorded sign-off keeps the digest of every file, so a stale one names the files that
changed, appeared or disappeared since. `signoffs.yaml` itself is not digested: recording a
sign-off must not invalidate the others.

Beside the specs a sign-off binds the evidence (issue 13): the candidate run (source, run id, and
digests of its metrics and of its params), the bytes of each bias audit's predictions file, and
each audit's computed result. Another candidate, a changed metric, one flipped prediction or a
recomputed result that differs makes it stale, naming what changed. A sign-off recorded before
evidence was bound approves no evidence, so it fails the gate until it is re-signed.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, ClassVar

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
from planner.source.files import DEFAULT_MAX_BYTES, MANIFEST, SIGNOFFS, read_text
from planner.source.yaml_documents import Document, dump, parse_documents
from planner.spec.base import Text
from planner.spec.policy import CandidateEvidence, SignoffEvidence, SignoffsSpec

if TYPE_CHECKING:
    from planner.assess.model import Candidate
    from planner.audit.project import ProjectAudit

HEADER = """\
# Sign-offs recorded by `planner signoff`; each is bound to digests of the specs and the evidence
# (candidate run, predictions, audit results) it approves. Any change makes a sign-off stale, and
# `planner gate` names what changed.
"""
UNBOUND = "recorded before evidence was bound; re-sign"
UNKNOWN_ROLE = "{role!r} is not a sign-off role of the policy"
NO_ROLES = "the policy requires no sign-offs, so no role can sign off"


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
    bound: bool = True
    """It records the evidence it approves (one recorded before evidence was bound does not)."""
    evidence: list[str] = field(default_factory=list)
    """What changed in the evidence since, each as a phrase (`the result of audit A1 changed`)."""
    digest: str = ""
    """The digest of the specs it approved."""

    @property
    def why(self) -> str:
        signed = f"signed off by {self.name} on {self.date.isoformat()}"
        if self.valid:
            return signed
        if not self.bound:
            return f"{signed}, {UNBOUND}"
        changes = [
            f"{', '.join(files)} {verb}"
            for files, verb in ((self.changed, "changed"), (self.added, "added"), (self.removed, "removed"))
            if files
        ]
        return f"{signed}, stale: {'; '.join([*changes, *self.evidence]) or 'the specs changed'} since"

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
            "bound": self.bound,
            "evidence": self.evidence,
            "digest": self.digest,
            "why": self.why,
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


def evidence_digests(project: Project, candidate: Candidate | None, audits: Sequence[ProjectAudit]) -> SignoffEvidence:
    """The evidence a sign-off binds now. A predictions file that cannot be read is left out (the
    audit reports it, and `planner signoff` refuses to sign then)."""
    from planner.audit.cache import file_sha256

    bound = None
    if candidate is not None:
        metrics, params = (_sha256(canonical_json(values)) for values in (candidate.metrics, candidate.params))
        bound = CandidateEvidence(source=candidate.source, run=candidate.run_id, metrics=metrics, params=params)
    predictions = {}
    provenance = {audit.spec.id: audit.result_data.get("source") for audit in audits}
    for spec in project.of_kind("bias-audit"):
        if spec.file is None:  # a warehouse source: bound by what was counted (its provenance)
            if provenance.get(spec.id):
                predictions[spec.source_label] = f"sha256:{_sha256(canonical_json(provenance[spec.id]))}"
            continue
        try:
            digest = file_sha256(project.root / spec.file, project.root, spec.file)
        except OSError:
            continue
        predictions[PurePosixPath(spec.file).as_posix()] = f"sha256:{digest}"
    results = {audit.spec.id: _sha256(canonical_json(audit.result_data)) for audit in audits}
    return SignoffEvidence(candidate=bound, predictions=dict(sorted(predictions.items())), audits=results)


def _run(bound: CandidateEvidence | None) -> str:
    return f"{bound.run} of {bound.source}" if bound else "none"


def _candidate_changes(recorded: CandidateEvidence | None, current: CandidateEvidence | None) -> list[str]:
    if (recorded and (recorded.source, recorded.run)) != (current and (current.source, current.run)):
        return [f"the candidate run changed from {_run(recorded)} to {_run(current)}"]
    if recorded is None or current is None:
        return []
    parts = [name for name in ("metrics", "params") if getattr(recorded, name) != getattr(current, name)]
    return [f"the {' and '.join(parts)} of the candidate run {_run(current)} changed"] if parts else []


def _keyed_changes(what: str, recorded: dict[str, str], current: dict[str, str]) -> list[str]:
    """`the predictions file data/p.csv changed`, `... added`, `... removed`, in key order."""
    verbs = {key: "changed" for key in recorded.keys() & current.keys() if recorded[key] != current[key]}
    verbs |= {key: "added" for key in current.keys() - recorded.keys()}
    verbs |= {key: "removed" for key in recorded.keys() - current.keys()}
    return [f"{what.format(key=key)} {verb}" for key, verb in sorted(verbs.items())]


def evidence_changes(recorded: SignoffEvidence, current: SignoffEvidence) -> list[str]:
    """What changed in the evidence between a sign-off and now, each as a phrase."""
    return [
        *_candidate_changes(recorded.candidate, current.candidate),
        *_keyed_changes("the predictions file {key}", recorded.predictions, current.predictions),
        *_keyed_changes("the result of audit {key}", recorded.audits, current.audits),
    ]


def _state(
    signoff, current: dict[str, str], overall: str, evidence: SignoffEvidence, file: str, line: int
) -> SignoffState:
    recorded = signoff.files
    changed = sorted(p for p in recorded.keys() & current.keys() if recorded[p] != current[p])
    # a hand-written sign-off without per-file digests can only say that something changed
    added = sorted(current.keys() - recorded.keys()) if recorded else []
    removed = sorted(recorded.keys() - current.keys())
    bound = signoff.evidence is not None
    moved = evidence_changes(signoff.evidence, evidence) if bound else []
    valid = bound and signoff.digest == overall and not (changed or added or removed or moved)
    return SignoffState(
        signoff.role,
        signoff.name,
        signoff.date,
        valid,
        changed,
        added,
        removed,
        file,
        line,
        bound,
        moved,
        signoff.digest,
    )


def check_signoffs(project: Project, evidence: SignoffEvidence) -> list[SignoffState]:
    """Every recorded sign-off, oldest first, valid or stale against the current specs and `evidence`."""
    current = spec_digests(project)
    overall = overall_digest(current)
    return [
        _state(signoff, current, overall, evidence, doc.document.file, doc.document.position(("signoffs", i))[0])
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


def policy_roles(project: Project) -> list[str]:
    """The sign-off roles the policy requires (`require.signoffs`), in its order."""
    return [role for policy in project.of_kind("policy") for role in policy.require.signoffs]


def check_role(project: Project, role: str) -> None:
    """Refuse (`PlannerError`, at the policy's `require.signoffs`) a role the policy does not require."""
    roles = policy_roles(project)
    if role in roles:
        return
    policy = next(iter(project.docs_of_kind("policy")), None)
    # without a policy document the diagnostic names the manifest: the project has no roles at all
    file, line, column = str(project.root / MANIFEST), 0, 0
    if policy is not None:
        file = policy.document.file
        line, column = policy.document.position(("require", "signoffs") if roles else ("require",))
    message, hint = (
        (UNKNOWN_ROLE.format(role=role), f"one of: {', '.join(roles)}")
        if roles
        else (NO_ROLES, "list the roles whose sign-off a release needs in the policy's `require.signoffs`")
    )
    raise PlannerError([Diagnostic("unknown-role", message, file, line, column, ("require", "signoffs"), hint=hint)])


def record_signoff(project: Project, *, role: str, name: str, on: datetime.date, evidence: SignoffEvidence) -> Path:
    """Add (or replace the same person's entry for the same role) a sign-off of the current specs
    and `evidence` (`Assessment.evidence`); `role` must be one the policy requires.

    Read, merged and written under an exclusive lock (`.signoffs.yaml.lock` beside the file), so two
    `planner signoff` runs at once keep both sign-offs; the file is written only inside the project."""
    project.ensure_valid("record a sign-off")
    check_role(project, role)
    path = project.root / SIGNOFFS
    digests = spec_digests(project)
    entry = {
        "role": role,
        "name": name,
        "date": on,
        "digest": overall_digest(digests),
        "files": digests,
        "evidence": evidence.model_dump(),
    }
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
            "Every required role has a valid sign-off of the current specs and evidence.",
            "A required role has not signed off, or the specs or evidence changed since it did: run `planner signoff`.",
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
