// ccd agent console: the Reports page (KPI charts from GET /v1/reports/{report}, CSV export) and
// the wallboard (large live figures from the supervisor stream and today's reports), for
// supervisors and admins. Plain JavaScript and hand-drawn SVG, no build step. Uses console.js's
// $, el, api, t, state, I18N, showView and renderBoard. Definitions: docs/kpis.md.
'use strict';

Object.assign(I18N.en, {
  'tab.reports': 'Reports', 'tab.wallboard': 'Wallboard', 'rep.report': 'Report',
  'rep.from': 'From', 'rep.to': 'To', 'rep.group': 'Group by', 'rep.then': 'then by',
  'rep.queue': 'Queue', 'rep.channel': 'Channel', 'rep.show': 'Show', 'rep.csv': 'Export CSV',
  'rep.none': 'No conversations in this range.', 'rep.volume': 'Volume',
  'rep.response_times': 'Response times', 'rep.sla': 'SLA attainment', 'rep.csat': 'Satisfaction',
  'rep.agents': 'Agents', 'rep.day': 'Day', 'rep.week': 'Week', 'rep.month': 'Month',
  'rep.agent': 'Agent', 'rep.category': 'Category', 'rep.subtype': 'Subtype',
  'rep.priority': 'Priority', 'rep.nothing': '—',
  'wb.waiting': 'Waiting now', 'wb.longest': 'Longest wait', 'wb.available': 'Agents available',
  'wb.sla': 'SLA attainment today', 'wb.csat': 'CSAT today',
  'rep.quality': 'Quality', 'rep.agent_time': 'Agent time',
  'col.calls_offered': 'Calls offered', 'col.calls_answered': 'Calls answered',
  'col.calls_abandoned': 'Calls abandoned', 'col.low_ratings': 'Low ratings (1-2)',
  'col.low_followed_up': 'Low ratings followed up', 'col.low_follow_up_rate': 'Follow-up rate',
  'col.missed_offers': 'Missed offers', 'col.first_contact_resolved': 'Resolved at first contact',
  'col.fcr_rate': 'FCR rate', 'col.resolved_ever': 'Ever resolved', 'col.reopened': 'Reopened',
  'col.reopen_rate': 'Reopen rate', 'col.transfers': 'Transfers',
  'col.transfers_per_conversation': 'Transfers per conversation', 'col.complaints': 'Complaints',
  'col.complaint_rate': 'Complaint rate', 'col.available_s': 'Available', 'col.busy_s': 'Busy',
  'col.away_s': 'Away', 'col.wrap_up_s': 'Wrap-up', 'col.logged_in_s': 'Logged in',
  'col.occupied_s': 'Holding work', 'col.occupancy': 'Occupancy',
  'rep.cases': 'Service cases', 'rep.case_stages': 'Case stages', 'col.case_type': 'Case type',
  'col.stage': 'Stage', 'col.opened': 'Opened', 'col.open_now': 'Open now', 'col.closed': 'Closed',
  'col.cancelled': 'Cancelled', 'col.close_median_s': 'Time to close (median)',
  'col.close_p90_s': 'Time to close (p90)', 'col.close_mean_s': 'Time to close (mean)',
  'col.repeats': 'Repeat repairs', 'col.repeat_rate': 'Repeat rate', 'col.entered': 'Entered',
  'col.in_stage_now': 'In stage now', 'col.left': 'Left', 'col.time_median_s': 'Time in stage (median)',
  'col.time_p90_s': 'Time in stage (p90)', 'col.time_mean_s': 'Time in stage (mean)',
});
Object.assign(I18N.zh, {
  'tab.reports': '报表', 'tab.wallboard': '大屏', 'rep.report': '报表', 'rep.from': '开始',
  'rep.to': '结束', 'rep.group': '分组', 'rep.then': '再按', 'rep.queue': '队列',
  'rep.channel': '渠道', 'rep.show': '查询', 'rep.csv': '导出 CSV',
  'rep.none': '此时间范围内没有会话。', 'rep.volume': '会话量', 'rep.response_times': '响应时长',
  'rep.sla': 'SLA 达成率', 'rep.csat': '满意度', 'rep.agents': '坐席', 'rep.day': '按日',
  'rep.week': '按周', 'rep.month': '按月', 'rep.agent': '坐席', 'rep.category': '类别',
  'rep.subtype': '子类别',
  'rep.priority': '优先级', 'rep.nothing': '—',
  'wb.waiting': '当前等待', 'wb.longest': '最长等待', 'wb.available': '空闲坐席',
  'wb.sla': '今日 SLA 达成率', 'wb.csat': '今日满意度',
  'rep.quality': '服务质量', 'rep.agent_time': '坐席时长',
  'col.calls_offered': '呼入电话', 'col.calls_answered': '已接电话', 'col.calls_abandoned': '放弃电话',
  'col.low_ratings': '低分评价（1-2）', 'col.low_followed_up': '已跟进的低分评价',
  'col.low_follow_up_rate': '跟进率', 'col.missed_offers': '未接分配',
  'col.first_contact_resolved': '首次联系解决', 'col.fcr_rate': '首次解决率',
  'col.resolved_ever': '曾解决', 'col.reopened': '重新打开', 'col.reopen_rate': '重开率',
  'col.transfers': '转接次数', 'col.transfers_per_conversation': '每会话转接次数',
  'col.complaints': '投诉', 'col.complaint_rate': '投诉率', 'col.available_s': '空闲',
  'col.busy_s': '忙碌', 'col.away_s': '离开', 'col.wrap_up_s': '话后整理', 'col.logged_in_s': '在线',
  'col.occupied_s': '处理会话时长', 'col.occupancy': '占用率',
  'rep.cases': '服务工单', 'rep.case_stages': '工单阶段', 'col.case_type': '工单类型',
  'col.stage': '阶段', 'col.opened': '新建', 'col.open_now': '未结', 'col.closed': '已结',
  'col.cancelled': '已取消', 'col.close_median_s': '结单时长（中位数）',
  'col.close_p90_s': '结单时长（p90）', 'col.close_mean_s': '结单时长（平均）',
  'col.repeats': '重复维修', 'col.repeat_rate': '重复维修率', 'col.entered': '进入',
  'col.in_stage_now': '当前处于', 'col.left': '已离开', 'col.time_median_s': '阶段时长（中位数）',
  'col.time_p90_s': '阶段时长（p90）', 'col.time_mean_s': '阶段时长（平均）',
});
Object.assign(I18N['zh-Hant'], {
  'tab.reports': '報表', 'tab.wallboard': '大屏', 'rep.report': '報表', 'rep.from': '開始',
  'rep.to': '結束', 'rep.group': '分組', 'rep.then': '再按', 'rep.queue': '佇列',
  'rep.channel': '渠道', 'rep.show': '查詢', 'rep.csv': '匯出 CSV',
  'rep.none': '此時間範圍內沒有會話。', 'rep.volume': '會話量', 'rep.response_times': '回應時長',
  'rep.sla': 'SLA 達成率', 'rep.csat': '滿意度', 'rep.agents': '坐席', 'rep.day': '按日',
  'rep.week': '按週', 'rep.month': '按月', 'rep.agent': '坐席', 'rep.category': '類別',
  'rep.subtype': '子類別',
  'rep.priority': '優先級', 'rep.nothing': '—',
  'wb.waiting': '目前等待', 'wb.longest': '最長等待', 'wb.available': '空閒坐席',
  'wb.sla': '今日 SLA 達成率', 'wb.csat': '今日滿意度',
  'rep.quality': '服務品質', 'rep.agent_time': '坐席時長',
  'col.calls_offered': '來電', 'col.calls_answered': '已接來電', 'col.calls_abandoned': '放棄來電',
  'col.low_ratings': '低分評價（1-2）', 'col.low_followed_up': '已跟進的低分評價',
  'col.low_follow_up_rate': '跟進率', 'col.missed_offers': '未接分配',
  'col.first_contact_resolved': '首次聯繫解決', 'col.fcr_rate': '首次解決率',
  'col.resolved_ever': '曾解決', 'col.reopened': '重新開啟', 'col.reopen_rate': '重開率',
  'col.transfers': '轉接次數', 'col.transfers_per_conversation': '每會話轉接次數',
  'col.complaints': '投訴', 'col.complaint_rate': '投訴率', 'col.available_s': '空閒',
  'col.busy_s': '忙碌', 'col.away_s': '離開', 'col.wrap_up_s': '話後整理', 'col.logged_in_s': '在線',
  'col.occupied_s': '處理會話時長', 'col.occupancy': '佔用率',
  'rep.cases': '服務工單', 'rep.case_stages': '工單階段', 'col.case_type': '工單類型',
  'col.stage': '階段', 'col.opened': '新建', 'col.open_now': '未結', 'col.closed': '已結',
  'col.cancelled': '已取消', 'col.close_median_s': '結單時長（中位數）',
  'col.close_p90_s': '結單時長（p90）', 'col.close_mean_s': '結單時長（平均）',
  'col.repeats': '重複維修', 'col.repeat_rate': '重複維修率', 'col.entered': '進入',
  'col.in_stage_now': '目前處於', 'col.left': '已離開', 'col.time_median_s': '階段時長（中位數）',
  'col.time_p90_s': '階段時長（p90）', 'col.time_mean_s': '階段時長（平均）',
});

