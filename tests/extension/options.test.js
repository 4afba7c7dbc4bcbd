// The options page: the importer (kind, format, path or picked files, start,
// live progress from index.status, the summary with rejected lines, errors),
// the worker's checks on index.import, and the dashboard's by-tag table,
// sources to fix and discard reasons. The whole page runs in jsdom on its own
// markup, talking through the real service worker to a fake precedent-host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { JSDOM } from 'jsdom';
import { root } from './helpers.js';
import { fakeChrome } from './fakes.js';
import { setApi } from '../../extension/lib/ext.js';
import { checkImport, utf8Length, IMPORT } from '../../extension/lib/protocol.js';
import { mountImport, describeImport, readPicked } from '../../extension/options/importer.js';
import { tagTable, sourcesTable, fromStats } from '../../extension/options/charts.js';

const OPTIONS_HTML = fs.readFileSync(path.join(root, 'extension/options/options.html'), 'utf8');
// jsdom's Blob has no text() (browsers do): read it with its FileReader.
function page() {
	const dom = new JSDOM(OPTIONS_HTML, { url: 'chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh/options/options.html' });
	const w = dom.window;
	if (!w.Blob.prototype.text)
		w.Blob.prototype.text = function () {
			return new Promise((res, rej) => {
				const r = new w.FileReader();
				r.onload = () => res(r.result);
				r.onerror = () => rej(r.error);
				r.readAsText(this);
			});
		};
	return dom;
}
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
async function until(fn, what, ms = 3000) {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		const v = await fn();
		if (v)
			return v;
		await tick(10);
	}
	throw new Error('timed out: ' + what);
}

// The stats shape precedent-host returns (host/app.c app_stats).
const STATS = {
	drafts: 12, sent: 8, discarded: 3, median_edit_ratio: 0.18, nearly_unedited_share: 0.25, thumbs: { up: 2, down: 1 },
	by_week: [{ week: '2026-11-16', median_edit_ratio: 0.3 }, { week: '2026-11-23', median_edit_ratio: 0.18 }],
	by_tag: [
		{ tag: 'sso', drafts: 7, sent: 5, discarded: 2, median_edit_ratio: 0.12, nearly_unedited_share: 0.4, thumbs: { up: 2, down: 0 } },
		{ tag: 'billing', drafts: 4, sent: 3, discarded: 1, median_edit_ratio: 0.5, nearly_unedited_share: 0, thumbs: { up: 0, down: 1 } },
		{ tag: '(untagged)', drafts: 1, sent: 0, discarded: 0, median_edit_ratio: 0, nearly_unedited_share: 0, thumbs: { up: 0, down: 0 } },
	],
	sources_to_fix: [
		{ kind: 'doc', id: 'guides/sync.md#restart', ref: '[doc: guides/sync.md#restart]', sentences: 4, kept: 1, edited: 0, deleted: 3, retrieval_factor: 0.8235 },
		{ kind: 'ticket', id: '77', ref: '[#77]', sentences: 2, kept: 1, edited: 0, deleted: 1, retrieval_factor: 1 },
	],
	discarded_by_reason: { regenerated: 2, tab_closed: 1 },
	corpus: { tickets: 3, doc_sections: 0, docs: 0 },
};

// A fake host's index.status / index.import: an import runs for `steps` polls.
function importHost(opts = {}) {
	const calls = [];
	let polls = 0;
	let job = null;
	const steps = opts.steps ?? 2;
	const h = async (type, fields = {}) => {
		calls.push({ type, fields });
		if (type === 'index.import') {
			if (opts.fail)
				throw Object.assign(new Error(opts.fail.message), { code: opts.fail.code });
			job = { job: 1, state: 'running', kind: fields.kind, format: fields.format || 'jsonl', source: fields.path || (fields.inline && (fields.inline.name || 'kb')), records: 0, bytes: 0, bytes_total: 1000, imported: 0, updated: 0, skipped: 0, rejected: 0, rejections: [] };
			polls = 0;
			return { ...job };
		}
		if (type === 'index.status') {
			if (job && job.state === 'running') {
				polls++;
				if (polls < steps)
					Object.assign(job, { records: polls * 100, bytes: polls * 400, imported: polls * 99, rejected: polls });
				else
					Object.assign(job, { state: 'done', ok: true, records: 250, bytes: 1000, imported: 247, skipped: 1, rejected: 2, elapsed_ms: 1234, more_rejections: 0,
						rejections: [{ where: 'export.jsonl', line: 7, reason: 'not valid JSON' }, { where: 'export.jsonl', line: 9, reason: 'field subject is missing' }] });
			}
			return { corpus: { tickets: job ? job.imported : 0, doc_sections: 0, docs: 0 }, database_ok: true, import: job ? { ...job } : null };
		}
		throw Object.assign(new Error('unexpected ' + type), { code: 'unknown_type' });
	};
	h.calls = calls;
	return h;
}

