// The document types the site runs: Opportunity, and Frappe CRM's deals where it is installed.
const pipeline_documents = frappe.boot.opportunity_pipeline.documents;

// The filters that differ by document type follow the one chosen: what territory and stage link to,
// and the groups and flags it has.
function follow_document_type(report) {
	const chosen =
		pipeline_documents.find((d) => d.doctype === report.get_filter_value("document_type")) ||
		pipeline_documents[0];
	for (const [fieldname, doctype] of [
		["territory", chosen.territory_doctype],
		["sales_stage", chosen.stage_doctype],
	]) {
		const filter = report.get_filter(fieldname);
		if (filter.df.options !== doctype) {
			filter.df.options = doctype;
			filter.set_value("");
			filter.refresh();
		}
	}
	report.get_filter("opportunity_type").toggle(chosen.groups.includes("Opportunity Type"));
	const stalled = report.get_filter("stalled");
	if (!chosen.keeps_stalled && stalled.get_value() !== "Include") stalled.set_value("Include");
	stalled.toggle(chosen.keeps_stalled);
	const group_by = report.get_filter("group_by");
	if (!chosen.groups.includes(group_by.get_value())) group_by.set_value("Sales Stage");
}

frappe.query_reports["Opportunity Pipeline Forecast"] = {
	onload: (report) => follow_document_type(report),
	filters: [
		{
			fieldname: "document_type",
			label: __("Document Type"),
			fieldtype: "Select",
			options: pipeline_documents.map((d) => ({ value: d.doctype, label: __(d.doctype) })),
			default: "Opportunity",
			hidden: pipeline_documents.length < 2 ? 1 : 0,
			on_change: (report) => {
				follow_document_type(report);
				report.refresh();
			},
		},
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
			reqd: 1,
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.month_start(),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(
				frappe.datetime.add_months(frappe.datetime.month_start(), 12),
				-1,
			),
			reqd: 1,
		},
		{
			fieldname: "periodicity",
			label: __("Periodicity"),
			fieldtype: "Select",
			options: [
				{ value: "Monthly", label: __("Monthly") },
				{ value: "Quarterly", label: __("Quarterly") },
			],
			default: "Monthly",
		},
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "Sales Stage", label: __("Sales Stage") },
				{ value: "Opportunity Owner", label: __("Opportunity Owner") },
				{ value: "Converted By", label: __("Converted By") },
				{ value: "Territory", label: __("Territory") },
				{ value: "Opportunity Type", label: __("Opportunity Type") },
			],
			default: "Sales Stage",
		},
		{
			fieldname: "stalled",
			label: __("Stalled Opportunities"),
			fieldtype: "Select",
			options: [
				{ value: "Include", label: __("Include") },
				{ value: "Leave Out", label: __("Leave Out") },
				{ value: "Show Apart", label: __("Show Apart") },
			],
			default: "Include",
		},
		{
			fieldname: "territory",
			label: __("Territory"),
			fieldtype: "Link",
			options: "Territory",
		},
		{
			fieldname: "sales_stage",
			label: __("Sales Stage"),
			fieldtype: "Link",
			options: "Sales Stage",
		},
		{
			fieldname: "opportunity_type",
			label: __("Opportunity Type"),
			fieldtype: "Link",
			options: "Opportunity Type",
		},
		{
			fieldname: "opportunity_owner",
			label: __("Opportunity Owner"),
			fieldtype: "Link",
			options: "User",
		},
	],
};
