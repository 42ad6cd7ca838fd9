// Headless-Chromium UI test of the pipeline history: opportunities made and moved through the REST API,
// the Opportunity form's Pipeline History section listing its stays, and the Pipeline Movement, Forecast
// Accuracy and Stage Velocity reports drawing their tables and charts; each is photographed in English
// and in French (the README's screenshots).
//
// Run: tests/browser/run pipeline_history

import {
	ADMIN_PASSWORD,
	BASE_URL,
	RUN_ID,
	assert,
	assertTitled,
	call,
	check,
	defaultCompany,
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

const CUSTOMER = `_OP UI History Customer ${RUN_ID}`;
const REASON = `_OP UI History Reason ${RUN_ID}`;

async function stages(admin) {
	const rows = (
		await call(
			admin,
			"GET",
			"/api/resource/Sales Stage?order_by=stage_order%20asc&limit_page_length=3",
		)
	).data;
	return rows.map((row) => row.name);
}

async function showReport(page, name, company, language, file) {
	check(`[${language}] ${name} draws its table and chart`);
	const query = new URLSearchParams({ company }).toString();
	await page.goto(`${BASE_URL}/app/query-report/${name}?${query}`);
	await page.locator(".dt-scrollable .dt-row, .dt-scrollable .dt-cell").first().waitFor();
	await waitForChart(page);
	const title = await page.evaluate((report) => __(report), name);
	await assertTitled(page, title);
	await page.waitForTimeout(1000);
	await shot(page, file);
}

async function photograph(page, language, opportunity, company) {
	check(`[${language}] the Opportunity form lists the stays in each stage`);
	await page.goto(`${BASE_URL}/app/opportunity/${encodeURIComponent(opportunity)}`);
	await page.waitForFunction((name) => window.cur_frm && cur_frm.doc.name === name, opportunity);
	const label = await page.evaluate(() => __("Pipeline History"));
	const head = page.locator(".form-section .section-head", { hasText: label }).first();
	await head.scrollIntoViewIfNeeded();
	if (await head.evaluate((node) => node.classList.contains("collapsed"))) await head.click();
	const table = page.locator("table.pipeline-history");
	await table.waitFor({ state: "visible" });
	const rows = await table.locator("tbody tr").count();
	assert(rows === 3, `the form lists ${rows} stays, expected 3`);
	await table.scrollIntoViewIfNeeded();
	await page.waitForTimeout(600);
	await shot(page, `pipeline-history-form-${language}`);

	await showReport(
		page,
		"Pipeline Movement",
		company,
		language,
		`pipeline-movement-${language}`,
	);
	await showReport(
		page,
		"Forecast Accuracy",
		company,
		language,
		`forecast-accuracy-${language}`,
	);
	await showReport(page, "Stage Velocity", company, language, `stage-velocity-${language}`);
}

async function main({ admin, browser, created }) {
	const language = (await getDoc(admin, "User", "Administrator")).language || "en";
	const company = await defaultCompany(admin);
	try {
		check("opportunities made and moved through the REST API");
		await insertCustomer(admin, CUSTOMER);
		created.push(["Customer", CUSTOMER]);
		await insertDoc(admin, "Opportunity Lost Reason", { lost_reason: REASON });
		created.push(["Opportunity Lost Reason", REASON]);
		const [first, second, third] = await stages(admin);
		const names = [];
		for (const amount of [12000, 8000, 3000]) {
			const { name } = await insertDoc(admin, "Opportunity", {
				opportunity_from: "Customer",
				party_name: CUSTOMER,
				company,
				sales_stage: first,
				opportunity_amount: amount,
			});
			created.unshift(["Opportunity", name]);
			names.push(name);
		}
		for (const name of names) {
			await call(admin, "PUT", `/api/resource/Opportunity/${name}`, { sales_stage: second });
		}
		await call(admin, "PUT", `/api/resource/Opportunity/${names[0]}`, { sales_stage: third });
		await call(admin, "PUT", `/api/resource/Opportunity/${names[1]}`, { status: "Converted" });
		await call(admin, "POST", "/api/method/opportunity_pipeline.api.declare_lost", {
			opportunity: names[2],
			lost_reasons: JSON.stringify([REASON]),
		});
		const history = (
			await call(admin, "POST", "/api/method/opportunity_pipeline.api.opportunity_history", {
				opportunity: names[0],
			})
		).message;
		assert(history.stays.length === 3, `three stays: ${JSON.stringify(history.stays)}`);
		ok(`${names.join(", ")}: moved, won and lost`);

		await call(admin, "POST", "/api/method/frappe.sessions.clear");
		const { page } = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);
		await photograph(page, "en", names[0], company);

		check("the same pages in French");
		await switchToFrench(admin, page);
		const title = await page.evaluate(() => __("Pipeline Movement"));
		assert(title === "Mouvement du pipeline", `the report is called "${title}"`);
		await photograph(page, "fr", names[0], company);
		ok("PASS");
	} finally {
		await setLanguage(admin, language);
	}
}

runSpec(main);
