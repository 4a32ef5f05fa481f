// The admin console's money tabs: payout approvals (approve, or hold with a
// reason), reconcile's findings (resolve with a note) and the refunds
// overview (failed ones first and marked). docs/admin.md, "Money".
import { $, h, replace, showError, showOk, clearMsg, loading } from '/js/dom.js';
import { dateTime, rupees } from '/js/format.js';
import { call } from '/admin/common.js';
import { t } from '/js/i18n.js';

const PAYOUT = { pending: ['stamp-pending', t('admin.proposed')], held: ['stamp-draft', t('admin.held')],
  approved: ['stamp-upcoming', t('admin.approved')], processing: ['stamp-upcoming', t('admin.sent')],
  paid: ['stamp-ok', t('admin.paid')], failed: ['stamp-cancelled', t('admin.failed')], reversed: ['stamp-cancelled', t('admin.reversed')] };
const REFUND = { pending: ['stamp-pending', t('admin.pending')], processed: ['stamp-ok', t('admin.sent')],
  failed: ['stamp-cancelled', t('admin.failed')] };
const badge = (map, s) => h(`span.stamp.${(map[s] || [])[0] || 'stamp-draft'}`, { text: (map[s] || [])[1] || s });
const failedMark = { 'border-left': '4px solid var(--danger)' };

function age(seconds) {
  if (seconds < 3600) return t('adm.age_min', { n: Math.max(1, Math.round(seconds / 60)) });
  if (seconds < 172800) return t('adm.age_h', { n: Math.round(seconds / 3600) });
  return t('adm.age_days', { n: Math.round(seconds / 86400) });
}

