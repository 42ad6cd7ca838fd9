// Headless-Chromium UI test of the app inside Frappe CRM's own UI (/crm), where the site has Frappe CRM:
//  1. a deal with a follow-up (Next Contact By / Next Contact Date, set through the REST API as a
//     scripter would) shows it in the deal page's side panel, in the app's Follow-up section, beside
//     the deal's Stalled flag;
//  2. its CRM Task, which the app keeps in step with the follow-up, is in the deal's Tasks tab;
//  3. the same page in French.
// Skipped (passing) on a site without Frappe CRM.
//
// Run: tests/browser/run frappe_crm   (or `node tests/browser/frappe_crm.spec.mjs` against a running site)

import {
	BASE_URL,
	ADMIN_PASSWORD,
	RUN_ID,
	assert,
	call,
	check,
	getDoc,
	insertDoc,
	ok,
	runSpec,
	setLanguage,
	shot,
	uiLogin,
} from "./lib.mjs";

const NEXT_STEP = `_OP /crm ${RUN_ID}`;

function daysAhead(days) {
	const date = new Date(Date.now() + days * 86_400_000);
	return `${date.toISOString().slice(0, 10)} 10:30:00`;
}

async function openStatus(admin) {
	const query = new URLSearchParams({
		filters: JSON.stringify([["type", "=", "Open"]]),
		order_by: "position asc",
		limit_page_length: "1",
	});
	return (await call(admin, "GET", `/api/resource/CRM Deal Status?${query}`)).data[0].name;
}

/** The deal page in /crm, drawn as far as its side panel's Follow-up section; Frappe CRM's "Getting
 * started" panel, which it opens over the side panel until its onboarding is done, kept closed. */
async function openDealFollowUp(page, deal, labels) {
	await page.addInitScript(() =>
		localStorage.setItem("isOnboardingStepsCompletedfrappecrmAdministrator", "true"),
	);
	await page.goto(`${BASE_URL}/crm/deals/${encodeURIComponent(deal)}`);
	for (const label of [labels.section, labels.date, labels.by, labels.stalled]) {
		await page.getByText(label, { exact: true }).first().waitFor({ state: "visible" });
	}
	// The innermost block holding the section's title and both fields.
	return page
		.locator("div")
		.filter({ has: page.getByText(labels.section, { exact: true }) })
		.filter({ has: page.getByText(labels.date, { exact: true }) })
		.filter({ has: page.getByText(labels.by, { exact: true }) })
		.last();
}

async function main({ admin, browser, created }) {
	const versions = (await call(admin, "GET", "/api/method/frappe.utils.change_log.get_versions"))
		.message;
	if (!versions.crm) {
		ok("no Frappe CRM on this site: nothing to check in /crm");
		return;
	}
	const language = (await getDoc(admin, "User", "Administrator")).language || "en";
	try {
		check("a deal with a follow-up, through the REST API as a scripter sets it");
		const contactDate = daysAhead(3);
		const deal = await insertDoc(admin, "CRM Deal", {
			status: await openStatus(admin),
			next_step: NEXT_STEP,
			contact_by: "Administrator",
			contact_date: contactDate,
		});
		created.unshift(["CRM Deal", deal.name]);
		assert(deal.follow_up_task, `the app made the deal's CRM Task (${deal.follow_up_task})`);
		const task = await getDoc(admin, "CRM Task", deal.follow_up_task);

		check("Administrator opens the deal in Frappe CRM's UI, /crm");
		await setLanguage(admin, "en");
		const { context, page } = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);
		const section = await openDealFollowUp(page, deal.name, {
			section: "Follow-up",
			date: "Next Contact Date",
			by: "Next Contact By",
			stalled: "Stalled",
		});
		ok(
			"the side panel has the Follow-up section: Next Contact Date, Next Contact By, Stalled",
		);
		const shown = await section
			.locator("input")
			.evaluateAll((inputs) => inputs.map((input) => input.value));
		const day = contactDate.slice(0, 10);
		const [year, , dayOfMonth] = day.split("-");
		const dayNumber = String(Number(dayOfMonth));
		assert(
			shown.some((value) => value.includes(year) && value.includes(dayNumber)),
			`the section shows the follow-up's date, ${day} (its fields: ${JSON.stringify(shown)})`,
		);
		assert(
			(await section.innerText()).includes("Administrator") ||
				shown.some((value) => value.includes("Administrator")),
			"the section shows who follows it up, Administrator",
		);
		await page.waitForTimeout(500);
		await shot(page, "frappe-crm-deal-follow-up-en");

		check("the deal's Tasks tab lists the follow-up's CRM Task");
		await page.getByRole("tab", { name: /Tasks/ }).first().click();
		await page.getByText(task.title, { exact: false }).first().waitFor({ state: "visible" });
		ok(`the Tasks tab lists "${task.title}"`);

		check("the same page in French");
		await setLanguage(admin, "fr");
		await call(admin, "POST", "/api/method/frappe.sessions.clear");
		await context.close();
		const french = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);
		await openDealFollowUp(french.page, deal.name, {
			section: "Suivi",
			date: "Date du prochain contact",
			by: "Prochain contact par",
			stalled: "Bloquée",
		});
		ok("the section and its fields read in French");
		await french.page.waitForTimeout(500);
		await shot(french.page, "frappe-crm-deal-follow-up-fr");
		await french.context.close();
	} finally {
		await setLanguage(admin, language);
	}
}

runSpec(main);
