// ccd agent console: service cases (工单, docs/cases.md). Beside a conversation: its cases and an
// "Open case" form (POST /v1/cases with the conversation); a case panel with the stage moves,
// warranty, clock, repairs, visits, quote, follow-ups and history (PATCH /v1/cases/{id}, one
// action a request; a refusal is shown inline under the panel's head). The Cases tab lists "My
// cases" (open, owned by me) and "My follow-ups", and shows the panel of the one clicked. Every
// text goes in through el(), as text. Uses console.js's $, el, api, t, state, showView and
// renderChat, and archive.js's look. Without the cases API (404) the section says so and offers
// nothing.
'use strict';

Object.assign(I18N.en, {
  'tab.cases': 'Cases', 'cases': 'Service cases', 'cases.none': 'No case for this conversation yet.',
  'cases.unavailable': 'Cases are not available.', 'cases.loading': 'Loading…',
  'cases.mine': 'My cases', 'cases.mine_none': 'No open cases.', 'cases.follow_ups': 'My follow-ups',
  'cases.follow_ups_none': 'No follow-ups to do.', 'cases.refresh': 'Refresh', 'cases.pick': 'Select a case.',
  'case.open': 'Open case', 'case.type': 'Type', 'case.product': 'Product', 'case.no_product': 'No product',
  'case.description': 'Description', 'case.create': 'Open the case', 'case.cancel': 'Cancel',
  'case.stage': 'Stage', 'case.owner': 'Owner', 'case.unowned': 'unassigned', 'case.customer': 'Customer',
  'case.acts': 'with: {who}', 'case.warranty': 'Warranty', 'case.in_warranty': 'in warranty until {until}',
  'case.in_warranty_open': 'in warranty', 'case.out_of_warranty': 'out of warranty',
  'case.out_of_warranty_since': 'out of warranty (ended {until})', 'case.warranty_unknown': 'warranty unknown',
  'case.repeat': 'repeat of #{id}', 'case.complaint': 'complaint', 'case.clock': 'Due',
  'case.clock_due': '{milestone} due {time}', 'case.clock_breached': '{milestone} overdue since {time}',
  'case.conversations': 'Conversations', 'case.summary': 'Summary', 'case.move': 'Move to',
  'case.confirm_move': 'Move', 'case.history': 'History', 'case.note': 'Note', 'case.save': 'Save',
  'case.add_note': 'Add a note',
  'case.repairs': 'Repairs', 'case.repair': 'Record a repair', 'case.fault_found': 'Fault found',
  'case.measures': 'Measures', 'case.parts': 'Parts used (PN x qty, one a line)', 'case.result': 'Result',
  'case.result.fixed': 'Fixed', 'case.result.not_fixed': 'Not fixed', 'case.result.replaced': 'Replaced',
  'case.engineer': 'Engineer',
  'case.visits': 'Visits', 'case.book_visit': 'Book a visit', 'case.slot_start': 'Start', 'case.slot_end': 'End',
  'case.address': 'Address', 'case.reschedule': 'Reschedule', 'case.reason': 'Reason',
  'case.visit.booked': 'booked', 'case.visit.done': 'done', 'case.visit.cancelled': 'cancelled',
  'case.visit_moved': 'moved from {from} by {by}: {reason}', 'case.visit_done': 'Visit done',
  'case.visit_cancel': 'Cancel visit',
  'case.shipments': 'Shipments', 'case.shipment.inbound': 'to us', 'case.shipment.outbound': 'back to the customer',
  'case.quote': 'Quote', 'case.propose_quote': 'Record a quote',
  'case.quote_parts': 'Parts (PN x qty @ unit price description, one a line)', 'case.labour': 'Labour',
  'case.currency': 'Currency', 'case.quote_total': 'Total {total} {currency}',
  'case.quote.proposed': 'waiting for the customer', 'case.quote.accepted': 'accepted ({channel})',
  'case.quote.declined': 'declined ({channel})', 'case.answer_quote': "The customer's answer",
  'case.accepted': 'Accepted', 'case.declined': 'Declined', 'case.answer_channel': 'Answered by',
  'case.channel.phone': 'phone', 'case.channel.email': 'email', 'case.channel.messaging': 'message',
  'case.channel.webchat': 'web chat', 'case.channel.in_person': 'in person',
  'case.follow_ups': 'Follow-ups', 'case.outcome': 'Outcome', 'case.outcome.reached': 'Reached',
  'case.outcome.not_reached': 'Not reached', 'case.outcome.satisfied': 'Satisfied',
  'case.outcome.complaint': 'Complaint', 'case.rating': 'Rating', 'case.record_outcome': 'Record the outcome',
  'case.fu.scheduled': 'scheduled', 'case.fu.offered': 'offered', 'case.fu.done': 'done',
  'case.fu.cancelled': 'cancelled', 'case.attempt': 'attempt {n}', 'case.due': 'due {time}',
  'case.type.repair': 'Repair', 'case.type.replacement': 'Replacement', 'case.type.return': 'Return / refund',
  'case.type.technical_support': 'Technical support', 'case.type.complaint': 'Complaint',
  'case.type.consultation': 'Consultation',
  'case.stage.registered': 'Registered', 'case.stage.diagnosing': 'Diagnosing',
  'case.stage.plan_proposed': 'Plan proposed', 'case.stage.awaiting_customer': 'Awaiting customer',
  'case.stage.in_repair': 'In repair', 'case.stage.repaired': 'Repaired', 'case.stage.followed_up': 'Followed up',
  'case.stage.closed': 'Closed', 'case.stage.cancelled': 'Cancelled',
  'case.who.agent': 'agent', 'case.who.engineer': 'engineer', 'case.who.customer': 'customer',
  'case.who.supervisor': 'supervisor',
  'case.err.invalid_transition': 'That move is not allowed from this stage.',
  'case.err.quote_required': 'Out of warranty: the customer must accept a quote first.',
  'case.err.summary_required': 'A summary is needed to close this case.',
  'case.err.case_closed': 'The case is closed.', 'case.err.not_needed': 'Not needed: the product is in warranty.',
  'case.err.quote_answered': 'The quote was already answered.', 'case.err.visit_finished': 'That visit is finished.',
  'case.err.reason_required': 'Give a reason.', 'case.err.follow_up_done': 'That follow-up is done.',
  'case.err.invalid_request': 'Check the fields: {message}', 'case.err.not_found': 'Not found.',
  'case.err.unknown_type': 'Unknown case type.', 'case.err.line': 'Not understood: "{line}"',
  'case.err.other': 'Refused: {message}',
});
Object.assign(I18N.zh, {
  'tab.cases': '工单', 'cases': '服务工单', 'cases.none': '此会话暂无工单。',
  'cases.unavailable': '工单功能不可用。', 'cases.loading': '加载中…',
  'cases.mine': '我的工单', 'cases.mine_none': '暂无进行中的工单。', 'cases.follow_ups': '我的回访',
  'cases.follow_ups_none': '暂无待回访。', 'cases.refresh': '刷新', 'cases.pick': '请选择一个工单。',
  'case.open': '新建工单', 'case.type': '类型', 'case.product': '产品', 'case.no_product': '不指定产品',
  'case.description': '问题描述', 'case.create': '创建工单', 'case.cancel': '取消',
  'case.stage': '阶段', 'case.owner': '负责人', 'case.unowned': '未分配', 'case.customer': '客户',
  'case.acts': '当前处理方：{who}', 'case.warranty': '保修', 'case.in_warranty': '保修期内，至 {until}',
  'case.in_warranty_open': '保修期内', 'case.out_of_warranty': '已过保',
  'case.out_of_warranty_since': '已过保（{until} 到期）', 'case.warranty_unknown': '保修状态未知',
  'case.repeat': '重复报修，前单 #{id}', 'case.complaint': '投诉', 'case.clock': '时限',
  'case.clock_due': '{milestone}截止 {time}', 'case.clock_breached': '{milestone}已超时（截止 {time}）',
  'case.conversations': '会话', 'case.summary': '结案总结', 'case.move': '流转到',
  'case.confirm_move': '确认流转', 'case.history': '处理记录', 'case.note': '备注', 'case.save': '保存',
  'case.add_note': '添加备注',
  'case.repairs': '维修记录', 'case.repair': '登记维修', 'case.fault_found': '故障原因',
  'case.measures': '处理措施', 'case.parts': '使用配件（每行：料号 x 数量）', 'case.result': '维修结果',
  'case.result.fixed': '已修复', 'case.result.not_fixed': '未修复', 'case.result.replaced': '已更换',
  'case.engineer': '工程师',
  'case.visits': '上门服务', 'case.book_visit': '预约上门', 'case.slot_start': '开始', 'case.slot_end': '结束',
  'case.address': '地址', 'case.reschedule': '改约', 'case.reason': '原因',
  'case.visit.booked': '已预约', 'case.visit.done': '已完成', 'case.visit.cancelled': '已取消',
  'case.visit_moved': '原定 {from}，由 {by} 改约：{reason}', 'case.visit_done': '上门完成',
  'case.visit_cancel': '取消上门',
  'case.shipments': '物流', 'case.shipment.inbound': '寄回给我们', 'case.shipment.outbound': '寄给客户',
  'case.quote': '报价', 'case.propose_quote': '登记报价',
  'case.quote_parts': '配件（每行：料号 x 数量 @ 单价 说明）', 'case.labour': '人工费',
  'case.currency': '币种', 'case.quote_total': '合计 {total} {currency}',
  'case.quote.proposed': '等待客户确认', 'case.quote.accepted': '已接受（{channel}）',
  'case.quote.declined': '已拒绝（{channel}）', 'case.answer_quote': '客户答复',
  'case.accepted': '接受', 'case.declined': '拒绝', 'case.answer_channel': '答复方式',
  'case.channel.phone': '电话', 'case.channel.email': '邮件', 'case.channel.messaging': '消息',
  'case.channel.webchat': '网页聊天', 'case.channel.in_person': '当面',
  'case.follow_ups': '回访', 'case.outcome': '结果', 'case.outcome.reached': '已联系上',
  'case.outcome.not_reached': '未联系上', 'case.outcome.satisfied': '满意度评价',
  'case.outcome.complaint': '投诉', 'case.rating': '评分', 'case.record_outcome': '记录回访结果',
  'case.fu.scheduled': '待回访', 'case.fu.offered': '已派发', 'case.fu.done': '已完成',
  'case.fu.cancelled': '已取消', 'case.attempt': '第 {n} 次', 'case.due': '截止 {time}',
  'case.type.repair': '维修', 'case.type.replacement': '换货', 'case.type.return': '退货 / 退款',
  'case.type.technical_support': '技术支持', 'case.type.complaint': '投诉', 'case.type.consultation': '咨询',
  'case.stage.registered': '已登记', 'case.stage.diagnosing': '诊断中', 'case.stage.plan_proposed': '已出方案',
  'case.stage.awaiting_customer': '等待客户', 'case.stage.in_repair': '维修中', 'case.stage.repaired': '已修复',
  'case.stage.followed_up': '已回访', 'case.stage.closed': '已关闭', 'case.stage.cancelled': '已取消',
  'case.who.agent': '坐席', 'case.who.engineer': '工程师', 'case.who.customer': '客户',
  'case.who.supervisor': '主管',
  'case.err.invalid_transition': '当前阶段不能流转到该阶段。',
  'case.err.quote_required': '已过保：客户须先接受报价。',
  'case.err.summary_required': '关闭此工单需要填写结案总结。',
  'case.err.case_closed': '工单已关闭。', 'case.err.not_needed': '无需报价：产品在保修期内。',
  'case.err.quote_answered': '该报价已有答复。', 'case.err.visit_finished': '该次上门已结束。',
  'case.err.reason_required': '请填写原因。', 'case.err.follow_up_done': '该回访已完成。',
  'case.err.invalid_request': '请检查填写内容：{message}', 'case.err.not_found': '未找到。',
  'case.err.unknown_type': '未知的工单类型。', 'case.err.line': '无法识别：“{line}”',
  'case.err.other': '被拒绝：{message}',
});
Object.assign(I18N['zh-Hant'], {
  'tab.cases': '工單', 'cases': '服務工單', 'cases.none': '此會話暫無工單。',
  'cases.unavailable': '工單功能無法使用。', 'cases.loading': '載入中…',
  'cases.mine': '我的工單', 'cases.mine_none': '目前沒有進行中的工單。', 'cases.follow_ups': '我的回訪',
  'cases.follow_ups_none': '目前沒有待回訪。', 'cases.refresh': '重新整理', 'cases.pick': '請選擇一個工單。',
  'case.open': '新建工單', 'case.type': '類型', 'case.product': '產品', 'case.no_product': '不指定產品',
  'case.description': '問題描述', 'case.create': '建立工單', 'case.cancel': '取消',
  'case.stage': '階段', 'case.owner': '負責人', 'case.unowned': '未分配', 'case.customer': '客戶',
  'case.acts': '目前處理方：{who}', 'case.warranty': '保固', 'case.in_warranty': '保固期內，至 {until}',
  'case.in_warranty_open': '保固期內', 'case.out_of_warranty': '已過保固',
  'case.out_of_warranty_since': '已過保固（{until} 到期）', 'case.warranty_unknown': '保固狀態未知',
  'case.repeat': '重複報修，前單 #{id}', 'case.complaint': '投訴', 'case.clock': '時限',
  'case.clock_due': '{milestone}截止 {time}', 'case.clock_breached': '{milestone}已逾時（截止 {time}）',
  'case.conversations': '會話', 'case.summary': '結案總結', 'case.move': '流轉到',
  'case.confirm_move': '確認流轉', 'case.history': '處理紀錄', 'case.note': '備註', 'case.save': '儲存',
  'case.add_note': '新增備註',
  'case.repairs': '維修紀錄', 'case.repair': '登記維修', 'case.fault_found': '故障原因',
  'case.measures': '處理措施', 'case.parts': '使用零件（每行：料號 x 數量）', 'case.result': '維修結果',
  'case.result.fixed': '已修復', 'case.result.not_fixed': '未修復', 'case.result.replaced': '已更換',
  'case.engineer': '工程師',
  'case.visits': '到府服務', 'case.book_visit': '預約到府', 'case.slot_start': '開始', 'case.slot_end': '結束',
  'case.address': '地址', 'case.reschedule': '改約', 'case.reason': '原因',
  'case.visit.booked': '已預約', 'case.visit.done': '已完成', 'case.visit.cancelled': '已取消',
  'case.visit_moved': '原定 {from}，由 {by} 改約：{reason}', 'case.visit_done': '到府完成',
  'case.visit_cancel': '取消到府',
  'case.shipments': '物流', 'case.shipment.inbound': '寄回給我們', 'case.shipment.outbound': '寄給客戶',
  'case.quote': '報價', 'case.propose_quote': '登記報價',
  'case.quote_parts': '零件（每行：料號 x 數量 @ 單價 說明）', 'case.labour': '工資',
  'case.currency': '幣別', 'case.quote_total': '合計 {total} {currency}',
  'case.quote.proposed': '等待客戶確認', 'case.quote.accepted': '已接受（{channel}）',
  'case.quote.declined': '已拒絕（{channel}）', 'case.answer_quote': '客戶答覆',
  'case.accepted': '接受', 'case.declined': '拒絕', 'case.answer_channel': '答覆方式',
  'case.channel.phone': '電話', 'case.channel.email': '郵件', 'case.channel.messaging': '訊息',
  'case.channel.webchat': '網頁聊天', 'case.channel.in_person': '當面',
  'case.follow_ups': '回訪', 'case.outcome': '結果', 'case.outcome.reached': '已聯繫上',
  'case.outcome.not_reached': '未聯繫上', 'case.outcome.satisfied': '滿意度評價',
  'case.outcome.complaint': '投訴', 'case.rating': '評分', 'case.record_outcome': '記錄回訪結果',
  'case.fu.scheduled': '待回訪', 'case.fu.offered': '已派發', 'case.fu.done': '已完成',
  'case.fu.cancelled': '已取消', 'case.attempt': '第 {n} 次', 'case.due': '截止 {time}',
  'case.type.repair': '維修', 'case.type.replacement': '換貨', 'case.type.return': '退貨 / 退款',
  'case.type.technical_support': '技術支援', 'case.type.complaint': '投訴', 'case.type.consultation': '諮詢',
  'case.stage.registered': '已登記', 'case.stage.diagnosing': '診斷中', 'case.stage.plan_proposed': '已提方案',
  'case.stage.awaiting_customer': '等待客戶', 'case.stage.in_repair': '維修中', 'case.stage.repaired': '已修復',
  'case.stage.followed_up': '已回訪', 'case.stage.closed': '已關閉', 'case.stage.cancelled': '已取消',
  'case.who.agent': '坐席', 'case.who.engineer': '工程師', 'case.who.customer': '客戶',
  'case.who.supervisor': '主管',
  'case.err.invalid_transition': '目前階段不能流轉到該階段。',
  'case.err.quote_required': '已過保固：客戶須先接受報價。',
  'case.err.summary_required': '關閉此工單需要填寫結案總結。',
  'case.err.case_closed': '工單已關閉。', 'case.err.not_needed': '無需報價：產品在保固期內。',
  'case.err.quote_answered': '該報價已有答覆。', 'case.err.visit_finished': '該次到府已結束。',
  'case.err.reason_required': '請填寫原因。', 'case.err.follow_up_done': '該回訪已完成。',
  'case.err.invalid_request': '請檢查填寫內容：{message}', 'case.err.not_found': '找不到。',
  'case.err.unknown_type': '未知的工單類型。', 'case.err.line': '無法辨識：「{line}」',
  'case.err.other': '被拒絕：{message}',
});

