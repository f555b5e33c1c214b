"""Spec models, one module per kind. `KINDS` maps each document `kind` to its model."""

from .bias import BiasAudit
from .constraints import ConstraintsSpec
from .data import DataChecklist
from .evaluation import EvaluationSpec
from .goals import ObjectivesSpec
from .policy import PolicySpec, SignoffsSpec
from .project import Manifest
from .results import ResultsSpec
from .risks import RisksSpec

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
