// The organizer's money page: an event's statement
// (GET /api/tenants/me/finance/events/:id) and its lines as CSV
// (?format=csv) or PDF (?format=pdf), and a month's statement
// (GET /api/tenants/me/finance/months/:yyyy-mm, ?format=csv);
// the GST invoices (GET /api/tenants/me/finance/invoices, a PDF each) and
// the GST registration (GET/PUT /api/tenants/me/gst);
// docs/finance.md has the equations.
import * as api from '../api.js';
import { h, $, replace, showError, showOk, clearMsg, loading, param, saveBlob } from '../dom.js';
import { rupees } from '../format.js';
import { eventList } from '../model.js';
import { orgSession, signInPanel } from './common.js';
import { t } from '../i18n.js';

const root = $('#org-root');

// [label, value, emphasis] rows of the statement, in reading order.
function rows(s) {
  const l = s.lines;
  const r = l.refunds;
  return [
    [t('org.fin.ticket_sales'), l.ticketSales],
    [t('org.fin.other_receipts'), l.otherReceipts],
    [t('common.gross'), s.grossPaise, true],
    [t('org.fin.ref_buyer'), -r.buyer],
    [t('org.fin.ref_org'), -r.organizer],
    [t('org.fin.ref_late'), -r.latePayments],
    [t('org.fin.ref_cancelled'), -r.eventCancelled],
    [t('org.fin.gateway'), -s.gatewayFeesPaise],
    [t('org.fin.commission', { rate: (s.commissionBps / 100).toFixed(2) }), -s.commissionPaise],
    // the GST on it, deducted from the payable (none when the rate is 0)
    ...(s.commissionGstBps > 0 ? [[t('org.fin.commission_gst', { rate: (s.commissionGstBps / 100).toFixed(2) }), -s.commissionGstPaise]] : []),
    [t('org.fin.payable'), s.payablePaise, true],
    [t('org.fin.convenience'), l.convenienceFee],
    [t('org.fin.convenience_gst'), l.convenienceFeeGst],
  ];
}

function render(s) {
  replace($('#statement-rows'), rows(s).map(([label, v, strong]) => {
    const cell = h('td.num', { text: rupees(v) });
    return h(strong ? 'tr.total' : 'tr', {}, h('td', { text: label }), cell);
  }));
  $('#statement').hidden = false;
}

async function show(eventId) {
  const msg = $('#fin-msg');
  clearMsg(msg);
  $('#statement').hidden = true;
  if (!eventId) return;
  try {
    render(await api.get(`/api/tenants/me/finance/events/${encodeURIComponent(eventId)}`));
  } catch (err) {
    showError(msg, err);
  }
}

// Fetches path (the button shows it is busy) and saves it as name.
async function download(button, path, name, msg) {
  try {
    saveBlob(await loading(button, api.getBlob(path)), name);
  } catch (err) {
    showError(msg, err);
  }
}

function downloadCsv() {
  const id = $('#fin-event').value;
  return download($('#fin-csv'), `/api/tenants/me/finance/events/${encodeURIComponent(id)}?format=csv`,
    `ledger-${id}.csv`, $('#fin-msg'));
}

function monthRow(title, s, strong) {
  const cells = [s.grossPaise, -s.refundsPaise, -s.gatewayFeesPaise, -(s.commissionPaise + (s.commissionGstPaise || 0)), s.payablePaise]
    .map((v) => h('td.num', { text: rupees(v) }));
  return h(strong ? 'tr.total' : 'tr', {}, h('td', { text: title }), ...cells);
}

async function showMonth(month) {
  const msg = $('#month-msg');
  clearMsg(msg);
  $('#month-wrap').hidden = true;
  if (!/^\d{4}-\d{2}$/.test(month)) return;
  try {
    const m = await api.get(`/api/tenants/me/finance/months/${month}`);
    replace($('#month-rows'), m.events.map((e) => monthRow(e.title, e)), monthRow(t('org.live.total'), m.totals, true));
    $('#month-wrap').hidden = false;
  } catch (err) {
    showError(msg, err);
  }
}

