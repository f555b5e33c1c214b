"""`monitoring`: the post-market monitoring plan (Article 72) and the incident process (Article
73). A watched metric is done when it has a limit, an owner and an action; the plan is stated
here, and running it is left to the monitoring tools."""

from __future__ import annotations

from planner.kinds.base import Section
from planner.kinds.documented import DocumentedKind, Listing, missing
from planner.spec.monitoring import MonitoredMetric, MonitoringSpec


class MonitoringKind(DocumentedKind):
    name = "monitoring"
    model = MonitoringSpec
    singleton = True
    listings = (
        Listing(
            "metrics",
            "monitored-metric",
            "Monitored metrics",
            MonitoredMetric,
            lambda m: f"{m.metric} over {m.window}",
            lambda m: missing(m, "limit", "owner", "action"),
        ),
    )
    sections = (
        Section("governance", "monitoring", "Post-market monitoring", "sections/monitoring.governance.html.j2", 46),
    )


KIND = MonitoringKind()
