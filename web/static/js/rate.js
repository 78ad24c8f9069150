// The residents' satisfaction rating (/rate/{community code}, 效果共评) after acceptance: the same
// one-time household code as the menu survey, then 1–5 points for each of the six goals
// (排水通、路面平、路灯亮、功能全、环境美、管理优) and a comment.
import {el} from './util.js';
import {message, startSurvey} from './survey.js';
import {t} from './msg.js';

const HINTS = {
  drain: '雨天不积水，下水通畅', road: '小区道路平整、无坑洼', light: '路灯、楼道灯正常照明',
  function: '水电气暖、停车、充电、消防等设施完善', environment: '绿化整洁、无违建、无乱堆乱放', management: '物业或自治管理到位',
};

function renderRating(info, prev) {
  const ratings = {...(prev ? prev.ratings : {})};
  const count = () => {
    document.getElementById('ballot-count').textContent = `已评 ${Object.keys(ratings).length} / ${info.goals.length} 项`;
  };
  document.getElementById('goals').replaceChildren(...info.goals.map((g) => el('div', {class: 'goal', dataset: {goal: g.code}},
    el('div', {class: 'goal-name', text: g.name}),
    el('div', {class: 'muted', text: HINTS[g.code] || ''}),
    el('div', {class: 'stars', role: 'radiogroup', 'aria-label': g.name}, ...[1, 2, 3, 4, 5].map((v) => {
      const input = el('input', {type: 'radio', name: `goal-${g.code}`, value: v, checked: ratings[g.code] === v});
      input.addEventListener('change', () => { ratings[g.code] = v; count(); });
      return el('label', {title: `${v} 分`}, input, `${v}分`);
    })))));
  count();
  return () => {
    if (!Object.keys(ratings).length) { message(t('rate.none'), true); return null; }
    return {ratings};
  };
}

startSurvey('satisfaction', renderRating, {submitted: t('rate.submitted'), updated: t('rate.updated')});
