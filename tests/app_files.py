"""Readers of the app's own files for the static checks: hooks, pyproject, modules."""

import ast

try:
	import tomllib
except ImportError:  # Python 3.10
	import tomli as tomllib

from conftest import PACKAGE, REPO


def read_hooks() -> dict:
	"""hooks.py's top-level assignments, evaluated as literals (hooks.py must stay data)."""
	tree = ast.parse((PACKAGE / "hooks.py").read_text())
	hooks = {}
	for node in tree.body:
		if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
			hooks[node.targets[0].id] = ast.literal_eval(node.value)
	return hooks


def read_pyproject() -> dict:
	return tomllib.loads((REPO / "pyproject.toml").read_text())


def dotted_paths(value):
	"""Every string in a hook value that looks like a dotted path into this app."""
	if isinstance(value, str):
		if value.startswith("opportunity_pipeline."):
			yield value
	elif isinstance(value, dict):
		for item in value.values():
			yield from dotted_paths(item)
	elif isinstance(value, list | tuple):
		for item in value:
			yield from dotted_paths(item)


def resolve_in_source(dotted: str) -> bool:
	"""True when `dotted` names a module of the app, or a function/class defined at its top level."""
	parts = dotted.split(".")
	for split in range(len(parts), 0, -1):
		module = REPO.joinpath(*parts[:split])
		candidates = [module.with_suffix(".py"), module / "__init__.py"]
		source = next((c for c in candidates if c.is_file()), None)
		if source is None:
			continue
		rest = parts[split:]
		if not rest:
			return True
		if len(rest) > 1:
			return False
		tree = ast.parse(source.read_text())
		names = set()
		for node in tree.body:
			if isinstance(node, ast.FunctionDef | ast.ClassDef):
				names.add(node.name)
			elif isinstance(node, ast.ImportFrom):
				names.update(alias.asname or alias.name for alias in node.names)
			elif isinstance(node, ast.Assign):
				names.update(t.id for t in node.targets if isinstance(t, ast.Name))
		return rest[0] in names
	return False
