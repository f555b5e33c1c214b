"""Reading and writing files safely: YAML with positions, the project's files, atomic writes, shipped resources."""
