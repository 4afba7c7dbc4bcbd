// The options page in the real browser with the real host: importing a file
// picked in the browser and a docs folder by path (index.import, followed
// through index.status) changes the corpus count on the page; a bad path is
// refused with the host's message; the dashboard shows drafts by ticket tag,
// the sources to fix and the drafts not sent by reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, sql, until, EXT_ID, artifacts } from './lib.mjs';

let B, opt;
const corpusText = () => opt.textContent('#corpus');
const ticketsShown = async () => Number((/^(\d+) tickets/.exec(await corpusText()) || [])[1]);

before(async () => {
	B = await launch({ hostPermissions: [] });
});

after(async () => {
	if (B)
		await B.ctx.close();
});

test('the options page imports a picked file and the corpus count goes up', async () => {
	opt = await B.ctx.newPage();
	await opt.setViewportSize({ width: 900, height: 1600 });
	await opt.goto(`chrome-extension://${EXT_ID}/options/options.html`);
	await until(async () => (await ticketsShown()) > 0, 'corpus status');
	const before = await ticketsShown();
	assert.equal(before, sql(B.db, 'SELECT count(*) AS n FROM tickets')[0].n);
	const lines = [
		{ id: 'E2E-1', subject: 'Printer queue stuck after driver update', tags: ['printing'], messages: [{ role: 'customer', body: 'Jobs stay queued since the driver update; call me at +1 415 555 0142.' }], resolution: 'Rolled the driver back to 5.1.' },
		'this line is not JSON',
		{ id: 'E2E-2', subject: 'Badge does not open lab door', tags: ['facilities'], messages: [{ role: 'customer', body: 'My badge stopped opening lab 3.' }], resolution: 'Re-encoded the badge.' },
	].map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
	await opt.setInputFiles('#import-file', { name: 'more-tickets.jsonl', mimeType: 'application/json', buffer: Buffer.from(lines) });
	await opt.click('#import-start');
	await until(async () => /^Done from more-tickets\.jsonl/.test(await opt.textContent('#import-line')), 'import summary', 30000);
	assert.match(await opt.textContent('#import-line'), /imported 2, updated 0, skipped 0 \(unchanged\), rejected 1/);
	assert.match(await opt.textContent('#import-rejections'), /more-tickets\.jsonl:2 not valid JSON/);
	await until(async () => (await ticketsShown()) === before + 2, 'corpus count on the page');
	const rows = sql(B.db, "SELECT id, problem FROM tickets WHERE id LIKE 'E2E-%' ORDER BY id");
	assert.deepEqual(rows.map((r) => r.id), ['E2E-1', 'E2E-2']);
	assert.doesNotMatch(rows[0].problem, /555 0142/, 'redacted before it was indexed');
});

test('a docs folder imports by path; a missing path is refused with the host\'s message', async () => {
	const dir = path.join(B.tmp, 'kb');
	fs.mkdirSync(path.join(dir, 'printing'), { recursive: true });
	fs.writeFileSync(path.join(dir, 'printing', 'drivers.md'), '# Printer drivers\n\n## Rolling back\n\nUse version 5.1 when the queue stalls.\n');
	fs.writeFileSync(path.join(dir, 'badges.html'), '<h1>Badges</h1><h2>Re-encoding</h2><p>Facilities re-encode badges at the desk.</p>');
	await opt.selectOption('#import-kind', 'docs');
	await opt.fill('#import-path', path.join(B.tmp, 'no-such-folder'));
	await opt.click('#import-start');
	await until(async () => /^Not started: .*no-such-folder: No such file or directory/.test(await opt.textContent('#import-msg')), 'error message');
	assert.equal(await opt.isEnabled('#import-start'), true);
	await opt.fill('#import-path', dir);
	await opt.click('#import-start');
	await until(async () => /^Done from .*kb.*imported 2/.test(await opt.textContent('#import-line')), 'docs import summary', 30000);
	await until(async () => /, [1-9]\d* doc sections indexed \(2 docs\)/.test(await corpusText()), 'doc sections on the page');
	assert.deepEqual(sql(B.db, 'SELECT path FROM docs ORDER BY path').map((r) => r.path), ['badges.html', 'printing/drivers.md']);
});

test('the dashboard shows drafts by tag, the sources to fix and discards by reason', async () => {
	// Drafts made and handled the way the panel does, through the worker.
	const host = (request) => opt.evaluate((r) => chrome.runtime.sendMessage({ type: 'host', request: r }), request);
	const ticket = { id: 'OPEN-1', subject: 'Printer queue stuck after driver update', tags: ['printing'], messages: [{ role: 'customer', body: 'Print jobs stay queued since the driver update.' }] };
	const d1 = await host({ type: 'draft.request', ticket, options: { mode: 'offline' } });
	assert.equal(d1.ok, true, JSON.stringify(d1));
	// sent with every drafted sentence deleted: its sources are candidates to fix
	const s1 = await host({ type: 'feedback.sent', draft_id: d1.result.draft_id, sent_text: 'Thanks, we are looking into it today.', inserted: true });
	assert.equal(s1.ok, true, JSON.stringify(s1));
	const d2 = await host({ type: 'draft.request', ticket: { ...ticket, id: 'OPEN-2' }, options: { mode: 'offline' } });
	const s2 = await host({ type: 'feedback.sent', draft_id: d2.result.draft_id, sent_text: '', discarded: true, reason: 'regenerated' });
	assert.equal(s2.ok, true, JSON.stringify(s2));
	assert.deepEqual(sql(B.db, `SELECT reason, inserted FROM feedback WHERE draft_id = '${d2.result.draft_id}'`), [{ reason: 'regenerated', inserted: null }]);
	await opt.reload();
	await until(async () => (await opt.$$('#by-tag tbody tr')).length > 0, 'by-tag table');
	const tags = await opt.$$eval('#by-tag tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
	const printing = tags.find((r) => r[0] === 'printing');
	assert.ok(printing, JSON.stringify(tags));
	assert.deepEqual(printing.slice(1, 4), ['2', '1', '1'], 'drafts, sent, not sent for the tag');
	const sources = await opt.$$eval('#sources-to-fix tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
	assert.ok(sources.length >= 1, await opt.textContent('#sources-to-fix'));
	assert.match(sources[0][0], /^\[(#|doc: )/);
	assert.ok(Number(sources[0][1]) >= 1, 'deleted sentences counted');
	assert.match(sources[0][3], /^−\d+\.\d%$/, 'scored down now');
	assert.equal((await opt.$$('#chart-discards svg rect')).length, 1);
	assert.match(await opt.textContent('#chart-discards'), /regenerated 100%/);
	await opt.screenshot({ path: path.join(artifacts, 'options-import.png'), fullPage: true });
});
