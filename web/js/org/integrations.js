// API tokens (GET/POST/DELETE /api/tenants/me/tokens[/:id]) and outgoing
// webhooks (/api/tenants/me/webhooks[/:id[/rotate|/deliveries[/:d/redeliver]]]):
// owners only (docs/api-tokens.md, docs/webhooks.md).
import * as api from '../api.js';
import { h, $, $$, replace, showError, showOk, clearMsg, loading, text } from '../dom.js';
import { dateTime } from '../format.js';
import { orgSession, signInPanel, roleAtLeast } from './common.js';
import { t } from '../i18n.js';

const root = $('#org-root');
const when = (tk) => (tk ? dateTime(tk) : '—');

function tokenRow(tk, reload) {
  const msg = h('span.small');
  const revoke = tk.status === 'active' ? h('button.btn.btn-small.btn-danger', { type: 'button', text: t('org.team.revoke') }) : null;
  revoke && revoke.addEventListener('click', async () => {
    if (!confirm(t('org.int.confirm_revoke', { name: tk.name }))) return;
    try {
      await loading(revoke, api.del(`/api/tenants/me/tokens/${encodeURIComponent(tk.tokenId)}`));
      reload();
    } catch (err) {
      msg.className = 'small msg-error';
      msg.textContent = err.message;
    }
  });
  return h('tr', { 'data-token': tk.tokenId },
    h('td', { text: tk.name }), h('td', {}, h('code', { text: `${tk.prefix}…` })),
    h('td', { text: tk.scopes.join(', ') }), h('td', { text: when(tk.lastUsedAt) }),
    h('td', { text: tk.expiresAt ? dateTime(tk.expiresAt) : t('org.int.never') }),
    h('td', { text: tk.status }), h('td', {}, revoke, msg));
}

async function loadTokens() {
  try {
    const ans = await api.get('/api/tenants/me/tokens');
    replace($('#token-rows'), (ans.tokens || []).map((tk) => tokenRow(tk, loadTokens)));
  } catch (err) {
    showError($('#token-msg'), err);
  }
}

function deliveryRow(hook, d, reload) {
  const msg = h('span.small');
  const again = h('button.btn.btn-small', { type: 'button', text: t('org.int.send_again') });
  again.addEventListener('click', async () => {
    try {
      await loading(again, api.post(`/api/tenants/me/webhooks/${encodeURIComponent(hook.webhookId)}/deliveries/${encodeURIComponent(d.deliveryId)}/redeliver`));
      msg.textContent = t('org.int.queued');
      reload();
    } catch (err) {
      msg.className = 'small msg-error';
      msg.textContent = err.message;
    }
  });
  const last = d.tries && d.tries.length ? d.tries[d.tries.length - 1] : null;
  return h('tr', { 'data-delivery': d.deliveryId },
    h('td', { text: dateTime(d.createdAt) }), h('td', { text: d.type }),
    h('td', { text: d.status }), h('td', { text: String(d.attempts) }),
    h('td', { text: last ? t('org.int.answer_in', { answer: last.httpStatus || last.error || '', ms: last.durationMs }) : '—' }),
    h('td', {}, again, msg));
}

async function showDeliveries(hook, box) {
  try {
    const ans = await api.get(`/api/tenants/me/webhooks/${encodeURIComponent(hook.webhookId)}/deliveries`);
    const list = ans.deliveries || [];
    replace(box, list.length ? h('div.table-wrap', {}, h('table', {},
      h('thead', {}, h('tr', {}, [t('common.when'), t('common.event'), t('common.status'), t('org.int.tries'), t('org.int.last_answer'), ''].map((c) => h('th', { text: c })))),
      h('tbody', {}, list.map((d) => deliveryRow(hook, d, () => showDeliveries(hook, box))))))
      : h('p.small.muted', { text: t('org.int.no_deliveries') }));
  } catch (err) {
    const m = h('p.msg');
    replace(box, m);
    showError(m, err);
  }
}

