// Test helpers: load a saved helpdesk page into jsdom the way a browser would
// (its URL from <meta name="fixture-url">), and small event utilities.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JSDOM } from 'jsdom';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const fixturesDir = path.join(here, 'fixtures');

export function loadFixture(name) {
	const html = fs.readFileSync(path.join(fixturesDir, name + '.html'), 'utf8');
	const m = /<meta name="fixture-url" content="([^"]+)"/.exec(html);
	const url = m ? m[1].replace(/&amp;/g, '&') : 'https://example.test/';
	const dom = new JSDOM(html, { url: url, pretendToBeVisual: true });
	const doc = dom.window.document;
	// CKEditor 4 and TinyMCE (classic) edit inside an iframe whose body is
	// contenteditable; jsdom gives the iframe an empty document, filled here
	// as the editor would.
	for (const f of doc.querySelectorAll('iframe.cke_wysiwyg_frame, iframe.tox-edit-area__iframe')) {
		const d = f.contentDocument;
		d.body.className = f.classList.contains('cke_wysiwyg_frame') ? 'cke_editable cke_editable_themed cke_contents_ltr' : 'mce-content-body';
		d.body.setAttribute('contenteditable', 'true');
		d.body.innerHTML = '<p><br></p>';
	}
	return { dom, doc, url, window: dom.window };
}

export function fixtureNames() {
	return fs.readdirSync(fixturesDir).filter((f) => f.endsWith('.html') && !f.startsWith('_'))
		.map((f) => f.replace(/\.html$/, '')).sort();
}

export function readJSON(p) {
	return JSON.parse(fs.readFileSync(p, 'utf8'));
}
