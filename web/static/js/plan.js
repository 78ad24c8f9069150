// The plan page (GET /plan?id=N or /plan?community=ID): one community's renovation plan
// (一小区一方案) — its stage with the moves open to it and why a move is blocked, the six goals,
// batch, dates and residents' consent, the items chosen from the renovation menu, and funding by
// source. Planners and admins edit; other roles read. Every rule is the server's: the page shows
// what the API answers, refusals included, in Chinese.
import {el, getJSON} from './util.js';
import {errorText, codeLists} from './api.js';
import {t} from './msg.js';
import {renderAccount, sendJSON, whoami} from './account.js';

const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat('zh-CN', {maximumFractionDigits: 2});
const fmt0 = new Intl.NumberFormat('zh-CN', {maximumFractionDigits: 0});
const STAGES = ['survey', 'reserve', 'planning', 'review', 'approved', 'construction', 'accepted', 'handed_over'];
const FUNDING = ['central', 'provincial', 'district', 'residents', 'property_units', 'utilities', 'social_capital'];

const state = {
  me: null, labels: {}, menu: [], departments: [], plans: [], communities: null, view: null, editable: false,
};
window.renewmapPlan = state; // for the browser test

function say(text, error = false) {
  const m = $('plan-message');
  m.textContent = text;
  m.classList.toggle('error', error);
  m.hidden = !text;
}

const label = (enumName, code) => state.labels[enumName]?.[code] ?? code;

// send makes a state-changing request with the CSRF token and the plan's version (If-Match); it
// returns the new plan view, or throws the server's message.
function send(method, url, body) {
  return sendJSON(method, url, body, state.view?.version ? {'If-Match': state.view.version} : {});
}

// act runs a change and shows its outcome; a stale version reloads the plan.
async function act(method, url, body, done) {
  try {
    const view = await send(method, url, body);
    render(view);
    say(done);
    refreshList();
    return true;
  } catch (err) {
    if (err.status === 412) {
      await show(state.view.plan.id);
      say(t('plan.reloaded', errorText(err)), true);
      return false;
    }
    say(errorText(err), true);
    return false;
  }
}

// ---------- list ----------

async function refreshList() {
  try {
    const body = await getJSON('/api/v1/plans');
    state.plans = body.plans || [];
    renderList();
  } catch (err) {
    say(t('plans.failed', errorText(err)), true);
  }
}

function renderList() {
  const q = $('list-q').value.trim();
  const stage = $('list-stage').value;
  const current = state.view?.plan.id;
  const items = state.plans
    .filter((p) => (!q || p.community.name.includes(q)) && (!stage || p.stage === stage))
    .map((p) => el('li', {}, el('a', {href: `/plan?id=${p.id}`, 'aria-current': p.id === current ? 'page' : undefined,
      dataset: {id: String(p.id)}, onclick: (ev) => { ev.preventDefault(); open(p.id); }},
    el('strong', {text: p.community.name}),
    el('span', {class: 'meta'}, el('span', {text: p.community.subdistrict_name}), el('span', {text: p.stage_name}),
      p.overdue ? el('span', {class: 'pill bad', text: p.overdue.reason}) : null))));
  $('plan-list').replaceChildren(...(items.length ? items : [el('li', {class: 'empty', text: '没有符合条件的方案'})]));
}

function open(id) {
  history.pushState(null, '', `/plan?id=${id}`);
  show(id);
}

// ---------- one plan ----------

async function show(id) {
  try {
    const view = await getJSON(`/api/v1/plans/${id}`);
    $('empty').hidden = true;
    $('create').hidden = true;
    render(view);
    say('');
  } catch (err) {
    say(t('plan.failed', errorText(err)), true);
  }
}

// The 公示期 and feedback channel (PUT /api/v1/plans/:id/notice-period); the form shows what the
// public notice holds once the plan is public.
const PUBLIC_STAGES = new Set(['approved', 'construction', 'accepted', 'handed_over']);

async function loadNoticePeriod(code, stage) {
  const f = $('notice-period');
  f.reset();
  if (!PUBLIC_STAGES.has(stage)) return;
  const n = await getJSON(`/api/public/notices/${encodeURIComponent(code)}`).catch(() => null);
  if (n?.notice_period) {
    f.opens_on.value = n.notice_period.opens_on;
    f.closes_on.value = n.notice_period.closes_on;
    f.feedback.value = n.notice_period.feedback;
  }
}

