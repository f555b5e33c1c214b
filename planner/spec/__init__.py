"""Spec models: pure pydantic, one module per kind; `planner.kinds` registers each with its kind."""

from planner.spec.bias import BiasAudit
from planner.spec.constraints import ConstraintsSpec
from planner.spec.data import DataChecklist
from planner.spec.evaluation import EvaluationSpec
from planner.spec.goals import ObjectivesSpec
from planner.spec.policy import SignoffsSpec
from planner.spec.project import Manifest
from planner.spec.results import ResultsSpec
from planner.spec.risks import RisksSpec

__all__ = [
    "BiasAudit",
    "ConstraintsSpec",
    "DataChecklist",
    "EvaluationSpec",
    "Manifest",
    "ObjectivesSpec",
    "ResultsSpec",
    "RisksSpec",
    "SignoffsSpec",
]
