// The adapter registry: every helpdesk the extension reads, in the order they
// are tried, the generic structural adapter last. Data adapters are JSON files
// beside this one (one per helpdesk); adding a helpdesk is adding a JSON file
// and a line here, or pasting the JSON into the options page (custom
// adapters, tried first). Pure: no extension API.

import zendesk from './zendesk.json' with { type: 'json' };
import freshdesk from './freshdesk.json' with { type: 'json' };
import freshservice from './freshservice.json' with { type: 'json' };
import helpscout from './helpscout.json' with { type: 'json' };
import zammad from './zammad.json' with { type: 'json' };
import jira from './jira.json' with { type: 'json' };
import servicenow from './servicenow.json' with { type: 'json' };
import intercom from './intercom.json' with { type: 'json' };
import front from './front.json' with { type: 'json' };
import hubspot from './hubspot.json' with { type: 'json' };
import gorgias from './gorgias.json' with { type: 'json' };
import osticket from './osticket.json' with { type: 'json' };
import freescout from './freescout.json' with { type: 'json' };
import rt from './rt.json' with { type: 'json' };
import * as generic from './generic.js';

export const DATA_ADAPTERS = Object.freeze([
	zendesk, freshdesk, freshservice, helpscout, zammad, jira, servicenow,
	intercom, front, hubspot, gorgias, osticket, freescout, rt,
]);

export const GENERIC = generic;

const FIELD_KEYS = ['id', 'subject', 'status', 'priority', 'tags', 'created_at',
	'customer.name', 'customer.email', 'customer.organization', 'customer.external_id'];

// validateAdapter returns a list of problems (empty when the adapter is usable).
export function validateAdapter(a) {
	const errs = [];
	if (!a || typeof a !== 'object' || Array.isArray(a))
		return ['an adapter is a JSON object'];
	if (typeof a.name !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,39}$/.test(a.name))
		errs.push('"name": lower-case letters, digits, - or _');
	if (a.name === 'generic')
		errs.push('"name": "generic" is reserved');
	if (!a.match || (typeof a.match.dom !== 'string' && typeof a.match.url !== 'string'))
		errs.push('"match": needs "dom" (a selector) and/or "url" (a pattern)');
	if (!a.messages || typeof a.messages.item !== 'string')
		errs.push('"messages.item": a selector for one message');
	if (!a.composer || (typeof a.composer !== 'string' && !Array.isArray(a.composer)))
		errs.push('"composer": a selector or a list of selectors');
	for (const k of Object.keys(a.fields || {}))
		if (!FIELD_KEYS.includes(k))
			errs.push(`"fields.${k}": unknown field (known: ${FIELD_KEYS.join(', ')})`);
	for (const re of [a.match && a.match.url].filter(Boolean)) {
		try {
			new RegExp(re);
		} catch {
			errs.push('"match.url": not a valid pattern');
		}
	}
	return errs;
}