async function saveNoticePeriod() {
  const f = $('notice-period');
  try {
    await send('PUT', `/api/v1/plans/${state.view.plan.id}/notice-period`,
      {opens_on: f.opens_on.value, closes_on: f.closes_on.value, feedback: f.feedback.value});
    say(t('plan.period.saved', f.opens_on.value, f.closes_on.value));
  } catch (err) { say(errorText(err), true); }
}

function render(view) {
  state.view = view;
  const p = view.plan;
  const c = p.community;
  state.editable = view.may_edit;
  $('plan').hidden = false;
  $('plan-title').textContent = c.name;
  $('plan-code').textContent = p.code;
  $('plan-overdue').hidden = !view.overdue;
  if (view.overdue) $('plan-overdue').textContent = `${view.overdue.reason} ${view.overdue.days_late} 天（截至 ${view.as_of}）`;
  const comm = state.communities?.find((x) => x.id === c.id);
  $('plan-map').hidden = !comm;
  if (comm) $('plan-map').href = `/#16/${comm.center[1].toFixed(5)}/${comm.center[0].toFixed(5)}`;
  const fact = (k, v) => [el('span', {}, `${k} `, el('b', {text: v}))];
  $('plan-facts').replaceChildren(...[
    fact('街道', c.subdistrict_name), fact('建成', c.completed_year == null ? t('unknown') : `${c.completed_year}年`), fact('楼栋', `${c.buildings} 栋`),
    fact('户数', `${fmt0.format(c.households)} 户`), fact('建筑面积', `${fmt0.format(c.floor_area)} m²`),
    fact('现状管理', c.management == null ? t('unknown') : label('management', c.management)),
    fact('批次', `${label('batch', p.batch)}${p.batch_year ? `（${p.batch_year}年）` : ''}`),
  ].flat());
  $('readonly').hidden = view.may_edit;
  for (const n of document.querySelectorAll('.edit-only')) n.hidden = !view.may_edit;
  if (view.may_edit && state.noticeFor !== p.id) { state.noticeFor = p.id; loadNoticePeriod(c.code, p.stage); }
  document.title = `${c.name} · 改造方案`;
  renderStages(view);
  renderGoals(view);
  renderBasic(p);
  renderItems(view);
  renderFunding(view);
  for (const a of document.querySelectorAll('#plan-list a')) {
    a.setAttribute('aria-current', Number(a.dataset.id) === p.id ? 'page' : 'false');
  }
}

function renderStages(view) {
  const p = view.plan;
  const at = STAGES.indexOf(p.stage);
  $('stepper').replaceChildren(...STAGES.map((s, i) => el('li', {class: i < at ? 'done' : i === at ? 'current' : '',
    'aria-current': i === at ? 'step' : undefined, text: label('plan_stage', s)})));
  const boxes = view.transitions.filter((tr) => view.may_edit || tr.direction === 'forward').map((tr) => {
    const forward = tr.direction === 'forward';
    const title = forward ? `推进到“${tr.name}”` : `退回到“${tr.name}”`;
    const box = el('div', {class: 'move', dataset: {to: tr.to, direction: tr.direction}}, el('h3', {text: title}));
    if (forward) {
      box.append(tr.reasons.length
        ? el('ul', {class: 'reasons', 'aria-label': '尚不满足的条件'}, tr.reasons.map((r) => el('li', {text: r})))
        : el('ul', {class: 'reasons ok'}, el('li', {text: '✓ 条件已满足'})));
    }
    if (!view.may_edit) return box;
    const row = el('div', {class: 'row'});
    let date; let reason;
    if (forward && tr.needs_date) {
      const d = (tr.needs_date === 'actual_start' ? p.actual_start : p.actual_end) || defaultDate(view);
      date = el('input', {type: 'date', value: d, 'aria-label': tr.needs_date === 'actual_start' ? '实际开工日期' : '实际竣工日期'});
      row.append(el('label', {text: tr.needs_date === 'actual_start' ? '实际开工 ' : '实际竣工 '}, date));
    }
    if (!forward) {
      reason = el('input', {type: 'text', maxlength: 500, placeholder: '退回原因（必填）', 'aria-label': '退回原因'});
      row.append(reason);
    }
    const button = el('button', {type: 'button', class: forward ? '' : 'secondary', text: forward ? `推进到“${tr.name}”` : '退回'});
    button.addEventListener('click', () => {
      const body = {to: tr.to};
      if (date?.value) body.date = date.value;
      if (reason) body.reason = reason.value;
      act('POST', `/api/v1/plans/${p.id}/stage`, body, forward ? t('plan.stage.forward', tr.name) : t('plan.stage.back', tr.name));
    });
    row.append(button);
    box.append(row);
    return box;
  });
  $('moves').replaceChildren(...boxes);
  $('history').replaceChildren(...(view.history.length ? view.history.map((h) => el('li', {},
    `${new Date(h.at).toLocaleString('zh-CN')} ${h.actor}：${label('plan_stage', h.from)} → ${label('plan_stage', h.to)}`,
    h.reason ? `（原因：${h.reason}）` : '')) : [el('li', {class: 'empty', text: '尚无记录（本系统之前的阶段变化未记录）'})]));
}