function invoiceRow(inv) {
  const gst = inv.cgstPaise + inv.sgstPaise + inv.igstPaise;
  const pdf = h('button.btn', { type: 'button', text: t('org.inv.pdf') });
  pdf.setAttribute('aria-label', t('org.inv.download', { number: inv.number }));
  pdf.addEventListener('click', () => download(pdf,
    `/api/tenants/me/finance/invoices/${encodeURIComponent(inv.id)}?format=pdf`,
    `invoice-${inv.number.replace(/\//g, '-')}.pdf`, $('#inv-msg')));
  return h('tr', {}, h('td', { text: inv.number }), h('td', { text: inv.date }),
    h('td', { text: inv.eventTitle }), h('td.num', { text: rupees(inv.taxablePaise) }),
    h('td.num', { text: `${rupees(gst)} (${inv.taxType})` }), h('td.num', { text: rupees(inv.totalPaise) }),
    h('td', {}, pdf));
}

async function showInvoices() {
  const msg = $('#inv-msg');
  clearMsg(msg);
  try {
    const { invoices } = await api.get('/api/tenants/me/finance/invoices');
    replace($('#inv-rows'), invoices.map(invoiceRow));
    $('#inv-wrap').hidden = invoices.length === 0;
    $('#inv-none').hidden = invoices.length > 0;
  } catch (err) {
    showError(msg, err);
  }
}

async function gstForm() {
  const form = $('#gst-form');
  const gstin = $('#gst-gstin');
  const state = $('#gst-state');
  const msg = $('#gst-msg');
  try {
    const g = await api.get('/api/tenants/me/gst');
    gstin.value = g.gstin || '';
    state.value = g.state || '';
  } catch (err) {
    showError(msg, err);
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearMsg(msg);
    try {
      const g = await loading($('#gst-save'), api.put('/api/tenants/me/gst',
        { gstin: gstin.value.trim().toUpperCase() || null, state: state.value.trim() || null }));
      gstin.value = g.gstin || '';
      state.value = g.state || '';
      showOk(msg, g.stateName ? t('org.inv.saved_state', { state: g.stateName }) : t('org.inv.saved'));
    } catch (err) {
      showError(msg, err);
    }
  });
}

// This month in India's time, YYYY-MM.
function thisMonth() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
}

async function main() {
  try {
    const s = await orgSession();
    if (s.needsSignIn) { signInPanel(root, t('org.fin.sign_in')); return; }
    if (s.needsOnboarding) { location.href = '/organizer/'; return; }
    root.hidden = true;
    $('#finance-page').hidden = false;
    const list = eventList(await api.get('/api/events/mine?limit=200'));
    const sel = $('#fin-event');
    replace(sel, h('option', { value: '', text: list.events.length ? t('org.fin.choose_event') : t('org.fin.no_events') }),
      list.events.map((ev) => h('option', { value: ev.id, text: ev.title })));
    sel.addEventListener('change', () => {
      history.replaceState(null, '', sel.value ? `?event=${encodeURIComponent(sel.value)}` : location.pathname);
      show(sel.value);
    });
    $('#fin-csv').addEventListener('click', downloadCsv);
    $('#fin-pdf').addEventListener('click', () => download($('#fin-pdf'),
      `/api/tenants/me/finance/events/${encodeURIComponent(sel.value)}?format=pdf`, `statement-${sel.value}.pdf`, $('#fin-msg')));
    const month = $('#fin-month');
    month.value = /^\d{4}-\d{2}$/.test(param('month') || '') ? param('month') : thisMonth();
    month.addEventListener('change', () => showMonth(month.value));
    $('#month-csv').addEventListener('click', () => download($('#month-csv'),
      `/api/tenants/me/finance/months/${month.value}?format=csv`, `statement-${month.value}.csv`, $('#month-msg')));
    $('#month-pdf').addEventListener('click', () => download($('#month-pdf'),
      `/api/tenants/me/finance/months/${month.value}?format=pdf`, `statement-${month.value}.pdf`, $('#month-msg')));
    showMonth(month.value);
    showInvoices();
    gstForm();
    const want = param('event');
    if (want && list.events.some((ev) => ev.id === want)) {
      sel.value = want;
      show(want);
    }
  } catch (err) {
    root.hidden = true;
    showError($('#page-msg'), err);
  }
}
main();
