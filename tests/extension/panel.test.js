// The panel's rendering (citations as links, flagged sentences highlighted,
// text never parsed as markup) and the dashboard's SVG charts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { renderDraft, renderCitations, renderFlags, citationHref, STATES } from '../../extension/sidepanel/render.js';
import { lineChart, shareBar, barList, fromStats, fromGaps } from '../../extension/options/charts.js';

const doc = () => new JSDOM('<!doctype html><body><div id="d"></div><ol id="c"></ol><ul id="f"></ul></body>').window.document;
const cites = [
	{ ref: '[#T-1002]', kind: 'ticket', id: 'T-1002', title: 'Moodle 403', snippet: 'the **enrolment** sync' },
	{ ref: '[doc: kb/vpn.md#keepalive]', kind: 'doc', id: 'kb/vpn.md#keepalive', title: 'Keepalive', snippet: '', url: 'https://kb.example/vpn#keepalive' },
];

test('citation markers become links to their source; the rest stays text', () => {
	const d = doc();
	const el = d.getElementById('d');
	renderDraft(el, 'Re-run the sync [#T-1002]. See [doc: kb/vpn.md#keepalive]. <b>not bold</b>', cites, [], { url: 'https://desk.example/tickets/483920', id: '483920' });
	const links = [...el.querySelectorAll('a.cite')];
	assert.deepEqual(links.map((a) => a.textContent), ['[#T-1002]', '[doc: kb/vpn.md#keepalive]']);
	assert.equal(links[0].href, 'https://desk.example/tickets/T-1002');
	assert.equal(links[1].href, 'https://kb.example/vpn#keepalive');
	assert.equal(el.querySelector('b'), null, 'draft text is not markup');
	assert.ok(el.textContent.endsWith('<b>not bold</b>'));
});

test('flagged sentences are highlighted with their reason', () => {
	const d = doc();
	const el = d.getElementById('d');
	const text = 'We fixed it. We will refund you twice. Thanks.';
	const n = renderDraft(el, text, [], [{ kind: 'unsupported', message: 'No source promises a refund', sentence: 'We will refund you twice.' }, { kind: 'x', message: 'offsets', start: 0, end: 12 }, { kind: 'weak_precedent', message: 'weak' }]);
	assert.equal(n, 2);
	const marks = [...el.querySelectorAll('mark')];
	assert.deepEqual(marks.map((m) => m.textContent), ['We fixed it.', 'We will refund you twice.']);
	assert.equal(marks[1].title, 'No source promises a refund');
	assert.equal(el.textContent, text);
	renderDraft(el, 'Fixed before [#T-1002].', cites, [{ kind: 'stale_source', ref: '[#T-1002]', message: 'old ticket' }]);
	assert.ok(el.querySelector('a.cite').classList.contains('flagged'));
	assert.match(el.querySelector('a.cite').title, /old ticket/);
	const ul = d.getElementById('f');
	renderFlags(ul, [{ kind: 'weak_precedent', message: 'weak' }]);
	assert.equal(ul.textContent, 'weak');
});

test('the sources list shows titles, snippets with matched terms in bold, and links when known', () => {
	const d = doc();
	const ol = d.getElementById('c');
	renderCitations(ol, cites, { url: 'https://desk.example/scp/tickets.php?id=12', id: '483920' });
	const items = [...ol.querySelectorAll('li')];
	assert.equal(items.length, 2);
	assert.equal(items[0].id, 'source-1');
	assert.equal(items[0].querySelector('b').textContent, 'enrolment');
	assert.equal(items[0].querySelector('a'), null, 'no URL pattern: no link');
	assert.equal(items[1].querySelector('a').href, 'https://kb.example/vpn#keepalive');
	assert.equal(citationHref({ kind: 'ticket', id: '9', url: 'javascript:alert(1)' }, null, null), null);
});

test('every state has a title and the host-missing one names the install command', () => {
	for (const [k, s] of Object.entries(STATES))
		assert.ok(s.title && s.tone, k);
	assert.match(STATES.host_missing.cmd, /make install/);
	assert.match(STATES.host_missing.cmd, /precedent-host install/);
	assert.ok(STATES.llm_unreachable.actions.includes('offline'));
	assert.ok(STATES.not_recognised.actions.includes('generic'));
});

test('the dashboard reads the host\'s stats and draws SVG charts', () => {
	const st = { drafts: 10, sent: 8, discarded: 2, median_edit_ratio: 0.12, nearly_unedited_share: 0.5, thumbs: { up: 3, down: 1 },
		by_week: [{ week: '2024-W01', mean_edit_ratio: 0.3 }, { week: '2024-W02', mean_edit_ratio: 0.2 }, { week: '2024-W03', mean_edit_ratio: 0.1 }] };
	const d = fromStats(st);
	assert.deepEqual(d.edit.map((p) => p.value), [0.3, 0.2, 0.1]);
	assert.deepEqual(d.acceptance.map((p) => p.value), [4, 4, 2]);
	assert.deepEqual(d.thumbs.map((p) => p.value), [3, 1]);
	const D = doc();
	const line = lineChart(D, d.edit, 'edit');
	assert.equal(line.tagName.toLowerCase(), 'svg');
	const pts = line.querySelector('polyline').getAttribute('points').split(' ').map((p) => Number(p.split(',')[1]));
	assert.ok(pts[0] < pts[1] && pts[1] < pts[2], 'lower edit rate is drawn lower');
	assert.equal(shareBar(D, d.acceptance, 'a').querySelectorAll('rect').length, 3);
	const gaps = fromGaps({ gaps: [{ terms: 'sso okta loop', count: 4 }, { terms: 'vpn', count: 9 }] });
	const bars = barList(D, gaps, 'gaps');
	assert.deepEqual([...bars.querySelectorAll('text.label')].map((t) => t.textContent), ['vpn', 'sso okta loop']);
	assert.match(lineChart(D, [], 'e').textContent, /No sent drafts yet/);
	assert.match(barList(D, [], 'g').textContent, /No knowledge gaps/);
});
