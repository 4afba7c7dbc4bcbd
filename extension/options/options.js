// Options page: the model settings (sent to precedent-host with config.set,
// never kept in the browser), the helpdesk sites the agent enables (optional
// host permissions, requested at the click), custom JSON adapters, the
// corpus status and imports (index.import, followed through index.status),
// and the dashboard from `stats` and `gaps`.

import * as ext from '../lib/ext.js';
import { validateAdapter } from '../content/adapters/registry.js';
import { lineChart, shareBar, barList, tagTable, sourcesTable, fromStats, fromGaps } from './charts.js';
import { mountImport } from './importer.js';
import { originPattern } from '../lib/protocol.js';

const $ = (id) => document.getElementById(id);

async function host(type, fields = {}) {
	const r = await ext.sendMessage({ type: 'host', request: { type, ...fields } });
	if (!r || !r.ok)
		throw Object.assign(new Error((r && r.error && r.error.message) || 'no answer'), { code: r && r.error && r.error.code });
	return r.result;
}

function replace(el, child) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	if (child)
		el.appendChild(child);
}

async function loadStatus() {
	const st = await ext.sendMessage({ type: 'status' });
	const s = st && st.status;
	const line = $('host-line');
	if (!s || s.state !== 'connected') {
		line.className = 'status bad';
		line.textContent = s && s.state === 'host_missing'
			? 'precedent-host is not installed for this browser. Run `make install` (or `precedent-host install`), then reload this page.'
			: 'precedent-host is not answering: ' + ((s && s.error && s.error.message) || 'unknown error') + '. Try `precedent-host doctor`.';
		return null;
	}
	const h = s.hello;
	line.className = 'status good';
	line.textContent = `Connected to precedent-host ${h.version || ''} · model: ${h.llm ? `${h.llm.provider} ${h.llm.model || ''}` : 'offline'}`;
	if (h.llm) {
		$('provider').value = h.llm.provider || 'offline';
		$('model').value = h.llm.model || '';
	}
	return h;
}

function showCorpus(c) {
	const box = $('corpus');
	if (!c) {
		box.textContent = 'Unknown (host not connected).';
		return;
	}
	box.textContent = `${c.tickets ?? 0} tickets, ${c.doc_sections ?? 0} doc sections indexed` +
		(c.docs != null ? ` (${c.docs} docs)` : '') +
		(c.updated_at ? `, last import ${c.updated_at}` : '') + '.' +
		(!c.tickets && !c.doc_sections ? ' Nothing to cite yet: import your tickets and docs.' : '');
}

// The corpus figures; index.status also tells whether an import is running
// (the page may have been reopened during one): the importer follows it.
async function loadCorpus(hello) {
	let c = hello && hello.corpus;
	let st = null;
	try {
		st = await host('index.status');
		c = { ...c, ...st, ...(st.corpus || {}) };
	} catch { /* older host: hello's figures */ }
	showCorpus(c);
	return st;
}

async function loadDashboard() {
	let st = null;
	let gaps = null;
	try {
		st = await host('stats');
	} catch { /* shown empty */ }
	try {
		gaps = await host('gaps');
	} catch { /* shown empty */ }
	const d = fromStats(st);
	const fig = $('figures');
	replace(fig, null);
	for (const [k, v] of [['drafts', d.drafts], ['sent', d.sent], ['median edit', d.median == null ? '–' : Math.round(d.median * 100) + '%']]) {
		const div = document.createElement('div');
		const b = document.createElement('b');
		b.textContent = String(v);
		div.append(b, k);
		fig.appendChild(div);
	}
	replace($('chart-edit'), lineChart(document, d.edit, 'Edit rate over time'));
	replace($('chart-accept'), shareBar(document, d.acceptance, 'Drafts by outcome'));
	replace($('chart-thumbs'), shareBar(document, d.thumbs, 'Ratings'));
	replace($('chart-gaps'), barList(document, fromGaps(gaps), 'Top knowledge gaps'));
	replace($('by-tag'), tagTable(document, d.byTag));
	replace($('sources-to-fix'), sourcesTable(document, d.sources));
	replace($('chart-discards'), shareBar(document, d.discards, 'Drafts not sent, by reason'));
}

async function loadSites() {
	const ul = $('sites');
	replace(ul, null);
	const origins = (await ext.permissions.origins()).filter((o) => /^https?:\/\//.test(o));
	if (!origins.length) {
		const li = document.createElement('li');
		li.textContent = 'No sites enabled yet.';
		ul.appendChild(li);
	}
	for (const o of origins) {
		const li = document.createElement('li');
		li.textContent = o;
		const b = document.createElement('button');
		b.type = 'button';
		b.textContent = 'Remove';
		b.addEventListener('click', async () => {
			await ext.permissions.remove([o]).catch(() => {});
			await ext.sendMessage({ type: 'sync.scripts' });
			loadSites();
		});
		li.appendChild(b);
		ul.appendChild(li);
	}
}

$('site-form').addEventListener('submit', async (e) => {
	e.preventDefault();
	const p = originPattern($('site').value);
	if (!p) {
		$('site-msg').textContent = 'Type a site name like helpdesk.example.com.';
		return;
	}
	// Must run in the click's user gesture: request before any await.
	const granted = await ext.permissions.request([p]).catch(() => false);
	$('site-msg').textContent = granted ? `Enabled ${p}. Reload its tabs.` : 'Not enabled (the browser asked and it was declined).';
	await ext.sendMessage({ type: 'sync.scripts' });
	$('site').value = '';
	loadSites();
});

$('llm-form').addEventListener('submit', async (e) => {
	e.preventDefault();
	// config.set takes one key at a time; the key goes to the host's 0600
	// key file and is cleared from the form at once.
	const pairs = [['llm.provider', $('provider').value], ['llm.model', $('model').value.trim()], ['llm.base_url', $('base-url').value.trim()]]
		.filter(([, v]) => v !== '');
	const key = $('api-key').value;
	if (key)
		pairs.push(['llm.api_key', key]);
	$('api-key').value = '';
	try {
		for (const [k, v] of pairs)
			await host('config.set', { key: k, value: v });
		$('llm-msg').textContent = 'Saved by precedent-host.';
	} catch (err) {
		$('llm-msg').textContent = 'Not saved: ' + err.message;
	}
});

$('save-adapters').addEventListener('click', async () => {
	let list;
	try {
		list = JSON.parse($('adapters').value || '[]');
	} catch (err) {
		$('adapters-msg').textContent = 'Not JSON: ' + err.message;
		return;
	}
	list = Array.isArray(list) ? list : [list];
	const problems = list.flatMap((a, i) => validateAdapter(a).map((p) => `#${i + 1}: ${p}`));
	if (problems.length) {
		$('adapters-msg').textContent = problems.join('; ');
		return;
	}
	await ext.storage.set('customAdapters', list);
	$('adapters-msg').textContent = `Saved ${list.length} adapter(s).`;
});

(async () => {
	const custom = await ext.storage.get('customAdapters');
	if (custom && custom.length)
		$('adapters').value = JSON.stringify(custom, null, 2);
	loadSites();
	const hello = await loadStatus();
	const importer = mountImport(document, {
		host,
		onCorpus: (c) => showCorpus(c),
		onDone: () => loadDashboard(),
	});
	const st = await loadCorpus(hello);
	if (st && st.import)
		importer.poll(false); // a running import is followed, a finished one summarised
	if (hello)
		loadDashboard();
})();