const REPORTS = {
  // The figures each report charts: [column, kind] ("bar" counts, "line" seconds or ratios).
  volume: [['conversations', 'bar'], ['messages_in', 'bar'], ['messages_out', 'bar'], ['calls_offered', 'bar'], ['calls_abandoned', 'bar']],
  response_times: [['frt_median_s', 'line'], ['frt_p90_s', 'line'], ['resolution_median_s', 'line']],
  sla: [['attainment', 'bar']],
  csat: [['rating_1', 'bar'], ['rating_2', 'bar'], ['rating_3', 'bar'], ['rating_4', 'bar'], ['rating_5', 'bar']],
  agents: [['handled', 'bar'], ['missed_offers', 'bar'], ['aht_mean_s', 'line']],
  quality: [['fcr_rate', 'bar'], ['reopen_rate', 'bar'], ['complaint_rate', 'bar']],
  agent_time: [['available_s', 'bar'], ['busy_s', 'bar'], ['away_s', 'bar'], ['wrap_up_s', 'bar']],
  cases: [['opened', 'bar'], ['open_now', 'bar'], ['closed', 'bar'], ['repeats', 'bar']],
  case_stages: [['time_median_s', 'bar'], ['time_p90_s', 'bar']],
};
const COLOURS = ['#3b6fd4', '#e08a1e', '#2e9e6a', '#b0413e', '#7a5cc7'];
const SVGNS = 'http://www.w3.org/2000/svg';
const rep = { last: null, wall: null };

