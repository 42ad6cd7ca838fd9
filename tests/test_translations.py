"""Every string the app shows a user has its French translation."""

import ast
import json
import re

from conftest import MODULE_DIR, PACKAGE


def read_po(path):
	entries, msgid = {}, None
	for line in path.read_text().splitlines():
		if line.startswith("msgid "):
			msgid = ast.literal_eval(line[6:])
		elif line.startswith("msgstr ") and msgid is not None:
			entries[msgid] = ast.literal_eval(line[7:])
			msgid = None
	entries.pop("", None)
	return entries


def python_strings():
	"""First arguments of _() calls in the app's Python code (tests excepted)."""
	for path in PACKAGE.rglob("*.py"):
		if "tests" in path.parts:
			continue
		for node in ast.walk(ast.parse(path.read_text())):
			if (
				isinstance(node, ast.Call)
				and isinstance(node.func, ast.Name)
				and node.func.id == "_"
				and node.args
				and isinstance(node.args[0], ast.Constant)
			):
				yield node.args[0].value


def javascript_strings():
	for path in PACKAGE.rglob("*.js"):
		yield from (ast.literal_eval(m) for m in re.findall(r"__\((\"[^\"]*\"|'[^']*')", path.read_text()))


def json_strings():
	"""Labels and descriptions of custom fields."""
	for path in (MODULE_DIR / "custom").glob("*.json"):
		for row in json.loads(path.read_text())["custom_fields"]:
			yield from (row[key] for key in ("label", "description") if row.get(key))


def test_every_user_facing_string_has_a_french_translation():
	french = read_po(PACKAGE / "locale" / "fr.po")
	strings = {"Opportunity Pipeline", *python_strings(), *javascript_strings(), *json_strings()}
	missing = sorted(s for s in strings if not french.get(s))
	assert not missing, missing


def test_template_lists_what_french_translates():
	assert set(read_po(PACKAGE / "locale" / "main.pot")) == set(read_po(PACKAGE / "locale" / "fr.po"))