function hookPanel(hook, reload) {
  const msg = h('p.msg', { hidden: true });
  const log = h('div');
  const buttons = [];
  const act = (label, fn) => {
    const b = h('button.btn.btn-small', { type: 'button', text: label });
    b.addEventListener('click', async () => {
      clearMsg(msg);
      try { await loading(b, fn()); } catch (err) { showError(msg, err); }
    });
    buttons.push(b);
  };
  const base = `/api/tenants/me/webhooks/${encodeURIComponent(hook.webhookId)}`;
  act(t('org.int.deliveries'), () => showDeliveries(hook, log));
  if (hook.status === 'disabled') act(t('org.int.enable'), async () => { await api.patch(base, { enabled: true }); reload(); });
  act(t('org.int.rotate'), async () => {
    if (!confirm(t('org.int.confirm_rotate'))) return;
    const ans = await api.post(`${base}/rotate`);
    text($('#hook-secret-value'), ans.secret);
    $('#hook-secret').hidden = false;
  });
  act(t('org.int.delete'), async () => {
    if (!confirm(t('org.int.confirm_delete', { url: hook.url }))) return;
    await api.del(base);
    reload();
  });
  return h('div.panel', { 'data-webhook': hook.webhookId },
    h('p', {}, h('strong', { text: hook.url }), ` — ${hook.status}`),
    h('p.small.muted', { text: `${hook.events.join(', ')}${hook.description ? ` · ${hook.description}` : ''}` }),
    hook.disabledReason ? h('p.small.msg-error', { text: t('org.int.disabled', { reason: hook.disabledReason }) }) : null,
    h('p', {}, buttons), msg, log);
}

async function loadHooks() {
  try {
    const ans = await api.get('/api/tenants/me/webhooks');
    const list = ans.webhooks || [];
    replace($('#hook-list'), list.length ? list.map((w) => hookPanel(w, loadHooks)) : h('p.small.muted', { text: t('org.int.no_endpoints') }));
  } catch (err) {
    showError($('#hook-msg'), err);
  }
}

async function main() {
  let s;
  try {
    s = await orgSession();
  } catch (err) {
    showError($('#page-msg'), err);
    return;
  }
  if (s.needsSignIn) { signInPanel(root, t('org.int.sign_in')); return; }
  if (s.needsOnboarding) { location.replace('/organizer/'); return; }
  if (!roleAtLeast(s.session.role, 'owner')) {
    replace(root, h('div.empty', {}, h('p', { text: t('org.int.only_owners') })));
    return;
  }
  root.hidden = true;
  $('#int-page').hidden = false;
  $('#token-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('#token-msg');
    clearMsg(msg);
    const form = e.target;
    const name = form.elements.namedItem('name').value.trim();
    const scopes = $$('input[name=scope]:checked', form).map((c) => c.value);
    const exp = form.elements.namedItem('expires').value;
    if (!name) { showError(msg, t('org.int.need_name')); return; }
    if (!scopes.length) { showError(msg, t('org.int.need_scope')); return; }
    const body = { name, scopes };
    if (exp) body.expiresAt = new Date(`${exp}T23:59:59+05:30`).toISOString().replace(/\.\d+Z$/, 'Z');
    try {
      const ans = await loading($('#token-submit'), api.post('/api/tenants/me/tokens', body));
      form.reset();
      text($('#token-value'), ans.token);
      $('#token-secret').hidden = false;
      showOk(msg, `Token "${ans.name}" created.`);
      loadTokens();
    } catch (err) {
      showError(msg, err);
    }
  });
  $('#hook-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('#hook-msg');
    clearMsg(msg);
    const form = e.target;
    const events = $$('input[name=event]:checked', form).map((c) => c.value);
    const body = { url: form.elements.namedItem('url').value.trim(), events, description: form.elements.namedItem('description').value.trim() };
    if (!events.length) { showError(msg, t('org.int.need_event')); return; }
    try {
      const ans = await loading($('#hook-submit'), api.post('/api/tenants/me/webhooks', body));
      form.reset();
      text($('#hook-secret-value'), ans.secret);
      $('#hook-secret').hidden = false;
      showOk(msg, t('org.int.added'));
      loadHooks();
    } catch (err) {
      showError(msg, err);
    }
  });
  loadTokens();
  loadHooks();
}
main();
