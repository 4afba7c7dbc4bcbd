// Meta-tests: every adapter is registered, valid, has a fixture that says what
// it is based on, an expected ticket, and a line in docs/extension.md; the
// extension API is used only by lib/ext.js (and the classic loader); the
// contract module extract.js has no side effects; the two manifests agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root, fixturesDir } from './helpers.js';
import { DATA_ADAPTERS, validateAdapter } from '../../extension/content/adapters/registry.js';

const ext = path.join(root, 'extension');
const docs = fs.readFileSync(path.join(root, 'docs/extension.md'), 'utf8');

function walk(dir) {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
		d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]);
}

test('every adapter file is registered, and every registered adapter has a file', () => {
	const files = fs.readdirSync(path.join(ext, 'content/adapters')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
	assert.deepEqual(DATA_ADAPTERS.map((a) => a.name).sort(), files);
});

test('the registry holds the fourteen helpdesks of the issue', () => {
	const want = ['zendesk', 'freshdesk', 'freshservice', 'helpscout', 'zammad', 'jira', 'servicenow', 'intercom', 'front', 'hubspot', 'gorgias', 'osticket', 'freescout', 'rt'];
	assert.deepEqual(DATA_ADAPTERS.map((a) => a.name).sort(), want.sort());
});

for (const a of [...DATA_ADAPTERS, { name: 'generic' }]) {
	test(`${a.name}: valid, has a fixture saying what it is based on, expected JSON, and is in the docs`, () => {
		if (a.name !== 'generic') {
			assert.deepEqual(validateAdapter(a), []);
			assert.ok(a.title && a.based_on, 'title and based_on');
		}
		const html = fs.readFileSync(path.join(fixturesDir, a.name + '.html'), 'utf8');
		assert.match(html, /<!--\s*Fixture:[\s\S]*?Based on:/, 'fixture comment with "Based on:"');
		assert.match(html, /<meta name="fixture-url"/);
		const want = JSON.parse(fs.readFileSync(path.join(fixturesDir, a.name + '.expected.json'), 'utf8'));
		assert.equal(want.helpdesk, a.name);
		assert.ok(docs.includes('| `' + a.name + '` |'), `docs/extension.md lists ${a.name}`);
	});
}

test('validateAdapter explains what is wrong with a bad adapter', () => {
	assert.ok(validateAdapter(null).length);
	const errs = validateAdapter({ name: 'Bad Name', match: {}, messages: {}, fields: { nope: 'x' } });
	assert.ok(errs.some((e) => e.includes('"name"')));
	assert.ok(errs.some((e) => e.includes('"match"')));
	assert.ok(errs.some((e) => e.includes('messages.item')));
	assert.ok(errs.some((e) => e.includes('composer')));
	assert.ok(errs.some((e) => e.includes('fields.nope')));
	assert.deepEqual(validateAdapter({ name: 'generic', match: { dom: 'x' }, messages: { item: 'x' }, composer: 'x' }), ['"name": "generic" is reserved']);
});

test('only lib/ext.js (and the classic loader) touch chrome.* / browser.*', () => {
	const offenders = walk(ext).filter((f) => f.endsWith('.js'))
		.filter((f) => !f.endsWith(path.join('lib', 'ext.js')) && !f.endsWith(path.join('content', 'loader.js')))
		.filter((f) => /\b(chrome|browser)\.[a-zA-Z]/.test(fs.readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '')));
	assert.deepEqual(offenders.map((f) => path.relative(root, f)), []);
});

test('extract.js and what it imports have no extension API and no side effects on import', async () => {
	const seen = new Set();
	const visit = (f) => {
		if (seen.has(f))
			return;
		seen.add(f);
		const src = fs.readFileSync(f, 'utf8');
		assert.doesNotMatch(src, /from '\.\.\/lib\/ext\.js'|from '\.\/ext\.js'/, f);
		for (const m of src.matchAll(/from '(\.[^']+\.js)'/g))
			visit(path.resolve(path.dirname(f), m[1]));
	};
	visit(path.join(ext, 'content/extract.js'));
	const before = Object.keys(globalThis).sort();
	const mod = await import('../../extension/content/extract.js');
	assert.deepEqual(Object.keys(globalThis).sort(), before);
	assert.equal(typeof mod.extractTicket, 'function');
	assert.equal(typeof mod.findComposer, 'function');
	assert.equal(mod.extractTicket(null, ''), null);
});

test('the Chromium and Firefox manifests agree, each with its own browser bits', () => {
	const c = JSON.parse(fs.readFileSync(path.join(ext, 'manifest.json'), 'utf8'));
	const f = JSON.parse(fs.readFileSync(path.join(ext, 'manifest.firefox.json'), 'utf8'));
	const limits = fs.readFileSync(path.join(root, 'include/precedent/limits.h'), 'utf8');
	const v = /#define PRECEDENT_VERSION "([^"]+)"/.exec(limits);
	if (v)
		assert.equal(c.version, v[1], 'version is PRECEDENT_VERSION');
	assert.equal(f.version, c.version);
	assert.equal(c.manifest_version, 3);
	assert.equal(f.manifest_version, 3);
	assert.equal(c.key, fs.readFileSync(path.join(root, 'manifests/extension-key.txt'), 'utf8').trim());
	assert.equal(f.key, undefined);
	assert.equal(f.browser_specific_settings.gecko.id, 'precedent@precedent.io');
	assert.deepEqual(f.permissions, c.permissions.filter((p) => p !== 'sidePanel'));
	assert.deepEqual(c.permissions.sort(), ['activeTab', 'nativeMessaging', 'scripting', 'sidePanel', 'storage']);
	assert.equal(c.host_permissions, undefined, 'no host permission up front');
	assert.deepEqual(f.optional_host_permissions, c.optional_host_permissions);
	assert.equal(c.background.service_worker, 'background/sw.js');
	assert.deepEqual(f.background.scripts, ['background/sw.js']);
	assert.equal(f.sidebar_action.default_panel, c.side_panel.default_path);
	assert.deepEqual(f.commands, c.commands);
	assert.deepEqual(f.content_security_policy, c.content_security_policy);
	assert.match(c.content_security_policy.extension_pages, /script-src 'self'/);
	assert.doesNotMatch(c.content_security_policy.extension_pages, /unsafe-eval|unsafe-inline/);
	for (const m of [c, f]) {
		const files = [m.side_panel && m.side_panel.default_path, m.sidebar_action && m.sidebar_action.default_panel,
			m.options_ui.page, ...(m.background.scripts || [m.background.service_worker]), ...Object.values(m.icons)].filter(Boolean);
		for (const x of files)
			assert.ok(fs.existsSync(path.join(ext, x)), x);
	}
});

test('no extension source uses eval, new Function, innerHTML or remote scripts', () => {
	for (const f of walk(ext).filter((x) => /\.(js|html)$/.test(x))) {
		const src = fs.readFileSync(f, 'utf8');
		assert.doesNotMatch(src, /\beval\(|new Function\(|\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML/, f);
		assert.doesNotMatch(src, /<script[^>]+src="https?:/, f);
	}
});