// defaultDate is the as-of day when it is not in the future, else today.
function defaultDate(view) {
  const today = new Date().toISOString().slice(0, 10);
  return view.as_of && view.as_of <= today ? view.as_of : today;
}

function renderGoals(view) {
  $('goals').replaceChildren(...view.goals.map((g) => el('div', {class: `goal ${g.state}`, dataset: {goal: g.goal}},
    el('b', {text: g.name}), el('span', {text: label('goal_state', g.state)}),
    el('span', {text: g.items ? ` · ${g.done}/${g.items} 项` : ''}))));
}

function options(select, entries, value, empty) {
  select.replaceChildren(...(empty ? [el('option', {value: '', text: empty})] : []),
    ...entries.map(([code, name]) => el('option', {value: code, text: name, selected: code === value})));
}

function renderBasic(p) {
  const f = $('basic');
  options(f.batch, Object.entries(state.labels.batch || {}), p.batch);
  options(f.management_after, Object.entries(state.labels.management || {}), p.management_after || '', '（未明确）');
  f.batch_year.value = p.batch_year ?? '';
  f.consent_rate.value = p.consent_rate == null ? '' : Math.round(p.consent_rate * 1000) / 10;
  for (const k of ['planned_start', 'planned_end', 'actual_start', 'actual_end']) f[k].value = p[k] || '';
  for (const input of f.elements) input.disabled = !state.editable;
}

