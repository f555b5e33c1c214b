"""Regulatory coverage: which obligations of a catalogue the project's items evidence."""
