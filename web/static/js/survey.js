// The residents' menu survey (/survey/{community code}, 决策共谋) on a phone: enter the household
// code, tick the works wanted from the renovation menu (grouped by part, with class badges), rank
// up to N priorities, say yes or no to the renovation, comment. No login: the one-time code is
// the credential; re-entering it shows the previous ballot. Also exports the code step, which
// the satisfaction page (rate.js) shares. Every text goes in with textContent.
import {el, getJSON} from './util.js';
import {request, errorText, showError} from './api.js';
import {t} from './msg.js';
import {communityFromPath} from './notice.js';

/** message shows a line at the top of the page (error = red). */
export function message(text, error = false) {
  const box = document.getElementById('message');
  box.textContent = text;
  box.classList.toggle('error', error);
  box.hidden = !text;
  if (text) box.scrollIntoView({block: 'nearest'});
}

/** postPublic sends a resident's POST (same origin; without the session a staff member's browser
 * may hold, whose CSRF check would refuse it) and throws the server's message. */
export function postPublic(url, body) {
  return request(url, {method: 'POST', body, credentials: 'omit'});
}

/** charCounter keeps "n / max 字" under a textarea. */
function charCounter(textarea, counter, max) {
  const update = () => { counter.textContent = `${[...textarea.value].length} / ${max} 字`; };
  textarea.addEventListener('input', update);
  update();
  return update;
}

/**
 * startSurvey runs the code step of a survey of kind and, once a code is accepted, fills the
 * ballot form: render(info, previousBallot) builds the kind's questions and returns answer(),
 * which gives the answers to send (the comment is added) or null when it has shown why they
 * cannot be sent; thanks = {submitted, updated} are the messages after a first and a changed
 * ballot.
 */
export async function startSurvey(kind, render, thanks) {
  const community = communityFromPath();
  const base = `/api/public/surveys/${encodeURIComponent(community)}`;
  let info;
  try {
    info = await getJSON(`${base}?kind=${kind}`);
  } catch (err) {
    message(err.status === 404 ? t('survey.none') : t('survey.failed', errorText(err)), true);
    return;
  }
  document.getElementById('subtitle').textContent = [info.community_name,
    info.closes_at ? `截止 ${new Date(info.closes_at).toLocaleString('zh-CN', {dateStyle: 'medium', timeStyle: 'short'})}` : null]
    .filter(Boolean).join(' · ');
  if (!info.accepting) {
    message(info.message || t('survey.closed'), true);
    return;
  }
  const card = document.getElementById('code-card');
  const input = document.getElementById('code');
  // A slip's QR code carries the code in the fragment (never sent to the server): fill it in
  // and drop it from the address bar.
  if (location.hash.length > 1) {
    input.value = decodeURIComponent(location.hash.slice(1));
    history.replaceState(null, '', location.pathname + location.search);
  }
  card.hidden = false;
  document.body.dataset.ready = 'code';
  const form = document.getElementById('code-form');
  const button = document.getElementById('code-submit');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const code = input.value.trim();
    if (!code) { message(t('survey.code.missing'), true); return; }
    button.disabled = true;
    try {
      const res = await postPublic(`${base}/code`, {kind, code});
      message('');
      card.hidden = true;
      const answer = render(res.survey, res.ballot);
      wireBallot(res.survey, res.ballot, answer, (a) => postPublic(`${base}/ballot`, {kind, code, ...a}), thanks);
      document.getElementById('previous').hidden = !res.ballot;
      document.getElementById('ballot-form').hidden = false;
      document.body.dataset.ready = 'form';
    } catch (err) {
      message(errorText(err), true);
    } finally {
      button.disabled = false;
    }
  });
}

// wireBallot fills in the comment of the ballot form and sends the form with submit(answers).
function wireBallot(info, prev, answer, submit, thanks) {
  const comment = document.getElementById('comment');
  comment.maxLength = info.max_comment;
  comment.value = prev ? prev.comment : '';
  charCounter(comment, document.getElementById('comment-count'), info.max_comment);
  const button = document.getElementById('submit');
  document.getElementById('ballot-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const answers = answer();
    if (!answers) return;
    button.disabled = true;
    try {
      const res = await submit({...answers, comment: comment.value});
      document.getElementById('previous').hidden = true;
      message(res.changed ? thanks.updated : thanks.submitted);
      document.body.dataset.saved = String(Number(document.body.dataset.saved || 0) + 1);
    } catch (err) {
      message(errorText(err), true);
    } finally {
      button.disabled = false;
    }
  });
}