function renderItems(view) {
  const p = view.plan;
  const editable = state.editable;
  const depts = state.departments.map((d) => [d.code, d.name]);
  const statuses = Object.entries(state.labels.item_status || {});
  const rows = p.items.map((it) => {
    const qty = el('input', {type: 'number', class: 'qty', min: '0.01', step: '0.01', value: it.quantity, 'aria-label': `${it.menu_name} 数量`, disabled: !editable});
    const cost = el('input', {type: 'number', class: 'cost', min: '0', step: '0.01', value: it.unit_cost, 'aria-label': `${it.menu_name} 单价`, disabled: !editable});
    const dept = el('select', {'aria-label': `${it.menu_name} 责任部门`, disabled: !editable});
    options(dept, depts, it.department);
    const status = el('select', {'aria-label': `${it.menu_name} 实施状态`, disabled: !editable});
    options(status, statuses, it.status);
    const actions = el('td', {});
    if (editable) {
      const save = el('button', {type: 'button', class: 'secondary', text: '保存'});
      save.addEventListener('click', () => {
        const body = {};
        if (Number(qty.value) !== it.quantity) body.quantity = Number(qty.value);
        if (Number(cost.value) !== it.unit_cost) body.unit_cost = Number(cost.value);
        if (dept.value !== it.department) body.department = dept.value;
        if (status.value !== it.status) body.status = status.value;
        if (!Object.keys(body).length) { say(t('plan.unchanged')); return; }
        act('PATCH', `/api/v1/plans/${p.id}/items/${it.id}`, body, t('plan.item.saved', it.menu_name));
      });
      const del = el('button', {type: 'button', class: 'secondary', text: '删除'});
      del.addEventListener('click', () => act('DELETE', `/api/v1/plans/${p.id}/items/${it.id}`, undefined, t('plan.item.deleted', it.menu_name)));
      actions.append(save, ' ', del);
    }
    return el('tr', {dataset: {menu: it.menu_code}},
      el('td', {class: 'menu'}, it.menu_name, el('div', {class: 'unit', text: `${it.menu_code} · 单位：${it.unit}`})),
      el('td', {text: label('goal', it.goal)}),
      el('td', {class: 'num'}, qty), el('td', {class: 'num'}, cost), el('td', {class: 'num', text: fmt.format(it.cost)}),
      el('td', {}, dept), el('td', {}, status), actions);
  });
  $('items').tBodies[0].replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', {class: 'empty', colspan: 8, text: '尚未选择改造内容'}))]));
  const done = p.items.filter((it) => it.status === 'done').length;
  $('items').tFoot.replaceChildren(el('tr', {}, el('td', {colspan: 4, text: `合计 ${p.items.length} 项，已完成 ${done} 项`}),
    el('td', {class: 'num', text: fmt.format(view.cost)}), el('td', {colspan: 3})));

  // The add form: menu items not yet in the plan, grouped by part.
  const form = $('add-item');
  const chosen = new Set(p.items.map((it) => it.menu_code));
  const groups = new Map();
  for (const m of state.menu) {
    if (chosen.has(m.code)) continue;
    if (!groups.has(m.part)) groups.set(m.part, el('optgroup', {label: label('menu_part', m.part)}));
    groups.get(m.part).append(el('option', {value: m.code, text: `${m.code} ${m.name}（${m.unit}，${fmt.format(m.unit_cost)}元/${m.unit}）`}));
  }
  form.menu_code.replaceChildren(el('option', {value: '', text: '选择改造菜单项…'}), ...groups.values());
  options(form.department, depts, 'housing');
}

function renderFunding(view) {
  const p = view.plan;
  const have = Object.fromEntries(p.funding.map((f) => [f.source, f.amount]));
  const form = $('funding');
  form.replaceChildren(...FUNDING.filter((s) => state.labels.funding_source?.[s]).map((s) => el('label', {},
    `${label('funding_source', s)}（元）`,
    el('input', {type: 'number', name: s, min: '0', step: '0.01', value: have[s] ?? '', placeholder: '0', disabled: !state.editable}))));
  const gap = view.gap;
  $('sums').replaceChildren(
    el('span', {}, '预算 ', el('b', {text: `${fmt.format(view.cost)} 元`})),
    el('span', {}, '资金合计 ', el('b', {text: `${fmt.format(view.funded)} 元`})),
    el('span', {class: gap === 0 ? 'gap-ok' : 'gap-bad', id: 'funding-gap',
      text: gap === 0 ? '资金已全部落实' : gap > 0 ? `缺口 ${fmt.format(gap)} 元` : `超出预算 ${fmt.format(-gap)} 元`}));
}

// ---------- edits ----------

