"""The Win Probability section of Selling Settings, read once per request."""

from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import cint

from opportunity_pipeline.auto_close.settings import save_defaults as save_field_defaults
from opportunity_pipeline.pipeline_document import OPPORTUNITY, PipelineDocument
from opportunity_pipeline.win_probability.rules import (
	AMOUNT_BAND,
	DEFAULT_FIELDS,
	DEFAULT_MIN_COUNT,
	DEFAULT_MIN_HISTORY,
	OPTIONAL_FIELDS,
	STAGE_FIELD,
)

LEARNED = "Learned"
SALES_STAGE = "Sales Stage"


@dataclass(frozen=True)
class WinProbabilitySettings:
	method: str
	fields: tuple  # the optional fields the model uses, as rules.OPTIONAL_FIELDS names them
	min_won: int
	min_lost: int
	min_count: int
	closed_is_lost: bool

	@property
	def learned(self) -> bool:
		return self.method == LEARNED

	def fields_of(self, document: PipelineDocument) -> tuple:
		"""The chosen fields the document type has (a deal has no opportunity type, for one)."""
		return tuple(field for field in self.fields if field in document.model_fields)


def win_probability_settings() -> WinProbabilitySettings:
	"""Selling Settings as saved (cached by Frappe until the next save); a value never saved reads as its
	default, so a site that installed the app before this section behaves as the section's defaults say."""
	settings = frappe.get_cached_doc("Selling Settings")

	def number(fieldname, default):
		value = settings.get(fieldname)
		return default if value in (None, "") else cint(value)

	return WinProbabilitySettings(
		method=settings.get("win_probability_method") or SALES_STAGE,
		fields=tuple(
			field for field, check in OPTIONAL_FIELDS.items() if number(check, int(field in DEFAULT_FIELDS))
		),
		min_won=number("win_probability_min_won", DEFAULT_MIN_HISTORY),
		min_lost=number("win_probability_min_lost", DEFAULT_MIN_HISTORY),
		min_count=max(1, number("win_probability_min_count", DEFAULT_MIN_COUNT)),
		closed_is_lost=bool(number("win_probability_closed_is_lost", 0)),
	)


def column(field: str, document: PipelineDocument = OPPORTUNITY) -> str:
	"""The document's column behind a model field on this site (ERPNext 16 renamed source and campaign)."""
	return document.field_on_this_version(field, frappe.get_meta(document.doctype).has_field)


def field_label(field: str, document: PipelineDocument = OPPORTUNITY) -> str:
	"""The field's label on the document's form."""
	if field == AMOUNT_BAND:
		return _("Amount")
	fieldname = document.stage.fieldname if field == STAGE_FIELD else column(field, document)
	return _(frappe.get_meta(document.doctype).get_label(fieldname))


def changed(settings) -> bool:
	"""Whether a save of Selling Settings changed anything of this section."""
	return any(
		settings.has_value_changed(field.fieldname)
		for field in settings.meta.fields
		if field.fieldname.startswith("win_probability_")
	)


def save_defaults():
	"""Install and migrate: each setting of the section never saved gets its default."""
	save_field_defaults(
		field.fieldname
		for field in frappe.get_meta("Selling Settings").fields
		if field.fieldname.startswith("win_probability_")
	)
