// Every helpdesk adapter on its saved-markup fixture: the normalized ticket
// equals the expected JSON, the composer is found, a draft inserted into it
// is there afterwards, and sending is noticed with the edited text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadFixture, readJSON, fixturesDir } from './helpers.js';
import { extractTicket, findComposer, sendSelectors } from '../../extension/content/extract.js';
import { DATA_ADAPTERS } from '../../extension/content/adapters/registry.js';
import { insertDraft, composerText } from '../../extension/content/insert.js';
import { watchSend } from '../../extension/content/sendcapture.js';

const DRAFT = 'Hi, thanks for the details.\n\nPlease try the steps in the article and tell us if it helps.';

for (const a of [...DATA_ADAPTERS.map((x) => x.name), 'generic']) {
	test(`${a}: the ticket read from the fixture equals the expected JSON`, () => {
		const { doc, url } = loadFixture(a);
		const want = readJSON(path.join(fixturesDir, a + '.expected.json'));
		assert.deepEqual(extractTicket(doc, url), want);
	});

	test(`${a}: the reply composer is found and is editable`, () => {
		const { doc, url } = loadFixture(a);
		const c = findComposer(doc, { url });
		assert.ok(c, 'composer found');
		const editable = c.tagName === 'TEXTAREA' || c.isContentEditable || c.getAttribute('contenteditable') === 'true';
		assert.ok(editable, `composer ${c.tagName}.${c.className} is editable`);
	});

	test(`${a}: a draft inserted into the composer is there, the thread is unchanged`, () => {
		const { doc, url } = loadFixture(a);
		const before = extractTicket(doc, url);
		const c = findComposer(doc, { url });
		const r = insertDraft(c, DRAFT);
		assert.equal(r.ok, true, `insert via ${r.method} into ${r.editor}`);
		const got = composerText(c).replace(/\s+/g, ' ');
		assert.ok(got.includes('Hi, thanks for the details.'), got);
		assert.ok(got.includes('tell us if it helps.'), got);
		assert.deepEqual(extractTicket(doc, url), before);
	});

	test(`${a}: clicking send reports the text actually sent, once`, () => {
		const { doc, url, window } = loadFixture(a);
		const c = findComposer(doc, { url });
		insertDraft(c, DRAFT);
		const sent = [];
		const stop = watchSend(doc, { getComposer: () => findComposer(doc, { url }), sendSelectors: () => sendSelectors(doc, url), onSend: (t) => sent.push(t) });
		const sels = sendSelectors(doc, url);
		const btn = sels.map((s) => doc.querySelector(s)).find(Boolean);
		assert.ok(btn, 'send button found');
		btn.addEventListener('click', (e) => e.preventDefault());
		btn.dispatchEvent(new window.MouseEvent('click', { bubbles: true, cancelable: true }));
		btn.dispatchEvent(new window.MouseEvent('click', { bubbles: true, cancelable: true }));
		stop();
		assert.equal(sent.length, 1);
		assert.ok(sent[0].includes('Please try the steps'), sent[0]);
	});
}