test('checkImport passes a well-formed request and refuses bad ones before the host', () => {
	assert.deepEqual(checkImport({ kind: 'tickets', path: ' /x/e.jsonl ', format: 'zendesk', extra: 1 }).fields, { kind: 'tickets', format: 'zendesk', path: '/x/e.jsonl' });
	assert.deepEqual(checkImport({ kind: 'docs', format: 'auto', inline: [{ name: 'kb/a.md', content: '# A' }] }).fields, { kind: 'docs', inline: [{ name: 'kb/a.md', content: '# A' }] });
	for (const bad of [null, {}, { kind: 'mail', path: '/x' }, { kind: 'tickets' }, { kind: 'tickets', path: '/x', inline: { name: 'a', content: '' } },
		{ kind: 'docs', path: '/d', format: 'csv' }, { kind: 'tickets', path: '/x', format: 'xml' },
		{ kind: 'tickets', inline: [{ name: 'a', content: '' }, { name: 'b', content: '' }] }, { kind: 'tickets', inline: { name: '', content: 'x' } },
		{ kind: 'tickets', inline: { name: 'big.jsonl', content: 'é'.repeat(IMPORT.inlineCap / 2 + 1) } }])
		assert.ok(checkImport(bad).error, JSON.stringify(bad)?.slice(0, 80));
	assert.equal(utf8Length('aé€😀'), 1 + 2 + 3 + 4);
});

test('the importer shows the format only for tickets and a folder picker only for docs', () => {
	const doc = page().window.document;
	mountImport(doc, { host: importHost() });
	const kind = doc.getElementById('import-kind');
	assert.equal(doc.getElementById('import-format-label').hidden, false);
	assert.equal(doc.getElementById('import-folder-label').hidden, true);
	kind.value = 'docs';
	kind.dispatchEvent(new doc.defaultView.Event('change'));
	assert.equal(doc.getElementById('import-format-label').hidden, true);
	assert.equal(doc.getElementById('import-folder-label').hidden, false);
	assert.equal(doc.getElementById('import-file').multiple, true);
	assert.match(doc.getElementById('import-path').placeholder, /docs/);
});

test('an import by path shows live progress, the corpus growing, then the summary with rejected lines', async () => {
	const doc = page().window.document;
	const host = importHost({ steps: 3 });
	const corpus = [];
	let done = null;
	const ui = mountImport(doc, { host, pollMs: 5, onCorpus: (c) => corpus.push(c.tickets), onDone: (s) => { done = s; } });
	doc.getElementById('import-path').value = '/home/agent/export.jsonl';
	doc.getElementById('import-format').value = 'jsonl';
	doc.getElementById('import-form').dispatchEvent(new doc.defaultView.Event('submit', { cancelable: true }));
	await until(() => host.calls.some((c) => c.type === 'index.import'), 'import sent');
	assert.deepEqual(host.calls.find((c) => c.type === 'index.import').fields, { kind: 'tickets', format: 'jsonl', path: '/home/agent/export.jsonl' });
	assert.equal(doc.getElementById('import-start').disabled, true, 'one import at a time from the page too');
	assert.match(doc.getElementById('import-line').textContent, /Importing tickets from \/home\/agent\/export\.jsonl/);
	await until(() => /\b100 records \(40%\)/.test(doc.getElementById('import-line').textContent), 'progress line');
	assert.equal(doc.getElementById('import-progress').hidden, false);
	assert.equal(doc.getElementById('import-progress').value, 0.4);
	await until(() => done, 'import done');
	const line = doc.getElementById('import-line');
	assert.match(line.textContent, /^Done from \/home\/agent\/export\.jsonl in 1\.2 s: imported 247, updated 0, skipped 1 \(unchanged\), rejected 2\.$/);
	assert.ok(line.classList.contains('good'));
	assert.deepEqual([...doc.querySelectorAll('#import-rejections li')].map((li) => li.textContent),
		['export.jsonl:7 not valid JSON', 'export.jsonl:9 field subject is missing']);
	assert.equal(doc.getElementById('import-progress').hidden, true);
	assert.equal(doc.getElementById('import-start').disabled, false);
	assert.deepEqual(corpus, [99, 198, 247], 'the corpus count follows the import');
	ui.stop();
});

