// Fakes for the extension tests: a native messaging port that answers like
// precedent-host, a browser extension API with just what the worker uses, and
// a WebSocket. Each records what it was sent.

export function fakeHost(handlers = {}) {
	const sent = [];
	const port = {
		sent,
		msgL: [],
		discL: [],
		onMessage: { addListener: (f) => port.msgL.push(f) },
		onDisconnect: { addListener: (f) => port.discL.push(f) },
		postMessage(m) {
			sent.push(m);
			const h = handlers[m.type] || defaultHandlers[m.type];
			if (h === 'silent')
				return;
			queueMicrotask(() => {
				let reply;
				try {
					reply = { id: m.id, ok: true, result: h ? h(m) : {} };
				} catch (e) {
					reply = { id: m.id, ok: false, error: { code: e.code || 'bad_request', message: e.message } };
				}
				for (const f of port.msgL)
					f(reply);
			});
		},
		disconnect() {},
		die() {
			for (const f of port.discL)
				f(port);
		},
	};
	return port;
}

let nextDraft = 1;
export const defaultHandlers = {
	hello: () => ({ version: '0.1.0', protocol: 1, ws: null, corpus: { tickets: 3, doc_sections: 0 }, llm: null }),
	'draft.request': () => ({ draft_id: 'd' + nextDraft++, text: 'Hello [#1]', citations: [{ ref: '[#1]', kind: 'ticket', id: '1', title: 't', snippet: 's' }], flags: [], confidence: 0.8 }),
	'feedback.sent': (m) => ({ edit_distance: m.discarded ? 0 : 3, edit_ratio: 0.1, word_edit_ratio: 0.1 }),
	'feedback.rating': () => ({ saved: true }),
	'ticket.open': () => ({ tickets: [], docs: [], confidence: 0 }),
};

function event() {
	const ls = [];
	return { ls, addListener: (f) => ls.push(f), fire: (...a) => ls.map((f) => f(...a)) };
}

export function fakeChrome(opts = {}) {
	const store = { local: {}, session: {} };
	const area = (n) => ({
		get: async (k) => (k in store[n] ? { [k]: structuredClone(store[n][k]) } : {}),
		set: async (o) => { Object.assign(store[n], structuredClone(o)); },
	});
	const api = {
		store,
		ports: [],
		tabMessages: [],
		registered: [],
		broadcasts: [],
		runtime: {
			lastError: null,
			getURL: (p) => 'chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh/' + p,
			getManifest: () => ({ version: '0.1.0' }),
			connectNative: (name) => {
				if (opts.noHost) {
					const p = fakeHost();
					queueMicrotask(() => {
						api.runtime.lastError = { message: 'Specified native messaging host not found.' };
						p.die();
						api.runtime.lastError = null;
					});
					p.postMessage = () => {};
					api.ports.push(p);
					return p;
				}
				const p = fakeHost(opts.handlers);
				p.name = name;
				api.ports.push(p);
				return p;
			},
			onMessage: event(),
			onInstalled: event(),
			onStartup: event(),
			sendMessage: async (m) => { api.broadcasts.push(m); },
			openOptionsPage: async () => {},
		},
		storage: { local: area('local'), session: area('session'), onChanged: event() },
		permissions: { getAll: async () => ({ origins: opts.origins || [] }), onAdded: event(), onRemoved: event(), request: async () => true, remove: async () => true },
		scripting: {
			getRegisteredContentScripts: async () => api.registered,
			unregisterContentScripts: async () => { api.registered = []; },
			registerContentScripts: async (s) => { api.registered = s; },
			executeScript: async () => [],
		},
		tabs: {
			sendMessage: async (tabId, m) => { api.tabMessages.push({ tabId, m }); return opts.tabReply ? opts.tabReply(m) : { ok: true }; },
			onRemoved: event(),
			onActivated: event(),
			query: async () => [{ id: 7 }],
		},
		sidePanel: { open: async () => {}, setPanelBehavior: async () => {} },
		commands: { onCommand: event() },
	};
	// send a runtime message as if from `sender`; resolves with the reply.
	api.send = (msg, sender = {}) => new Promise((resolve) => {
		let done = false;
		for (const f of api.runtime.onMessage.ls) {
			const async = f(msg, sender, (r) => { done = true; resolve(r); });
			if (async === true)
				return;
		}
		if (!done)
			resolve(undefined);
	});
	return api;
}

export class FakeWebSocket {
	static all = [];
	constructor(url) {
		this.url = url;
		this.sent = [];
		this.readyState = 0;
		FakeWebSocket.all.push(this);
		queueMicrotask(() => { this.readyState = 1; this.onopen && this.onopen(); });
	}
	send(d) { this.sent.push(JSON.parse(d)); }
	close() { this.readyState = 3; this.onclose && this.onclose(); }
	frame(obj) { this.onmessage && this.onmessage({ data: JSON.stringify(obj) }); }
}
