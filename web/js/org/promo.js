// Promo codes of the active tenant (docs/commerce.md):
// GET/POST /api/tenants/me/promo-codes, POST …/:id/disable,
// GET …/batches/:batchId/codes.csv. Managers and owners.
import * as api from '../api.js';
import { h, $, replace, showError, showOk, clearMsg, loading } from '../dom.js';
import { dateTime, rupees } from '../format.js';
import { orgSession, signInPanel, roleAtLeast } from './common.js';
import { t } from '../i18n.js';

const root = $('#org-root');

function what(c) {
  if (c.kind === 'percent') return t('org.promo.pct_off', { value: c.value });
  if (c.kind === 'amount') return t('org.promo.amount_off', { amount: rupees(c.value) });
  if (c.kind === 'price') return t('org.promo.price_each', { amount: rupees(c.value) });
  return t('org.promo.unlocks');
}

function window_(c) {
  if (!c.validFrom && !c.validUntil) return t('org.promo.always');
  return `${c.validFrom ? dateTime(c.validFrom) : '…'} – ${c.validUntil ? dateTime(c.validUntil) : '…'}`;
}

async function downloadCsv(batchId, btn) {
  const text = await loading(btn, api.getText(`/api/tenants/me/promo-codes/batches/${encodeURIComponent(batchId)}/codes.csv`));
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = h('a', { href: url, download: `promo-codes-${batchId.slice(0, 8)}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function row(c, reload) {
  const msg = h('span.small');
  const off = c.disabled ? null : h('button.btn.btn-small.btn-danger', { type: 'button', text: t('org.promo.disable') });
  off && off.addEventListener('click', async () => {
    if (!confirm(t('org.promo.confirm_disable', { code: c.code }))) return;
    try {
      await loading(off, api.post(`/api/tenants/me/promo-codes/${encodeURIComponent(c.id)}/disable`));
      reload();
    } catch (err) {
      msg.className = 'small msg-error';
      msg.textContent = err.message;
    }
  });
  const csv = c.batchId ? h('button.btn.btn-small', { type: 'button', text: t('org.promo.batch_csv') }) : null;
  csv && csv.addEventListener('click', () => downloadCsv(c.batchId, csv).catch((err) => { msg.className = 'small msg-error'; msg.textContent = err.message; }));
  return h('tr', { 'data-code': c.code },
    h('td', {}, h('code', { text: c.code }), c.disabled ? h('span.small.muted', { text: ` (${t('org.promo.disabled')})` }) : null),
    h('td', { text: what(c) }),
    h('td', { text: `${c.used}${c.maxUses ? ` / ${c.maxUses}` : ''}` }),
    h('td.small', { text: window_(c) }),
    h('td', {}, off, csv, msg));
}

async function load() {
  try {
    const ans = await api.get('/api/tenants/me/promo-codes');
    // a bulk batch shows its first code only, with its CSV
    const seen = new Set();
    const list = (ans.codes || []).filter((c) => !c.batchId || (!seen.has(c.batchId) && seen.add(c.batchId)));
    replace($('#promo-rows'), list.map((c) => row(c, load)));
  } catch (err) {
    showError($('#page-msg'), err);
  }
}

function bodyOf(form) {
  const f = Object.fromEntries(new FormData(form));
  const b = { kind: f.kind };
  const int = (v) => (v === '' || v === undefined ? undefined : Number(v));
  if (f.count) { b.count = int(f.count); if (f.prefix) b.prefix = f.prefix.trim(); } else b.code = (f.code || '').trim();
  if (f.eventId.trim()) b.eventId = f.eventId.trim();
  if (f.value !== '') b.value = f.kind === 'percent' ? int(f.value) : Math.round(Number(f.value) * 100);
  for (const k of ['maxUses', 'perUser', 'minQuantity']) if (int(f[k]) !== undefined) b[k] = int(f[k]);
  for (const k of ['validFrom', 'validUntil']) if (f[k]) b[k] = new Date(f[k]).toISOString().replace(/\.\d+Z$/, 'Z');
  const types = (f.ticketTypeIds || '').split(',').map((x) => x.trim()).filter(Boolean);
  if (types.length) b.ticketTypeIds = types;
  return b;
}

async function main() {
  let s;
  try {
    s = await orgSession();
  } catch (err) {
    showError($('#page-msg'), err);
    return;
  }
  if (s.needsSignIn) { signInPanel(root); return; }
  if (s.needsOnboarding || !roleAtLeast(s.session.role, 'manager')) {
    replace(root, h('div.empty', {}, h('p', { text: t('org.promo.only_managers') })));
    return;
  }
  root.hidden = true;
  $('#promo-page').hidden = false;
  const form = $('#promo-form');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('#promo-msg');
    clearMsg(msg);
    try {
      const ans = await loading($('#promo-save'), api.post('/api/tenants/me/promo-codes', bodyOf(form)));
      showOk(msg, ans.batchId ? t('org.promo.batch_made', { n: ans.codes.length }) : t('org.promo.ready', { code: ans.code }));
      form.reset();
      load();
    } catch (err) {
      showError(msg, err);
    }
  });
  load();
}
main();