function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function localDate(d) {
  return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
}

function reportQuery() {
  const p = new URLSearchParams({ from: $('rep-from').value, to: $('rep-to').value });
  const group = [$('rep-group').value, $('rep-group2').value].filter((g) => g);
  if (group.length) p.set('group_by', group.join(','));
  if ($('rep-queue').value.trim()) p.set('queue', $('rep-queue').value.trim());
  if ($('rep-channel').value) p.set('channel', $('rep-channel').value);
  return '/v1/reports/' + $('rep-kind').value + '?' + p.toString();
}

// One chart: x = the rows' labels (their group columns), one series per figure; bars side by
// side or lines with dots, a y axis with 4 ticks.
function drawChart(table, series) {
  const W = 860, H = 260, L = 56, B = 48, T = 12;
  const groups = table.group_by.filter((g) => table.report !== 'sla' || true);
  const label = (r) => groups.map((g) => (g === 'subtype' ? subtypeText(r[g]) : r[g])).concat(table.report === 'sla' ? [t(r.milestone)] : []).join(' · ') || '∑';
  const rows = table.rows;
  let max = 0;
  for (const r of rows) for (const [c] of series) max = Math.max(max, Number(r[c]) || 0);
  if (max === 0) max = 1;
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': table.report });
  const y = (v) => T + (H - T - B) * (1 - v / max);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    chart.append(svg('line', { x1: L, x2: W, y1: y(v), y2: y(v), class: 'grid' }),
      svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmtValue(v, series[0][0])));
  }
  const step = (W - L) / Math.max(1, rows.length);
  rows.forEach((r, i) => {
    const x0 = L + i * step;
    if (rows.length <= 40 || i % Math.ceil(rows.length / 40) === 0)
      chart.append(svg('text', { x: x0 + step / 2, y: H - B + 14, 'text-anchor': 'middle', class: 'tick' }, label(r).slice(0, 16)));
  });
  series.forEach(([col, kind], s) => {
    const colour = COLOURS[s % COLOURS.length];
    if (kind === 'bar') {
      const bw = Math.min(48, Math.max(1, (step * 0.8) / series.length));
      rows.forEach((r, i) => {
        const v = Number(r[col]) || 0;
        chart.append(svg('rect', { x: L + i * step + step * 0.1 + s * bw, y: y(v), width: bw, height: H - B - y(v), fill: colour },
          svg('title', {}, label(r) + ' ' + col + ': ' + fmtValue(r[col], col))));
      });
    } else {
      const pts = rows.map((r, i) => [L + i * step + step / 2, y(Number(r[col]) || 0)]);
      chart.append(svg('polyline', { points: pts.map((p) => p.join(',')).join(' '), fill: 'none', stroke: colour, 'stroke-width': 2 }));
      pts.forEach((p, i) => chart.append(svg('circle', { cx: p[0], cy: p[1], r: 3, fill: colour },
        svg('title', {}, label(rows[i]) + ' ' + col + ': ' + fmtValue(rows[i][col], col)))));
    }
    chart.append(svg('rect', { x: L + s * 170, y: H - 16, width: 10, height: 10, fill: colour }),
      svg('text', { x: L + s * 170 + 14, y: H - 7, class: 'tick' }, colName(col)));
  });
  return chart;
}

