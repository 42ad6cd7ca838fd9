"""The Create-menu mappings, as data."""

import pytest

from opportunity_pipeline.quotation.mapping import QUOTATION, SUPPLIER_QUOTATION, order_type_for


@pytest.mark.parametrize("mapping", [QUOTATION, SUPPLIER_QUOTATION], ids=["Quotation", "Supplier Quotation"])
def test_mapping_is_pairs_from_opportunity_and_its_items(mapping):
	assert set(mapping) == {"Opportunity", "Opportunity Item"}
	for table in mapping.values():
		assert table["doctype"]
		for pair in table["field_map"]:
			assert len(pair) == 2 and all(isinstance(field, str) and field for field in pair)
		targets = [target for _, target in table["field_map"]]
		assert len(targets) == len(set(targets)), "a target field is set twice"


@pytest.mark.parametrize("mapping", [QUOTATION, SUPPLIER_QUOTATION], ids=["Quotation", "Supplier Quotation"])
def test_the_opportunity_link_is_always_mapped(mapping):
	assert ("name", "opportunity") in mapping["Opportunity"]["field_map"]


def test_no_mapping_into_fields_that_do_not_exist():
	"""ERPNext's own mapper sends name to enq_no, which Quotation no longer has."""
	assert all(target != "enq_no" for _, target in QUOTATION["Opportunity"]["field_map"])


def test_quotation_takes_party_contact_address_and_items():
	parent = dict(QUOTATION["Opportunity"]["field_map"])
	assert parent["opportunity_from"] == "quotation_to"
	assert {"party_name", "customer_name", "contact_person", "customer_address", "currency"} <= set(parent)
	items = {target for _, target in QUOTATION["Opportunity Item"]["field_map"]}
	assert {"item_code", "item_name", "description", "qty", "uom", "rate"} <= items


def test_supplier_quotation_leaves_prices_and_supplier_to_the_user():
	items = {target for _, target in SUPPLIER_QUOTATION["Opportunity Item"]["field_map"]}
	assert "rate" not in items
	assert "supplier" not in {target for _, target in SUPPLIER_QUOTATION["Opportunity"]["field_map"]}


@pytest.mark.parametrize(
	("opportunity_type", "expected"),
	[("Sales", "Sales"), ("Maintenance", "Maintenance"), ("Support", None), (None, None)],
)
def test_order_type_follows_the_opportunity_type_when_quotation_has_it(opportunity_type, expected):
	assert order_type_for(opportunity_type, ["", "Sales", "Maintenance", "Shopping Cart"]) == expected


def test_the_readme_shows_every_pair():
	from conftest import REPO

	readme = (REPO / "README.md").read_text()
	for mapping in (QUOTATION, SUPPLIER_QUOTATION):
		for table in mapping.values():
			for source, target in table["field_map"]:
				assert f"`{source}` → `{target}`" in readme, (source, target)
