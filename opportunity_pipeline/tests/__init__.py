"""Integration tests' shared pieces: the test case class for this Frappe version, set-up, factories."""

try:  # Frappe 16
	from frappe.tests import IntegrationTestCase
except ImportError:  # Frappe 15
	from frappe.tests.utils import FrappeTestCase as IntegrationTestCase

__all__ = ["IntegrationTestCase"]
