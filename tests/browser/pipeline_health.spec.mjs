// Headless-Chromium UI test of pipeline health: a stage that stalls after 3 days, one opportunity that has
// been in it for 10 (its history's stay moved back through the bench's database client) and one that
// just entered it; the daily refresh run through `bench execute`; the list shows the first as Stalled,
// the kanban tints its card, and the Follow-up Discipline report draws its table and chart over four
// follow-ups of the last two weeks (their history written as the app writes it, in the past, through the
// database client). Each is photographed in English and in French (the README's screenshots).
//
// Run: tests/browser/run pipeline_health

import {
	ADMIN_PASSWORD,
	BASE_URL,
	RUN_ID,
	assert,
	assertTitled,
	bench,
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

const CUSTOMER = `_OP UI Health Customer ${RUN_ID}`;
const STAGE = `_OP UI Slow ${RUN_ID}`;
const BOARD = "Opportunities by Sales Stage";

function stayedTenDays(opportunity) {
	const name = opportunity.replace(/'/g, "''");
	bench(
		["mariadb"],
		"update `tabOpportunity Pipeline State` set stage_since = now() - interval 10 day, " +
			`valid_from = now() - interval 10 day where opportunity = '${name}' and valid_to is null;\n`,
	);
	bench(["execute", "opportunity_pipeline.pipeline_health.stalled.refresh_stalled"]);
}

const STATE = "`tabOpportunity Pipeline State`";
const CURRENT = "valid_to is null and deleted = 0";
// rules.SPAN_DAYS: a row's lifetime class, as the app stores it.
const SPAN = `case ${[...Array(13).keys()]
	.map((power) => `when valid_from >= valid_to - interval ${2 ** power} day then ${power + 1}`)
	.join(" ")} else 14 end`;

function quoted(name) {
	return `'${name.replace(/'/g, "''")}'`;
}

// A follow-up that came due `dueDaysAgo` days ago at 10:00 and was done `doneHours` later: the history as
// the app writes it (a row that ended the follow-up, then the current row with the next step).
function followedUp(opportunity, dueDaysAgo, doneHours) {
	const name = quoted(opportunity);
	bench(
		["mariadb"],
		`set @start = now() - interval 20 day;
		set @due = date(now()) - interval ${dueDaysAgo} day + interval 10 hour;
		set @done = @due + interval ${doneHours} hour;
		insert into ${STATE} (name, creation, modified, owner, modified_by, opportunity, company, valid_from,
			valid_to, origin, changed_by, deleted, status, sales_stage, amount, probability, expected_closing,
			opportunity_owner, contact_by, contact_date, territory, opportunity_type, source, stage_since,
			stage_days, contact_since, ends_follow_up, span_class)
		select nextval(opportunity_pipeline_state_id_seq), now(), now(), owner, modified_by, opportunity,
			company, @start, @done, origin, changed_by, 0, status, sales_stage, amount, probability,
			expected_closing, opportunity_owner, contact_by, @due, territory, opportunity_type, source, @start,
			0, @start, 1, 0
		from ${STATE} where opportunity = ${name} and ${CURRENT};
		update ${STATE} set span_class = ${SPAN} where opportunity = ${name} and valid_to = @done;
		update ${STATE} set valid_from = @done, contact_since = @done, stage_since = @start
		where opportunity = ${name} and ${CURRENT};\n`,
	);
}

// A follow-up due `dueDaysAgo` days ago and not done: the opportunity still waits on it.
function missed(opportunity, dueDaysAgo) {
	const name = quoted(opportunity);
	bench(
		["mariadb"],
		`set @start = now() - interval 20 day;
		set @due = date(now()) - interval ${dueDaysAgo} day + interval 10 hour;
		update tabOpportunity set contact_date = @due where name = ${name};
		update ${STATE} set contact_date = @due, valid_from = @start, contact_since = @start,
			stage_since = @start where opportunity = ${name} and ${CURRENT};\n`,
	);
}

async function photograph(page, language, stalled, fresh, company) {
	check(`[${language}] the list shows the stalled opportunity as Stalled`);
	const label = await page.evaluate(() => __("Stalled"));
	await page.goto(`${BASE_URL}/app/opportunity?sales_stage=${encodeURIComponent(STAGE)}`);
	const row = page.locator(".list-row-container", { hasText: stalled }).first();
	await row.waitFor({ state: "visible" });
	const indicator = await row.locator(".indicator-pill").first().innerText();
	assert(indicator.trim() === label, `${stalled} shows "${indicator}", expected "${label}"`);
	const other = await page
		.locator(".list-row-container", { hasText: fresh })
		.first()
		.locator(".indicator-pill")
		.first()
		.innerText();
	assert(other.trim() !== label, `${fresh} is not stalled, it shows "${other}"`);
	await page.waitForTimeout(600);
	await shot(page, `pipeline-health-list-${language}`);

	check(`[${language}] the kanban tints the stalled opportunity's card`);
	await page.goto(`${BASE_URL}/app/opportunity/view/kanban/${encodeURIComponent(BOARD)}`);
	const card = page
		.locator(`.kanban-card-wrapper[data-name="${encodeURIComponent(stalled)}"]`)
		.first();
	await card.waitFor({ state: "visible" });
	await page.waitForFunction(
		(name) =>
			document
				.querySelector(`.kanban-card-wrapper[data-name="${encodeURIComponent(name)}"]`)
				?.classList.contains("opportunity-pipeline-stalled"),
		stalled,
	);
	await page.waitForTimeout(1000); // the board draws its cards again after loading: the tint must survive
	const freshTinted = await page
		.locator(`.kanban-card-wrapper[data-name="${encodeURIComponent(fresh)}"]`)
		.first()
		.evaluate((node) => node.classList.contains("opportunity-pipeline-stalled"));
	assert(!freshTinted, `${fresh}'s card is not tinted`);
	const colours = await page.evaluate(
		(names) =>
			names.map(
				(name) =>
					getComputedStyle(
						document.querySelector(
							`.kanban-card-wrapper[data-name="${encodeURIComponent(
								name,
							)}"] .kanban-card`,
						),
					).backgroundColor,
			),
		[stalled, fresh],
	);
	assert(
		colours[0] !== colours[1],
		`the stalled card's colour ${colours[0]} differs from ${colours[1]}`,
	);
	await page.evaluate((name) => {
		document
			.querySelector(`.kanban-card-wrapper[data-name="${encodeURIComponent(name)}"]`)
			?.scrollIntoView({ block: "center", inline: "center" });
	}, stalled);
	await page.waitForTimeout(800);
	await shot(page, `pipeline-health-kanban-${language}`);

	check(`[${language}] Follow-up Discipline draws its table and chart`);
	await page.goto(
		`${BASE_URL}/app/query-report/Follow-up Discipline?${new URLSearchParams({ company })}`,
	);
	await page.locator(".dt-scrollable .dt-row, .dt-scrollable .dt-cell").first().waitFor();
	await waitForChart(page);
	const title = await page.evaluate(() => __("Follow-up Discipline"));
	await assertTitled(page, title);
	await page.waitForTimeout(1000);
	await shot(page, `follow-up-discipline-${language}`);
}

async function main({ admin, browser, created }) {
	const language = (await getDoc(admin, "User", "Administrator")).language || "en";
	const company = await defaultCompany(admin);
	try {
		check("a stage that stalls after 3 days and two opportunities in it");
		await insertCustomer(admin, CUSTOMER);
		created.push(["Customer", CUSTOMER]);
		await insertDoc(admin, "Sales Stage", { stage_name: STAGE, stalled_after_days: 3 });
		created.push(["Sales Stage", STAGE]);
		const names = [];
		for (const amount of [9000, 4000]) {
			const { name } = await insertDoc(admin, "Opportunity", {
				opportunity_from: "Customer",
				party_name: CUSTOMER,
				company,
				sales_stage: STAGE,
				opportunity_amount: amount,
			});
			created.unshift(["Opportunity", name]);
			names.push(name);
		}
		const [stalled, fresh] = names;
		stayedTenDays(stalled);

		check("four follow-ups of the last two weeks: two done on time, one late, one missed");
		const nextWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
		const followUps = [];
		for (const amount of [3000, 5000, 7000, 2000]) {
			const { name } = await insertDoc(admin, "Opportunity", {
				opportunity_from: "Customer",
				party_name: CUSTOMER,
				company,
				opportunity_amount: amount,
				opportunity_owner: "Administrator",
				contact_by: "Administrator",
				contact_date: `${nextWeek} 10:00:00`,
			});
			created.unshift(["Opportunity", name]);
			followUps.push(name);
		}
		followedUp(followUps[0], 12, 5);
		followedUp(followUps[1], 9, 3);
		followedUp(followUps[2], 6, 50);
		missed(followUps[3], 3);
		const report = (
			await call(admin, "POST", "/api/method/frappe.desk.query_report.run", {
				report_name: "Follow-up Discipline",
				filters: { company },
			})
		).message;
		const mine = report.result.find((row) => row.group_key === "Administrator");
		assert(
			mine && mine.due >= 4 && mine.on_time >= 2 && mine.late >= 1 && mine.missed >= 1,
			`Administrator's follow-ups: ${JSON.stringify(mine)}`,
		);
		ok(`due ${mine.due}: ${mine.on_time} on time, ${mine.late} late, ${mine.missed} missed`);
		const health = (
			await call(
				admin,
				"GET",
				"/api/method/opportunity_pipeline.api.pipeline_health?" +
					new URLSearchParams({ company }),
			)
		).message;
		assert(
			health.stalled.includes(stalled) && !health.stalled.includes(fresh),
			`api.pipeline_health: ${JSON.stringify(health.stalled)}`,
		);
		ok(`${stalled} is stalled, ${fresh} is not`);

		await call(admin, "POST", "/api/method/frappe.sessions.clear");
		const { page } = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);
		await photograph(page, "en", stalled, fresh, company);

		check("the same pages in French");
		await switchToFrench(admin, page);
		const title = await page.evaluate(() => __("Follow-up Discipline"));
		assert(title === "Rigueur des relances", `the report is called "${title}"`);
		await photograph(page, "fr", stalled, fresh, company);
		ok("PASS");
	} finally {
		await setLanguage(admin, language);
	}
}

runSpec(main);
