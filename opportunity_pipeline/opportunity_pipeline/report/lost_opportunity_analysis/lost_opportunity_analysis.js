frappe.query_reports["Lost Opportunity Analysis"] = {
	// A lost deal's status is its lost status: the stage filter does not apply to deals.
	onload: (report) =>
		opportunity_pipeline.follow_document_type(report, { "CRM Deal": ["sales_stage"] }),
	filters: [
		opportunity_pipeline.document_type_filter(),
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
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -12),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
		{
			fieldname: "periodicity",
			label: __("Periodicity"),
			fieldtype: "Select",
			options: [
				{ value: "Monthly", label: __("Monthly") },
				{ value: "Quarterly", label: __("Quarterly") },
				{ value: "Yearly", label: __("Yearly") },
			],
			default: "Monthly",
		},
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "Reason", label: __("Lost Reason") },
				{ value: "Category", label: __("Category") },
			],
			default: "Reason",
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
			fieldname: "source",
			label: __("Source"),
			fieldtype: "Link",
			// Lead Source on ERPNext 15, UTM Source on 16 (the app's boot says which).
			options: frappe.boot.opportunity_pipeline.source_doctype,
		},
		{
			fieldname: "converted_by",
			label: __("Converted By"),
			fieldtype: "Link",
			options: "User",
		},
		{
			fieldname: "opportunity_owner",
			label: __("Opportunity Owner"),
			fieldtype: "Link",
			options: "User",
		},
	],
	onload(report) {
		// The report reads whole months from a summary the app keeps; a System Manager can rebuild it.
		if (!frappe.user.has_role("System Manager")) return;
		report.page.add_inner_button(__("Rebuild Summary"), () =>
			frappe.confirm(__("Rebuild the losses summary from every lost opportunity now?"), () =>
				frappe
					.call({ method: "opportunity_pipeline.api.rebuild_loss_summary" })
					.then(() => report.refresh()),
			),
		);
	},
};
