// Headless-Chromium UI test of the team forecast (issue #30), in English then in French:
//  1. a manager above two sales people (made through the REST API); one of them has submitted a forecast;
//  2. Administrator submits the other's Sales Forecast in the desk form (Commit typed, Best Case left to
//     the app), and the Forecast Grid adds both up on the manager's row (Submitted Commit);
//  3. in French, the manager's own Sales Forecast starts from the team's calls (Engagement de l'équipe),
//     is lowered with a note and submitted; the grid's manager row then shows the manager's call.
//
// Run: tests/browser/run team_forecast   (or `node tests/browser/team_forecast.spec.mjs` against a site)

import {
	ADMIN_PASSWORD,
	BASE_URL,
	RUN_ID,
	assert,
	call,
	check,
	defaultCompany,
	fillLink,
	getDoc,
	insertDoc,
	ok,
	runSpec,
	setLanguage,
	shot,
	switchToFrench,
	uiLogin,
} from "./lib.mjs";

const MANAGER = `_OP UI Team Lead ${RUN_ID}`;
const ANN = `_OP UI Ann ${RUN_ID}`;
const BOB = `_OP UI Bob ${RUN_ID}`;

async function fiscalYear(admin, company) {
	const query = new URLSearchParams({ date: new Date().toISOString().slice(0, 10), company });
	return (
		await call(admin, "GET", `/api/method/erpnext.accounts.utils.get_fiscal_year?${query}`)
	).message;
}

/** The first day of the fiscal year's quarter holding today. */
function quarterStart(yearStart) {
	const start = new Date(`${yearStart}T00:00:00Z`);
	const today = new Date();
	let from = start;
	for (let months = 3; months <= 12; months += 3) {
		const next = new Date(start);
		next.setUTCMonth(start.getUTCMonth() + months);
		if (next > today) break;
		from = next;
	}
	return from.toISOString().slice(0, 10);
}

/** A Sales Forecast filled in the desk form, saved and submitted through the form's own buttons. */
async function submitInForm(page, values, labels) {
	await page.goto(`${BASE_URL}/app/sales-forecast/new`);
	await page.waitForFunction(
		() => window.cur_frm && cur_frm.doctype === "Sales Forecast" && cur_frm.doc.__islocal,
	);
	if (values.group) {
		// Frappe 16's link suggestions for a tree list each child with its parent's name too, so a
		// manager's name matches their people's options: a manager is set as a script would.
		await page.evaluate(
			(name) => cur_frm.set_value("sales_person", name),
			values.sales_person,
		);
		await page.waitForFunction(
			(name) => cur_frm.doc.sales_person === name,
			values.sales_person,
		);
		// Its suggestions, which Frappe 16 opens on a value set, closed as a user leaving the field would.
		await page.evaluate(() => cur_frm.fields_dict.sales_person.awesomplete?.close());
		await page.keyboard.press("Escape");
	} else {
		await fillLink(page, "sales_person", values.sales_person);
	}
	await fillLink(page, "company", values.company);
	await fillLink(page, "fiscal_year", values.fiscal_year);
	await page.evaluate((date) => cur_frm.set_value("from_date", date), values.from_date);
	if (values.commit_amount !== undefined) {
		const commit = page.locator('.frappe-control[data-fieldname="commit_amount"] input');
		await commit.fill(String(values.commit_amount));
		await commit.press("Tab");
	}
	if (values.note) {
		await page.locator('.frappe-control[data-fieldname="note"] textarea').fill(values.note);
	}
	await page.keyboard.press("Control+s");
	await page.waitForFunction(() => cur_frm.doc.docstatus === 0 && !cur_frm.doc.__islocal);
	const saved = await page.evaluate(() => ({ ...cur_frm.doc }));
	// The primary action of a saved draft is Submit: Frappe's label, Valider in French on Frappe 15 and
	// left in English on Frappe 16.
	const submit = page.locator(".page-actions .primary-action:visible");
	await submit.waitFor({ state: "visible" });
	assert(
		labels.submit.includes((await submit.innerText()).trim()),
		`the primary action is Submit: ${await submit.innerText()}`,
	);
	await submit.click();
	// Frappe's confirmation: Yes (Oui), whose label is Frappe's own.
	await page.locator(".modal.show .btn-primary:visible").click();
	await page.waitForFunction(() => cur_frm.doc.docstatus === 1);
	return saved;
}

