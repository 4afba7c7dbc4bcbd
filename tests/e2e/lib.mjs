// Shared set-up for the end-to-end tests: a fresh Chromium profile with the
// unpacked extension, the real precedent-host registered in that profile's
// NativeMessagingHosts (through a wrapper that points it at a test database),
// and the saved helpdesk pages served on 127.0.0.1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXT_ID = fs.readFileSync(path.join(root, 'manifests/extension-id.txt'), 'utf8').trim();
export const artifacts = path.join(root, 'tests/e2e/artifacts');

// serve the fixtures; any *.php or Update.html path (a form post) gets the
// page again, as the helpdesk would after a reply.
export async function serveFixtures() {
	const dir = path.join(root, 'tests/extension/fixtures');
	const srv = http.createServer((req, res) => {
		let name = path.basename(new URL(req.url, 'http://x').pathname);
		if (/\.php$/.test(name))
			name = 'osticket.html';
		const f = path.join(dir, name);
		if (!name.endsWith('.html') || !fs.existsSync(f)) {
			res.writeHead(404);
			res.end();
			return;
		}
		req.resume();
		res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
		res.end(fs.readFileSync(f));
	});
	await new Promise((r) => srv.listen(0, '127.0.0.1', r));
	return { srv, base: `http://127.0.0.1:${srv.address().port}` };
}

// A stand-in for an OpenAI-compatible provider on 127.0.0.1: streams a fixed
// cited reply word by word (delayMs apart) as server-sent events, so the
// panel can be watched mid-stream. Records the requests it got.
export async function fakeLLM(opts = {}) {
	const text = opts.text || 'Hi Felix,\n\nThe nightly enrolment sync from the student system failed, which removes course access [#T-1002]. ' +
		'We have run it again; please log out of Moodle, log back in and open ENG-201.\n\nBest regards,';
	const requests = [];
	const srv = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c) => { body += c; });
		req.on('end', async () => {
			requests.push({ url: req.url, body });
			if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
				res.writeHead(404);
				res.end();
				return;
			}
			res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
			const parts = text.match(/\S+\s*|\s+/g);
			for (const p of parts) {
				if (res.destroyed)
					return;
				res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: p }, finish_reason: null }] })}\n\n`);
				await new Promise((r) => setTimeout(r, opts.delayMs ?? 40));
			}
			res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
			res.end('data: [DONE]\n\n');
		});
	});
	await new Promise((r) => srv.listen(0, '127.0.0.1', r));
	return { srv, requests, baseUrl: `http://127.0.0.1:${srv.address().port}/v1` };
}

// launch: opts.host false leaves the native host unregistered; opts.llm
// (a base URL) configures an OpenAI-compatible provider, else offline.
export async function launch(opts = {}) {
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'precedent-e2e-'));
	const udd = path.join(tmp, 'profile');
	const ext = path.join(tmp, 'extension');
	fs.cpSync(path.join(root, 'extension'), ext, { recursive: true });
	// The agent would enable the helpdesk site in Settings (a permission
	// prompt); the test profile grants the fixture server's origin up front.
	const m = JSON.parse(fs.readFileSync(path.join(ext, 'manifest.json'), 'utf8'));
	m.host_permissions = opts.hostPermissions || ['http://127.0.0.1/*'];
	fs.writeFileSync(path.join(ext, 'manifest.json'), JSON.stringify(m, null, 2));
	const db = path.join(tmp, 'precedent.db');
	fs.mkdirSync(path.join(udd, 'NativeMessagingHosts'), { recursive: true });
	if (opts.host !== false) {
		const bin = path.join(root, 'build/precedent-host');
		execFileSync(bin, ['--db', db, 'index', 'tickets', path.join(root, 'tests/e2e/corpus/tickets.jsonl')], { stdio: 'pipe' });
		const wrapper = path.join(tmp, 'precedent-host-wrapper.sh');
		fs.writeFileSync(wrapper, ['#!/bin/sh',
			'# Test wrapper: the browser starts this; it sets the environment and runs the real host.',
			`export PRECEDENT_DB='${db}'`,
			...(opts.llm ? ['export PRECEDENT_LLM_PROVIDER=openai', `export PRECEDENT_LLM_BASE_URL='${opts.llm}'`,
				'export PRECEDENT_LLM_MODEL=fake-model', 'export PRECEDENT_LLM_API_KEY=test-key']
				: ['export PRECEDENT_LLM_PROVIDER=offline']),
			`export XDG_CONFIG_HOME='${tmp}/config' XDG_DATA_HOME='${tmp}/data'`,
			`exec '${bin}' "$@" 2>>'${tmp}/host.log'`, ''].join('\n'), { mode: 0o755 });
		fs.writeFileSync(path.join(udd, 'NativeMessagingHosts/io.precedent.host.json'), JSON.stringify({
			name: 'io.precedent.host', description: 'Precedent (e2e)', path: wrapper, type: 'stdio',
			allowed_origins: [`chrome-extension://${EXT_ID}/`],
		}, null, 2));
	}
	const ctx = await chromium.launchPersistentContext(udd, {
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: false, // the new headless mode is asked for below; the old one has no extensions
		viewport: { width: 1100, height: 800 },
		args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync',
			// Nothing leaves the machine: every name but 127.0.0.1 fails to resolve
			// (pages of real helpdesk URLs are answered by page.route from fixtures).
			'--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
			`--disable-extensions-except=${ext}`, `--load-extension=${ext}`],
	});
	let [sw] = ctx.serviceWorkers();
	if (!sw)
		sw = await ctx.waitForEvent('serviceworker', { timeout: 15000 });
	// The service worker registers the content script for the granted sites when it
	// starts; a page opened before that gets none (seen on a loaded machine). Wait.
	if (m.host_permissions.length)
		await until(async () => (await sw.evaluate(async () => (await chrome.scripting.getRegisteredContentScripts()).length)) > 0,
			'content script registration', 30000);
	return { ctx, sw, db, tmp, ext };
}

// sql runs a query on the host's database with Python's sqlite3 (stdlib).
export function sql(db, query) {
	const out = execFileSync('python3', ['-c', 'import sqlite3,sys,json; c=sqlite3.connect(sys.argv[1]); c.row_factory=sqlite3.Row; print(json.dumps([dict(r) for r in c.execute(sys.argv[2])]))', db, query]);
	return JSON.parse(out.toString());
}

export async function until(fn, what, timeoutMs = 15000) {
	const end = Date.now() + timeoutMs;
	let last;
	while (Date.now() < end) {
		try {
			last = await fn();
			if (last)
				return last;
		} catch (e) {
			last = e;
		}
		await new Promise((r) => setTimeout(r, 150));
	}
	throw new Error(`timed out waiting for ${what} (last: ${last && last.message || JSON.stringify(last)})`);
}

export async function tabIdOf(sw, url) {
	return sw.evaluate(async (u) => (await chrome.tabs.query({})).find((t) => t.url === u)?.id, url);
}
