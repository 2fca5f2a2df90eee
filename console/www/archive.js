// ccd agent console: the "Customer archive" panel beside a conversation (issue 13): the
// customer's earlier conversations on every channel, their products with the warranty state, their
// service cases and a summary line, from the `customer_history` of an `offer` or `conversation` frame
// (docs/console-protocol.md). Every text goes in through el(), as text: nothing is parsed as
// HTML. Uses t(), el(), channelName() and categoryText() of console.js, and caseLabel() of cases.js.
'use strict';

function archiveDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? '' : d.toLocaleDateString(TIME_LOCALES[state.lang] || 'en-GB', { year: 'numeric', month: 'short', day: 'numeric' });
}

// Fills `box` with the archive `h`, or a line saying there is none to show.
function renderArchive(box, h) {
  box.replaceChildren();
  if (!h) return;
  const s = h.summary || {};
  const n = s.conversations || 0;
  const parts = [t(n === 1 ? 'archive.conversation' : 'archive.conversations', { n })];
  if (s.complaints) parts.push(t('archive.complaints', { n: s.complaints }));
  if (s.ratings) parts.push(t('archive.rating', { avg: s.average_rating, n: s.ratings }));
  if (s.cases) parts.push(t('archive.cases_summary', { n: s.cases, open: s.open_cases || 0 }));
  box.append(el('p', { class: 'archive-summary', 'data-archive-summary': '' }, parts.join(' · ')));

  const list = el('ul', { class: 'archive-list' });
  for (const c of h.conversations || []) {
    const facts = [archiveDate(c.created_at), channelName(c), categoryText(c)].filter(Boolean).join(' · ');
    list.append(el('li', { class: 'archive-item', 'data-archive-conversation': c.id },
      el('div', { class: 'row' }, el('span', { class: 'meta' }, '#' + c.id + ' · ' + facts),
        c.complaint ? el('span', { class: 'badge complaint' }, t('archive.complaint')) : null),
      c.subject ? el('div', { class: 'snippet' }, c.subject) : null,
      el('div', { class: 'meta' }, [t('archive.status.' + c.status) || c.status,
        c.disposition, c.rating ? '★'.repeat(Math.max(0, Math.min(5, c.rating))) + ' ' + c.rating + '/5' : null]
        .filter(Boolean).join(' · '))));
  }
  if (!list.children.length) box.append(el('p', { class: 'empty' }, t('archive.none')));
  else box.append(list);
  const more = n - (h.conversations || []).length;
  if (more > 0) box.append(el('p', { class: 'empty' }, t('archive.more', { n: more })));

  const products = h.products || [];
  if (products.length) {
    const pl = el('ul', { class: 'archive-list' });
    for (const p of products) {
      const warranty = p.in_warranty
        ? t('archive.in_warranty', { until: p.warranty_until || '' })
        : p.warranty_until ? t('archive.out_of_warranty', { until: p.warranty_until }) : t('archive.no_warranty');
      pl.append(el('li', { class: 'archive-item', 'data-archive-product': p.sku },
        el('div', { class: 'row' }, el('span', {}, p.name || p.sku),
          el('span', { class: 'badge ' + (p.in_warranty ? 'warranty' : 'no-warranty') }, warranty)),
        el('div', { class: 'meta' }, [p.sku, p.serial, p.purchased_on && t('archive.purchased', { on: p.purchased_on })]
          .filter(Boolean).join(' · '))));
    }
    box.append(el('h3', {}, t('archive.products')), pl);
  }

  const cases = h.cases || [];
  if (cases.length) {
    const label = (kind, name) => (typeof caseLabel === 'function' ? caseLabel(kind, name) : name);
    const cl = el('ul', { class: 'archive-list' });
    for (const c of cases) {
      cl.append(el('li', { class: 'archive-item', 'data-archive-case': c.id },
        el('div', { class: 'row' },
          el('span', { class: 'meta' }, ['#' + c.id, label('type', c.type), label('stage', c.stage), c.product_sku]
            .filter(Boolean).join(' · ')),
          el('span', {},
            c.repeat_of ? el('span', { class: 'badge repeat', 'data-archive-case-repeat': c.repeat_of },
              t('archive.case_repeat', { id: c.repeat_of })) : null,
            el('span', { class: 'badge ' + (c.closed ? 'no-warranty' : 'stage'), 'data-archive-case-state': c.closed ? 'closed' : 'open' },
              t(c.closed ? 'archive.case_closed' : 'archive.case_open')))),
        el('div', { class: 'meta' }, [t('archive.case_opened', { on: archiveDate(c.opened_at) }),
          c.product_sku ? t(c.in_warranty ? 'archive.case_in_warranty' : 'archive.case_out_of_warranty') : null]
          .filter(Boolean).join(' · '))));
    }
    box.append(el('h3', {}, t('archive.cases')), cl);
  }
}
