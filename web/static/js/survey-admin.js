// The planner's survey page (/survey-admin): open a survey for a plan, issue one-time household
// codes and print them as slips (one per household, with the survey's address and a QR code that
// carries the code in the URL fragment), close the survey, and read its results ranked next to
// the plan's items. Codes are shown once: only their hashes are stored.
import {el, getJSON} from './util.js';
import {renderAccount, sendJSON} from './account.js';
import {num, pct, qrSVG} from './notice.js';
import {renderResults} from './results.js';
import {errorText} from './api.js';
import {t} from './msg.js';

const KIND_NAMES = {menu: '改造内容征求意见', satisfaction: '满意度评价'};
const params = new URLSearchParams(location.search);
let plans = [];

function message(text, error = false) {
  const box = document.getElementById('message');
  box.textContent = text;
  box.classList.toggle('error', error);
  box.hidden = !text;
}

function kindFor(stage) {
  if (stage === 'planning') return 'menu';
  if (stage === 'accepted' || stage === 'handed_over') return 'satisfaction';
  return null;
}

async function loadPlans() {
  ({plans} = await getJSON('/api/v1/plans'));
  const select = document.getElementById('open-plan');
  const usable = plans.filter((p) => kindFor(p.stage));
  select.replaceChildren(el('option', {value: '', text: '— 选择制定方案或竣工验收阶段的方案 —'}),
    ...usable.map((p) => el('option', {value: p.id, text: `${p.community.name}（${p.stage_name}）`})));
  // Opened for a plan (?plan=ID) or, from another page's header, for a community (?community=ID).
  const want = params.get('plan') || String(usable.find((p) => String(p.community.id) === params.get('community'))?.id);
  if (want && usable.some((p) => String(p.id) === want)) select.value = want;
  syncKind();
}

function syncKind() {
  const plan = plans.find((p) => String(p.id) === document.getElementById('open-plan').value);
  const kind = plan ? kindFor(plan.stage) : 'menu';
  document.getElementById('open-kind').value = kind;
  document.getElementById('open-max').disabled = kind !== 'menu';
}

async function loadSurveys() {
  const {surveys} = await getJSON('/api/v1/surveys');
  const tbody = document.querySelector('#surveys tbody');
  tbody.replaceChildren(...surveys.map((s) => {
    const count = el('input', {type: 'number', min: 1, max: 2000, value: Math.max(s.households - s.codes_issued, 1),
      'aria-label': '发放数量'});
    const ops = el('div', {class: 'ops'});
    if (s.status === 'open') {
      ops.append(count,
        el('button', {type: 'button', class: 'small', text: '发放登记码', onclick: () => issue(s, Number(count.value))}),
        el('button', {type: 'button', class: 'small danger', text: '结束调查', onclick: () => close(s)}));
    }
    ops.append(el('button', {type: 'button', class: 'small secondary', text: '查看结果', onclick: () => showResults(s.id)}));
    return el('tr', {dataset: {survey: s.id}},
      el('td', {}, el('div', {text: s.community_name}), el('span', {class: 'muted', text: s.plan_code})),
      el('td', {'data-label': '类型', text: KIND_NAMES[s.kind] || s.kind}),
      el('td', {'data-label': '状态'}, el('span', {class: s.status === 'open' ? 'badge' : 'badge closed', text: s.status === 'open' ? '进行中' : '已结束'})),
      el('td', {class: 'num', 'data-label': '已发登记码', text: `${num(s.codes_issued)} / ${num(s.households)}户`}),
      el('td', {class: 'num', 'data-label': '已填', text: num(s.ballots)}),
      el('td', {class: 'num', 'data-label': '参与率', text: s.codes_issued ? pct(s.ballots / s.codes_issued) : '—'}),
      el('td', {class: 'num', 'data-label': '同意率', text: s.consent == null ? '—' : pct(s.consent)}),
      el('td', {class: 'ops-cell'}, ops));
  }));
  document.getElementById('no-surveys').hidden = surveys.length > 0;
  return surveys;
}