const CASE_TYPES = ['repair', 'replacement', 'return', 'technical_support', 'complaint', 'consultation'];
const CASE_CLOSING = ['closed', 'cancelled'];  // the shipped terminal stages: a summary goes with them
const ANSWER_CHANNELS = ['phone', 'email', 'messaging', 'webchat', 'in_person'];
const OUTCOMES = ['reached', 'not_reached', 'satisfied', 'complaint'];

// conv: the conversation whose cases the details panel shows; hosts: where a case panel is
// shown (beside the conversation, on the Cases page), each with the case it shows.
const caseUi = {
  conv: null, convCases: [], labels: { type: {}, stage: {} },
  hosts: { conv: { box: null, c: null }, page: { box: null, c: null } },
};

// A type's or stage's label: the configuration's (the API's type_label / stage_label) in English,
// the console's translation in the other languages when it has one.
function caseLabel(kind, name, apiLabel) {
  if (!name) return '';
  if (apiLabel) caseUi.labels[kind][name] = apiLabel;
  const key = 'case.' + kind + '.' + name;
  const own = I18N[state.lang] && I18N[state.lang][key];
  if (state.lang !== 'en' && own) return own;
  return caseUi.labels[kind][name] || (I18N.en[key] ? t(key) : name.replace(/_/g, ' '));
}

