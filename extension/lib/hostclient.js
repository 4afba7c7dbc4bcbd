// The native messaging client of the service worker: one port to
// precedent-host, opened on first use with a hello, requests matched to
// replies by id, every pending request failed with a clear code when the host
// goes away. The port comes from a connect() function (ext.connectNative in
// the worker, a fake in tests). No extension API here.

import { HOST_NAME, classifyDisconnect } from './protocol.js';

export class HostError extends Error {
	// detail: the host's whole error object (it may carry draft_id, partial
	// text and the fallback on offer).
	constructor(code, message, detail) {
		super(message);
		this.code = code;
		this.detail = detail || null;
	}
}

export class HostClient {
	// opts: connect(name) -> port, hello() -> {client, origin}, lastError() -> string|null,
	// timeoutMs (default 120 s: a long LLM draft).
	constructor(opts) {
		this.opts = opts;
		this.port = null;
		this.nextId = 1;
		this.pending = new Map();
		this.hello = null;
		this.ready = null;
		this.lastError = null;
		this.listeners = new Set();
	}

	// onStatus(fn): fn(status) whenever the connection changes.
	onStatus(fn) {
		this.listeners.add(fn);
	}

	status() {
		if (this.hello)
			return { state: 'connected', hello: this.hello };
		if (this.lastError)
			return { state: this.lastError.code, error: this.lastError };
		return { state: 'unknown' };
	}

	emit() {
		for (const fn of this.listeners)
			fn(this.status());
	}

	connect() {
		if (this.ready)
			return this.ready;
		let port;
		try {
			port = this.opts.connect(HOST_NAME);
		} catch (e) {
			this.lastError = classifyDisconnect(e && e.message);
			this.emit();
			return Promise.reject(new HostError(this.lastError.code, this.lastError.message));
		}
		this.port = port;
		port.onMessage.addListener((m) => this.onReply(m));
		port.onDisconnect.addListener(() => this.onDisconnect(port));
		const h = this.opts.hello();
		this.ready = this.send(port, { type: 'hello', client: h.client, origin: h.origin }).then((result) => {
			this.hello = result;
			this.lastError = null;
			this.emit();
			return result;
		});
		this.ready.catch(() => {});
		return this.ready;
	}

	send(port, msg, timeoutMs, onId) {
		const id = this.nextId++;
		if (onId)
			onId(id);
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => {
				this.pending.delete(id);
				reject(new HostError('timeout', `precedent-host did not answer ${msg.type} in time.`));
			}, timeoutMs ?? this.opts.timeoutMs ?? 120000);
			this.pending.set(id, { resolve, reject, t });
			try {
				port.postMessage({ ...msg, id });
			} catch (e) {
				clearTimeout(t);
				this.pending.delete(id);
				reject(new HostError('host_error', String(e && e.message || e)));
			}
		});
	}

	onReply(m) {
		if (!m || typeof m !== 'object')
			return;
		const p = this.pending.get(m.id);
		if (!p) {
			if (m.id === null && m.ok === false)
				this.lastError = { code: m.error && m.error.code || 'host_error', message: m.error && m.error.message || '' };
			return;
		}
		this.pending.delete(m.id);
		clearTimeout(p.t);
		if (m.ok === true)
			p.resolve(m.result ?? {});
		else
			p.reject(new HostError(m.error && m.error.code || 'host_error', m.error && m.error.message || 'precedent-host refused the request.', m.error));
	}

	onDisconnect(port) {
		if (port !== this.port)
			return;
		const err = classifyDisconnect(this.opts.lastError ? this.opts.lastError() : null);
		this.lastError = err;
		this.port = null;
		this.ready = null;
		this.hello = null;
		for (const [, p] of this.pending) {
			clearTimeout(p.t);
			p.reject(new HostError(err.code, err.message));
		}
		this.pending.clear();
		this.emit();
	}

	// request sends one message after hello; resolves with its result.
	// onId(id), if given, learns the request id before the message goes out
	// (the host tags a streamed draft's WebSocket frames with it).
	async request(type, fields = {}, timeoutMs, onId) {
		await this.connect();
		return this.send(this.port, { ...fields, type }, timeoutMs, onId);
	}

	disconnect() {
		if (this.port) {
			try {
				this.port.disconnect();
			} catch { /* already gone */ }
		}
		this.port = null;
		this.ready = null;
		this.hello = null;
	}
}
