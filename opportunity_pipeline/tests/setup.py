"""The `before_tests` hook: a fresh site becomes testable without the internet."""

import frappe

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
# The currency of the company ERPNext's before_tests sets up (its set-up wizard's answers).
TEST_COMPANY_CURRENCY = "USD"


def before_tests():
	"""Complete ERPNext's set-up (`bench run-tests --app` runs only this app's hooks) and store the
	exchange rates tests use, since ERPNext otherwise asks an online service for them."""
	from erpnext.setup.utils import before_tests as complete_erpnext_setup

	keep_frappe_crm_offline()
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


def keep_frappe_crm_offline():
	"""Where the site has Frappe CRM: its currency becomes the test company's before ERPNext's set-up
	completes, as on a site that runs both in one currency. Frappe CRM takes the site's default currency
	at install (INR before the set-up wizard), and its demo deals, made when the set-up completes, then
	asked an online service for the USD to INR rate: every suite failed on an offline machine."""
	if "crm" not in frappe.get_installed_apps() or frappe.db.a_row_exists("Company"):
		return  # ERPNext's before_tests completes the set-up only on a site without a company
	frappe.db.set_single_value("FCRM Settings", "currency", TEST_COMPANY_CURRENCY)
