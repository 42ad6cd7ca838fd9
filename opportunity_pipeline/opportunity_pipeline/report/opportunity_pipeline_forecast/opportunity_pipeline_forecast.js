frappe.query_reports["Opportunity Pipeline Forecast"] = {
	onload: (report) => opportunity_pipeline.follow_document_type(report),
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