test('a picked file is sent inline; a docs folder keeps its paths and leaves other files out', async () => {
	const w = page().window;
	const doc = w.document;
	const host = importHost({ steps: 1 });
	mountImport(doc, { host, pollMs: 5 });
	const file = doc.getElementById('import-file');
	Object.defineProperty(file, 'files', { configurable: true, value: [new w.File(['{"id":"1","subject":"s","messages":[{"body":"b"}]}\n'], 'picked.jsonl')] });
	doc.getElementById('import-path').value = '';
	doc.getElementById('import-form').dispatchEvent(new w.Event('submit', { cancelable: true }));
	await until(() => host.calls.some((c) => c.type === 'index.import'), 'inline import sent');
	const req = host.calls.find((c) => c.type === 'index.import').fields;
	assert.deepEqual(req.inline, { name: 'picked.jsonl', content: '{"id":"1","subject":"s","messages":[{"body":"b"}]}\n' });
	assert.equal(req.path, undefined);

	const mk = (name, rel, text) => {
		const f = new w.File([text], name);
		Object.defineProperty(f, 'webkitRelativePath', { value: rel });
		return f;
	};
	const docs = await readPicked([mk('a.md', 'kb/a.md', '# A'), mk('logo.png', 'kb/logo.png', 'PNG'), mk('b.html', 'kb/sub/b.html', '<h1>B</h1>')], 'docs');
	assert.deepEqual(docs, [{ name: 'kb/a.md', content: '# A' }, { name: 'kb/sub/b.html', content: '<h1>B</h1>' }]);
	await assert.rejects(readPicked([mk('logo.png', 'kb/logo.png', 'x')], 'docs'), /No Markdown, HTML or text files/);
	const big = new w.File(['x'], 'big.jsonl');
	Object.defineProperty(big, 'size', { value: IMPORT.inlineCap + 1 });
	await assert.rejects(readPicked([big], 'tickets'), /up to 4 MiB\. Type the path instead/);
});

test('errors: nothing chosen, a file too large, the host refusing (busy, not found), an old host', async () => {
	const w = page().window;
	const doc = w.document;
	const submit = () => doc.getElementById('import-form').dispatchEvent(new w.Event('submit', { cancelable: true }));
	const msg = () => doc.getElementById('import-msg');
	let host = importHost();
	mountImport(doc, { host, pollMs: 5 });
	submit();
	await tick();
	assert.match(msg().textContent, /Type the path of the tickets file on this computer, or pick a file/);
	assert.ok(msg().classList.contains('bad'));
	assert.equal(host.calls.length, 0);

	for (const [fail, re] of [[{ code: 'busy', message: 'an import is already running (tickets from /a.jsonl, 5 records so far)' }, /^Not started: an import is already running/],
		[{ code: 'not_found', message: '/nope.jsonl: No such file or directory' }, /^Not started: \/nope\.jsonl: No such file/],
		[{ code: 'unknown_type', message: 'unknown message type "index.import"' }, /cannot import from the browser: update it/]]) {
		const d2 = page().window.document;
		host = importHost({ fail });
		mountImport(d2, { host, pollMs: 5 });
		d2.getElementById('import-path').value = '/nope.jsonl';
		d2.getElementById('import-form').dispatchEvent(new d2.defaultView.Event('submit', { cancelable: true }));
		await until(() => d2.getElementById('import-msg').textContent, 'error shown');
		assert.match(d2.getElementById('import-msg').textContent, re);
		assert.equal(d2.getElementById('import-start').disabled, false, 'can try again');
		assert.equal(host.calls.filter((c) => c.type === 'index.status').length, 0, 'no polling after a refusal');
	}
	// failed and cancelled imports read as such
	assert.match(describeImport({ state: 'failed', source: '/a.csv', error: { message: 'database is locked' }, imported: 3 }).text, /^Import failed from \/a\.csv: database is locked\. So far: imported 3/);
	assert.equal(describeImport({ state: 'done', ok: false, rejected: 4 }).tone, 'bad');
	assert.match(describeImport({ state: 'running', kind: 'docs', files: 5, files_total: 20 }).text, /5 of 20 files \(25%\)/);
});

