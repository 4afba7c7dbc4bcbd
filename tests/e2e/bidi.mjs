// A small WebDriver BiDi client for Debian's Firefox ESR (playwright-core's
// Firefox support needs newer BiDi commands than ESR has): launch, install
// the extension as a temporary add-on, open tabs, navigate, evaluate.
// Uses Node's WebSocket (node --experimental-websocket on Node 20).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';

// Keep Firefox on this machine: non-loopback requests go to a dead local
// proxy, remote settings point at loopback, background services are off.
const PREFS = {
	'xpinstall.signatures.required': false,
	'network.proxy.type': 1,
	'network.proxy.http': '127.0.0.1', 'network.proxy.http_port': 9,
	'network.proxy.ssl': '127.0.0.1', 'network.proxy.ssl_port': 9,
	'network.proxy.socks': '127.0.0.1', 'network.proxy.socks_port': 9,
	'network.proxy.socks_remote_dns': true,
	'network.proxy.no_proxies_on': '127.0.0.1,localhost',
	'network.proxy.allow_hijacking_localhost': false,
	'network.trr.mode': 5,
	'services.settings.server': 'http://127.0.0.1:9/v1',
	'messaging-system.rsexperimentloader.enabled': false,
	'app.normandy.enabled': false,
	'network.captive-portal-service.enabled': false,
	'network.connectivity-service.enabled': false,
	'toolkit.telemetry.enabled': false,
	'datareporting.policy.dataSubmissionEnabled': false,
	'extensions.update.enabled': false,
	'extensions.getAddons.cache.enabled': false,
	'browser.safebrowsing.malware.enabled': false,
	'browser.safebrowsing.phishing.enabled': false,
	'browser.safebrowsing.downloads.enabled': false,
	'network.dns.disablePrefetch': true,
	'network.prefetch-next': false,
	'browser.shell.checkDefaultBrowser': false,
	'browser.startup.homepage_override.mstone': 'ignore',
};

export async function launchFirefox({ exe = '/usr/bin/firefox-esr', profile, home, uuids = {} }) {
	fs.mkdirSync(profile, { recursive: true });
	const prefs = { ...PREFS, 'extensions.webextensions.uuids': JSON.stringify(uuids) };
	fs.writeFileSync(path.join(profile, 'user.js'), Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n') + '\n');
	const proc = spawn(exe, ['--headless', '--remote-debugging-port=0', '--no-remote', '--profile', profile], { env: { ...process.env, HOME: home, MOZ_CRASHREPORTER_DISABLE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
	let log = '';
	const url = await new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error('Firefox did not start BiDi: ' + log.slice(-2000))), 30000);
		const on = (d) => {
			log += d;
			const m = /WebDriver BiDi listening on (ws:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):\d+)/.exec(log);
			if (m) {
				clearTimeout(t);
				resolve(m[1]);
			}
		};
		proc.stderr.on('data', on);
		proc.stdout.on('data', on);
		proc.on('exit', (c) => reject(new Error('Firefox exited ' + c + ': ' + log.slice(-2000))));
	});
	const ws = new WebSocket(url + '/session');
	await new Promise((r, j) => { ws.onopen = r; ws.onerror = () => j(new Error('BiDi connect failed')); });
	let next = 1;
	const pending = new Map();
	ws.onmessage = (ev) => {
		const m = JSON.parse(ev.data);
		if (m.id && pending.has(m.id)) {
			const p = pending.get(m.id);
			pending.delete(m.id);
			if (m.type === 'error')
				p.reject(new Error(`${m.error}: ${m.message}`));
			else
				p.resolve(m.result);
		}
	};
	const send = (method, params = {}) => new Promise((resolve, reject) => {
		const id = next++;
		pending.set(id, { resolve, reject });
		ws.send(JSON.stringify({ id, method, params }));
	});
	await send('session.new', { capabilities: {} });
	const ff = {
		send,
		proc,
		async install(dir) {
			return (await send('webExtension.install', { extensionData: { type: 'path', path: dir } })).extension;
		},
		async newTab() {
			return (await send('browsingContext.create', { type: 'tab' })).context;
		},
		async goto(context, url) {
			await send('browsingContext.navigate', { context, url, wait: 'complete' });
		},
		// evaluate runs an async function body in the tab; returns its JSON value.
		async evaluate(context, body) {
			const r = await send('script.evaluate', { expression: `(async () => JSON.stringify(await (async () => { ${body} })()))()`, target: { context }, awaitPromise: true });
			if (r.type !== 'success')
				throw new Error('evaluate: ' + JSON.stringify(r.exceptionDetails && r.exceptionDetails.text));
			const v = r.result && r.result.value;
			return v === undefined ? undefined : JSON.parse(v);
		},
		async screenshot(context, file) {
			const r = await send('browsingContext.captureScreenshot', { context });
			fs.writeFileSync(file, Buffer.from(r.data, 'base64'));
		},
		async close() {
			try {
				await Promise.race([send('browser.close'), new Promise((r) => setTimeout(r, 3000))]);
			} catch { /* already closing */ }
			ws.close();
			if (proc.exitCode === null)
				proc.kill('SIGTERM');
		},
	};
	return ff;
}
