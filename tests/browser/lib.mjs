// Shared pieces of the headless-Chromium UI tests: settings, REST and browser helpers.

import { execFileSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, request } from "playwright-core";
export const BASE_URL = (process.env.BASE_URL || "http://127.0.0.1:8001").replace(/\/+$/, "");
export const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "admin";
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "artifacts");
export const TIMEOUT = 60_000;

export const RUN_ID = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export const CHROMIUM_ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
];

let step = 0;
export function log(message) {
	console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}
export function check(message) {
	step += 1;
	log(`CHECK ${step}: ${message}`);
}
export function ok(message) {
	log(`  ok - ${message}`);
}
export function assert(condition, message) {
	if (!condition) throw new Error(`Assertion failed: ${message}`);
	ok(message);
}

// ---------------------------------------------------------------- REST (as Administrator)

export async function apiLogin(usr, pwd) {
	const api = await request.newContext({ baseURL: BASE_URL, timeout: TIMEOUT });
	const res = await api.post("/api/method/login", { form: { usr, pwd } });
	if (!res.ok())
		throw new Error(`REST login as ${usr} failed: ${res.status()} ${await res.text()}`);
	return api;
}

export async function call(api, method, url, data) {
	const res = await api.fetch(url, {
		method,
		data,
		headers: { Accept: "application/json" },
		failOnStatusCode: false,
	});
	const text = await res.text();
	if (!res.ok()) throw new Error(`${method} ${url} -> ${res.status()}: ${text.slice(0, 800)}`);
	return text ? JSON.parse(text) : {};
}

export const getDoc = async (api, doctype, name) =>
	(
		await call(
			api,
			"GET",
			`/api/resource/${encodeURIComponent(doctype)}/${encodeURIComponent(name)}`,
		)
	).data;
export const insertDoc = async (api, doctype, doc) =>
	(await call(api, "POST", `/api/resource/${encodeURIComponent(doctype)}`, doc)).data;
export const deleteDoc = (api, doctype, name) =>
	call(
		api,
		"DELETE",
		`/api/resource/${encodeURIComponent(doctype)}/${encodeURIComponent(name)}`,
	);
/** Opportunity's source on this site: its field and the DocType it links to (ERPNext 15: source, Lead
 * Source; ERPNext 16: utm_source, UTM Source), and a maker of one source of that name. */
export async function opportunitySource(api) {
	const query = new URLSearchParams({ doctype: "Opportunity" });
	const meta = (await call(api, "GET", `/api/method/frappe.desk.form.load.getdoctype?${query}`))
		.docs;
	const named = (fieldname) => meta[0].fields.find((df) => df.fieldname === fieldname);
	const field = named("utm_source") || named("source");
	const doctype = field.options;
	return {
		field: field.fieldname,
		doctype,
		insert: (name) =>
			insertDoc(api, doctype, doctype === "Lead Source" ? { source_name: name } : { name }),
	};
}
/** The page's window title holds `title`: Frappe 16's page head shows it in the breadcrumbs, not in a
 * title element, and the window title is set by both versions. */
export async function assertTitled(page, title) {
	const heading = await page
		.waitForFunction((expected) => document.title.includes(expected), title, {
			timeout: 10_000,
		})
		.then(() => page.title())
		.catch(() => page.title());
	assert(heading.includes(title), `the page is titled "${heading}", expected "${title}"`);
}
/** Waits for a report's chart to be drawn (Frappe's chart container holds its SVG). */
export async function waitForChart(page) {
	await page
		.locator(".chart-container svg, .frappe-chart svg")
		.first()
		.waitFor({ state: "visible" });
}
/** Clicks, as a user would, the form tab that holds `fieldname` when the form has tabs and it is not
 * the one shown (ERPNext 16 puts Selling Settings' transaction settings, the app's among them, on a tab). */
export async function openTabOf(page, fieldname) {
	const tab = await page.evaluate((name) => {
		const field = window.cur_frm && cur_frm.get_field(name);
		return field && field.tab && !field.tab.is_active() ? field.tab.df.fieldname : null;
	}, fieldname);
	if (tab) await page.locator(`.form-tabs .nav-link[data-fieldname="${tab}"]`).click();
}
/** A customer in the default group and territory. */
export const insertCustomer = (api, name, extra = {}) =>
	insertDoc(api, "Customer", {
		customer_name: name,
		customer_group: "All Customer Groups",
		territory: "All Territories",
		...extra,
	});
export async function listNames(api, doctype, filters) {
	const query = new URLSearchParams({
		filters: JSON.stringify(filters),
		fields: JSON.stringify(["name"]),
		limit_page_length: "100",
	});
	const res = await call(api, "GET", `/api/resource/${encodeURIComponent(doctype)}?${query}`);
	return res.data.map((row) => row.name);
}

// ---------------------------------------------------------------- browser helpers

