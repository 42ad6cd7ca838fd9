// Headless-Chromium UI test of the forecast: the Opportunity Pipeline workspace renders its number cards
// and charts, the kanban shows opportunities in their sales stage's column, and the Opportunity Pipeline
// Forecast renders its chart; each is photographed in English and in French (the README's screenshots).
//
// Run: tests/browser/run   (runs every spec; or `node tests/browser/forecast.spec.mjs` against a running site)

import {
	ADMIN_PASSWORD,
	BASE_URL,
	RUN_ID,
	assert,
	call,
	check,
	fillLink,
	getDoc,
	insertCustomer,
	insertDoc,
	ok,
	runSpec,
	setLanguage,
	shot,
	switchToFrench,
	uiLogin,
	waitForChart,
} from "./lib.mjs";

const CUSTOMER = `_OP UI Forecast Customer ${RUN_ID}`;
const BOARD = "Opportunities by Sales Stage";

function monthsAhead(months, day = 15) {
	const date = new Date();
	date.setUTCDate(1);
	date.setUTCMonth(date.getUTCMonth() + months);
	date.setUTCDate(day);
	return date.toISOString().slice(0, 10);
}

async function waitForCharts(page, count) {
	await page.waitForFunction(
		(count) =>
			document.querySelectorAll(".widget.dashboard-widget-box svg, .chart-container svg")
				.length >= count,
		count,
		{ timeout: 60000 },
	);
}

async function photograph(page, language, stageName, opportunity) {
	check(`[${language}] the workspace shows its number cards and charts`);
	await page.goto(`${BASE_URL}/app/opportunity-pipeline`);
	await page.locator(".number-widget-box").first().waitFor({ state: "visible" });
	await page.waitForFunction(
		() =>
			document.querySelectorAll(".number-widget-box .number").length >= 4 &&
			![...document.querySelectorAll(".number-widget-box")].some((card) =>
				card.textContent.includes(__("Loading...")),
			),
		null,
		{ timeout: 60000 },
	);
	await waitForCharts(page, 3);
	const cards = await page.locator(".number-widget-box").count();
	assert(cards >= 4, `${cards} number cards`);
	const heading = await page.locator(".page-title .title-text, .ce-header").first().innerText();
	ok(`page heading: ${heading}`);
	await page.waitForTimeout(1500);
	await shot(page, `forecast-workspace-${language}`);

	check(`[${language}] the kanban groups opportunities by sales stage`);
	await page.goto(`${BASE_URL}/app/opportunity/view/kanban/${encodeURIComponent(BOARD)}`);
	const column = page.locator(`.kanban-column[data-column-value="${stageName}"]`);
	await column.first().waitFor({ state: "visible" });
	await column
		.locator(`.kanban-card-wrapper[data-name="${encodeURIComponent(opportunity)}"]`)
		.first()
		.waitFor({ state: "visible" });
	ok(`${opportunity} sits in the ${stageName} column`);
	await page.waitForTimeout(800);
	await shot(page, `forecast-kanban-${language}`);

	check(`[${language}] the Opportunity Pipeline Forecast renders its chart`);
	await page.goto(`${BASE_URL}/app/query-report/Opportunity Pipeline Forecast`);
	await waitForChart(page);
	await page
		.locator(".dt-scrollable .dt-cell__content", { hasText: stageName })
		.first()
		.waitFor({ state: "visible" });
	ok(`the chart is drawn and the table lists ${stageName}`);
	await page.waitForTimeout(1000);
	await shot(page, `forecast-report-${language}`);
}

// Where the site has Frappe CRM: the same report on its deals, chosen in the Document Type filter.
async function dealForecast(page, admin, created) {
	const hasDeals = await page.evaluate(() =>
		frappe.boot.opportunity_pipeline.documents.some((d) => d.doctype === "CRM Deal"),
	);
	if (!hasDeals) {
		ok("no Frappe CRM on this site: the Document Type filter is hidden, deals not checked");
		return;
	}
	check("Frappe CRM's deals: Document Type ▸ CRM Deal forecasts them, with their own filters");
	const statuses = (
		await call(
			admin,
			"GET",
			`/api/resource/CRM Deal Status?filters=${encodeURIComponent(
				'[["type","=","Ongoing"]]',
			)}&order_by=position%20asc&limit_page_length=1`,
		)
	).data;
	const deal = await insertDoc(admin, "CRM Deal", {
		status: statuses[0].name,
		deal_value: 12345,
		probability: 40,
		expected_closure_date: monthsAhead(1),
	});
	created.unshift(["CRM Deal", deal.name]);
	await page.goto(`${BASE_URL}/app/query-report/Opportunity Pipeline Forecast`);
	await page.locator(".dt-scrollable .dt-cell__content").first().waitFor({ state: "visible" });
	await page
		.locator('.frappe-control[data-fieldname="document_type"] select')
		.selectOption("CRM Deal");
	await page
		.locator(".dt-scrollable .dt-cell__content", { hasText: statuses[0].name })
		.first()
		.waitFor({ state: "visible" });
	ok(`the table lists the deal's stage, ${statuses[0].name}`);
	const filters = await page.evaluate(() => ({
		territory: frappe.query_report.get_filter("territory").df.options,
		type_shown: frappe.query_report.get_filter("opportunity_type").$wrapper.is(":visible"),
	}));
	assert(filters.territory === "CRM Territory", `Territory links to ${filters.territory}`);
	assert(!filters.type_shown, "the Opportunity Type filter is hidden for deals");
	await page.waitForTimeout(1000);
	await shot(page, "forecast-report-deals");
}

