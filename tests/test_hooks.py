"""Every hook points at code that exists, so a typo fails here rather than on a site."""

import pytest

from app_files import dotted_paths, read_hooks, resolve_in_source

HOOKS = read_hooks()
PATHS = sorted(set(dotted_paths(HOOKS)))


def test_hooks_name_dotted_paths():
	assert PATHS, "hooks.py should point at the app's functions"


@pytest.mark.parametrize("dotted", PATHS)
def test_hook_target_exists(dotted):
	assert resolve_in_source(dotted), f"{dotted} is named in hooks.py but not defined"


def test_before_tests_prepares_offline_site():
	assert HOOKS["before_tests"] == ["opportunity_pipeline.tests.setup.before_tests"]
