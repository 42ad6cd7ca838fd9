frappe.query_reports["Forecast Accuracy"] = {
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
			label: __("From Month"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.month_start(), -12),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("To Month"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(frappe.datetime.month_start(), -1),
			reqd: 1,
		},
		{
			fieldname: "weeks",
			label: __("Forecast Taken Weeks Before the Month"),
			fieldtype: "Select",
			options: [
				{ value: "4", label: __("4 weeks") },
				{ value: "1", label: __("1 week") },
				{ value: "13", label: __("13 weeks") },
			],
			default: "4",
		},
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "", label: "" },
				{ value: "Opportunity Owner", label: __("Opportunity Owner") },
			],
		},
	],
	onload(report) {
		opportunity_pipeline.follow_document_type(report);
	},
};