// A column's heading: its translation where the page has one (col.<name>), else its name.
function colName(c) { return I18N.en['col.' + c] ? t('col.' + c) : c; }

function fmtValue(v, col) {
  if (v === null || v === undefined || v === '') return t('rep.nothing');
  if (col === 'subtype') return subtypeText(v);  // "no_power" -> "no power"
  if (col && col.endsWith('_s')) {
    const s = Number(v);
    return s >= 3600 ? (s / 3600).toFixed(1) + ' h' : s >= 60 ? (s / 60).toFixed(1) + ' min' : s.toFixed(0) + ' s';
  }
  if (col === 'attainment' || col === 'occupancy' || (col && col.endsWith('_rate'))) return (Number(v) * 100).toFixed(1) + '%';
  return typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : String(v);
}

async function showReport() {
  $('rep-error').textContent = '';
  const r = await api('GET', reportQuery());
  if (r.status !== 200 || !r.json) {
    $('rep-error').textContent = t('error', { reason: (r.json && r.json.reason) || r.status });
    return;
  }
  rep.last = r.json;
  const out = $('rep-out'); out.replaceChildren();
  if (!r.json.rows.length) { out.append(el('p', { class: 'empty' }, t('rep.none'))); return; }
  out.append(drawChart(r.json, REPORTS[r.json.report]));
  const head = el('tr', {}, ...r.json.columns.map((c) => el('th', I18N.en['col.' + c] ? { 'data-i18n': 'col.' + c } : {}, colName(c))));
  const body = r.json.rows.map((row) => el('tr', {}, ...r.json.columns.map((c) => el('td', {}, fmtValue(row[c], c)))));
  out.append(el('table', { class: 'report-table' }, el('thead', {}, head), el('tbody', {}, ...body)));
}

async function exportCsv() {
  const res = await fetch(reportQuery(), { headers: { Authorization: 'Bearer ' + state.token, Accept: 'text/csv' } });
  if (res.status !== 200) { $('rep-error').textContent = t('error', { reason: res.status }); return; }
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: $('rep-kind').value + '-' + $('rep-from').value + '-' + $('rep-to').value + '.csv' });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function option(value, key) { return el('option', { value, 'data-i18n': key }, t(key)); }

function buildReportsView() {
  const today = new Date(), weekAgo = new Date(Date.now() - 6 * 86400000);
  const kinds = Object.keys(REPORTS).map((k) => option(k, 'rep.' + k));
  const dims = ['queue', 'agent', 'channel', 'category', 'subtype', 'priority'].map((d) => option(d, 'rep.' + d));
  const form = el('form', { class: 'report-form', id: 'rep-form' },
    el('label', {}, el('span', { 'data-i18n': 'rep.report' }, t('rep.report')), el('select', { id: 'rep-kind' }, ...kinds)),
    el('label', {}, el('span', { 'data-i18n': 'rep.from' }, t('rep.from')), el('input', { id: 'rep-from', type: 'date', value: localDate(weekAgo) })),
    el('label', {}, el('span', { 'data-i18n': 'rep.to' }, t('rep.to')), el('input', { id: 'rep-to', type: 'date', value: localDate(today) })),
    el('label', {}, el('span', { 'data-i18n': 'rep.group' }, t('rep.group')),
      el('select', { id: 'rep-group' }, el('option', { value: '' }, '—'), option('day', 'rep.day'), option('week', 'rep.week'), option('month', 'rep.month'), ...dims)),
    el('label', {}, el('span', { 'data-i18n': 'rep.then' }, t('rep.then')),
      el('select', { id: 'rep-group2' }, el('option', { value: '' }, '—'), ...['queue', 'agent', 'channel', 'category', 'subtype', 'priority'].map((d) => option(d, 'rep.' + d)))),
    el('label', {}, el('span', { 'data-i18n': 'rep.queue' }, t('rep.queue')), el('input', { id: 'rep-queue', size: 10 })),
    el('label', {}, el('span', { 'data-i18n': 'rep.channel' }, t('rep.channel')),
      el('select', { id: 'rep-channel' }, el('option', { value: '' }, '—'), ...['webchat', 'email', 'telegram', 'whatsapp', 'wechat', 'api', 'voice'].map((c) => el('option', { value: c }, c)))),
    el('button', { type: 'submit', class: 'primary', id: 'rep-show', 'data-i18n': 'rep.show' }, t('rep.show')),
    el('button', { type: 'button', class: 'secondary', id: 'rep-csv', 'data-i18n': 'rep.csv' }, t('rep.csv')));
  form.querySelector('#rep-group').value = 'day';
  const section = el('section', { id: 'reports-view', class: 'board', hidden: '' },
    el('div', { class: 'card' }, form, el('p', { class: 'error', id: 'rep-error', role: 'alert' }), el('div', { id: 'rep-out' })));
  return section;
}

