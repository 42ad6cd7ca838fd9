// The pipeline reports' filters that depend on the document type: Opportunity, and Frappe CRM's deals
// where it is installed (frappe.boot.opportunity_pipeline.documents says which, and what each filter
// links to there). Loaded on every desk page (hooks.app_include_js), as a report's own script is
// evaluated in the page's global scope and cannot share code with another report's.
frappe.provide("opportunity_pipeline");

opportunity_pipeline.document_type_filter = () => {
	const documents = frappe.boot.opportunity_pipeline.documents;
	return {
		fieldname: "document_type",
		label: __("Document Type"),
		fieldtype: "Select",
		options: documents.map((d) => ({ value: d.doctype, label: __(d.doctype) })),
		default: "Opportunity",
		hidden: documents.length < 2 ? 1 : 0,
		on_change: (report) => {
			opportunity_pipeline.follow_document_type(report);
			report.refresh();
		},
	};
};

// Each filter follows the chosen type: what it links to, shown only where the type has the field
// (`not_applicable`: {doctype: [fieldname, ...]} that a report leaves out besides); the stalled filter
// only where the app keeps the flag; Group By back to its first choice where the type lacks the group
// (an empty Group By, where a report offers one, stays empty).
opportunity_pipeline.follow_document_type = (report, not_applicable = {}) => {
	const documents = frappe.boot.opportunity_pipeline.documents;
	const chosen =
		documents.find((d) => d.doctype === report.get_filter_value("document_type")) ||
		documents[0];
	const left_out = not_applicable[chosen.doctype] || [];
	for (const [fieldname, doctype] of Object.entries(chosen.filter_links)) {
		const filter = report.get_filter(fieldname);
		if (!filter) continue;
		const applies = Boolean(doctype) && !left_out.includes(fieldname);
		if (filter.get_value() && (!applies || filter.df.options !== doctype))
			filter.set_value("");
		if (applies && filter.df.options !== doctype) {
			filter.df.options = doctype;
			filter.refresh();
		}
		filter.toggle(applies);
	}
	const stalled = report.get_filter("stalled");
	if (stalled) {
		if (!chosen.keeps_stalled && stalled.get_value() !== "Include")
			stalled.set_value("Include");
		stalled.toggle(chosen.keeps_stalled);
	}
	const group_by = report.get_filter("group_by");
	if (group_by && group_by.df.options.some((o) => chosen.groups.includes(o.value))) {
		const value = group_by.get_value();
		if (value && !chosen.groups.includes(value)) group_by.set_value(chosen.groups[0]);
	}
};
