"""The move from ERPNext's CRM to Frappe CRM: its status table, checked on save (crm_move.settings)."""

from frappe.model.document import Document


class PipelineMove(Document):
	def onload(self):
		from opportunity_pipeline.crm_move.settings import fill_status_table

		fill_status_table(self)

	def validate(self):
		from opportunity_pipeline.crm_move.settings import validate_status_table

		validate_status_table(self)