function buildWallboardView() {
  const tile = (id, key) => el('div', { class: 'wall-tile' }, el('div', { class: 'wall-figure', id }, '—'), el('div', { class: 'wall-label', 'data-i18n': key }, t(key)));
  return el('section', { id: 'wallboard-view', class: 'wallboard', hidden: '' },
    tile('wb-waiting', 'wb.waiting'), tile('wb-longest', 'wb.longest'), tile('wb-available', 'wb.available'),
    tile('wb-sla', 'wb.sla'), tile('wb-csat', 'wb.csat'));
}

// The live part: every supervisor board frame.
function updateWallboard(f) {
  if (!$('wb-waiting')) return;
  $('wb-waiting').textContent = f.queues.reduce((n, q) => n + q.waiting, 0);
  $('wb-longest').textContent = fmtDuration(Math.max(0, ...f.queues.map((q) => q.oldest_wait_ms || 0)));
  $('wb-available').textContent = f.agents.filter((a) => a.presence === 'available' && a.connected).length;
}

// Today's SLA attainment (all milestones) and average rating, in the calendar's zone.
async function refreshWallboardToday() {
  const [sla, csat] = await Promise.all([api('GET', '/v1/reports/sla?from=today&to=today'), api('GET', '/v1/reports/csat?from=today&to=today')]);
  if (sla.status === 200 && sla.json) {
    let met = 0, breached = 0;
    for (const r of sla.json.rows) { met += r.met; breached += r.breached; }
    $('wb-sla').textContent = met + breached ? ((100 * met) / (met + breached)).toFixed(1) + '%' : '—';
  }
  if (csat.status === 200 && csat.json) {
    const row = csat.json.rows[0];
    $('wb-csat').textContent = row && row.average !== null ? row.average.toFixed(2) + ' / 5' : '—';
  }
}

document.addEventListener('DOMContentLoaded', () => {
  const main = document.querySelector('main');
  main.append(buildReportsView(), buildWallboardView());
  const board = $('tab-board');
  const tabs = [el('button', { class: 'tab', 'data-view': 'reports', id: 'tab-reports', hidden: '', 'data-i18n': 'tab.reports' }, t('tab.reports')),
    el('button', { class: 'tab', 'data-view': 'wallboard', id: 'tab-wallboard', hidden: '', 'data-i18n': 'tab.wallboard' }, t('tab.wallboard'))];
  board.after(...tabs);
  // The tabs show for whoever sees the queue board (supervisors and admins).
  new MutationObserver(() => tabs.forEach((b) => { b.hidden = board.hidden; })).observe(board, { attributes: true, attributeFilter: ['hidden'] });
  $('rep-form').addEventListener('submit', (e) => { e.preventDefault(); showReport(); });
  $('rep-csv').addEventListener('click', exportCsv);
  const baseShowView = showView;
  showView = (view) => {
    baseShowView(view);
    $('reports-view').hidden = view !== 'reports'; $('wallboard-view').hidden = view !== 'wallboard';
    clearInterval(rep.wall);
    if (view === 'wallboard') { refreshWallboardToday(); rep.wall = setInterval(refreshWallboardToday, 60000); }
    if (view === 'reports' && !rep.last) showReport();
  };
  const baseRenderBoard = renderBoard;
  renderBoard = (f) => { baseRenderBoard(f); updateWallboard(f); };
});
