// The content script (an ES module loaded by loader.js): reads the ticket
// with extract.js, tells the worker when it changes (single-page apps
// included), inserts drafts on request and reports what the agent sends.
// Never clicks send, never submits.

import * as ext from '../lib/ext.js';
import { extractTicket, findComposer, sendSelectors, matchAdapter } from './extract.js';
import { watchTicket } from './watch.js';
import { watchSend } from './sendcapture.js';
import { insertDraft } from './insert.js';

let custom = [];

const opts = () => ({ custom, generic: true });
const url = () => String(location.href);

function read() {
	return extractTicket(document, url(), opts());
}

function report(ticket) {
	const a = matchAdapter(document, url(), opts());
	ext.sendMessage({
		type: 'page.ticket',
		ticket,
		adapter: ticket ? ticket.helpdesk : (a ? a.name : null),
		composer: !!findComposer(document, { ...opts(), url: url() }),
		url: url(),
	});
}

async function start() {
	custom = (await ext.storage.get('customAdapters').catch(() => [])) || [];
	watchTicket(document, report, { extract: () => read() });
	watchSend(document, {
		getComposer: () => findComposer(document, { ...opts(), url: url() }),
		sendSelectors: () => sendSelectors(document, url(), opts()),
		onSend: (text) => ext.sendMessage({ type: 'page.sent', text }),
	});
	ext.onMessage((msg) => {
		if (!msg || typeof msg !== 'object')
			return undefined;
		if (msg.type === 'page.insert') {
			const c = findComposer(document, { ...opts(), url: url() });
			if (!c)
				return { ok: false, error: { code: 'no_composer', message: 'Open the reply box on the page first.' } };
			const r = insertDraft(c, String(msg.text || ''));
			return r.ok ? { ok: true, method: r.method, editor: r.editor } : { ok: false, error: { code: 'insert_failed', message: `Could not insert into the ${r.editor} editor.` } };
		}
		if (msg.type === 'page.read') {
			const t = read();
			report(t);
			return { ok: true, ticket: t };
		}
		return undefined;
	});
	ext.storage.onChanged((changes) => {
		if (changes.customAdapters)
			custom = changes.customAdapters.newValue || [];
	});
}

start();
