"""Evidence that could not be read fails the gate: nothing measured from it can be trusted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from planner.assess.model import Assessment
from planner.gate.item import FAIL, GateItem, Requirement

EVIDENCE = Requirement(
    "evidence",
    "The evidence can be read.",
    "Evidence (a results source, a predictions file) could not be read, so nothing measured from it can be trusted.",
    100,
)


def evidence_items(assessment: Assessment) -> Iterator[GateItem]:
    """One failing item per evidence problem; a problem naming no file is the candidate's selection,
    so it points at the results' `candidate` (the line the Assessment's candidate rule is written on)."""
    fallback = assessment.candidate_rule
    errors = [diagnostic for diagnostic in assessment.diagnostics if diagnostic.is_error]
    codes = Counter(diagnostic.code for diagnostic in errors)
    seen: Counter[str] = Counter()
    for diagnostic in errors:
        file, line = (diagnostic.file, diagnostic.line) if diagnostic.file else fallback
        seen[diagnostic.code] += 1  # two unreadable files with one code stay two items (JUnit, SARIF ids)
        item_id = f"evidence:{diagnostic.code}" + (f":{seen[diagnostic.code]}" if codes[diagnostic.code] > 1 else "")
        yield GateItem(item_id, "evidence", FAIL, "Evidence can be read", diagnostic.message, file, line)
