"""A loaded project: its documents, items and references, cross-document checks and the trace graph."""
