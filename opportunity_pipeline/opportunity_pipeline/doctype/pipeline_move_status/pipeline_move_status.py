"""A row of Pipeline Move's status table (a Dynamic Link, as CRM Deal Status exists only where Frappe CRM is
installed)."""

from frappe.model.document import Document


class PipelineMoveStatus(Document):
	pass