export function moneyTabs(run, fresh) {
  // ---- payouts ----
  function payoutRow(p) {
    const reason = h('input.input', { type: 'text', maxlength: 500, placeholder: t('adm.reason'), 'aria-label': t('adm.reason_payout', { title: p.eventTitle }) });
    const msg = h('p.msg', { hidden: true });
    const decide = (action, label, cls) => h(`button.btn.btn-small.${cls}`, { type: 'button', dataset: { action }, text: label, on: { click: async (ev) => {
      clearMsg(msg);
      const why = reason.value.trim();
      if (action === 'hold' && !why) { showError(msg, t('adm.give_reason_hold')); reason.focus(); return; }
      try {
        const r = await loading(ev.currentTarget, run(call('POST', `/api/admin/payouts/${encodeURIComponent(p.id)}/${action}`, why ? { reason: why } : {}), msg));
        p.status = r.status;
        row.replaceWith(payoutRow(p));
        showOk($('#p-msg'), t('adm.payout_status', { title: p.eventTitle, amount: rupees(p.netPaise), status: r.status }));
      } catch { /* shown */ }
    } } });
    const open = p.status === 'pending' || p.status === 'held';
    const row = h('tr', { dataset: { payout: p.id }, style: p.status === 'failed' || p.status === 'reversed' ? failedMark : null },
      h('td', {}, h('strong', { text: p.eventTitle }), h('div.small', { text: p.tenantName }),
        h('div.small.muted', { text: t('adm.proposed_at', { time: dateTime(p.createdAt) }) })),
      h('td', {}, badge(PAYOUT, p.status),
        p.decidedBy ? h('div.small.muted', { text: t('adm.by', { who: p.decidedBy }) }) : null,
        p.failureReason ? h('div.small', { text: p.failureReason }) : null),
      h('td.num', { text: rupees(p.grossPaise) }),
      h('td.num', { text: rupees(p.refundsPaise) }),
      h('td.num', { text: t('adm.fees_commission_gst', { fees: rupees(p.feesPaise), commission: rupees(p.commissionPaise), gst: rupees(p.commissionGstPaise || 0) }) }),
      h('td.num', {}, h('strong', { text: rupees(p.netPaise) })),
      h('td', {}, open ? [reason, h('div.btn-row', {}, decide('approve', t('adm.approve'), 'btn-primary'),
        p.status === 'pending' ? decide('hold', t('adm.hold'), 'btn-danger') : null)] : null, msg));
    return row;
  }

  async function loadPayouts() {
    const current = fresh('payouts');
    const q = new URLSearchParams();
    const status = $('#p-status').value;
    const search = $('#p-q').value.trim();
    if (status) q.set('status', status);
    if (search) q.set('q', search);
    const r = await run(call('GET', `/api/admin/payouts?${q}`), $('#p-msg'));
    if (!current()) return;
    replace($('#payout-rows'), r.payouts.length ? r.payouts.map(payoutRow)
      : h('tr', {}, h('td', { colspan: 7, text: t('adm.no_payouts') })));
    await loadFindings();
  }

  function findingRow(d) {
    const note = h('input.input', { type: 'text', maxlength: 500, placeholder: t('adm.what_done'), 'aria-label': t('adm.note_for', { id: d.paymentId }) });
    const msg = h('p.msg', { hidden: true });
    const btn = h('button.btn.btn-small', { type: 'button', text: t('admin.resolved'), on: { click: async (ev) => {
      clearMsg(msg);
      const why = note.value.trim();
      if (!why) { showError(msg, t('adm.say_done')); note.focus(); return; }
      try {
        await loading(ev.currentTarget, run(call('POST', `/api/admin/discrepancies/${encodeURIComponent(d.id)}/resolve`, { note: why }), msg));
        loadFindings().catch(() => {});
      } catch { /* shown */ }
    } } });
    return h('tr', { dataset: { discrepancy: d.id } },
      h('td.small', { text: dateTime(d.foundAt) }),
      h('td', {}, h('code', { text: d.kind })),
      h('td.small', { text: [d.paymentId, d.orderId].filter(Boolean).join(' · ') }),
      h('td.small', { text: d.tenantName || '—' }),
      h('td.num', { text: rupees(d.amountPaise) }),
      h('td.small', { text: d.details && d.details.error ? d.details.error : '' }),
      h('td', {}, d.resolvedAt ? h('div.small', { text: t('adm.resolved_by', { who: d.resolvedBy || '?', note: d.resolutionNote || '' }) }) : [note, btn], msg));
  }

  async function loadFindings() {
    const current = fresh('findings');
    const state = $('#d-state').value;
    const r = await run(call('GET', `/api/admin/discrepancies${state ? `?state=${state}` : ''}`), $('#d-msg'));
    if (!current()) return;
    replace($('#finding-rows'), r.discrepancies.length ? r.discrepancies.map(findingRow)
      : h('tr', {}, h('td', { colspan: 7, text: t('adm.nothing') })));
  }

  $('#p-filters').addEventListener('submit', (ev) => { ev.preventDefault(); loadPayouts().catch(() => {}); });
  $('#p-status').addEventListener('change', () => { clearMsg($('#p-msg')); loadPayouts().catch(() => {}); });
  $('#d-state').addEventListener('change', () => loadFindings().catch(() => {}));

  // ---- refunds ----
  async function loadRefunds() {
    const current = fresh('refunds');
    const q = new URLSearchParams();
    const status = $('#r-status').value;
    const search = $('#r-q').value.trim();
    if (status) q.set('status', status);
    if (search) q.set('q', search);
    const r = await run(call('GET', `/api/admin/refunds?${q}`), $('#r-msg'));
    if (!current()) return;
    replace($('#refund-rows'), r.refunds.length ? r.refunds.map((x) => h('tr', { dataset: { refund: x.id, status: x.status }, style: x.status === 'failed' ? failedMark : null },
      h('td', {}, badge(REFUND, x.status)),
      h('td.num', {}, x.status === 'failed' ? h('strong', { text: rupees(x.amountPaise) }) : rupees(x.amountPaise)),
      h('td', {}, h('div', { text: x.eventTitle }), h('div.small', { text: x.tenantName })),
      h('td.small', { text: x.buyerEmail || '—' }),
      h('td.small', { text: age(x.ageSeconds), title: dateTime(x.createdAt) }),
      h('td.small', { text: [x.reason, x.providerRefundId, t('adm.booking_id', { id: x.bookingId })].filter(Boolean).join(' · ') })))
      : h('tr', {}, h('td', { colspan: 6, text: t('adm.no_refunds') })));
  }
  let timer;
  $('#r-filters').addEventListener('submit', (ev) => { ev.preventDefault(); loadRefunds().catch(() => {}); });
  $('#r-status').addEventListener('change', () => loadRefunds().catch(() => {}));
  $('#r-q').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => loadRefunds().catch(() => {}), 250); });

  return { payouts: loadPayouts, refunds: loadRefunds };
}
