"""The pure rules of each feature import no Frappe, so layer 1 tests them and they stay easy to read."""

import ast
import re

import pytest

from conftest import PACKAGE

# Each feature's decisions over plain values, and the constants they share.
PURE_MODULES = sorted(
	[
		*PACKAGE.glob("*/rules.py"),
		*PACKAGE.glob("*/plan.py"),
		PACKAGE / "quotation" / "mapping.py",
		PACKAGE / "reporting" / "periods.py",
		PACKAGE / "statuses.py",
		PACKAGE / "pipeline_document.py",
		PACKAGE / "derived_fields.py",
	]
)


def imported_modules(path):
	for node in ast.walk(ast.parse(path.read_text())):
		if isinstance(node, ast.Import):
			yield from (alias.name for alias in node.names)
		elif isinstance(node, ast.ImportFrom) and node.module:
			yield node.module


def test_every_feature_has_its_rules_module():
	assert {path.parent.name for path in PURE_MODULES} >= {
		"follow_up",
		"auto_close",
		"forecast",
		"quotation",
		"reporting",
		"win_probability",
		"pipeline_history",
	}


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_pure_module_imports_no_frappe_and_no_glue(path):
	for module in imported_modules(path):
		assert module.split(".")[0] not in ("frappe", "erpnext"), f"{path.name} imports {module}"
		if module.startswith("opportunity_pipeline."):
			target = PACKAGE.parent.joinpath(*module.split(".")).with_suffix(".py")
			assert target in PURE_MODULES, f"{path.name} imports {module}, which is not a pure module"


@pytest.mark.parametrize(
	"package",
	[
		"follow_up",
		"auto_close",
		"forecast",
		"quotation",
		"lost",
		"reporting",
		"win_probability",
		"pipeline_history",
	],
)
def test_feature_package_init_imports_nothing(package):
	"""Importing a pure module imports its package first: the package itself must stay empty."""
	assert list(imported_modules(PACKAGE / package / "__init__.py")) == []


def test_status_groups_are_typed_once():
	"""Only Opportunity's pipeline declaration spells the groups out; the app's Python imports them (from
	statuses.py), the desk reads them from the boot. Tests may spell them: they state what is expected."""
	spellings = ('"Open", "Replied", "Quotation"', "'Open', 'Replied', 'Quotation'")
	holders = [
		path.relative_to(PACKAGE)
		for path in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.js")]
		if not path.name.startswith("test_") and any(text in path.read_text() for text in spellings)
	]
	assert [str(path) for path in holders] == ["pipeline_document.py"]
	assert '"Lost", "Closed", "Converted"' not in (PACKAGE / "follow_up" / "assignment.py").read_text()


def test_no_sql_function_is_given_as_a_string_to_frappes_getters():
	"""Frappe 16 refuses them ("SQL functions are not allowed as strings in SELECT"): use frappe.qb."""
	pattern = re.compile(
		r"(get_value|get_all|get_list|get_values|get_single_value)\([^)]*[\"'](max|min|count|sum|avg)\(",
		re.IGNORECASE | re.DOTALL,
	)
	offenders = [
		str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py") if pattern.search(path.read_text())
	]
	assert offenders == []
