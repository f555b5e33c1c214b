"""Spec models, one module per kind. `KINDS` maps each document `kind` to its model."""

from planner.spec.bias import BiasAudit
from planner.spec.constraints import ConstraintsSpec
from planner.spec.data import DataChecklist
from planner.spec.evaluation import EvaluationSpec
from planner.spec.goals import ObjectivesSpec
from planner.spec.policy import PolicySpec, SignoffsSpec
from planner.spec.project import Manifest
from planner.spec.results import ResultsSpec
from planner.spec.risks import RisksSpec

KINDS = {
    "objectives": ObjectivesSpec,
    "constraints": ConstraintsSpec,
    "risks": RisksSpec,
    "data-checklist": DataChecklist,
    "bias-audit": BiasAudit,
    "evaluation": EvaluationSpec,
    "results": ResultsSpec,
    "policy": PolicySpec,
    "signoffs": SignoffsSpec,
}

__all__ = ["KINDS", "Manifest", "ObjectivesSpec", "ConstraintsSpec", "RisksSpec", "DataChecklist",
           "BiasAudit", "EvaluationSpec", "ResultsSpec", "PolicySpec", "SignoffsSpec"]
