// Headless-Chromium UI test of the learned win probability: a history of won and lost opportunities made
// through the REST API, "Learn Now" clicked in Selling Settings (a burst worker of the bench runs the
// job), the Opportunity form showing the factors beside the probability, and the Win Probability
// Calibration report drawing its chart; each is photographed in English and in French (the README's
// screenshots).
//
// Run: tests/browser/run win_probability

import {
	ADMIN_PASSWORD,
	BASE_URL,
	RUN_ID,
	assert,
	bench,
	call,
	check,
	defaultCompany,
	getDoc,
	insertCustomer,
	insertDoc,
	ok,
	opportunitySource,
	runSpec,
	setLanguage,
	shot,
	switchToFrench,
	uiLogin,
	waitForChart,
} from "./lib.mjs";

const CUSTOMER = `_OP UI Win Customer ${RUN_ID}`;
const REFERRAL = `_OP UI Referral ${RUN_ID}`;
const COLD_CALL = `_OP UI Cold Call ${RUN_ID}`;
const REASON = `_OP UI Win Reason ${RUN_ID}`;
const SETTINGS = {
	win_probability_method: "Learned",
	win_probability_min_won: 3,
	win_probability_min_lost: 3,
	win_probability_min_count: 2,
	win_probability_use_source: 1,
	win_probability_use_territory: 0,
	win_probability_use_customer_group: 0,
	win_probability_use_opportunity_type: 0,
};
// Referral won 12 times and was lost twice; Cold Call the other way round.
const HISTORY = [
	[REFERRAL, "Converted", 12],
	[REFERRAL, "Lost", 2],
	[COLD_CALL, "Converted", 2],
	[COLD_CALL, "Lost", 12],
];

function runQueuedJobs() {
	bench(["worker", "--queue", "long", "--burst"]);
}

async function photograph(page, language, opportunity, company) {
	check(`[${language}] the Opportunity form shows the learned chance's factors`);
	await page.goto(`${BASE_URL}/app/opportunity/${encodeURIComponent(opportunity)}`);
	await page.waitForFunction((name) => window.cur_frm && cur_frm.doc.name === name, opportunity);
	const factors = page.locator(".win-probability-factors");
	await factors.waitFor({ state: "visible" });
	const text = await factors.innerText();
	const source = await page.evaluate(() => __("Source"));
	assert(
		text.includes(`${source} = ${REFERRAL}: ×`),
		`the form says: ${text.replace(/\n/g, " / ")}`,
	);
	await page.locator('.frappe-control[data-fieldname="probability"]').scrollIntoViewIfNeeded();
	await page.waitForTimeout(800);
	await shot(page, `win-probability-form-${language}`);

	check(`[${language}] the Win Probability Calibration report draws predicted against actual`);
	const query = new URLSearchParams({ company }).toString();
	await page.goto(`${BASE_URL}/app/query-report/Win Probability Calibration?${query}`);
	await waitForChart(page);
	await page.locator(".report-summary .summary-item").first().waitFor({ state: "visible" });
	const summary = await page.locator(".report-summary").innerText();
	const brier = await page.evaluate(() => __("Brier Score, Learned"));
	assert(summary.includes(brier), `the summary shows "${brier}"`);
	await page.waitForTimeout(1000);
	await shot(page, `win-probability-calibration-${language}`);
}

async function main({ admin, browser, created }) {
	const language = (await getDoc(admin, "User", "Administrator")).language || "en";
	const before = await getDoc(admin, "Selling Settings", "Selling Settings");
	const company = await defaultCompany(admin);
	try {
		check("a history through the REST API: Referral mostly won, Cold Call mostly lost");
		await call(admin, "PUT", "/api/resource/Selling Settings/Selling Settings", SETTINGS);
		await insertCustomer(admin, CUSTOMER);
		created.push(["Customer", CUSTOMER]);
		const sources = await opportunitySource(admin);
		for (const source of [REFERRAL, COLD_CALL]) {
			await sources.insert(source);
			created.push([sources.doctype, source]);
		}
		await insertDoc(admin, "Opportunity Lost Reason", { lost_reason: REASON });
		created.push(["Opportunity Lost Reason", REASON]);
		const stage = (
			await call(
				admin,
				"GET",
				"/api/resource/Sales Stage?order_by=stage_order%20asc&limit_page_length=1",
			)
		).data[0].name;
		const opportunity = (values) =>
			insertDoc(admin, "Opportunity", {
				opportunity_from: "Customer",
				party_name: CUSTOMER,
				company,
				sales_stage: stage,
				...values,
			});
		for (const [source, status, times] of HISTORY) {
			for (let n = 0; n < times; n++) {
				const { name } = await opportunity({ [sources.field]: source });
				created.unshift(["Opportunity", name]);
				if (status === "Converted") {
					await call(admin, "PUT", `/api/resource/Opportunity/${name}`, { status });
				} else {
					await call(
						admin,
						"POST",
						"/api/method/opportunity_pipeline.api.declare_lost",
						{
							opportunity: name,
							lost_reasons: JSON.stringify([REASON]),
						},
					);
				}
			}
		}
		const open = await opportunity({ [sources.field]: REFERRAL });
		created.unshift(["Opportunity", open.name]);
		ok(
			`${HISTORY.reduce((sum, [, , times]) => sum + times, 0)} closed opportunities, and ${
				open.name
			} open`,
		);

		await call(admin, "POST", "/api/method/frappe.sessions.clear");
		const { page } = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);

		check("Selling Settings ▸ Win Probability ▸ Learn Now queues the learning");
		await page.goto(`${BASE_URL}/app/selling-settings`);
		await page.waitForFunction(() => window.cur_frm && cur_frm.doctype === "Selling Settings");
		await page.locator(".inner-group-button button", { hasText: "Win Probability" }).click();
		await page.locator(".dropdown-menu.show .dropdown-item", { hasText: "Learn Now" }).click();
		await page
			.locator(".alert-message, .desk-alert")
			.filter({ hasText: /Learning/ })
			.first()
			.waitFor({ state: "visible" });
		runQueuedJobs();
		const why = (
			await call(
				admin,
				"POST",
				"/api/method/opportunity_pipeline.api.explain_win_probability",
				{
					opportunity: open.name,
				},
			)
		).message;
		assert(why.method === "Learned", `explain_win_probability: ${JSON.stringify(why)}`);
		const saved = await getDoc(admin, "Opportunity", open.name);
		assert(
			saved.probability === why.probability,
			`the job applied the learned chance to ${open.name}: ${saved.probability} %`,
		);

		await photograph(page, "en", open.name, company);

		check("the same pages in French");
		await switchToFrench(admin, page);
		const title = await page.evaluate(() => __("Win Probability Calibration"));
		assert(title === "Calibrage de la probabilité de gain", `the report is called "${title}"`);
		await photograph(page, "fr", open.name, company);
		ok("PASS");
	} finally {
		await setLanguage(admin, language);
		const restored = Object.fromEntries(
			Object.keys(SETTINGS).map((key) => [key, before[key]]),
		);
		await call(admin, "PUT", "/api/resource/Selling Settings/Selling Settings", restored);
	}
}

runSpec(main);
