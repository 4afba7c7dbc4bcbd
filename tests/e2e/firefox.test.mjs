// Firefox (Debian's firefox-esr, driven over WebDriver BiDi): the add-on built
// from manifest.firefox.json installs, its background page reaches the real
// precedent-host over native messaging (moz-extension origin, allowed by the
// gecko id), the content script reads the osTicket page, and draft, insert,
// send end in a feedback row in the host's database. Skipped when
// firefox-esr is not installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { root, serveFixtures, sql, until, artifacts } from './lib.mjs';
import { launchFirefox } from './bidi.mjs';

const EXE = process.env.FIREFOX || '/usr/bin/firefox-esr';
const GECKO_ID = 'precedent@precedent.io';
const UUID = '0d6a3c52-1b7e-4f3a-9c1e-5e1f2a3b4c5d';
const BASE = `moz-extension://${UUID}`;
const why = !fs.existsSync(EXE) ? `${EXE} is not installed` : typeof WebSocket === 'undefined' ? 'no WebSocket in this Node (needs --experimental-websocket)' : null;
let F, S, tmp, db, panelCtx, pageCtx, tabId;

before(async () => {
	if (why)
		return;
	tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'precedent-ff-'));
	S = await serveFixtures();
	const ext = path.join(tmp, 'extension');
	fs.cpSync(path.join(root, 'extension'), ext, { recursive: true });
	const m = JSON.parse(fs.readFileSync(path.join(ext, 'manifest.firefox.json'), 'utf8'));
	m.host_permissions = ['http://127.0.0.1/*'];
	// BiDi may not navigate a tab to a moz-extension: page, so the test copy
	// opens its options page itself; the test then moves within the add-on.
	fs.writeFileSync(path.join(ext, 'e2e-open.js'), "browser.tabs.create({ url: browser.runtime.getURL('options/options.html') });\n");
	m.background.scripts = [...m.background.scripts, 'e2e-open.js'];
	fs.writeFileSync(path.join(ext, 'manifest.json'), JSON.stringify(m, null, 2));
	fs.rmSync(path.join(ext, 'manifest.firefox.json'));
	db = path.join(tmp, 'precedent.db');
	const bin = path.join(root, 'build/precedent-host');
	execFileSync(bin, ['--db', db, 'index', 'tickets', path.join(root, 'tests/e2e/corpus/tickets.jsonl')], { stdio: 'pipe' });
	const wrapper = path.join(tmp, 'host.sh');
	fs.writeFileSync(wrapper, `#!/bin/sh\nexport PRECEDENT_DB='${db}' PRECEDENT_LLM_PROVIDER=offline XDG_CONFIG_HOME='${tmp}/config' XDG_DATA_HOME='${tmp}/data'\nexec '${bin}' "$@" 2>>'${tmp}/host.log'\n`, { mode: 0o755 });
	const home = path.join(tmp, 'home');
	fs.mkdirSync(path.join(home, '.mozilla/native-messaging-hosts'), { recursive: true });
	fs.writeFileSync(path.join(home, '.mozilla/native-messaging-hosts/io.precedent.host.json'), JSON.stringify({
		name: 'io.precedent.host', description: 'Precedent (e2e)', path: wrapper, type: 'stdio', allowed_extensions: [GECKO_ID] }));
	F = await launchFirefox({ exe: EXE, profile: path.join(tmp, 'profile'), home, uuids: { [GECKO_ID]: UUID } });
	assert.equal(await F.install(ext), GECKO_ID);
});

after(async () => {
	if (F)
		await F.close();
	if (S)
		S.srv.close();
});

test('Firefox: the add-on reaches precedent-host over native messaging', { skip: why || false }, async () => {
	panelCtx = await until(async () => {
		const tree = await F.send('browsingContext.getTree', {});
		const c = tree.contexts.find((x) => x.url.startsWith(BASE));
		return c ? c.context : null;
	}, 'the options tab the add-on opened');
	const line = await until(async () => {
		const t = await F.evaluate(panelCtx, "return document.getElementById('host-line').textContent");
		return /Connected to precedent-host/.test(t) ? t : null;
	}, 'options page connected', 20000);
	assert.match(line, /Connected to precedent-host/);
	const st = await F.evaluate(panelCtx, "return browser.runtime.sendMessage({ type: 'status' })");
	assert.equal(st.status.hello.protocol, 1);
});

test('Firefox: the content script reads the ticket; draft, insert, send store the feedback row', { skip: why || false }, async () => {
	pageCtx = await F.newTab();
	await F.goto(pageCtx, `${S.base}/osticket.html`);
	tabId = await until(async () => F.evaluate(panelCtx, `return (await browser.tabs.query({})).find((t) => t.url === '${S.base}/osticket.html')?.id`), 'tab id');
	await F.evaluate(panelCtx, `location.href = '${BASE}/sidepanel/sidepanel.html?tab=${tabId}'; return true`);
	await new Promise((r) => setTimeout(r, 500));
	await until(async () => (await F.evaluate(panelCtx, "return document.getElementById('subject').textContent")) === 'Cannot access course materials', 'ticket in the panel', 20000);
	await until(async () => F.evaluate(panelCtx, "return !document.getElementById('btn-draft').disabled"), 'draft enabled');
	await F.evaluate(panelCtx, "document.getElementById('btn-draft').click(); return true");
	await until(async () => F.evaluate(panelCtx, "return !document.getElementById('btn-insert').hidden"), 'draft done', 30000);
	await F.screenshot(panelCtx, path.join(artifacts, 'firefox-panel.png'));
	await F.evaluate(panelCtx, "document.getElementById('btn-insert').click(); return true");
	await until(async () => (await F.evaluate(pageCtx, "return document.querySelector('.redactor-in').textContent.length")) > 40, 'inserted');
	await F.evaluate(pageCtx, `
		const ed = document.querySelector('.redactor-in');
		ed.focus();
		const r = document.createRange(); r.selectNodeContents(ed); r.collapse(false);
		const s = getSelection(); s.removeAllRanges(); s.addRange(r);
		document.execCommand('insertText', false, ' Kind regards, Carla');
		document.querySelector('form#reply input[type=submit].save').click();
		return true`);
	const row = await until(() => sql(db, "SELECT * FROM feedback WHERE kind = 'sent'")[0], 'sent feedback row', 20000);
	assert.match(row.sent_text, /Kind regards, Carla/);
	assert.ok(row.edit_distance > 0 && row.edit_ratio < 0.6, JSON.stringify(row));
});