export async function uiLogin(browser, usr, pwd, contextOptions = {}) {
	const context = await browser.newContext({
		viewport: { width: 1400, height: 1000 },
		...contextOptions,
	});
	context.setDefaultTimeout(TIMEOUT);
	context.setDefaultNavigationTimeout(TIMEOUT);
	const page = await context.newPage();
	page.on("pageerror", (err) => log(`  (page error as ${usr}: ${err.message})`));
	await page.goto(`${BASE_URL}/login`);
	await page.locator("#login_email").fill(usr);
	await page.locator("#login_password").fill(pwd);
	await page.locator(".btn-login").first().click();
	// Frappe 16 lands on its desktop, /desk; where a second app has a screen (Frappe CRM), Frappe 15
	// lands on /apps to choose one: the specs go on in the desk.
	await page.waitForURL(/\/(app|desk|apps)(\/|$)/);
	if (new URL(page.url()).pathname.startsWith("/apps")) await page.goto(`${BASE_URL}/app`);
	await page.waitForFunction(
		() => window.frappe && frappe.session && frappe.boot && frappe.boot.user,
	);
	const user = await page.evaluate(() => frappe.session.user);
	assert(user === usr, `logged in through /login as ${usr} (frappe.session.user = ${user})`);
	return { context, page };
}

export async function shot(page, name) {
	const file = path.join(ARTIFACTS, `${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	log(`  screenshot: ${path.relative(process.cwd(), file)}`);
}

/** Types into a Link field and picks the matching awesomplete suggestion. */
export async function fillLink(page, fieldname, value) {
	const input = page.locator(`.frappe-control[data-fieldname="${fieldname}"] input`).first();
	await input.click();
	await input.fill("");
	await input.pressSequentially(value, { delay: 20 });
	const option = page
		.locator(`.frappe-control[data-fieldname="${fieldname}"] .awesomplete [role="option"]`)
		.filter({ hasText: value })
		.first();
	await option.waitFor({ state: "visible" });
	await option.click();
	await page.waitForFunction(
		([fieldname, value]) => cur_frm.doc[fieldname] === value,
		[fieldname, value],
	);
	ok(`${fieldname} = ${value} (picked from the link suggestions)`);
}

/** Sets Administrator's language (the UI reads it at the next login or boot). */
export async function setLanguage(api, language) {
	await call(api, "PUT", "/api/resource/User/Administrator", { language });
}

/** Administrator's UI in French from now on: the language set, the session and the cached assets cleared
 * so the desk boots again with French messages. */
export async function switchToFrench(api, page) {
	await setLanguage(api, "fr");
	await call(api, "POST", "/api/method/frappe.sessions.clear");
	await page.evaluate(() => frappe.assets.clear_local_storage());
	await page.goto(`${BASE_URL}/app`);
	await page.waitForFunction(() => window.frappe && frappe.boot && frappe.boot.lang === "fr");
}

// ---------------------------------------------------------------- the test
export async function launch() {
	return chromium.launch({
		executablePath: CHROMIUM_PATH,
		headless: !process.env.HEADED,
		args: process.env.HEADED ? CHROMIUM_ARGS.filter((a) => a !== "--headless") : CHROMIUM_ARGS,
	});
}

/** Deletes what a spec created, in order, logging (not throwing) what could not be deleted. */
export async function deleteAll(api, created) {
	for (const [doctype, name] of created) {
		try {
			await deleteDoc(api, doctype, name);
		} catch (error) {
			log(`cleanup: ${doctype} ${name}: ${error.message.slice(0, 120)}`);
		}
	}
}

/**
 * Runs a spec with the opening and closing steps every spec shares: the artifacts folder, an
 * Administrator REST session and Chromium, handed to `main({ admin, browser, created })`; then the
 * browser closed and what the spec listed in `created` ([doctype, name], deleted in order). A failure is
 * printed and makes the process exit with 1.
 */
export function runSpec(main) {
	(async () => {
		await mkdir(ARTIFACTS, { recursive: true });
		log(`base URL ${BASE_URL}, run id ${RUN_ID}`);
		const admin = await apiLogin("Administrator", ADMIN_PASSWORD);
		const created = [];
		const browser = await launch();
		try {
			await main({ admin, browser, created });
		} finally {
			await browser.close().catch(() => {});
			await deleteAll(admin, created);
			await admin.dispose();
		}
	})().catch((error) => {
		log(`FAIL: ${error.stack || error}`);
		process.exit(1);
	});
}

// The site's default company (Global Defaults).
export async function defaultCompany(api) {
	const query = new URLSearchParams({
		doctype: "Global Defaults",
		fieldname: "default_company",
	});
	return (await call(api, "GET", `/api/method/frappe.client.get_value?${query}`)).message
		.default_company;
}

// A bench command on the test site (tests/browser/run sets OP_BENCH_DIR and OP_TEST_SITE); `input` goes
// to its standard input.
export function bench(args, input) {
	const dir = process.env.OP_BENCH_DIR;
	assert(dir, "OP_BENCH_DIR names the bench (tests/browser/run sets it)");
	execFileSync("bench", ["--site", process.env.OP_TEST_SITE, ...args], {
		cwd: dir,
		input,
		stdio: [input === undefined ? "ignore" : "pipe", "ignore", "pipe"],
		timeout: 180_000,
	});
}