/** The grid's row of a sales person, read from the report as the page drew it. */
async function gridRow(page, company, fiscal_year, person) {
	const query = new URLSearchParams({ company, fiscal_year }).toString();
	await page.goto(`${BASE_URL}/app/query-report/Forecast Grid?${query}`);
	await page.waitForFunction(
		(person) =>
			window.frappe &&
			frappe.query_report &&
			!frappe.query_report.loading &&
			(frappe.query_report.data || []).some((row) => row.sales_person === person),
		person,
	);
	return page.evaluate((person) => {
		const report = frappe.query_report;
		const row = report.data.find((r) => r.sales_person === person);
		const called = report.columns.find((c) => c.fieldname.endsWith("_called_commit"));
		const key = Object.keys(row).find(
			(k) => k.endsWith("_called_commit") && !k.startsWith("total") && row[k],
		);
		return { value: key ? row[key] : 0, label: called.label };
	}, person);
}

async function main({ admin, browser, created }) {
	const language = (await getDoc(admin, "User", "Administrator")).language || "en";
	const company = await defaultCompany(admin);
	const [fiscal_year, yearStart] = await fiscalYear(admin, company);
	const from_date = quarterStart(yearStart);
	const forecasts = [];
	try {
		check("a manager above Ann and Bob; Bob's forecast submitted through the REST API");
		await insertDoc(admin, "Sales Person", {
			sales_person_name: MANAGER,
			parent_sales_person: "Sales Team",
			is_group: 1,
		});
		for (const person of [ANN, BOB]) {
			await insertDoc(admin, "Sales Person", {
				sales_person_name: person,
				parent_sales_person: MANAGER,
			});
			created.unshift(["Sales Person", person]);
		}
		created.push(["Sales Person", MANAGER]);
		const base = { company, fiscal_year, periodicity: "Quarterly", from_date };
		const bob = await insertDoc(admin, "Sales Forecast", {
			...base,
			sales_person: BOB,
			commit_amount: 100,
			best_case_amount: 300,
		});
		forecasts.push(bob.name);
		await call(admin, "POST", "/api/method/frappe.client.submit", {
			doc: await getDoc(admin, "Sales Forecast", bob.name),
		});

		check("Administrator submits Ann's Sales Forecast in the desk form");
		await setLanguage(admin, "en");
		const { context, page } = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);
		const ann = await submitInForm(
			page,
			{ ...base, sales_person: ANN, commit_amount: 800 },
			{ submit: ["Submit"] },
		);
		forecasts.push(ann.name);
		assert(
			ann.commit_amount === 800 && ann.best_case_amount === 800 && ann.for_team === 0,
			`Commit kept as typed, Best Case filled by the app: ${ann.commit_amount} / ${ann.best_case_amount}`,
		);
		await shot(page, "team-forecast-sales-forecast-en");

		check("the Forecast Grid adds up the team's calls on the manager's row");
		const row = await gridRow(page, company, fiscal_year, MANAGER);
		assert(
			row.value === 900,
			`the manager's Submitted Commit is 800 + 100: ${JSON.stringify(row)}`,
		);
		await page.waitForTimeout(800);
		await shot(page, "team-forecast-grid-en");
		await context.close();

		check("in French, the manager's own forecast starts from the team's calls");
		const french = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);
		await switchToFrench(admin, french.page);
		const call_ = await submitInForm(
			french.page,
			{
				...base,
				sales_person: MANAGER,
				group: true,
				commit_amount: 700,
				note: "Bob glisse au trimestre suivant",
			},
			{ submit: ["Valider", "Soumettre", "Submit"] },
		);
		forecasts.push(call_.name);
		assert(
			call_.for_team === 1 && call_.team_commit === 900 && call_.commit_amount === 700,
			`a manager's call over the team's 900: ${call_.commit_amount} (team ${call_.team_commit})`,
		);
		await french.page
			.getByText("Engagement de l'équipe")
			.first()
			.waitFor({ state: "attached" });
		ok("the form reads Engagement de l'équipe");
		await shot(french.page, "team-forecast-sales-forecast-fr");
		const frenchRow = await gridRow(french.page, company, fiscal_year, MANAGER);
		assert(
			frenchRow.value === 700 && frenchRow.label.includes("Engagement prévu"),
			`the manager's row now shows the manager's call, under a French label: ${JSON.stringify(frenchRow)}`,
		);
		await french.page.waitForTimeout(800);
		await shot(french.page, "team-forecast-grid-fr");
		await french.context.close();
	} finally {
		await setLanguage(admin, language);
		for (const name of forecasts.reverse()) {
			await call(admin, "POST", "/api/method/frappe.client.cancel", {
				doctype: "Sales Forecast",
				name,
			}).catch(() => {});
			await call(
				admin,
				"DELETE",
				`/api/resource/Sales Forecast/${encodeURIComponent(name)}`,
			).catch(() => {});
		}
	}
}

runSpec(main);
