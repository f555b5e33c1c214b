"""The model card as the Hugging Face Hub reads it: `huggingface_hub.ModelCard` loads the written
file, its metadata holds the manifest's `model_card` block and every metric of the candidate run,
and the body names every item the release gate judged, with its status, waiver and sign-offs."""

import datetime
import math
import re
import shutil

import huggingface_hub as hub
import pytest

from helpers import REPO
from planner import api
from planner.gate.decision import evaluate
from planner.gate.item import FAIL, WAIVED
from planner.kinds.evaluation import TestDetail as BehaviouralTest  # not `Test*`: pytest would collect it
from planner.kinds.objectives import ObjectiveDetail
from planner.numbers import measured
from planner.report.modelcard import md_inline

# each test copies an example and computes its bias audit afresh (1 to 2.5 s)
pytestmark = pytest.mark.slow

AS_OF = datetime.date(2026, 12, 1)  # the adult-income waivers run to 2027-03-31
HUB_ID = "scikit-learn/adult-census-income"
MODEL_CARD_BLOCK = f"""\
  model_card:
    license: cc-by-4.0
    library_name: sklearn
    pipeline_tag: tabular-classification
    datasets:
      - name: {HUB_ID}
        evaluation_dataset: adult-test
        split: test
"""
PER_GROUP_LIMIT = '  - {metric: false_negative_rate, op: "<=", value: 0.1, feature: age_group}\n'
NOT_IN_A_CARD = ("&lt;", "&gt;", "&amp;", "{'")


def written(tmp_path, name: str, edit=None):
    """A copy of an example, edited, assessed and its model card written as `planner report` writes it."""
    root = tmp_path / name
    shutil.copytree(REPO / "examples" / name, root, ignore=shutil.ignore_patterns(".planner-cache"))
    if edit:
        edit(root)
    project = api.load(root)
    assert not project.has_errors, [d.message for d in project.diagnostics if d.is_error]
    assessment = api.assess(project, use_cache=False)
    outputs = api.render(assessment, formats=("modelcard",), out=tmp_path / f"{name}-out", as_of=AS_OF)
    path = tmp_path / f"{name}-out" / "model-card.md"
    assert path.read_bytes() == outputs["model-card.md"]
    return assessment, path, hub.ModelCard.load(path)


def with_model_card_block(root):
    manifest = root / "planner.yaml"
    text = manifest.read_text()
    assert "\nspecs:\n" in text
    manifest.write_text(text.replace("\nspecs:\n", "\n" + MODEL_CARD_BLOCK + "specs:\n", 1))


def with_per_group_limit(root):
    spec = root / "specs" / "bias-audit.yaml"
    text = spec.read_text()
    assert "\nlimits:\n" in text
    spec.write_text(text.replace("\nlimits:\n", "\nlimits:\n" + PER_GROUP_LIMIT, 1))


def row(text: str, first: str, second: str | None = None) -> list[str]:
    """The cells of the first table row whose first cell (and second, when given) is as given."""
    for line in text.splitlines():
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and cells[0] == first and (second is None or cells[1] == second):
            return cells
    raise AssertionError(f"no row {first!r} {second!r}")


def finite_metrics(assessment) -> dict[str, float]:
    return {name: value for name, value in assessment.candidate.metrics.items() if math.isfinite(value)}


def item_datasets(assessment) -> dict[str, str]:
    """Metric -> the evaluation dataset an objective or a test measures it on (objectives first)."""
    named: dict[str, str] = {}
    for item in assessment.of_kind("objective"):
        named.setdefault(item.detail_as(ObjectiveDetail).metric, item.detail_as(ObjectiveDetail).dataset)
    for item in assessment.of_kind("test"):
        test = item.detail_as(BehaviouralTest)
        if test.metric and test.dataset:
            named.setdefault(test.metric, test.dataset)
    return named


def check_eval_results(card, assessment, *, dataset_type=None):
    results = card.data.eval_results
    assert card.data.model_name == assessment.info.id
    assert {r.metric_type: r.metric_value for r in results} == finite_metrics(assessment)
    assert len(results) == len(finite_metrics(assessment))  # each metric once
    splits = {d.id: d.split for plan in assessment.of_spec("evaluation") for d in plan.datasets}
    named = item_datasets(assessment)
    for result in results:
        assert result.metric_name == result.metric_type
        assert result.task_type == card.data.pipeline_tag == "tabular-classification"
        if result.metric_type in named:
            assert result.dataset_name == named[result.metric_type], result
        assert result.dataset_split == splits[result.dataset_name] == "test"
        assert result.dataset_type == (dataset_type or result.dataset_name)


