// The navigation header of every staff page. Its entries are the "nav" list of the message
// catalogue (static/messages.json), one line per page: {href, label, may, carries}. A role sees an
// entry when may is "" or /api/v1/me's may[may] is true (the server enforces the same); carries
// names the query parameters (community, area) the link takes along from the current page, so the
// selected community or area stays selected from the map to the plan, the downloads and the survey.
import {el} from './util.js';
import {catalogue, t} from './msg.js';
import {roleName, whoami} from './account.js';

const scope = new URLSearchParams();
for (const k of ['community', 'area']) {
  const v = new URLSearchParams(location.search).get(k);
  if (v) scope.set(k, v);
}

let bar = null;

function linkFor(item) {
  const q = new URLSearchParams();
  for (const k of item.carries || []) if (scope.get(k)) q.set(k, scope.get(k));
  const qs = q.toString();
  return qs ? `${item.href}?${qs}` : item.href;
}

// refreshLinks updates the header's links and the page's own links marked data-carries="community".
function refreshLinks() {
  for (const a of document.querySelectorAll('a[data-carries]')) {
    a.href = linkFor({href: a.pathname, carries: a.dataset.carries.split(' ')});
  }
  if (bar) for (const a of bar.querySelectorAll('a.site-link')) a.href = linkFor(JSON.parse(a.dataset.item));
}

/**
 * setScope records the community or area selected on this page (null clears it): the page's
 * URL keeps it (so a reload or a shared link shows the same) and the header's links carry it.
 */
export function setScope(values) {
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === undefined || v === '') scope.delete(k); else scope.set(k, String(v));
  }
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(values)) {
    if (scope.get(k)) url.searchParams.set(k, scope.get(k)); else url.searchParams.delete(k);
  }
  history.replaceState(history.state, '', url);
  refreshLinks();
}

/** scopeParam returns the community or area the page was opened with (?community=…), or null. */
export function scopeParam(name) {
  return scope.get(name);
}

async function render() {
  const who = await whoami();
  if (!who) return;
  const items = (catalogue.nav || []).filter((it) => !it.may || who.may?.[it.may]);
  bar = el('nav', {class: 'site-nav', 'aria-label': t('nav.label')},
    el('a', {class: 'site-brand', href: '/', text: t('app.name')}),
    ...items.map((it) => el('a', {class: 'site-link', href: linkFor(it), text: it.label, dataset: {item: JSON.stringify(it)},
      'aria-current': it.href === location.pathname ? 'page' : undefined})),
    el('span', {class: 'site-spacer'}),
    el('span', {class: 'site-user', text: `${who.user.display_name || who.user.username} · ${await roleName(who.user.role)}`}));
  document.body.prepend(bar);
  refreshLinks();
}

render();
