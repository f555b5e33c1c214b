"""What changed between two versions of a project (folders or git revisions), and its renderings."""
