frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Lost Opportunities by Reason"] = {
	method: "opportunity_pipeline.opportunity_pipeline.dashboard_chart_source.lost_opportunities_by_reason.lost_opportunities_by_reason.get",
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
			reqd: 1,
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
	],
};