// renderMenu builds the menu questions.
function renderMenu(info, prev) {
  const chosen = new Set(prev ? prev.choices : []);
  let priorities = prev ? [...prev.priorities] : [];
  const names = new Map(info.menu.map((m) => [m.code, m.name]));
  const max = info.max_priorities;
  document.getElementById('menu-hint').textContent =
    `可多选。勾选后点“设为优先”，排出最希望先做的项目（最多 ${max} 项）。`;
  const rows = new Map();
  const menu = document.getElementById('menu');
  const prioList = document.getElementById('priorities');

  const refresh = () => {
    for (const [code, row] of rows) {
      const on = chosen.has(code);
      row.box.checked = on;
      row.li.classList.toggle('chosen', on);
      row.prio.hidden = !on;
      const rank = priorities.indexOf(code);
      row.prio.textContent = rank >= 0 ? `优先 ${rank + 1}` : '设为优先';
      row.prio.disabled = rank < 0 && priorities.length >= max;
      row.prio.classList.toggle('secondary', rank < 0);
    }
    prioList.replaceChildren(...priorities.map((code, i) => el('li', {},
      el('span', {class: 'name', text: names.get(code)}),
      el('button', {type: 'button', class: 'small secondary', text: '↑', 'aria-label': '上移', disabled: i === 0,
        onclick: () => { [priorities[i - 1], priorities[i]] = [priorities[i], priorities[i - 1]]; refresh(); }}),
      el('button', {type: 'button', class: 'small secondary', text: '↓', 'aria-label': '下移', disabled: i === priorities.length - 1,
        onclick: () => { [priorities[i + 1], priorities[i]] = [priorities[i], priorities[i + 1]]; refresh(); }}),
      el('button', {type: 'button', class: 'small danger', text: '移除', onclick: () => { priorities.splice(i, 1); refresh(); }}))));
    document.getElementById('no-priorities').hidden = priorities.length > 0;
    document.getElementById('ballot-count').textContent = `已选 ${chosen.size} 项，优先 ${priorities.length}/${max}`;
  };

  menu.replaceChildren(...info.parts.map((part) => el('div', {class: 'part'},
    el('h3', {text: part.name}),
    ...info.menu.filter((m) => m.part === part.code).map((m) => {
      const id = `item-${m.code}`;
      const box = el('input', {type: 'checkbox', id, value: m.code});
      const prio = el('button', {type: 'button', class: 'small secondary', dataset: {code: m.code}});
      const li = el('div', {class: 'menu-item', dataset: {code: m.code}}, box,
        el('label', {class: 'what', for: id},
          el('span', {class: 'name', text: m.name}),
          el('span', {class: 'tags'}, el('span', {class: `badge ${m.class}`, text: m.class_name}), el('span', {class: 'badge', text: m.goal_name}))),
        prio);
      box.addEventListener('change', () => {
        if (box.checked) chosen.add(m.code); else { chosen.delete(m.code); priorities = priorities.filter((c) => c !== m.code); }
        refresh();
      });
      prio.addEventListener('click', () => {
        const at = priorities.indexOf(m.code);
        if (at >= 0) priorities.splice(at, 1); else if (priorities.length < max) priorities.push(m.code);
        refresh();
      });
      rows.set(m.code, {box, prio, li});
      return li;
    }))));

  if (prev && prev.consent !== null) document.querySelector(`#consent input[value=${prev.consent ? 'yes' : 'no'}]`).checked = true;
  refresh();

  return () => {
    const consent = document.querySelector('#consent input:checked');
    const consentError = document.getElementById('consent-error');
    consentError.hidden = true;
    // The refusal is shown beside the question, on screen (not at the top of a long form).
    if (!consent) { showError(consentError, t('survey.consent.missing')); return null; }
    const order = info.menu.map((m) => m.code).filter((c) => chosen.has(c));
    return {choices: order, priorities, consent: consent.value === 'yes'};
  };
}

if (document.body.dataset.page === 'survey') {
  startSurvey('menu', renderMenu, {submitted: t('survey.submitted'), updated: t('survey.updated')});
}
