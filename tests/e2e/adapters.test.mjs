// Every adapter in the real browser, at its product's real URL (answered
// from the saved fixture by request interception: nothing goes out): the
// content script's ticket equals the expected JSON that the jsdom tests
// check, and a draft inserted through the page's own composer is there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, root, until, tabIdOf } from './lib.mjs';

const dir = path.join(root, 'tests/extension/fixtures');
const names = fs.readdirSync(dir).filter((f) => f.endsWith('.html') && !f.startsWith('_')).map((f) => f.slice(0, -5)).sort();
const fixtureUrl = (n) => /<meta name="fixture-url" content="([^"]+)"/.exec(fs.readFileSync(path.join(dir, n + '.html'), 'utf8'))[1].replace(/&amp;/g, '&');
let B;

before(async () => {
	B = await launch({ host: false, hostPermissions: ['https://*/*', 'http://*/*'] });
	const byUrl = new Map(names.map((n) => [fixtureUrl(n).split('#')[0], n]));
	await B.ctx.route('**/*', (route) => {
		const u = route.request().url();
		const n = byUrl.get(u.split('#')[0]);
		if (n)
			return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: fs.readFileSync(path.join(dir, n + '.html')) });
		if (u.startsWith('chrome-extension://'))
			return route.continue();
		return route.abort();
	});
});

after(async () => {
	if (B)
		await B.ctx.close();
});

for (const n of names) {
	test(`${n}: read in Chromium as in jsdom, and insertion works in the real composer`, async () => {
		const url = fixtureUrl(n);
		const page = await B.ctx.newPage();
		await page.goto(url);
		const tabId = await until(() => tabIdOf(B.sw, url), 'tab');
		const s = await until(async () => {
			const r = await B.sw.evaluate(async (id) => (await chrome.storage.session.get('tabs')).tabs?.[id], tabId);
			return r && r.ticket ? r : null;
		}, `${n} ticket from the content script`);
		const want = JSON.parse(fs.readFileSync(path.join(dir, n + '.expected.json'), 'utf8'));
		assert.deepEqual(s.ticket, want);
		assert.equal(s.composer, true, 'composer found');
		const r = await B.sw.evaluate(async (id) => chrome.tabs.sendMessage(id, { type: 'page.insert', text: 'Thanks for waiting.\n\nThe fix is deployed.' }), tabId);
		assert.equal(r.ok, true, JSON.stringify(r));
		const text = await page.evaluate(() => {
			const f = document.querySelector('iframe.cke_wysiwyg_frame');
			const el = f ? f.contentDocument.body : document.querySelector('textarea:not([style*="none"]):not([name=response]):not(#body), [contenteditable=true]:not(.ticket-title-update)');
			return el.value !== undefined ? el.value : el.innerText;
		});
		assert.match(text, /Thanks for waiting\.\s+The fix is deployed\./, `${r.method} into ${r.editor}: ${JSON.stringify(text)}`);
		await page.close();
	});
}

test('single-page app: switching Zammad tickets without a reload is noticed in the browser', async () => {
	const url = fixtureUrl('zammad');
	const page = await B.ctx.newPage();
	await page.goto(url);
	const tabId = await until(() => tabIdOf(B.sw, url), 'tab');
	const state = () => B.sw.evaluate(async (id) => (await chrome.storage.session.get('tabs')).tabs?.[id], tabId);
	await until(async () => (await state())?.ticket?.id === '31002', 'first ticket');
	await page.evaluate(() => {
		document.querySelector('.content.active').classList.remove('active');
		document.getElementById('content_permanent_TicketZoom16').classList.add('active');
		history.pushState({}, '', '#ticket/zoom/16');
	});
	const s = await until(async () => ((await state())?.ticket?.id === '29990' ? state() : null), 'second ticket after the in-place switch');
	assert.equal(s.ticket.subject, 'Old ticket');
	await page.close();
});