// A translation when the console has one for `key`, else `fallback` (a value it does not know).
function tOr(key, fallback, vars) { return I18N.en[key] ? t(key, vars) : (fallback || ''); }

function caseTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString(TIME_LOCALES[state.lang] || 'en-GB',
    { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

// The text of an API refusal ({error, message}): the console's words for the known rules.
function caseError(r) {
  const j = r.json || {};
  const code = j.error || String(r.status);
  const key = 'case.err.' + code;
  return I18N.en[key] ? t(key, { message: j.message || code }) : t('case.err.other', { message: j.message || code });
}

// "PN x qty" lines (also separated by commas or semicolons); a line without a quantity is one.
function parseParts(text) {
  const parts = [];
  for (const line of text.split(/[\n,;]+/).map((s) => s.trim()).filter(Boolean)) {
    const m = line.match(/^(.+?)\s*[x×*]\s*(\d+)$/);
    parts.push(m ? { part_number: m[1].trim(), quantity: Number(m[2]) } : { part_number: line, quantity: 1 });
  }
  return parts;
}

// "PN x qty @ unit price description" lines of a quote.
function parseQuoteParts(text) {
  const parts = [];
  for (const line of text.split('\n').map((s) => s.trim()).filter(Boolean)) {
    const m = line.match(/^(\S+?)\s*[x×*]\s*(\d+)\s*@\s*(\d+(?:\.\d{1,2})?)\s*(.*)$/);
    if (!m) throw new Error(t('case.err.line', { line }));
    parts.push({ part_number: m[1], quantity: Number(m[2]), unit_price: Number(m[3]).toFixed(2), description: m[4] });
  }
  return parts;
}

function cents(s) { const n = Number(s); return isNaN(n) ? 0 : Math.round(n * 100); }
function money(c) { return (c / 100).toFixed(2); }
function isoOf(local) { const d = new Date(local); return isNaN(d) ? '' : d.toISOString(); }

// A labelled field of a case form.
function field(key, input) { return el('label', { class: 'case-field' }, el('span', {}, t(key)), input); }
function choice(name, values, keyOf) {
  return el('select', { name }, ...values.map((v) => el('option', { value: v }, keyOf(v))));
}

// A collapsible form that sends one PATCH action built by `body(form)` (which may throw with a
// message for the error line).
function caseForm(h, name, titleKey, fields, body, extra) {
  const form = el('form', { class: 'case-form-body' }, ...fields,
    el('button', { type: 'submit', class: 'secondary', 'data-case-submit': name }, t('case.save')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let b;
    try { b = body(form); } catch (e) { caseErrorLine(h).textContent = e.message; return; }
    await patchCase(h, b, name, form);
  });
  return el('details', Object.assign({ class: 'case-form', 'data-case-form': name }, extra || {}),
    el('summary', {}, t(titleKey)), form);
}

function caseErrorLine(h) { return h.box.querySelector('[data-case-error]'); }

async function patchCase(h, body, formName, form) {
  const err = caseErrorLine(h);
  err.textContent = '';
  const buttons = form ? [...form.querySelectorAll('button')] : [];
  buttons.forEach((b) => { b.disabled = true; });
  let r;
  try { r = await api('PATCH', '/v1/cases/' + h.c.id, body); } catch (e) { r = { status: 0, json: { message: e.message } }; }
  buttons.forEach((b) => { b.disabled = false; });
  if (r.status === 200 && r.json && r.json.id) { caseChanged(r.json, formName); return true; }
  err.textContent = caseError(r);
  return false;
}

// A changed case: every panel showing it, the conversation's list, the Cases page's lists.
function caseChanged(c, doneForm) {
  for (const h of Object.values(caseUi.hosts)) if (h.c && h.c.id === c.id) renderCasePanel(h, c, doneForm);
  const i = (caseUi.convCases || []).findIndex((x) => x.id === c.id);
  if (i >= 0) { caseUi.convCases[i] = c; renderConvCases(); }
  if ($('cases-view') && !$('cases-view').hidden) loadMyLists();
}

function warrantyText(w) {
  if (!w) return t('case.warranty_unknown');
  if (w.in_warranty) return w.until ? t('case.in_warranty', { until: w.until }) : t('case.in_warranty_open');
  if (w.basis === 'unknown' && !w.until) return t('case.warranty_unknown');
  return w.until ? t('case.out_of_warranty_since', { until: w.until }) : t('case.out_of_warranty');
}

function clockLine(clock) {
  if (!clock || !clock.due_at) return null;
  const late = clock.breached || Date.parse(clock.due_at) < Date.now();
  const warned = !late && (clock.warned || (clock.warn_at && Date.parse(clock.warn_at) < Date.now()));
  const milestone = tOr(clock.milestone, clock.milestone);
  return el('span', { class: 'case-clock' + (late ? ' late' : warned ? ' warn' : ''), 'data-case-clock': clock.milestone || '', 'data-breached': late ? 'true' : 'false' },
    t(late ? 'case.clock_breached' : 'case.clock_due', { milestone, time: caseTime(clock.due_at) }));
}

// The panel of case `c` in host `h`; the forms that were open stay open, but the one just sent.
function renderCasePanel(h, c, doneForm) {
  h.seq = (h.seq || 0) + 1;  // a panel read earlier (showCase) and answered later is stale
  const open = new Set([...h.box.querySelectorAll('details[open][data-case-form]')].map((d) => d.dataset.caseForm));
  if (doneForm) open.delete(doneForm);
  h.c = c;
  h.box.replaceChildren(buildCasePanel(h, c));
  for (const d of h.box.querySelectorAll('details[data-case-form]')) if (open.has(d.dataset.caseForm)) d.open = true;
}

function buildCasePanel(h, c) {
  const panel = el('div', { class: 'case-panel', 'data-case-panel': c.id });
  const stage = el('span', { class: 'badge stage', 'data-case-stage': c.stage }, caseLabel('stage', c.stage, c.stage_label));
  panel.append(el('div', { class: 'case-head' },
    el('span', { class: 'case-title', 'data-case-type-label': c.type }, '#' + c.id + ' ' + caseLabel('type', c.type, c.type_label)),
    stage,
    c.complaint ? el('span', { class: 'badge complaint', 'data-case-complaint': '' }, t('case.complaint')) : null,
    c.repeat_of ? el('span', { class: 'badge repeat', 'data-case-repeat': c.repeat_of }, t('case.repeat', { id: c.repeat_of })) : null));

  const dl = el('dl', { class: 'case-facts' });
  const row = (key, value, attrs) => { if (value !== null && value !== undefined && value !== '') dl.append(el('dt', {}, t(key)), el('dd', attrs || {}, value)); };
  row('case.stage', [caseLabel('stage', c.stage, c.stage_label), c.stage_owner && t('case.acts', { who: tOr('case.who.' + c.stage_owner, c.stage_owner) })].filter(Boolean).join(' · '));
  row('case.owner', c.owner || t('case.unowned'), { 'data-case-owner': c.owner || '' });
  const contact = c.contact || {};
  row('case.customer', contact.name || contact.key || '');
  const p = c.product;
  row('case.product', p ? [p.name, p.sku, p.serial].filter(Boolean).join(' · ') : '');
  row('case.warranty', el('span', { class: 'badge ' + (c.warranty && c.warranty.in_warranty ? 'warranty' : 'no-warranty'), 'data-case-warranty': c.warranty && c.warranty.in_warranty ? 'in' : 'out' }, warrantyText(c.warranty)));
  row('case.clock', clockLine(c.clock));
  row('case.conversations', (c.conversations || []).map((id) => '#' + id).join(' '));
  row('case.description', c.description);
  row('case.summary', c.summary);
  panel.append(dl);

  panel.append(el('p', { class: 'error', 'data-case-error': '', role: 'alert' }));

  // The stage moves; a closing one asks for the summary (a complaint's is required).
  const next = c.next_stages || [];
  if (next.length) {
    const confirm = el('div', { class: 'case-confirm', hidden: '' });
    const moves = el('div', { class: 'case-moves' }, el('span', { class: 'meta' }, t('case.move')),
      ...next.map((to) => el('button', {
        class: CASE_CLOSING.includes(to) ? 'danger' : 'secondary', 'data-case-move': to,
        onclick: (ev) => {
          if (CASE_CLOSING.includes(to)) { showCloseConfirm(h, c, to, confirm); return; }
          patchCase(h, { action: 'move_stage', to }, null, ev.target.parentNode);
        },
      }, '→ ' + caseLabel('stage', to))));
    panel.append(moves, confirm);
  }

  // Quote (out of warranty) and the customer's answer.
  const q = c.quote;
  if (q) {
    const lines = el('ul', { class: 'archive-list', 'data-case-quote': q.status || '' });
    for (const part of q.parts || []) {
      lines.append(el('li', { class: 'archive-item' }, [part.part_number, part.description, part.quantity + ' × ' + part.unit_price].filter(Boolean).join(' · ')));
    }
    if (q.labour) lines.append(el('li', { class: 'archive-item' }, t('case.labour') + ' · ' + q.labour));
    const total = q.total || money((q.parts || []).reduce((s, x) => s + cents(x.unit_price) * (x.quantity || 1), 0) + cents(q.labour));
    const status = tOr('case.quote.' + (q.status || 'proposed'), q.status, { channel: q.answer_channel ? tOr('case.channel.' + q.answer_channel, q.answer_channel) : '' });
    panel.append(el('h3', {}, t('case.quote')), lines,
      el('p', { class: 'meta' }, t('case.quote_total', { total, currency: q.currency || '' }) + ' · ' + status));
    if (!q.status || q.status === 'proposed') {
      panel.append(caseForm(h, 'answer', 'case.answer_quote', [
        field('case.answer_quote', choice('accepted', ['true', 'false'], (v) => t(v === 'true' ? 'case.accepted' : 'case.declined'))),
        field('case.answer_channel', choice('channel', ANSWER_CHANNELS, (v) => t('case.channel.' + v))),
      ], (f) => ({ action: 'answer_quote', accepted: f.elements.accepted.value === 'true', channel: f.elements.channel.value })));
    }
  }
  // Out of warranty, while no quote waits for an answer or was accepted.
  if ((!c.warranty || !c.warranty.in_warranty) && !(q && (q.status === 'proposed' || q.status === 'accepted'))) {
    panel.append(caseForm(h, 'quote', 'case.propose_quote', [
      field('case.quote_parts', el('textarea', { name: 'parts', rows: 3, placeholder: 'FAN-200 x 1 @ 180.00 Fan motor' })),
      field('case.labour', el('input', { name: 'labour', type: 'number', min: 0, step: '0.01', value: '0' })),
      field('case.currency', el('input', { name: 'currency', placeholder: 'CNY', maxlength: 3, size: 4 })),
    ], (f) => {
      const b = { action: 'propose_quote', parts: parseQuoteParts(f.elements.parts.value), labour: Number(f.elements.labour.value || 0).toFixed(2) };
      if (f.elements.currency.value.trim()) b.currency = f.elements.currency.value.trim().toUpperCase();
      return b;
    }));
  }

  // On-site visits: each with its changes; a booked one can be moved (with a reason) or finished.
  const visits = c.visits || [];
  if (visits.length) {
    const vl = el('ul', { class: 'archive-list' });
    for (const v of visits) {
      const item = el('li', { class: 'archive-item', 'data-case-visit': v.id, 'data-visit-status': v.status || '' },
        el('div', { class: 'row' }, el('span', {}, '#' + v.id + ' ' + caseTime(v.slot_start) + ' – ' + caseTime(v.slot_end)),
          el('span', { class: 'meta' }, tOr('case.visit.' + (v.status || 'booked'), v.status))),
        el('div', { class: 'meta' }, [v.address, v.engineer].filter(Boolean).join(' · ')));
      for (const ch of v.changes || []) {
        item.append(el('div', { class: 'meta', 'data-visit-change': '' }, t('case.visit_moved', {
          from: caseTime(ch.from_start) + (ch.from_engineer ? ' (' + ch.from_engineer + ')' : ''), by: ch.by || '', reason: ch.reason || '' })));
      }
      if (!v.status || v.status === 'booked') {
        item.append(caseForm(h, 'reschedule-' + v.id, 'case.reschedule', [
          field('case.slot_start', el('input', { name: 'start', type: 'datetime-local', required: '' })),
          field('case.slot_end', el('input', { name: 'end', type: 'datetime-local', required: '' })),
          field('case.engineer', el('input', { name: 'engineer', value: v.engineer || '' })),
          field('case.reason', el('input', { name: 'reason', required: '' })),
        ], (f) => {
          const b = { action: 'reschedule_visit', visit: v.id, slot_start: isoOf(f.elements.start.value), slot_end: isoOf(f.elements.end.value), reason: f.elements.reason.value.trim() };
          if (f.elements.engineer.value.trim() && f.elements.engineer.value.trim() !== v.engineer) b.engineer = f.elements.engineer.value.trim();
          return b;
        }, { 'data-case-reschedule': v.id }),
        el('div', { class: 'buttons' },
          el('button', { class: 'secondary', 'data-visit-done': v.id, onclick: (ev) => patchCase(h, { action: 'finish_visit', visit: v.id, cancelled: false }, null, ev.target.parentNode) }, t('case.visit_done')),
          el('button', { 'data-visit-cancel': v.id, onclick: (ev) => patchCase(h, { action: 'finish_visit', visit: v.id, cancelled: true }, null, ev.target.parentNode) }, t('case.visit_cancel'))));
      }
      vl.append(item);
    }
    panel.append(el('h3', {}, t('case.visits')), vl);
  }
  panel.append(caseForm(h, 'visit', 'case.book_visit', [
    field('case.slot_start', el('input', { name: 'start', type: 'datetime-local', required: '' })),
    field('case.slot_end', el('input', { name: 'end', type: 'datetime-local', required: '' })),
    field('case.address', el('input', { name: 'address', required: '' })),
    field('case.engineer', el('input', { name: 'engineer' })),
  ], (f) => ({ action: 'book_visit', slot_start: isoOf(f.elements.start.value), slot_end: isoOf(f.elements.end.value),
    address: f.elements.address.value.trim(), engineer: f.elements.engineer.value.trim() })));

  // Repairs done, and a form for the next.
  const repairs = c.repairs || [];
  if (repairs.length) {
    const rl = el('ul', { class: 'archive-list' });
    for (const r of repairs) {
      rl.append(el('li', { class: 'archive-item', 'data-case-repair': '' },
        el('div', { class: 'row' }, el('span', {}, r.fault_found || ''), el('span', { class: 'meta' }, tOr('case.result.' + r.result, r.result))),
        r.measures ? el('div', {}, r.measures) : null,
        el('div', { class: 'meta' }, [(r.parts || []).map((x) => x.part_number + ' × ' + x.quantity).join(', '), r.engineer, caseTime(r.at)].filter(Boolean).join(' · '))));
    }
    panel.append(el('h3', {}, t('case.repairs')), rl);
  }
  panel.append(caseForm(h, 'repair', 'case.repair', [
    field('case.fault_found', el('input', { name: 'fault', required: '' })),
    field('case.measures', el('textarea', { name: 'measures', rows: 2 })),
    field('case.parts', el('textarea', { name: 'parts', rows: 2, placeholder: 'PCB-12 x 1' })),
    field('case.result', choice('result', ['fixed', 'not_fixed', 'replaced'], (v) => t('case.result.' + v))),
  ], (f) => ({ action: 'record_repair', fault_found: f.elements.fault.value.trim(), measures: f.elements.measures.value.trim(),
    parts: parseParts(f.elements.parts.value), result: f.elements.result.value })));

  const shipments = c.shipments || [];
  if (shipments.length) {
    panel.append(el('h3', {}, t('case.shipments')), el('ul', { class: 'archive-list' }, ...shipments.map((s) =>
      el('li', { class: 'archive-item' }, [tOr('case.shipment.' + s.direction, s.direction), s.carrier, s.tracking, caseTime(s.at)].filter(Boolean).join(' · ')))));
  }

  // Follow-ups (回访) and their outcomes.
  const fus = c.follow_ups || [];
  if (fus.length) {
    const fl = el('ul', { class: 'archive-list' });
    for (const fu of fus) {
      const item = el('li', { class: 'archive-item', 'data-case-follow-up': fu.id, 'data-follow-up-status': fu.status || '' },
        el('div', { class: 'row' }, el('span', {}, [fu.policy, fu.kind].filter(Boolean).join(' · ')),
          el('span', { class: 'meta' }, tOr('case.fu.' + fu.status, fu.status))),
        el('div', { class: 'meta' }, [t('case.due', { time: caseTime(fu.due_at) }), fu.attempt > 1 ? t('case.attempt', { n: fu.attempt }) : null,
          fu.outcome && tOr('case.outcome.' + fu.outcome, fu.outcome), fu.rating ? '★'.repeat(Math.max(0, Math.min(5, fu.rating))) : null, fu.note].filter(Boolean).join(' · ')));
      if (fu.status !== 'done' && fu.status !== 'cancelled') {
        const rating = el('select', { name: 'rating', disabled: '' }, ...[5, 4, 3, 2, 1].map((n) => el('option', { value: n }, String(n))));
        const outcome = choice('outcome', OUTCOMES, (v) => t('case.outcome.' + v));
        outcome.addEventListener('change', () => { rating.disabled = outcome.value !== 'satisfied'; });
        item.append(caseForm(h, 'follow-up-' + fu.id, 'case.record_outcome', [
          field('case.outcome', outcome), field('case.rating', rating), field('case.note', el('input', { name: 'note' })),
        ], (f) => {
          const b = { action: 'record_follow_up', follow_up: fu.id, outcome: f.elements.outcome.value, note: f.elements.note.value.trim() };
          if (b.outcome === 'satisfied') b.rating = Number(f.elements.rating.value);
          return b;
        }));
      }
      fl.append(item);
    }
    panel.append(el('h3', {}, t('case.follow_ups')), fl);
  }

  panel.append(caseForm(h, 'note', 'case.add_note', [field('case.note', el('textarea', { name: 'text', rows: 2, required: '' }))],
    (f) => ({ action: 'add_note', text: f.elements.text.value.trim() })));

  const hist = el('ul', { class: 'case-history', 'data-case-history': '' });
  for (const e of c.history || []) {
    hist.append(el('li', { 'data-case-history-entry': e.what || '' },
      el('span', { class: 'meta' }, caseTime(e.at) + ' · ' + (e.by || '')), ' ', el('b', {}, e.what || ''), e.detail ? ' ' + e.detail : null));
  }
  if (c.history) panel.append(el('h3', {}, t('case.history')), hist);
  return panel;
}

// A move to a closing stage: the summary (required for a complaint) and a note, then the move.
function showCloseConfirm(h, c, to, box) {
  const summary = el('textarea', { rows: 3, 'data-case-summary': '', placeholder: t('case.summary') });
  if (c.complaint) summary.required = true;
  const note = el('input', { 'data-case-note': '', placeholder: t('case.note') });
  const form = el('form', { class: 'case-form-body' }, field('case.summary', summary), note,
    el('div', { class: 'buttons' },
      el('button', { type: 'submit', class: 'danger', 'data-case-confirm-move': to }, t('case.confirm_move') + ' → ' + caseLabel('stage', to)),
      el('button', { type: 'button', onclick: () => { box.hidden = true; box.replaceChildren(); } }, t('case.cancel'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const b = { action: 'move_stage', to };
    if (summary.value.trim()) b.summary = summary.value.trim();
    if (note.value.trim()) b.note = note.value.trim();
    patchCase(h, b, null, form);
  });
  box.replaceChildren(form);
  box.hidden = false;
  summary.focus();
}

async function showCase(h, id) {
  const box = h.box;
  const seq = h.seq = (h.seq || 0) + 1;
  const r = await api('GET', '/v1/cases/' + id).catch(() => ({ status: 0 }));
  // Another conversation was selected meanwhile, or another case shown (one just opened or
  // changed): this answer would replace it.
  if (h.box !== box || h.seq !== seq) return;
  if (r.status !== 200 || !r.json) {
    h.c = null;
    h.box.replaceChildren(el('p', { class: 'error', 'data-case-error': '' }, caseError(r)));
    return;
  }
  renderCasePanel(h, r.json);
}

// ---- beside a conversation -------------------------------------------------------------------

// The conversation's cases (GET /v1/cases?conversation=), read again when another is selected.
async function loadConvCases(id) {
  const box = $('cases');
  caseUi.hosts.conv.c = null;
  box.replaceChildren(el('p', { class: 'empty' }, t('cases.loading')));
  const r = await api('GET', '/v1/cases?conversation=' + encodeURIComponent(id)).catch(() => ({ status: 0 }));
  if (caseUi.conv !== id) return;
  if (r.status !== 200 || !r.json || !Array.isArray(r.json.cases)) {
    caseUi.convCases = null;
    box.replaceChildren(el('p', { class: 'empty', 'data-cases-unavailable': '' }, t('cases.unavailable')));
    return;
  }
  caseUi.convCases = r.json.cases;
  renderConvCases();
  if (caseUi.convCases.length) showCase(caseUi.hosts.conv, caseUi.convCases[0].id);
}

function renderConvCases() {
  const box = $('cases');
  if (!caseUi.convCases) return;
  let list = box.querySelector('[data-case-list]'), tools = box.querySelector('.case-tools'), panel = box.querySelector('[data-case-host]');
  if (!list) {
    list = el('ul', { class: 'archive-list', 'data-case-list': '' });
    tools = el('div', { class: 'case-tools' });
    panel = el('div', { 'data-case-host': 'conversation' });
    box.replaceChildren(list, tools, panel);
    caseUi.hosts.conv.box = panel;
    renderOpenButton(tools);
  }
  list.replaceChildren();
  for (const c of caseUi.convCases) list.append(caseItem(c, () => showCase(caseUi.hosts.conv, c.id)));
  if (!caseUi.convCases.length) list.append(el('li', { class: 'empty' }, t('cases.none')));
}

// One line of a list of cases: number, type, stage, product, clock.
function caseItem(c, onclick, attr) {
  return el('li', { class: 'archive-item case-item', [attr || 'data-case-item']: c.id, onclick },
    el('div', { class: 'row' }, el('span', {}, '#' + c.id + ' ' + caseLabel('type', c.type, c.type_label)),
      el('span', { class: 'badge stage' }, caseLabel('stage', c.stage, c.stage_label))),
    el('div', { class: 'meta' }, [(c.contact && (c.contact.name || c.contact.key)), c.product && (c.product.name || c.product.sku)].filter(Boolean).join(' · ')),
    clockLine(c.clock));
}

function renderOpenButton(tools) {
  tools.replaceChildren(el('button', { class: 'secondary', 'data-case-open': '', onclick: () => renderOpenForm(tools) }, t('case.open')));
}

// The "Open case" form: type, one of the customer's products (from the archive), a description.
function renderOpenForm(tools) {
  const c = state.convs.get(caseUi.conv);
  const products = (c && c.customer_history && c.customer_history.products) || [];
  const type = el('select', { name: 'type', 'data-case-type': '' }, ...CASE_TYPES.map((x) => el('option', { value: x }, caseLabel('type', x))));
  const product = el('select', { name: 'product', 'data-case-product': '' }, el('option', { value: '' }, t('case.no_product')),
    ...products.map((p, i) => el('option', { value: String(i) }, [p.name || p.sku, p.serial].filter(Boolean).join(' · '))));
  if (products.length === 1) product.value = '0';
  const description = el('textarea', { name: 'description', rows: 2, 'data-case-description': '' });
  const error = el('p', { class: 'error', role: 'alert', 'data-case-error': '' });
  const form = el('form', { class: 'case-form-body', 'data-case-new': '' },
    field('case.type', type), field('case.product', product), field('case.description', description), error,
    el('div', { class: 'buttons' }, el('button', { type: 'submit', class: 'primary', 'data-case-create': '' }, t('case.create')),
      el('button', { type: 'button', onclick: () => renderOpenButton(tools) }, t('case.cancel'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const conv = caseUi.conv;
    const body = { type: type.value, conversation_id: conv };
    const p = product.value !== '' && products[Number(product.value)];
    if (p) body.product = p.serial ? { sku: p.sku, serial: p.serial } : { sku: p.sku };
    if (description.value.trim()) body.description = description.value.trim();
    form.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    const r = await api('POST', '/v1/cases', body).catch((e) => ({ status: 0, json: { message: e.message } }));
    form.querySelectorAll('button').forEach((b) => { b.disabled = false; });
    if (r.status !== 201 || !r.json || !r.json.id) { error.textContent = caseError(r); return; }
    if (caseUi.conv !== conv) return;
    caseUi.convCases.unshift(r.json);
    renderOpenButton(tools);
    renderConvCases();
    renderCasePanel(caseUi.hosts.conv, r.json);
  });
  tools.replaceChildren(form);
  type.focus();
}

// ---- the Cases page: my open cases and my follow-ups -------------------------------------------

async function loadMyLists() {
  const [mine, fus] = await Promise.all([
    api('GET', '/v1/cases?owner=me&open=true').catch(() => ({ status: 0 })),
    api('GET', '/v1/follow-ups').catch(() => ({ status: 0 }))]);
  const ml = $('my-cases'); ml.replaceChildren();
  if (mine.status === 200 && mine.json && Array.isArray(mine.json.cases)) {
    for (const c of mine.json.cases) ml.append(caseItem(c, () => showCase(caseUi.hosts.page, c.id), 'data-my-case'));
    if (!mine.json.cases.length) ml.append(el('li', { class: 'empty' }, t('cases.mine_none')));
  } else ml.append(el('li', { class: 'empty', 'data-cases-unavailable': '' }, t('cases.unavailable')));
  const fl = $('my-follow-ups'); fl.replaceChildren();
  if (fus.status === 200 && fus.json && Array.isArray(fus.json.follow_ups)) {
    for (const f of fus.json.follow_ups) {
      fl.append(el('li', { class: 'archive-item case-item', 'data-follow-up-item': f.case_id + ':' + f.id,
        onclick: () => showCase(caseUi.hosts.page, f.case_id) },
      el('div', { class: 'row' }, el('span', {}, '#' + f.case_id + ' · ' + (f.policy || '')), el('span', { class: 'meta' }, tOr('case.fu.' + f.status, f.status))),
      el('div', { class: 'meta' }, [f.kind, f.queue, t('case.due', { time: caseTime(f.due_at) }), f.attempt > 1 ? t('case.attempt', { n: f.attempt }) : null,
        f.conversation_id ? '#' + f.conversation_id : null].filter(Boolean).join(' · '))));
    }
    if (!fus.json.follow_ups.length) fl.append(el('li', { class: 'empty' }, t('cases.follow_ups_none')));
  } else fl.append(el('li', { class: 'empty' }, t('cases.unavailable')));
}

function buildCasesView() {
  const head = (key, extra) => el('h2', { 'data-i18n': key }, t(key), extra || null);
  const page = el('div', { class: 'case-page', id: 'case-page', 'data-case-host': 'page' },
    el('p', { class: 'empty', 'data-i18n': 'cases.pick' }, t('cases.pick')));
  caseUi.hosts.page.box = page;
  return el('section', { id: 'cases-view', class: 'cases-view', hidden: '' },
    el('aside', { class: 'sidebar' },
      el('button', { class: 'ghost', id: 'cases-refresh', 'data-i18n': 'cases.refresh', onclick: loadMyLists }, t('cases.refresh')),
      head('cases.mine'), el('ul', { id: 'my-cases', class: 'archive-list' }),
      head('cases.follow_ups'), el('ul', { id: 'my-follow-ups', class: 'archive-list' })),
    el('section', { class: 'case-page-wrap' }, page));
}

document.addEventListener('DOMContentLoaded', () => {
  document.querySelector('main').append(buildCasesView());
  document.querySelector('#tabs [data-view="work"]').after(
    el('button', { class: 'tab', 'data-view': 'cases', id: 'tab-cases', 'data-i18n': 'tab.cases' }, t('tab.cases')));
  const baseShowView = showView;
  showView = (view) => {
    baseShowView(view);
    $('cases-view').hidden = view !== 'cases';
    if (view === 'cases') loadMyLists();
  };
  // The conversation's cases when another conversation is selected; the rest of the chat view
  // renders on every frame, the case section only then (not to lose what is being typed).
  const baseRenderChat = renderChat;
  renderChat = () => {
    baseRenderChat();
    const id = state.selected && state.convs.has(state.selected) ? state.selected : null;
    if (id === caseUi.conv) return;
    caseUi.conv = id;
    caseUi.convCases = [];
    caseUi.hosts.conv.c = null;
    $('cases').replaceChildren();
    if (id) loadConvCases(id);
  };
  // Another language: the case panels and lists again in it.
  const baseApplyI18n = applyI18n;
  applyI18n = () => {
    baseApplyI18n();
    if (caseUi.conv && !caseUi.convCases) {
      $('cases').replaceChildren(el('p', { class: 'empty', 'data-cases-unavailable': '' }, t('cases.unavailable')));
    } else if (caseUi.conv && caseUi.hosts.conv.box) {
      const shown = caseUi.hosts.conv.c;
      $('cases').replaceChildren();
      renderConvCases();
      if (shown) renderCasePanel(caseUi.hosts.conv, shown);
    }
    if (caseUi.hosts.page.c) renderCasePanel(caseUi.hosts.page, caseUi.hosts.page.c);
    if (!$('cases-view').hidden) loadMyLists();
  };
});
