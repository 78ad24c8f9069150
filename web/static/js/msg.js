// The pages' side of the one message catalogue (static/messages.json, also used by the server for
// its error texts): t() gives a page text, codeText() the message of an error code.

/** catalogue is the whole of static/messages.json (nav.js reads its "nav" list). */
export let catalogue = {codes: {}, ui: {}, nav: []};
try {
  const res = await fetch('/static/messages.json', {credentials: 'same-origin'});
  if (res.ok) catalogue = await res.json();
} catch { /* the pages still work; messages fall back to the generic one below */ }

const generic = '操作失败，请稍后重试';

/** t returns the catalogue's text for key, with {0}, {1}, … replaced by args. */
export function t(key, ...args) {
  let s = catalogue.ui?.[key] ?? catalogue.codes?.[key] ?? generic;
  args.forEach((a, i) => { s = s.replaceAll(`{${i}}`, String(a)); });
  return s;
}

/** known returns the catalogue's text for key, or fallback when it has none (a code the catalogue
 * does not name yet, shown as it is). */
export function known(key, fallback) {
  return catalogue.ui?.[key] ?? fallback;
}

/** codeText returns the message for an error code of the JSON error body. */
export function codeText(code) {
  return catalogue.codes?.[code] || catalogue.codes?.error || generic;
}
