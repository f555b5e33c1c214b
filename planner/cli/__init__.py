"""The command line: `planner` parses arguments, calls the library API (`planner.api`) and prints.

Each command returns an `ExitCode`; `main` is the one place that exits, turning expected problems
into exit 2 with diagnostics and anything else into exit 3, never a traceback.
"""

from planner.cli.main import cli, main

__all__ = ["cli", "main"]
