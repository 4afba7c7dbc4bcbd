// The side panel's WebSocket to precedent-host (ws://127.0.0.1:PORT): the
// first frame authenticates with the per-launch token, then draft frames
// (draft.delta, draft.citations, draft.flags, draft.done, draft.error) are
// dispatched to the handler of their draft. The WebSocket constructor is
// passed in (the browser's, or a fake in tests). No extension API.

export class DraftStream {
	// opts: WebSocket (constructor), port, token, onStatus(state, detail).
	constructor(opts) {
		this.opts = opts;
		this.ws = null;
		this.handlers = new Map();   // draft_id -> handler
		this.waiting = [];           // handlers waiting for a draft_id
		this.claimed = new Set();
		this.state = 'closed';
	}

	open() {
		if (this.ws && this.state !== 'closed')
			return this.opened;
		const WS = this.opts.WebSocket;
		this.state = 'connecting';
		this.opened = new Promise((resolve) => {
			let ws;
			try {
				ws = new WS(`ws://127.0.0.1:${Number(this.opts.port)}/`);
			} catch (e) {
				this.state = 'closed';
				resolve(false);
				return;
			}
			this.ws = ws;
			ws.onopen = () => {
				ws.send(JSON.stringify({ type: 'auth', token: this.opts.token }));
				this.state = 'open';
				this.status('open');
				resolve(true);
			};
			ws.onmessage = (ev) => this.onFrame(ev.data);
			ws.onclose = () => {
				this.state = 'closed';
				this.status('closed');
				resolve(false);
			};
			ws.onerror = () => {};
		});
		return this.opened;
	}

	status(s) {
		if (this.opts.onStatus)
			this.opts.onStatus(s);
	}

	// expect registers a handler for the next draft this panel asked for.
	// match(frame) may claim a frame (by request id when the host echoes it);
	// otherwise the first unclaimed draft_id seen while waiting is taken.
	expect(handler, requestRef) {
		const h = { handler, requestRef };
		this.waiting.push(h);
		return () => {
			this.waiting = this.waiting.filter((x) => x !== h);
			for (const [k, v] of this.handlers)
				if (v === handler)
					this.handlers.delete(k);
		};
	}

	// learn sets the host's request id of a waiting draft (by the panel's ref).
	learn(requestRef, requestId) {
		for (const w of this.waiting)
			if (w.requestRef === requestRef)
				w.requestId = requestId;
	}

	// bind ties a known draft_id to a handler (after the result arrives).
	bind(draftId, handler) {
		this.handlers.set(String(draftId), handler);
		this.claimed.add(String(draftId));
	}

	onFrame(data) {
		let f;
		try {
			f = JSON.parse(typeof data === 'string' ? data : String(data));
		} catch {
			return;
		}
		if (!f || typeof f !== 'object' || typeof f.type !== 'string' || f.draft_id == null)
			return;
		const id = String(f.draft_id);
		let h = this.handlers.get(id);
		if (!h && !this.claimed.has(id)) {
			let i = this.waiting.findIndex((w) => (w.requestId != null && f.request_id === w.requestId) ||
				(w.requestRef != null && f.client_ref === w.requestRef));
			// A frame tagged for a request no panel here knows belongs to another
			// panel; an untagged frame goes to the oldest waiting draft.
			if (i < 0 && f.request_id == null && f.client_ref == null)
				i = this.waiting.length ? 0 : -1;
			if (i < 0 && f.request_id != null && this.waiting.length === 1 && this.waiting[0].requestId == null)
				i = 0;
			if (i >= 0) {
				h = this.waiting[i].handler;
				this.waiting.splice(i, 1);
				this.handlers.set(id, h);
				this.claimed.add(id);
			}
		}
		if (h)
			h(f);
		if (f.type === 'draft.done' || f.type === 'draft.error')
			this.handlers.delete(id);
	}

	cancel(draftId) {
		if (this.ws && this.state === 'open')
			this.ws.send(JSON.stringify({ type: 'draft.cancel', draft_id: draftId }));
	}

	close() {
		if (this.ws)
			this.ws.close();
		this.state = 'closed';
	}
}