def test_adult_income_card_loads_with_the_manifest_metadata_and_every_metric(tmp_path):
    assessment, path, card = written(tmp_path, "adult-income", with_model_card_block)
    assert card.data.license == "cc-by-4.0"
    assert card.data.library_name == "sklearn"
    assert card.data.pipeline_tag == "tabular-classification"
    assert card.data.datasets == [HUB_ID]
    check_eval_results(card, assessment, dataset_type=HUB_ID)
    text = path.read_text()
    for entity in NOT_IN_A_CARD:
        assert entity not in text, entity
    assert "| <= 0.1 |" in text  # an ordinary `<=` stays as it is

    decision = evaluate(assessment, today=AS_OF)
    t1 = next(item for item in decision.items if item.id == "T1")
    waiver = next(w for w in decision.waivers if w.item == "T1")
    assert t1.status == WAIVED and not waiver.expired
    # the behavioural test: 9.2% of decisions flip on a sex swap, not met, waived
    test_row = row(text, "T1", "invariance")
    assert test_row[7:] == ["at most 0.01", "0.092", "not-met", f"waived by {waiver.approver} until 2027-03-31"]
    # the gate's row, and the waiver with its approver, expiry and reason
    assert row(text, "T1", "tests")[3:] == ["waived", md_inline(t1.why)]
    assert row(text, "T1", waiver.approver)[2:] == [
        "2027-03-31",
        "in force: waives the failing item",
        md_inline(waiver.reason),
    ]
    assert "9.2% of decisions" in waiver.reason
    # every gated item and every sign-off, with whether it still matches the specs
    for item in decision.items:
        assert row(text, md_inline(item.id), item.requirement)[3] == item.status
    # adding the model_card block changed planner.yaml: the sign-offs no longer match, so the gate fails
    assert not decision.passed and {item.id for item in decision.failures} == {
        f"signoff:{s.role}" for s in decision.signoffs
    }
    assert "**Release decision:** fail" in text
    assert decision.signoffs and not any(s.valid for s in decision.signoffs)
    for signoff in decision.signoffs:
        date, matches = row(text, signoff.role, signoff.name)[2:]
        assert date == signoff.date.isoformat() and matches.startswith("no: ") and "planner.yaml" in matches


def test_german_credit_card_names_every_failing_item_with_default_metadata(tmp_path):
    assessment, path, card = written(tmp_path, "german-credit")
    assert card.data.license is None and card.data.library_name is None  # no spec states them
    assert card.data.pipeline_tag == "tabular-classification"
    assert card.data.datasets == [c.dataset for c in assessment.of_spec("data-checklist")]
    check_eval_results(card, assessment)
    text = path.read_text()
    for entity in NOT_IN_A_CARD:
        assert entity not in text, entity
    decision = evaluate(assessment, today=AS_OF)
    assert not decision.passed and decision.failures
    for item in decision.failures:
        assert row(text, md_inline(item.id), item.requirement)[3] == FAIL, item.id
    counts = {s: sum(i.status == s for i in decision.items) for s in ("pass", "fail", "waived")}
    assert (
        f"**Release decision:** fail ({len(decision.items)} items: {counts['pass']} pass, {counts['fail']} fail, "
        f"{counts['waived']} waived)" in text
    )
    waiver = decision.waivers[0]  # C9's waiver is in force but C9 passes
    assert row(text, waiver.item, waiver.approver)[3] == "in force, not needed: the item does not fail"
    assert "- none recorded" in text.split("### Sign-offs", 1)[1]


def test_a_per_group_limit_lists_every_group_by_name_and_value(tmp_path):
    assessment, path, _card = written(tmp_path, "german-credit", with_per_group_limit)
    text = path.read_text()
    assert "{'" not in text
    (outcome,) = [o for audit in assessment.audits for o in audit.limits if o.id == "A1.false_negative_rate.age_group"]
    assert len(outcome.findings) > 1 and all(f.group for f in outcome.findings)
    why = row(text, outcome.id, "audits")[4]
    for finding in outcome.findings:
        (feature, value), *_ = finding.group.items()
        assert f"{feature}={value}: {measured(finding.observed)}" in why
        assert row(text, outcome.id, "false_negative_rate")[0] == outcome.id
        assert f"| {feature}={value} | {measured(finding.observed)}\u00a0\\[" in text
