"""The app is shaped as bench and Frappe expect, so `get-app` and `install-app` find everything."""

from app_files import read_hooks, read_pyproject
from conftest import MODULE_DIR, PACKAGE, REPO


def test_pyproject_builds_with_flit_and_pins_frappe_range():
	pyproject = read_pyproject()
	assert pyproject["project"]["name"] == "opportunity_pipeline"
	assert pyproject["build-system"]["build-backend"] == "flit_core.buildapi"
	assert pyproject["tool"]["bench"]["frappe-dependencies"]["frappe"] == ">=15.0.0,<17.0.0"
	assert pyproject["tool"]["ruff"]["line-length"] == 110
	assert pyproject["tool"]["ruff"]["format"]["indent-style"] == "tab"


def test_version_is_declared_for_flit():
	assert '__version__ = "' in (PACKAGE / "__init__.py").read_text()


def test_module_listed_in_modules_txt_has_its_folder():
	modules = [line.strip() for line in (PACKAGE / "modules.txt").read_text().splitlines() if line.strip()]
	assert modules == ["Opportunity Pipeline"]
	assert (MODULE_DIR / "__init__.py").is_file()


def test_required_app_is_erpnext_and_license_is_gpl3():
	hooks = read_hooks()
	assert hooks["app_name"] == "opportunity_pipeline"
	assert hooks["required_apps"] == ["erpnext"]
	assert hooks["app_license"] == "GPL-3.0"
	assert "GNU GENERAL PUBLIC LICENSE" in (REPO / "license.txt").read_text()
	assert "Version 3" in (REPO / "license.txt").read_text()


def test_patches_txt_has_both_sections():
	text = (PACKAGE / "patches.txt").read_text()
	assert "[pre_model_sync]" in text and "[post_model_sync]" in text


def test_no_app_template_leftovers():
	"""Commented-out template hooks are noise: hooks.py holds only hooks the app uses."""
	text = (PACKAGE / "hooks.py").read_text()
	assert "# app_include_js" not in text and "# doc_events" not in text


def test_no_integration_test_sits_at_the_package_root():
	"""Frappe 15's `run-tests --app` imports a test file at the package root as the package itself, so its
	tests never run: each lives in a folder (a feature's, or tests/)."""
	assert sorted(path.name for path in PACKAGE.glob("test_*.py")) == []
