"""The Assessment: every item of a project with a status and the reason for it.

`assess` builds it once from a valid project, its evidence and its audits; reports, the gate and
diff read only it.
"""

from planner.assess.build import assess
from planner.assess.model import Assessment, Status

__all__ = ["Assessment", "Status", "assess"]