function wireForms() {
  $('save-notice').addEventListener('click', saveNoticePeriod);
  $('save-basic').addEventListener('click', () => {
    const f = $('basic');
    const p = state.view.plan;
    const body = {};
    const dateOrNull = (v) => v || null;
    if (f.batch.value !== p.batch) body.batch = f.batch.value;
    const year = f.batch_year.value === '' ? null : Number(f.batch_year.value);
    if (year !== (p.batch_year ?? null)) body.batch_year = year;
    const consent = f.consent_rate.value === '' ? null : Math.round(Number(f.consent_rate.value) * 10) / 1000;
    if (consent !== (p.consent_rate ?? null)) body.consent_rate = consent;
    const mgmt = f.management_after.value || null;
    if (mgmt !== (p.management_after ?? null)) body.management_after = mgmt;
    for (const k of ['planned_start', 'planned_end', 'actual_start', 'actual_end']) {
      if (dateOrNull(f[k].value) !== (p[k] ?? null)) body[k] = dateOrNull(f[k].value);
    }
    if (!Object.keys(body).length) { say(t('plan.unchanged')); return; }
    act('PATCH', `/api/v1/plans/${p.id}`, body, t('plan.saved'));
  });
  $('add-item').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = ev.target;
    if (!f.menu_code.value) { say(t('plan.item.missing'), true); return; }
    const body = {menu_code: f.menu_code.value, quantity: Number(f.quantity.value), department: f.department.value};
    if (f.unit_cost.value !== '') body.unit_cost = Number(f.unit_cost.value);
    const name = state.menu.find((m) => m.code === body.menu_code)?.name || body.menu_code;
    act('POST', `/api/v1/plans/${state.view.plan.id}/items`, body, t('plan.item.added', name)).then((ok) => { if (ok) f.reset(); });
  });
  $('add-item').menu_code.addEventListener('change', (ev) => {
    const m = state.menu.find((x) => x.code === ev.target.value);
    const f = $('add-item');
    f.unit_cost.placeholder = m ? `单价 ${m.unit_cost}` : '单价';
    f.quantity.placeholder = m ? `数量（${m.unit}）` : '数量';
  });
  $('save-funding').addEventListener('click', () => {
    const funding = [];
    for (const input of $('funding').querySelectorAll('input')) {
      if (input.value !== '' && Number(input.value) !== 0) funding.push({source: input.name, amount: Number(input.value)});
    }
    act('PUT', `/api/v1/plans/${state.view.plan.id}/funding`, {funding}, t('plan.funding.saved'));
  });
  $('create-plan').addEventListener('click', async () => {
    const id = Number($('create-plan').dataset.community);
    try {
      const view = await send('POST', `/api/v1/communities/${id}/plan`);
      history.replaceState(null, '', `/plan?id=${view.plan.id}`);
      $('create').hidden = true;
      render(view);
      refreshList();
      say(t('plan.created'));
    } catch (err) { say(errorText(err), true); }
  });
  $('list-q').addEventListener('input', renderList);
  $('list-stage').addEventListener('change', renderList);
  window.addEventListener('popstate', route);
}

// route shows what the URL names: ?id= a plan, ?community= a community's plan (or the offer to
// create one).
async function route() {
  const q = new URLSearchParams(location.search);
  const id = Number(q.get('id'));
  if (id > 0) { await show(id); return; }
  const cid = Number(q.get('community'));
  if (!(cid > 0)) return;
  const plan = state.plans.find((p) => p.community.id === cid);
  if (plan) {
    history.replaceState(null, '', `/plan?id=${plan.id}`);
    await show(plan.id);
    return;
  }
  const c = state.communities?.find((x) => x.id === cid);
  $('empty').hidden = true;
  $('plan').hidden = true;
  $('create').hidden = false;
  $('create-title').textContent = c ? c.name : `小区 ${cid}`;
  const createBtn = $('create-plan');
  createBtn.dataset.community = String(cid);
  if (!c) {
    $('create-text').textContent = t('plan.community.missing');
    createBtn.hidden = true;
  } else if (c.is_old === false) {
    $('create-text').textContent = t('plan.community.notold');
    createBtn.hidden = true;
  } else {
    $('create-text').textContent = c.is_old == null
      ? `${c.subdistrict_name} · 该小区建成年份未知（待核实），可先纳入调查摸底。`
      : `${c.subdistrict_name} · 该老旧小区尚无改造方案。`;
    createBtn.hidden = !state.me?.may?.edit;
    if (!state.me?.may?.edit) $('create-text').textContent += '（创建方案需要规划人员或管理员账号）';
  }
}

async function start() {
  renderAccount($('account'));
  wireForms();
  try {
    const [me, labels, menu, depts] = await Promise.all([whoami(), codeLists(),
      getJSON('/api/v1/menu'), getJSON('/api/v1/departments')]);
    state.me = me;
    state.labels = labels;
    state.menu = menu.menu || [];
    state.departments = depts.departments || [];
  } catch (err) {
    say(t('plan.basics.failed', errorText(err)), true);
    return;
  }
  options($('list-stage'), STAGES.map((s) => [s, label('plan_stage', s)]), '', '全部阶段');
  const communitiesP = getJSON('/api/v1/communities?limit=500').then((b) => { state.communities = b.communities || []; }).catch(() => {});
  await Promise.all([refreshList(), communitiesP]);
  await route();
  state.ready = true;
}

start();
