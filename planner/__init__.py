"""planner: plan and govern machine-learning projects.

A project is a folder of YAML specs (goals, objectives, constraints, risks, data checklists,
bias audits, result sources, a release policy). planner validates them with exact source
positions, links them to evidence, and renders reports and a release gate from one Assessment.
"""

__version__ = "0.1.0"
