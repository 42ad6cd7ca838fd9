"""Each document type's pipeline declaration (pipeline_document.py): complete, and what features read."""

import pytest

from opportunity_pipeline import statuses
from opportunity_pipeline.pipeline_document import (
	CRM_DEAL,
	NO_COMPANY,
	OPPORTUNITY,
	PIPELINE_DOCUMENTS,
	StatusTypes,
)


@pytest.mark.parametrize("document", PIPELINE_DOCUMENTS.values(), ids=lambda document: document.doctype)
def test_a_status_is_in_one_group_at_most(document):
	groups = document.status_groups
	grouped = groups.open + groups.finished
	assert len(grouped) == len(set(grouped))
	assert groups.won and groups.lost and groups.open


def test_the_opportunity_status_constants_are_its_declarations():
	groups = OPPORTUNITY.status_groups
	assert statuses.OPEN_STATUSES == groups.open == ("Open", "Replied", "Quotation")
	assert statuses.FINISHED_STATUSES == ("Lost", "Closed", "Converted")
	assert (statuses.WON_STATUSES, statuses.LOST_STATUSES, statuses.CLOSED_STATUSES) == (
		("Converted",),
		("Lost",),
		("Closed",),
	)
	assert set(statuses.STATUS_COLOURS) == {*groups.open, *groups.finished}


def test_a_deal_is_grouped_by_its_status_type_so_a_site_may_add_statuses():
	assert isinstance(CRM_DEAL.statuses, StatusTypes)
	assert (CRM_DEAL.statuses.doctype, CRM_DEAL.statuses.type_field) == ("CRM Deal Status", "type")
	assert CRM_DEAL.status_groups.won == ("Won",) and CRM_DEAL.company_field is None


@pytest.mark.parametrize(
	("fields", "expected"),
	[
		({"source"}, "source"),  # ERPNext 15
		({"utm_source"}, "utm_source"),  # ERPNext 16
		({"source", "utm_source"}, "source"),  # a site that kept its own field
		(set(), "source"),  # neither: the name asked for, for the caller to report
	],
)
def test_a_renamed_field_is_read_under_the_sites_name(fields, expected):
	assert OPPORTUNITY.field_on_this_version("source", fields.__contains__) == expected


def test_a_field_no_version_renamed_keeps_its_name():
	assert OPPORTUNITY.field_on_this_version("territory", lambda name: False) == "territory"
	assert CRM_DEAL.field_on_this_version("source", lambda name: False) == "source"


@pytest.mark.parametrize("document", PIPELINE_DOCUMENTS.values(), ids=lambda document: document.doctype)
def test_paused_statuses_are_open_ones(document):
	groups = document.status_groups
	assert set(groups.paused) <= set(groups.open)


def test_an_email_answers_either_document_and_a_logged_call_answers_a_deal():
	assert [response.doctype for response in OPPORTUNITY.responses] == ["Communication"]
	assert [response.doctype for response in CRM_DEAL.responses] == ["Communication", "CRM Call Log"]


def test_a_type_without_a_company_keeps_its_rows_under_no_company():
	assert OPPORTUNITY.scope("_Test Company") == "_Test Company"
	assert OPPORTUNITY.scope(None) == NO_COMPANY
	assert CRM_DEAL.scope("_Test Company") == CRM_DEAL.scope(None) == NO_COMPANY