// printSheet lays out one slip per code.
function printSheet(survey, codes, path) {
  const url = location.origin + path;
  document.getElementById('sheet-title').textContent =
    `${survey.community_name} · ${KIND_NAMES[survey.kind]} · 本次发放 ${codes.length} 个登记码`;
  document.getElementById('sheet').replaceChildren(...codes.map((code) => el('div', {class: 'slip'},
    el('div', {class: 'qr'}, qrSVG(`${url}#${code}`, `登记码 ${code} 的二维码`)),
    el('div', {class: 'text'},
      el('div', {class: 'title', text: `铁西区老旧小区改造 · ${survey.community_name}`}),
      el('div', {text: `${KIND_NAMES[survey.kind]}（每户一码）`}),
      el('div', {class: 'code', text: code}),
      el('div', {class: 'url', text: `手机扫码，或打开 ${url} 输入登记码`}),
      el('div', {class: 'muted', text: '请妥善保管；调查结束前可用本码修改。不收集个人信息。'})))));
  const card = document.getElementById('sheet-card');
  card.hidden = false;
  card.scrollIntoView({block: 'start'});
}

async function issue(survey, count) {
  if (!Number.isInteger(count) || count < 1) { message(t('surveys.count.missing'), true); return; }
  try {
    const res = await sendJSON('POST', `/api/v1/surveys/${survey.id}/codes`, {count});
    printSheet(res.survey, res.codes, res.path);
    message(t('surveys.issued', res.codes.length, res.survey.codes_issued));
    await loadSurveys();
  } catch (err) {
    message(errorText(err), true);
  }
}

async function close(survey) {
  if (!window.confirm(t(`surveys.close.${survey.kind}`, survey.community_name, KIND_NAMES[survey.kind]))) return;
  try {
    const res = await sendJSON('POST', `/api/v1/surveys/${survey.id}/close`);
    const c = res.survey.consent;
    if (survey.kind !== 'menu') message(t('surveys.closed'));
    else {
      const rate = c == null ? '—' : pct(c);
      message(res.consent_applied ? t('surveys.closed.applied', rate) : t('surveys.closed.kept', rate));
    }
    await loadSurveys();
    await showResults(survey.id);
  } catch (err) {
    message(errorText(err), true);
  }
}

async function showResults(id) {
  try {
    const [res] = await Promise.all([getJSON(`/api/v1/surveys/${id}/results`), loadSurveys()]);
    renderResults(document.getElementById('results-card'), res);
    document.getElementById('results-card').scrollIntoView({block: 'start'});
    const u = new URL(location.href);
    u.searchParams.set('survey', id);
    history.replaceState(null, '', u);
    document.body.dataset.results = String(id);
  } catch (err) {
    message(errorText(err), true);
  }
}

document.getElementById('open-plan').addEventListener('change', syncKind);
document.getElementById('open-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const planID = Number(document.getElementById('open-plan').value);
  if (!planID) { message(t('surveys.plan.missing'), true); return; }
  const body = {plan_id: planID, kind: document.getElementById('open-kind').value};
  const closes = document.getElementById('open-closes').value;
  if (closes) body.closes_on = closes;
  if (body.kind === 'menu') body.max_priorities = Number(document.getElementById('open-max').value);
  const button = document.getElementById('open-submit');
  button.disabled = true;
  try {
    const s = await sendJSON('POST', '/api/v1/surveys', body);
    message(t('surveys.opened', s.community_name, KIND_NAMES[s.kind]));
    await loadSurveys();
  } catch (err) {
    message(errorText(err), true);
  } finally {
    button.disabled = false;
  }
});
document.getElementById('sheet-print').addEventListener('click', () => {
  document.body.classList.add('printing-sheet');
  window.print();
});
window.addEventListener('afterprint', () => document.body.classList.remove('printing-sheet'));
document.getElementById('sheet-close').addEventListener('click', () => {
  if (window.confirm(t('surveys.codes.close'))) {
    document.getElementById('sheet').replaceChildren();
    document.getElementById('sheet-card').hidden = true;
  }
});

renderAccount(document.getElementById('account'));
try {
  await Promise.all([loadPlans(), loadSurveys()]);
  if (params.get('survey')) await showResults(Number(params.get('survey')));
  document.body.dataset.ready = 'true';
} catch (err) {
  message(t('surveys.failed', errorText(err)), true);
}
