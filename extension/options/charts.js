// Dashboard charts as plain SVG (no library): a line of the edit rate over
// time, a share bar, a thumbs bar and a ranked list of knowledge gaps. Each
// function takes a Document and data, returns an <svg> element, and copes with
// missing figures. Pure DOM, no extension API.

const NS = 'http://www.w3.org/2000/svg';

function el(doc, name, attrs, text) {
	const e = doc.createElementNS(NS, name);
	for (const [k, v] of Object.entries(attrs || {}))
		e.setAttribute(k, String(v));
	if (text != null)
		e.textContent = String(text);
	return e;
}

function svg(doc, w, h, label) {
	return el(doc, 'svg', { viewBox: `0 0 ${w} ${h}`, width: '100%', role: 'img', 'aria-label': label, class: 'chart' });
}

// lineChart: points [{label, value}] with value in 0..1 (shown as percent).
export function lineChart(doc, points, label) {
	const W = 480, H = 180, L = 36, B = 24, T = 10, R = 10;
	const s = svg(doc, W, H, label);
	const pts = (points || []).filter((p) => typeof p.value === 'number' && Number.isFinite(p.value));
	for (const v of [0, 0.5, 1]) {
		const y = T + (1 - v) * (H - T - B);
		s.appendChild(el(doc, 'line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }));
		s.appendChild(el(doc, 'text', { x: L - 4, y: y + 4, 'text-anchor': 'end', class: 'axis' }, Math.round(v * 100) + '%'));
	}
	if (pts.length === 0) {
		s.appendChild(el(doc, 'text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'No sent drafts yet'));
		return s;
	}
	const x = (i) => L + (pts.length === 1 ? (W - L - R) / 2 : i * (W - L - R) / (pts.length - 1));
	const y = (v) => T + (1 - Math.max(0, Math.min(1, v))) * (H - T - B);
	s.appendChild(el(doc, 'polyline', { points: pts.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' '), class: 'line', fill: 'none' }));
	pts.forEach((p, i) => {
		const c = el(doc, 'circle', { cx: x(i).toFixed(1), cy: y(p.value).toFixed(1), r: 3, class: 'dot' });
		c.appendChild(el(doc, 'title', {}, `${p.label}: ${Math.round(p.value * 100)}%`));
		s.appendChild(c);
		if (pts.length <= 12 || i % Math.ceil(pts.length / 12) === 0)
			s.appendChild(el(doc, 'text', { x: x(i).toFixed(1), y: H - 6, 'text-anchor': 'middle', class: 'axis' }, p.label));
	});
	return s;
}

// shareBar: parts [{label, value, cls}] drawn as one stacked bar.
export function shareBar(doc, parts, label) {
	const W = 480, H = 56;
	const s = svg(doc, W, H, label);
	const total = (parts || []).reduce((a, p) => a + (Number(p.value) || 0), 0);
	if (!total) {
		s.appendChild(el(doc, 'text', { x: W / 2, y: 30, 'text-anchor': 'middle', class: 'empty' }, 'No data yet'));
		return s;
	}
	let x = 0;
	for (const p of parts) {
		const w = (Number(p.value) || 0) / total * W;
		if (w <= 0)
			continue;
		const r = el(doc, 'rect', { x: x.toFixed(1), y: 0, width: w.toFixed(1), height: 28, class: 'part ' + (p.cls || '') });
		r.appendChild(el(doc, 'title', {}, `${p.label}: ${p.value}`));
		s.appendChild(r);
		s.appendChild(el(doc, 'text', { x: (x + 4).toFixed(1), y: 46, class: 'axis' }, `${p.label} ${Math.round((Number(p.value) || 0) / total * 100)}%`));
		x += w;
	}
	return s;
}

// barList: rows [{label, value}] as horizontal bars, largest first.
export function barList(doc, rows, label) {
	const list = (rows || []).filter((r) => Number(r.value) > 0).sort((a, b) => b.value - a.value).slice(0, 10);
	const W = 480, RH = 22;
	const s = svg(doc, W, Math.max(RH, list.length * RH), label);
	if (!list.length) {
		s.appendChild(el(doc, 'text', { x: W / 2, y: 15, 'text-anchor': 'middle', class: 'empty' }, 'No knowledge gaps recorded'));
		return s;
	}
	const max = list[0].value;
	list.forEach((r, i) => {
		const w = Math.max(2, r.value / max * (W * 0.45));
		s.appendChild(el(doc, 'text', { x: 0, y: i * RH + 15, class: 'label' }, String(r.label).slice(0, 48)));
		s.appendChild(el(doc, 'rect', { x: W * 0.5, y: i * RH + 4, width: w.toFixed(1), height: RH - 8, class: 'bar' }));
		s.appendChild(el(doc, 'text', { x: (W * 0.5 + w + 4).toFixed(1), y: i * RH + 15, class: 'axis' }, r.value));
	});
	return s;
}

// fromStats turns the host's stats result into chart data. It accepts the
// figures under a few likely names, since `stats` is defined by the host.
export function fromStats(st) {
	st = st || {};
	const weeks = st.by_week || st.weeks || st.series || [];
	const edit = weeks.map((w) => ({ label: String(w.week || w.date || w.period || '').slice(0, 10), value: num(w.median_edit_ratio ?? w.edit_ratio ?? w.mean_edit_ratio) }));
	const sent = num(st.sent ?? st.drafts_sent) || 0;
	const nearly = num(st.nearly_unedited ?? st.sent_nearly_unedited ?? (st.nearly_unedited_share != null ? st.nearly_unedited_share * sent : null)) || 0;
	const thumbs = st.ratings || st.thumbs || {};
	return {
		drafts: num(st.drafts) || 0,
		sent,
		median: num(st.median_edit_ratio ?? (st.edit_ratio && st.edit_ratio.median)),
		edit,
		acceptance: [
			{ label: 'nearly unedited', value: nearly, cls: 'good' },
			{ label: 'edited', value: Math.max(0, sent - nearly), cls: 'mid' },
			{ label: 'not sent', value: Math.max(0, (num(st.drafts) || 0) - sent), cls: 'bad' },
		],
		thumbs: [{ label: 'up', value: num(thumbs.up) || 0, cls: 'good' }, { label: 'down', value: num(thumbs.down) || 0, cls: 'bad' }],
	};
}

export function fromGaps(g) {
	const list = Array.isArray(g) ? g : (g && (g.gaps || g.groups)) || [];
	return list.map((x) => ({ label: Array.isArray(x.terms) ? x.terms.join(' ') : String(x.terms || x.label || x.key || ''), value: num(x.count ?? x.tickets ?? x.n) || 0 }));
}

function num(v) {
	const n = Number(v);
	return v == null || Number.isNaN(n) ? null : n;
}
