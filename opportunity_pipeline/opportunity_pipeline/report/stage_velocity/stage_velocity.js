frappe.query_reports["Stage Velocity"] = {
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
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -3),
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
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "", label: "" },
				{ value: "Opportunity Owner", label: __("Opportunity Owner") },
				{ value: "Territory", label: __("Territory") },
			],
		},
	],
};
