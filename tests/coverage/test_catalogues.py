"""The built-in catalogues: ids unique, every entry cited, every kind and property they name real
in the spec models, and the EU catalogue holding every Annex IV point and article it claims."""

from __future__ import annotations

import re

import pytest

from planner.coverage.catalogues import FOLDER, built_in
from planner.coverage.checks import rule_models, rule_problem
from planner.kinds import KINDS, item_titles
from planner.spec.catalogue import CatalogueSpec, EvidenceRule

CATALOGUES = sorted(built_in())
SOURCES = {
    "eu-ai-act-high-risk": r"^Regulation \(EU\) 2024/1689, (Annex IV point \d(\([a-h]\))?|Articles? \d+)",
    "nist-ai-rmf-1.0": r"^NIST AI 100-1, (GOVERN|MAP|MEASURE|MANAGE) \d\.\d+$",
    "iso-42001-annex-a": r"^ISO/IEC 42001:2023, Annex A, A\.\d+",
    "iso-23894": r"^ISO/IEC 23894:2023, \d\.\d",
}


def test_every_catalogue_file_is_loaded_with_a_unique_id_and_prefix():
    assert CATALOGUES == ["eu-ai-act-high-risk", "iso-23894", "iso-42001-annex-a", "nist-ai-rmf-1.0"]
    assert len(list(FOLDER.glob("*.yaml"))) == len(CATALOGUES)
    prefixes = [built_in()[name].prefix for name in CATALOGUES]
    assert len(set(prefixes)) == len(prefixes)


@pytest.mark.parametrize("name", CATALOGUES)
def test_entry_ids_are_unique_and_every_entry_cites_its_source(name):
    catalogue = built_in()[name]
    ids = [entry.id for entry in catalogue.entries]
    assert len(ids) == len(set(ids))
    uncited = [entry.id for entry in catalogue.entries if not re.match(SOURCES[name], entry.source)]
    assert uncited == []
    assert all(entry.title.strip() and entry.summary.strip() for entry in catalogue.entries)


@pytest.mark.parametrize("name", CATALOGUES)
def test_every_kind_and_property_a_rule_names_exists_in_the_spec_models(name):
    problems = {
        (entry.id, rule.kind, rule.property): rule_problem(rule)
        for entry in built_in()[name].entries
        for rule in entry.evidence
        if rule_problem(rule)
    }
    assert problems == {}


@pytest.mark.parametrize("name", CATALOGUES)
def test_every_value_a_rule_compares_is_one_the_field_can_take(name):
    import typing

    for entry in built_in()[name].entries:
        for rule in entry.evidence:
            if rule.value is None:
                continue
            model = rule_models()[rule.kind]
            annotation = model.model_fields[rule.property].annotation
            literals = {
                str(arg) for part in (annotation, *typing.get_args(annotation)) for arg in typing.get_args(part)
            }
            assert rule.value in literals, (entry.id, rule)


def test_the_integrity_check_catches_a_wrong_kind_property_or_nesting():
    assert rule_problem(EvidenceRule(kind="risk", property="owner")) is None
    assert rule_problem(EvidenceRule(kind="checklist", property="datasheet.collection")) is None
    assert rule_problem(EvidenceRule(kind="system", property="architecture")) is None
    assert rule_problem(EvidenceRule(kind="project", property="ml_fit.explainability")) is None
    assert rule_problem(EvidenceRule(kind="riks"))[0] == "kind"
    assert rule_problem(EvidenceRule(kind="risk", property="ownr"))[1] == "risk has no field 'ownr'"
    assert rule_problem(EvidenceRule(kind="risk", property="owner.name"))[1] == "owner has no fields"
    assert rule_problem(EvidenceRule(kind="checklist", property="datasheet.nope"))[1] == "datasheet has no field 'nope'"


def test_every_item_kind_a_kind_declares_a_model_for_is_one_it_lists():
    for kind in KINDS.values():
        assert set(kind.item_models) <= set(kind.item_titles), kind.name
    assert {"risk", "oversight-measure", "threat", "component", "monitored-metric"} <= set(rule_models())
    assert set(item_titles()) >= set(rule_models()) - set(KINDS) - {"project"}


EU_ARTICLES = {"9", "10", "11", "12", "13", "14", "15", "17", "72", "73"}


def test_the_eu_catalogue_holds_annex_iv_points_1_to_9_and_each_article():
    entries = [entry.id for entry in built_in()["eu-ai-act-high-risk"].entries]
    points = {e.removeprefix("annex-iv.").rstrip("abcdefgh") for e in entries if e.startswith("annex-iv.")}
    assert points == {str(n) for n in range(1, 10)}
    assert [f"annex-iv.2{letter}" for letter in "abcdefgh"] == [e for e in entries if e.startswith("annex-iv.2")]
    articles = {e.removeprefix("art-").split(".")[0] for e in entries if e.startswith("art-")}
    assert articles == EU_ARTICLES


def test_nist_has_every_subcategory_of_the_four_functions():
    counts = {"GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}
    entries = [entry.id for entry in built_in()["nist-ai-rmf-1.0"].entries]
    assert {f: sum(e.startswith(f + "-") for e in entries) for f in counts} == counts


def test_a_catalogue_with_a_repeated_id_is_refused():
    entry = {"id": "x", "title": "t", "summary": "s", "source": "src"}
    data = {"kind": "catalogue", "id": "c", "prefix": "c", "version": "1", "title": "t", "source": "s"}
    with pytest.raises(ValueError, match="entry ids used twice: x"):
        CatalogueSpec.model_validate(data | {"entries": [entry, entry]})