async function main({ admin, browser, created }) {
	const language = (await getDoc(admin, "User", "Administrator")).language || "en";
	try {
		check(
			"test data through the REST API: a customer and opportunities in three sales stages",
		);
		await insertCustomer(admin, CUSTOMER);
		created.push(["Customer", CUSTOMER]);
		const stages = (
			await call(
				admin,
				"GET",
				`/api/resource/Sales Stage?fields=${encodeURIComponent(
					'["name","probability"]',
				)}&order_by=stage_order%20asc&limit_page_length=20`,
			)
		).data;
		assert(stages.length >= 3, `${stages.length} sales stages`);
		let first;
		for (const [index, stage] of [stages[0], stages[3], stages[6] || stages[2]].entries()) {
			const opportunity = await insertDoc(admin, "Opportunity", {
				opportunity_from: "Customer",
				party_name: CUSTOMER,
				sales_stage: stage.name,
				opportunity_amount: 10000 * (index + 1),
				expected_closing: monthsAhead(index + 1),
			});
			created.unshift(["Opportunity", opportunity.name]);
			assert(
				opportunity.probability === stage.probability,
				`${opportunity.name}: stage ${stage.name}, probability ${opportunity.probability} from the stage`,
			);
			first = first || { name: opportunity.name, stage: stage.name };
		}

		const overdue = await insertDoc(admin, "Opportunity", {
			opportunity_from: "Customer",
			party_name: CUSTOMER,
			opportunity_amount: 5000,
			expected_closing: monthsAhead(-2),
		});
		created.unshift(["Opportunity", overdue.name]);

		await call(admin, "POST", "/api/method/frappe.sessions.clear");
		const { page } = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);

		check(
			"the list shows each status's indicator, and Overdue for an open one past its closing",
		);
		await page.goto(`${BASE_URL}/app/opportunity?party_name=${encodeURIComponent(CUSTOMER)}`);
		const indicator = async (name) => {
			const row = page.locator(".list-row-container", {
				has: page.locator(`[data-name="${name}"]`),
			});
			await row.first().waitFor({ state: "visible" });
			return (await row.locator(".indicator-pill").first().innerText()).trim();
		};
		const overdueLabel = await indicator(overdue.name);
		assert(overdueLabel === "Overdue", `${overdue.name}: "${overdueLabel}"`);
		const openLabel = await indicator(first.name);
		assert(openLabel === "Open", `${first.name}: "${openLabel}"`);

		check("in the form, a new sales stage brings its probability");
		const next = stages[1];
		await page.goto(`${BASE_URL}/app/opportunity/${encodeURIComponent(first.name)}`);
		await page.waitForFunction(
			(name) => window.cur_frm && cur_frm.doc.name === name,
			first.name,
		);
		await fillLink(page, "sales_stage", next.name);
		await page.waitForFunction(
			(probability) => cur_frm.doc.probability === probability,
			next.probability,
		);
		ok(`the form shows ${next.probability} % at once`);
		await page.keyboard.press("Control+s");
		await page.waitForFunction(() => !cur_frm.is_dirty());
		const saved = await getDoc(admin, "Opportunity", first.name);
		assert(
			saved.sales_stage === next.name && saved.probability === next.probability,
			`saved: ${saved.sales_stage}, ${saved.probability} %`,
		);
		await call(admin, "PUT", `/api/resource/Opportunity/${encodeURIComponent(first.name)}`, {
			sales_stage: first.stage,
		});

		await photograph(page, "en", first.stage, first.name);
		await dealForecast(page, admin, created);

		check("the same pages in French");
		await switchToFrench(admin, page);
		const label = await page.evaluate(() => __("Opportunity Pipeline"));
		assert(label === "Pipeline des opportunités", `the workspace is called "${label}"`);
		await photograph(page, "fr", first.stage, first.name);
		ok("PASS");
	} finally {
		await setLanguage(admin, language);
	}
}

runSpec(main);
