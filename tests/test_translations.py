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
		yield from (ast.literal_eval(m) for m in re.findall(r"__\(\s*(\"[^\"]*\"|'[^']*')", path.read_text()))


def json_strings():
	"""Labels and descriptions of custom fields."""
	for path in (MODULE_DIR / "custom").glob("*.json"):
		for row in json.loads(path.read_text())["custom_fields"]:
			yield from (row[key] for key in ("label", "description") if row.get(key))


def readable_doctype_strings():
	"""Labels and descriptions of the app's own DocTypes that some role reads."""
	for path in (MODULE_DIR / "doctype").glob("*/*.json"):
		doctype = json.loads(path.read_text())
		if not doctype.get("permissions"):
			continue
		yield doctype["name"]
		yield from (doctype[key] for key in ("description",) if doctype.get(key))
		for field in doctype["fields"]:
			yield from (field[key] for key in ("label", "description") if field.get(key))


def own_record_names():
	"""Reports, number cards and dashboard charts the app ships."""
	for kind in ("report", "number_card", "dashboard_chart"):
		for path in (MODULE_DIR / kind).glob("*/*.json"):
			yield json.loads(path.read_text())["name"]


def workspace_strings():
	"""Labels of the workspace's cards and headers, and of its shortcuts and links, except those named
	after an ERPNext or Frappe DocType or report, which those apps translate."""
	own = set(own_record_names())
	for path in (MODULE_DIR / "workspace").glob("*/*.json"):
		workspace = json.loads(path.read_text())
		yield workspace["label"]
		yield from (row["format"] for row in workspace["shortcuts"] if row.get("format"))
		for row in workspace["shortcuts"] + workspace["links"]:
			if row.get("type") == "Card Break" or row["label"] != row.get("link_to") or row["label"] in own:
				yield row["label"]
		for block in json.loads(workspace["content"]):
			if block["type"] == "header":
				yield re.sub(r"<[^>]+>", "", block["data"]["text"])


def test_every_user_facing_string_has_a_french_translation():
	french = read_po(PACKAGE / "locale" / "fr.po")
	strings = {
		*python_strings(),
		*javascript_strings(),
		*json_strings(),
		*readable_doctype_strings(),
		*own_record_names(),
		*workspace_strings(),
	}
	missing = sorted(s for s in strings if not french.get(s))
	assert not missing, missing


def test_template_lists_what_french_translates():
	assert set(read_po(PACKAGE / "locale" / "main.pot")) == set(read_po(PACKAGE / "locale" / "fr.po"))
