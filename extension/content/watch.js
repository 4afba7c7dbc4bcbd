// Ticket change detection for single-page helpdesks: the URL changes without
// a load (pushState, hash routes) or the view is swapped in place. Watches
// history events, a cheap URL poll and DOM mutations, debounced, and calls
// onChange(ticket) when the ticket's identity or thread changes (also with
// null when the page stops showing one). Pure DOM: no extension API.

function keyOf(t) {
	if (!t)
		return 'none';
	const last = t.messages.length ? t.messages[t.messages.length - 1].body.slice(0, 80) : '';
	return [t.helpdesk, t.id, t.subject, t.messages.length, last].join('\u0001');
}

// watchTicket returns a stop() function. opts.extract(doc, url) reads the
// ticket; opts.debounceMs (default 400) and opts.pollMs (default 1000).
export function watchTicket(doc, onChange, opts) {
	const win = doc.defaultView;
	const debounceMs = opts.debounceMs ?? 400;
	let lastKey = null;
	let lastUrl = String(win.location.href);
	let timer = null;
	let stopped = false;

	const check = () => {
		timer = null;
		if (stopped)
			return;
		let t = null;
		try {
			t = opts.extract(doc, String(win.location.href));
		} catch {
			t = null;
		}
		const k = keyOf(t);
		if (k !== lastKey) {
			lastKey = k;
			onChange(t);
		}
	};
	const schedule = () => {
		if (!stopped && timer === null)
			timer = win.setTimeout(check, debounceMs);
	};
	const onUrl = () => {
		const u = String(win.location.href);
		if (u !== lastUrl) {
			lastUrl = u;
			schedule();
		}
	};
	const mo = new win.MutationObserver((records) => {
		// Ignore mutations inside editable regions (the agent typing).
		for (const r of records) {
			const n = r.target.nodeType === 1 ? r.target : r.target.parentElement;
			if (n && n.closest && n.closest('[contenteditable], textarea'))
				continue;
			schedule();
			return;
		}
	});
	mo.observe(doc.documentElement, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['class', 'hidden'] });
	win.addEventListener('popstate', onUrl);
	win.addEventListener('hashchange', onUrl);
	const poll = win.setInterval(onUrl, opts.pollMs ?? 1000);
	check();
	return function stop() {
		stopped = true;
		mo.disconnect();
		win.removeEventListener('popstate', onUrl);
		win.removeEventListener('hashchange', onUrl);
		win.clearInterval(poll);
		if (timer !== null)
			win.clearTimeout(timer);
	};
}
