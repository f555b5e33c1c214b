"""Checks of what names catalogues: a `satisfies` entry, a profile of `planner.yaml`, and the
evidence rules of a project's own catalogue (each kind and property must exist in the models)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from pydantic import BaseModel

from planner.coverage.catalogues import available, by_prefix
from planner.coverage.collect import PROJECT, item_model
from planner.errors import Diagnostic
from planner.project.items import ItemRef
from planner.project.project import Project, breadcrumb
from planner.spec.catalogue import CatalogueSpec, EvidenceRule
from planner.spec.project import ProjectInfo


def rule_models() -> dict[str, type[BaseModel]]:
    """The model each rule kind selects by property: item kinds, document kinds and `project`."""
    from planner.kinds import KINDS

    found: dict[str, type[BaseModel]] = {PROJECT: ProjectInfo}
    for name, kind in KINDS.items():
        found.setdefault(name, kind.model)
        found.update(kind.item_models)
    return found


def rule_kinds() -> set[str]:
    """Every kind a rule may name: item kinds with a model, document kinds and `project` (an item
    kind without a model, a sign-off or a waiver, has no items a rule could select)."""
    return set(rule_models())


def rule_problem(rule: EvidenceRule) -> tuple[str, str, str] | None:
    """(key, message, hint) when the rule names a kind or property no model has; None when it is sound."""
    kinds = rule_kinds()
    if rule.kind not in kinds:
        from planner.kinds import item_titles

        hint = _close(rule.kind, sorted(item_titles()), fallback=False) or _close(rule.kind, sorted(kinds))
        return "kind", f"no item or document kind is named {rule.kind!r}", hint
    if rule.property is None:
        return None
    model = rule_models()[rule.kind]
    parts = rule.property.split(".")
    for depth, part in enumerate(parts):
        fields = model.model_fields
        if part not in fields:
            where = ".".join(parts[:depth]) or rule.kind
            return "property", f"{where} has no field {part!r}", _close(part, sorted(fields))
        if depth + 1 < len(parts):
            from planner.project.build import models_in

            found = models_in(fields[part].annotation)
            if not found:
                return "property", f"{'.'.join(parts[: depth + 1])} has no fields", "name the field itself"
            model = found[0]
    return None


def _close(word: str, choices: list[str], *, fallback: bool = True) -> str:
    """`did you mean 'x'?`, else (with `fallback`) the first choices."""
    close = difflib.get_close_matches(word, choices, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"one of: {', '.join(choices[:12])}" if fallback else ""


def catalogue_problems(doc, spec: CatalogueSpec) -> Iterator[Diagnostic]:
    """A project catalogue's rules name real kinds and properties, and its id is not a built-in's."""
    from planner.coverage.catalogues import built_in

    if spec.id in built_in():
        yield doc.at(("id",), "duplicate-catalogue", f"{spec.id!r} is a built-in catalogue", "give yours another id")
    for i, entry in enumerate(spec.entries):
        for j, rule in enumerate(entry.evidence):
            problem = rule_problem(rule)
            if problem:
                key, message, hint = problem
                yield doc.at(("entries", i, "evidence", j, key), "unknown-evidence", message, hint)


def project_catalogues(project: Project) -> dict[str, CatalogueSpec]:
    return available(project.of_kind("catalogue"))


def reference_problems(project: Project, items: list[ItemRef]) -> Iterator[Diagnostic]:
    """Every `satisfies` of `items` (the project's, as `collect_items` gives them) names an entry of
    a known catalogue; every profile a catalogue, and its `not_applicable` entries of that catalogue."""
    catalogues = project_catalogues(project)
    prefixes = by_prefix(catalogues)
    for ref in items:
        model = item_model(ref)
        for j, name in enumerate(getattr(model, "satisfies", ()) if model is not None else ()):
            problem = _unknown_ref(name, prefixes)
            if problem:
                yield ref.doc.at((*ref.path[:-1], "satisfies", j), "unknown-entry", *problem)
    yield from _profile_problems(project, catalogues)
    for doc in project.docs_of_kind("policy"):
        required = getattr(getattr(doc.model, "require", None), "coverage", None)
        if required is not None and required.profile not in catalogues:
            message = f"no catalogue is named {required.profile!r}"
            hint = _close(required.profile, sorted(catalogues))
            yield doc.at(("require", "coverage", "profile"), "unknown-profile", message, hint)


def _unknown_ref(name: str, prefixes: dict[str, CatalogueSpec]) -> tuple[str, str] | None:
    prefix, _, entry = name.partition(":")
    catalogue = prefixes.get(prefix)
    if catalogue is None:
        return f"no catalogue has the prefix {prefix!r}", _close(prefix, sorted(prefixes))
    ids = [e.id for e in catalogue.entries]
    if entry not in ids:
        return f"{catalogue.id} has no entry {entry!r}", _close(entry, ids)
    return None


def _profile_problems(project: Project, catalogues: dict[str, CatalogueSpec]) -> Iterator[Diagnostic]:
    manifest, document = project.manifest, project.manifest_document
    if manifest is None or document is None:
        return
    for name, profile in manifest.profiles.items():
        catalogue = catalogues.get(name)
        if catalogue is None:
            yield _at(
                document,
                ("profiles", name),
                "unknown-profile",
                f"no catalogue is named {name!r}",
                _close(name, sorted(catalogues)),
            )
            continue
        ids = [entry.id for entry in catalogue.entries]
        for entry in profile.not_applicable:
            if entry not in ids:
                path = ("profiles", name, "not_applicable", entry)
                yield _at(document, path, "unknown-entry", f"{name} has no entry {entry!r}", _close(entry, ids))


def _at(document, path: tuple, code: str, message: str, hint: str) -> Diagnostic:
    line, column = document.position(path)
    return Diagnostic(
        code, message, document.file, line, column, path, hint=hint, breadcrumb=breadcrumb(document.data, path)
    )
