"""`system`: the architecture, components, compute, interfaces, release forms, pre-determined
changes and automatic logs of the system (Annex IV points 1 and 2; Article 12).

A component from outside (third-party, open-source, pre-trained) is done only with its version,
supplier, licence and use; a planned change is done only when the checks that keep it compliant
pass on the candidate now.
"""

from __future__ import annotations

from typing import Any

from planner.kinds.base import Section
from planner.kinds.documented import DocumentedKind, Listing, missing
from planner.spec.system import (
    EXTERNAL,
    Component,
    Compute,
    Interface,
    LogEvent,
    PlannedChange,
    Release,
    SystemSpec,
)


def _component_needs(component: Component) -> list[str]:
    external = component.origin in EXTERNAL
    return missing(component, "version", *(("supplier", "licence", "purpose") if external else ()))


def _component_heading(component: Any) -> str:
    return f"{component.name} {component.version}" if component.version else component.name


class SystemKind(DocumentedKind):
    name = "system"
    model = SystemSpec
    singleton = True
    listings = (
        Listing("components", "component", "System components", Component, _component_heading, _component_needs),
        Listing(
            "compute",
            "compute",
            "Compute",
            Compute,
            lambda c: f"{c.stage}: {c.hardware}",
            lambda c: missing(c, "amount"),
        ),
        Listing("interfaces", "interface", "Interfaces", Interface, lambda i: f"{i.name} ({i.kind})"),
        Listing("releases", "release", "Forms of release", Release, lambda r: r.form),
        Listing(
            "changes",
            "change",
            "Pre-determined changes",
            PlannedChange,
            lambda c: c.description,
            links={"checks": ()},
            tests="checks",
            tests_required=True,
        ),
        Listing(
            "logging",
            "log-event",
            "Automatic logs",
            LogEvent,
            lambda e: e.event,
            lambda e: missing(e, "retention_days"),
        ),
    )
    sections = (Section("design", "system", "The system", "sections/system.design.html.j2", 35),)


KIND = SystemKind()
