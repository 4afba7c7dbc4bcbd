// Send capture: notices when the agent sends the reply (a click on the
// helpdesk's send button, the composer's form being submitted, or
// Ctrl/Cmd+Enter in the composer) and reads the text actually sent before
// the helpdesk clears the composer. Listens in the capture phase, only
// observes: never prevents, never clicks, never submits. Pure DOM.

import { composerText } from './insert.js';

// watchSend returns stop(). opts.getComposer() returns the current composer
// element; opts.sendSelectors() the send button selectors; opts.onSend(text)
// is called at most once per distinct send (repeat events of one send, such
// as a click that also submits a form, are folded within opts.foldMs).
export function watchSend(doc, opts) {
	const win = doc.defaultView;
	const foldMs = opts.foldMs ?? 1500;
	let lastAt = -Infinity;

	const fire = (why) => {
		const c = opts.getComposer();
		if (!c)
			return;
		const text = composerText(c);
		const now = Date.now();
		if (!text || now - lastAt < foldMs)
			return;
		lastAt = now;
		opts.onSend(text, why);
	};
	const onClick = (e) => {
		const t = e.target && e.target.nodeType === 1 ? e.target : null;
		if (!t)
			return;
		for (const sel of opts.sendSelectors()) {
			try {
				if (t.closest(sel)) {
					fire('click');
					return;
				}
			} catch { /* bad selector in a custom adapter */ }
		}
	};
	const onSubmit = (e) => {
		const c = opts.getComposer();
		if (c && e.target && e.target.contains && e.target.contains(c.ownerDocument === doc ? c : c.ownerDocument.defaultView.frameElement))
			fire('submit');
	};
	const onKey = (e) => {
		if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey))
			return;
		const c = opts.getComposer();
		if (c && (c === e.target || c.contains(e.target)))
			fire('shortcut');
	};
	doc.addEventListener('click', onClick, true);
	doc.addEventListener('submit', onSubmit, true);
	doc.addEventListener('keydown', onKey, true);
	// Composers inside a same-origin iframe (CKEditor 4, TinyMCE) get the
	// keyboard listener too.
	let frameDoc = null;
	const c0 = opts.getComposer();
	if (c0 && c0.ownerDocument !== doc) {
		frameDoc = c0.ownerDocument;
		frameDoc.addEventListener('keydown', onKey, true);
	}
	return function stop() {
		doc.removeEventListener('click', onClick, true);
		doc.removeEventListener('submit', onSubmit, true);
		doc.removeEventListener('keydown', onKey, true);
		if (frameDoc)
			frameDoc.removeEventListener('keydown', onKey, true);
	};
}
