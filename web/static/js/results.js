// The planner's view of a survey's results: the menu ranked by the households choosing each item,
// next to the plan's own items, with participation and consent; or the six goals' ratings. The
// comments are listed as plain text (textContent, pre-wrap): they are never markup.
import {el} from './util.js';
import {num, pct} from './notice.js';
import {addExport} from './tables.js';

function bar(share) {
  const fill = el('span', {class: 'fill'});
  fill.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`; // CSSOM, allowed under the CSP
  return el('div', {class: 'bar'}, el('span', {text: pct(share)}), fill);
}

function facts(pairs) {
  return el('dl', {class: 'facts'}, ...pairs.map(([k, v]) => el('div', {}, el('dt', {text: k}), el('dd', {text: v}))));
}

function comments(list) {
  return [el('h3', {text: `居民意见（${list.length} 条，仅规划人员可见）`}),
    list.length ? el('ul', {class: 'comments', id: 'comments'}, ...list.map((c) => el('li', {text: c})))
      : el('p', {class: 'muted', text: '暂无意见。'})];
}

function menuResults(r, labels) {
  const m = r.menu;
  const chosen = m.items.filter((it) => it.chosen > 0);
  const planOnly = m.items.filter((it) => it.in_plan && it.chosen === 0);
  return [
    facts([
      ['已发登记码', `${num(m.codes_issued)} 户`],
      ['已填写', `${num(m.ballots)} 户`],
      ['参与率', pct(m.participation)],
      ['同意率（同意户 / 总户数）', `${pct(m.consent)}（${m.consent_yes} / ${m.consent_base}）`],
    ]),
    el('p', {class: 'muted summary-line', text: `不同意 ${m.consent_no} 户；已填写者中同意 ${pct(m.consent_of_ballots)}。` +
      (r.survey.status === 'closed' ? `调查已结束，同意率 ${r.survey.consent == null ? '—' : pct(r.survey.consent)} 已记录。` :
        '结束调查时，同意率将写入方案（公示确认前）。')}),
    el('h3', {text: '居民选择排名'}),
    el('div', {class: 'table-wrap'}, el('table', {id: 'ranking'},
      el('thead', {}, el('tr', {}, el('th', {class: 'num', text: '名次'}), el('th', {text: '改造项目'}),
        el('th', {class: 'num', text: '选择户数'}), el('th', {text: '占发码户数'}), el('th', {class: 'num', text: '占填写户数'}),
        el('th', {class: 'num', text: '优先得分'}), el('th', {class: 'num', text: '首选'}))),
      el('tbody', {}, ...chosen.map((it) => el('tr', {class: it.in_plan ? 'in-plan' : '', dataset: {code: it.code}},
        el('td', {class: 'num', text: it.rank}),
        el('td', {class: 'item'}, el('div', {text: it.name}),
          el('div', {class: 'tags'}, el('span', {class: `badge ${it.class}`, text: labels.menu_class?.[it.class] || it.class}),
            it.in_plan ? el('span', {class: 'badge in-plan', text: '已在方案中'}) : el('span', {class: 'badge closed', text: '方案未列入'}))),
        el('td', {class: 'num', text: it.chosen}),
        el('td', {}, bar(it.share_of_households)),
        el('td', {class: 'num', text: pct(it.share_of_ballots)}),
        el('td', {class: 'num', text: it.priority_points}),
        el('td', {class: 'num', text: it.first_priority})))))),
    chosen.length ? null : el('p', {class: 'muted', text: '尚无居民选择。'}),
    planOnly.length ? el('p', {class: 'muted', id: 'plan-only', text: `方案已列入、但无居民勾选的项目：${planOnly.map((it) => it.name).join('、')}`}) : null,
    el('p', {class: 'muted', text: '排名规则：先按选择户数，再按优先得分（第1优先得满分，依次递减），再按菜单顺序。'}),
  ];
}

function satisfactionResults(r) {
  return [
    facts([
      ['已发登记码', `${num(r.survey.codes_issued)} 户`],
      ['已评价', `${num(r.survey.ballots)} 户`],
      ['参与率', pct(r.participation)],
      ['总体平均', r.mean ? `${r.mean.toFixed(2)} 分` : '—'],
    ]),
    el('h3', {text: '六个目标的满意度'}),
    el('div', {class: 'table-wrap'}, el('table', {id: 'goal-results'},
      el('thead', {}, el('tr', {}, el('th', {text: '目标'}), el('th', {class: 'num', text: '评价户数'}), el('th', {class: 'num', text: '平均分'}),
        el('th', {text: '1–5分分布'}))),
      el('tbody', {}, ...r.goals.map((g) => {
        const most = Math.max(1, ...g.distribution);
        const dist = el('div', {class: 'dist', title: g.distribution.map((n, i) => `${i + 1}分 ${n}户`).join('，')},
          ...g.distribution.map((n) => { const s = el('span'); s.style.height = `${(n / most) * 100}%`; return s; }));
        return el('tr', {}, el('td', {text: g.name}), el('td', {class: 'num', text: g.count}),
          el('td', {class: 'num', text: g.count ? g.mean.toFixed(2) : '—'}), el('td', {}, dist));
      })))),
  ];
}

/** renderResults fills container with the results of one survey (GET /api/v1/surveys/:id/results). */
export function renderResults(container, r) {
  const s = r.survey;
  const kind = s.kind === 'menu' ? '改造内容征求意见' : '满意度评价';
  container.replaceChildren(
    el('h2', {text: `${s.community_name} · ${kind} 结果`}),
    el('p', {class: 'muted', text: `方案 ${s.plan_code} · ${s.status === 'open' ? '进行中' : '已结束'} · 居民填写地址：${location.origin}${r.path}`}),
    ...(s.kind === 'menu' ? menuResults(r, r.labels || {}) : satisfactionResults(r)).filter(Boolean),
    ...comments(r.comments),
  );
  const names = {ranking: '居民选择排名', 'goal-results': '满意度评价'};
  for (const table of container.querySelectorAll('table[id]')) {
    addExport(table.closest('.table-wrap') || table, `${s.community_name}${names[table.id] || '调查结果'}`, table);
  }
  container.hidden = false;
}
