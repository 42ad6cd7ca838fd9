"""The `before_tests` hook: a fresh site becomes testable without the internet."""

import frappe
from frappe.utils import today

# Rates the tests may need, one row per direction; dated long ago so they apply to any transaction date.
OFFLINE_EXCHANGE_RATES = {
	("USD", "INR"): 83.0,
	("EUR", "USD"): 1.08,
	("EUR", "INR"): 90.0,
	("GBP", "USD"): 1.27,
	("GBP", "INR"): 105.0,
	("GBP", "EUR"): 1.17,
}
RATES_VALID_FROM = "2000-01-01"


def before_tests():
	"""Complete ERPNext's set-up (`bench run-tests --app` runs only this app's hooks) and store the
	exchange rates tests use, since ERPNext otherwise asks an online service for them."""
	from erpnext.setup.utils import before_tests as complete_erpnext_setup

	add_offline_exchange_rates_for_frappe_crm()
	complete_erpnext_setup()
	add_offline_exchange_rates()
	frappe.db.commit()


def add_offline_exchange_rates():
	for (from_currency, to_currency), rate in OFFLINE_EXCHANGE_RATES.items():
		for source, target, value in (
			(from_currency, to_currency, rate),
			(to_currency, from_currency, 1 / rate),
		):
			filters = {"date": RATES_VALID_FROM, "from_currency": source, "to_currency": target}
			if frappe.db.exists("Currency Exchange", filters):
				continue
			frappe.get_doc(
				{
					"doctype": "Currency Exchange",
					**filters,
					"exchange_rate": value,
					"for_buying": 1,
					"for_selling": 1,
				}
			).insert(ignore_permissions=True)


def add_offline_exchange_rates_for_frappe_crm():
	"""The same rates for Frappe CRM, where a site has it: its set-up step (the demo deals it makes when
	ERPNext's set-up completes) and its deals ask online services for a rate, and keep each one in the
	cache for the day, under the key crm.api.exchange_rate.get_exchange_rate reads first."""
	if "crm" not in frappe.get_installed_apps():
		return
	for (from_currency, to_currency), rate in OFFLINE_EXCHANGE_RATES.items():
		for source, target, value in (
			(from_currency, to_currency, rate),
			(to_currency, from_currency, 1 / rate),
		):
			frappe.cache().set_value(f"exchange_rate_{source}_{target}_{today()}", value)
