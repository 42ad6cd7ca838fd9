import frappe

from erpnext.setup.utils import get_exchange_rate

from opportunity_pipeline.api import make_quotation, make_supplier_quotation
from opportunity_pipeline.lost.queries import opportunity_field
from opportunity_pipeline.quotation.mapping import (
	QUOTATION,
	STANDARD_FIELDS,
	SUPPLIER_QUOTATION,
	VERSION_SPECIFIC_FIELDS,
)
from opportunity_pipeline.tests import IntegrationTestCase
from opportunity_pipeline.tests.factories import (
	make_opportunity,
	make_opportunity_with_items,
	make_user,
	submitted_quotation,
)


class TestMappings(IntegrationTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_every_mapped_field_exists_on_its_source_and_target_as_installed(self):
		"""Each pair exists on both sides, or, for a field of another ERPNext version, on neither."""
		for mapping in (QUOTATION, SUPPLIER_QUOTATION):
			for source, table in mapping.items():
				for source_field, target_field in table["field_map"]:
					on_source = source_field in STANDARD_FIELDS or frappe.get_meta(source).has_field(
						source_field
					)
					on_target = frappe.get_meta(table["doctype"]).has_field(target_field)
					version_specific = {source_field, target_field} <= VERSION_SPECIFIC_FIELDS
					with self.subTest(pair=(source_field, target_field)):
						self.assertTrue(
							(on_source and on_target) or (version_specific and on_source == on_target)
						)

	def test_quotation_from_an_opportunity_with_items_field_by_field(self):
		opportunity = make_opportunity_with_items(opportunity_type="Sales")
		quotation = make_quotation(opportunity.name)

		self.assertEqual(quotation.quotation_to, "Customer")
		self.assertEqual(quotation.party_name, opportunity.party_name)
		self.assertEqual(quotation.customer_name, opportunity.customer_name)
		self.assertEqual(quotation.company, opportunity.company)
		self.assertEqual(quotation.currency, opportunity.currency)
		self.assertEqual(quotation.conversion_rate, 1)
		self.assertEqual(quotation.territory, opportunity.territory)
		self.assertEqual(quotation.customer_group, opportunity.customer_group)
		self.assertEqual(quotation.order_type, "Sales")
		self.assertEqual(quotation.opportunity, opportunity.name)
		item, source = quotation.items[0], opportunity.items[0]
		self.assertEqual(
			(item.item_code, item.item_name, item.description, item.qty, item.uom, item.rate),
			(source.item_code, source.item_name, source.description, 3, "Nos", 250),
		)
		self.assertEqual((item.prevdoc_doctype, item.prevdoc_docname), ("Opportunity", opportunity.name))
		default_taxes = frappe.db.get_value(
			"Sales Taxes and Charges Template", {"company": opportunity.company, "is_default": 1}
		)
		self.assertEqual(quotation.taxes_and_charges or None, default_taxes)

		quotation.insert()
		quotation.submit()
		self.assertEqual(quotation.docstatus, 1)

	def test_quotation_without_items_still_links_the_opportunity(self):
		opportunity = make_opportunity(source=None)
		quotation = make_quotation(opportunity.name)
		self.assertEqual(quotation.opportunity, opportunity.name)
		submitted_quotation(opportunity)

	def test_quotation_in_a_foreign_currency_takes_the_selling_rate(self):
		opportunity = make_opportunity_with_items(currency="EUR")
		quotation = make_quotation(opportunity.name)
		company_currency = frappe.get_cached_value("Company", opportunity.company, "default_currency")
		self.assertNotEqual(company_currency, "EUR")
		self.assertEqual(quotation.currency, "EUR")
		self.assertEqual(
			quotation.conversion_rate,
			get_exchange_rate("EUR", company_currency, quotation.transaction_date, args="for_selling"),
		)
		self.assertNotEqual(quotation.conversion_rate, 1)
		quotation.insert()
		quotation.submit()

	def test_the_source_is_carried_under_this_versions_name(self):
		field = opportunity_field("source")  # source on ERPNext 15, utm_source on 16
		doctype = frappe.get_meta("Opportunity").get_field(field).options
		name_field = "source_name" if doctype == "Lead Source" else "name"
		source = frappe.get_doc({"doctype": doctype, name_field: "_OP Fair"}).insert(ignore_if_duplicate=True)
		opportunity = make_opportunity_with_items(**{field: source.name})
		self.assertEqual(make_quotation(opportunity.name).get(field), source.name)

	def test_supplier_quotation_field_by_field(self):
		opportunity = make_opportunity_with_items()
		supplier_quotation = make_supplier_quotation(opportunity.name)

		self.assertEqual(supplier_quotation.opportunity, opportunity.name)
		self.assertEqual(supplier_quotation.company, opportunity.company)
		self.assertFalse(supplier_quotation.supplier)
		item, source = supplier_quotation.items[0], opportunity.items[0]
		self.assertEqual(
			(item.item_code, item.description, item.qty, item.uom),
			(source.item_code, source.description, 3, "Nos"),
		)
		supplier = frappe.get_doc(
			{"doctype": "Supplier", "supplier_name": "_OP Supplier", "supplier_group": "All Supplier Groups"}
		).insert(ignore_if_duplicate=True)
		supplier_quotation.supplier = supplier.name
		supplier_quotation.items[0].rate = 180
		supplier_quotation.insert()
		supplier_quotation.submit()
		self.assertEqual(supplier_quotation.docstatus, 1)

	def test_the_form_create_menu_reaches_these_mappers(self):
		from frappe.model.mapper import make_mapped_doc

		opportunity = make_opportunity_with_items()
		quotation = make_mapped_doc(
			"erpnext.crm.doctype.opportunity.opportunity.make_quotation", opportunity.name
		)
		self.assertEqual(quotation.opportunity, opportunity.name)
		supplier_quotation = make_mapped_doc(
			"erpnext.crm.doctype.opportunity.opportunity.make_supplier_quotation", opportunity.name
		)
		self.assertEqual(supplier_quotation.opportunity, opportunity.name)

	def test_a_user_who_cannot_read_the_opportunity_gets_a_permission_error(self):
		opportunity = make_opportunity_with_items()
		outsider = make_user("op-outsider@example.com", roles=("Purchase User", "Accounts User"))
		with self.set_user(outsider):
			self.assertRaises(frappe.PermissionError, make_quotation, opportunity.name)
			self.assertRaises(frappe.PermissionError, make_supplier_quotation, opportunity.name)

	def test_each_mapper_is_erpnexts_own_plus_the_apps_mapping(self):
		"""The app calls ERPNext's mappers: whatever step ERPNext adds, the app's documents have it too.
		Only what the app's mapping sets on purpose may differ."""
		from erpnext.crm.doctype.opportunity import opportunity as erpnext

		opportunity = make_opportunity_with_items(opportunity_type="Sales", currency="EUR")
		for theirs_maker, ours_maker, mapping in (
			(erpnext.make_quotation, make_quotation, QUOTATION),
			(erpnext.make_supplier_quotation, make_supplier_quotation, SUPPLIER_QUOTATION),
		):
			theirs, ours = theirs_maker(opportunity.name), ours_maker(opportunity.name)
			on_purpose = {target for _source, target in mapping["Opportunity"]["field_map"]} | {"order_type"}
			with self.subTest(doctype=ours.doctype):
				our_values = ours.as_dict(no_default_fields=True)
				for field, value in theirs.as_dict(no_default_fields=True).items():
					if field not in on_purpose and field != "items":
						self.assertEqual(our_values.get(field), value, field)
				self.assertEqual(len(ours.items), len(theirs.items))
				for our_row, their_row in zip(ours.items, theirs.items, strict=True):
					our_row_values = our_row.as_dict(no_default_fields=True)
					for field, value in their_row.as_dict(no_default_fields=True).items():
						self.assertEqual(our_row_values.get(field), value, field)