test('the dashboard tables: by ticket tag with the median edit drawn, sources to fix with their score-down', () => {
	const doc = page().window.document;
	const d = fromStats(STATS);
	assert.deepEqual(d.discards.map((x) => [x.label, x.value]), [['regenerated', 2], ['tab closed', 1]]);
	const t = tagTable(doc, d.byTag);
	const rows = [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent));
	assert.deepEqual(rows[0], ['sso', '7', '5', '2', '12%', '40%', '2 / 0']);
	assert.deepEqual(rows[2], ['(untagged)', '1', '0', '0', '–', '–', '0 / 0']);
	assert.equal(t.querySelector('tbody .meter').style.width, '7px');
	assert.equal(tagTable(doc, d.byTag, 2).querySelector('caption').textContent, 'Top 2 of 3 tags');
	const s = sourcesTable(doc, d.sources);
	const srows = [...s.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent));
	assert.deepEqual(srows, [['[doc: guides/sync.md#restart]', '3', '4', '−17.6%'], ['[#77]', '1', '2', 'none']]);
	assert.match(tagTable(doc, []).textContent, /No drafts yet/);
	assert.match(sourcesTable(doc, []).textContent, /No source has had its sentences deleted/);
	assert.deepEqual(fromStats({}).byTag, []);
});

test('the whole options page: corpus, dashboard tables, and an import through the service worker', async () => {
	const dom = page();
	const w = dom.window;
	let polls = 0;
	let imported = null;
	const api = fakeChrome({
		handlers: {
			'index.status': () => {
				if (imported && imported.state === 'running' && ++polls >= 2)
					Object.assign(imported, { state: 'done', ok: true, imported: 2, records: 2, elapsed_ms: 40, rejections: [], more_rejections: 0 });
				return { corpus: { tickets: 3 + (imported ? imported.imported : 0), doc_sections: 0, docs: 0 }, database_ok: true, import: imported && { ...imported } };
			},
			'index.import': (m) => {
				imported = { job: 1, state: 'running', kind: m.kind, format: 'jsonl', source: m.inline.name, records: 1, bytes: 1, bytes_total: 2, imported: 0, updated: 0, skipped: 0, rejected: 0, rejections: [] };
				return { ...imported };
			},
			stats: () => STATS,
			gaps: () => ({ gaps: [] }),
		},
	});
	setApi(api);
	globalThis.chrome = api;
	await import('../../extension/background/sw.js');
	// the page's messages go to the worker, as the browser routes them
	api.runtime.sendMessage = (m) => api.send(m, { url: 'chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh/options/options.html' });
	globalThis.document = w.document;
	await import('../../extension/options/options.js');
	const doc = w.document;
	await until(() => /Connected to precedent-host/.test(doc.getElementById('host-line').textContent), 'connected');
	await until(() => /^3 tickets, 0 doc sections indexed/.test(doc.getElementById('corpus').textContent), 'corpus');
	await until(() => doc.querySelector('#by-tag table'), 'by-tag table');
	assert.equal(doc.querySelectorAll('#by-tag tbody tr').length, 3);
	assert.match(doc.getElementById('sources-to-fix').textContent, /\[doc: guides\/sync\.md#restart\]/);
	assert.equal(doc.querySelectorAll('#chart-discards svg rect').length, 2);

	// the worker refuses a malformed import before it reaches the host
	const r = await api.send({ type: 'host', request: { type: 'index.import', kind: 'tickets', path: '/a', inline: { name: 'a', content: '' } } }, { url: 'chrome-extension://x/options/options.html' });
	assert.equal(r.ok, false);
	assert.equal(api.ports.flatMap((p) => p.sent).filter((m) => m.type === 'index.import').length, 0);

	const file = doc.getElementById('import-file');
	Object.defineProperty(file, 'files', { configurable: true, value: [new w.File(['{"id":"9","subject":"s","messages":[{"body":"b"}]}\n'], 'two.jsonl')] });
	doc.getElementById('import-form').dispatchEvent(new w.Event('submit', { cancelable: true }));
	await until(() => /^Done from two\.jsonl/.test(doc.getElementById('import-line').textContent), 'import summary', 5000);
	await until(() => /^5 tickets/.test(doc.getElementById('corpus').textContent), 'corpus count after the import');
	const sent = api.ports.flatMap((p) => p.sent).filter((m) => m.type === 'index.import');
	assert.equal(sent.length, 1);
	assert.deepEqual({ kind: sent[0].kind, inline: sent[0].inline }, { kind: 'tickets', inline: { name: 'two.jsonl', content: '{"id":"9","subject":"s","messages":[{"body":"b"}]}\n' } });
});
