"""The app's sections in the side panel of Frappe CRM's deal page (/crm), where its users read and set a
deal's fields: the next follow-up and whether the deal is stalled, and its forecast category. Frappe CRM
keeps that panel as a layout a manager arranges (CRM Fields Layout "CRM Deal-Side Panel", a JSON list of
sections, or of tabs holding sections); the app adds each section once, leaves the rest as the manager
has it, and takes away only its own on uninstall.

No Frappe import: the layout is data, tested in layer 1.
"""

# The app's sections, by name: (label, fields). Frappe CRM translates a section's label where it shows it
# (Section.vue: __(label)).
FOLLOW_UP = "opportunity_pipeline_follow_up"
FORECAST = "opportunity_pipeline_forecast"
SECTIONS = {
	FOLLOW_UP: ("Follow-up", ("contact_date", "contact_by", "is_stalled")),
	FORECAST: ("Forecast", ("forecast_category",)),
}


def _sections(layout: list) -> list:
	"""The sections of a layout in either of Frappe CRM's shapes: the first tab's, when it has tabs."""
	if layout and isinstance(layout[0], dict) and "sections" in layout[0]:
		return layout[0]["sections"]
	return layout


def _fields_in(layout: list) -> set:
	tabs = layout if layout and "sections" in layout[0] else [{"sections": layout}]
	return {
		fieldname
		for tab in tabs
		for section in tab.get("sections") or []
		for column in section.get("columns") or []
		for fieldname in column.get("fields") or []
	}


def with_section(layout: list, name: str) -> list | None:
	"""The layout with the app's section `name` after the others, or None when nothing needs adding: the
	section is there, or a manager placed its fields elsewhere."""
	label, fields = SECTIONS[name]
	if _fields_in(layout) & set(fields):
		return None
	section = {
		"label": label,
		"name": name,
		"opened": True,
		"columns": [{"name": f"{name}_column", "fields": list(fields)}],
	}
	if not layout:
		return [section]
	_sections(layout).append(section)
	return layout


def with_sections(layout: list, names) -> list | None:
	"""The layout with each of the app's sections `names` that it lacks (with_section), or None when it
	needs none of them: one change, so the layout is saved once."""
	changed = None
	for name in names:
		changed = with_section(changed or layout, name) or changed
	return changed


def without_app_sections(layout: list) -> list | None:
	"""The layout without the app's sections, or None when it has none (a manager removed them)."""
	sections = _sections(layout)
	kept = [section for section in sections if section.get("name") not in SECTIONS]
	if len(kept) == len(sections):
		return None
	sections[:] = kept
	return layout
