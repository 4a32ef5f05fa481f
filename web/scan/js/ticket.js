// The signed ticket payload (docs/tickets.md), read and verified in the
// browser so a gate device can judge a ticket with no network:
//
//   ZT1.<body: 59 base64url chars>.<signature: 86 base64url chars>
//
// body = 44 bytes, big-endian: ticket id (16), event id (16), valid from
// (u32 s), valid until (u32 s), kid (u32). Ed25519 (WebCrypto) over the 63
// ASCII bytes `ZT1.` + body. Parsing is as strict as the server's
// zt_ticket_parse: exact length, alphabet, canonical last characters.

const B64U = /^[A-Za-z0-9_-]+$/;

function b64uDecode(s) {
  const std = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(std + '='.repeat((4 - (std.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function b64uEncode(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function bytesFromB64u(s) {
  if (typeof s !== 'string' || !B64U.test(s)) throw new Error('not base64url');
  return b64uDecode(s);
}

function uuid(bytes) {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// parse(text) → {ticketId, eventId, validFrom, validUntil, kid, signed,
// signature} (times in seconds), or null when the text is not a ZT1
// payload in its one canonical spelling.
export function parse(text) {
  if (typeof text !== 'string' || text.length !== 150) return null;
  if (!text.startsWith('ZT1.') || text[63] !== '.') return null;
  const body = text.slice(4, 63);
  const sig = text.slice(64);
  if (!B64U.test(body) || !B64U.test(sig)) return null;
  const b = b64uDecode(body);
  const s = b64uDecode(sig);
  if (b.length !== 44 || s.length !== 64) return null;
  // canonical: the unused low bits of the last character are zero
  if (b64uEncode(b) !== body || b64uEncode(s) !== sig) return null;
  const v = new DataView(b.buffer);
  const validFrom = v.getUint32(32);
  const validUntil = v.getUint32(36);
  const kid = v.getUint32(40);
  if (validUntil <= validFrom || kid === 0) return null;
  return {
    ticketId: uuid(b.subarray(0, 16)),
    eventId: uuid(b.subarray(16, 32)),
    validFrom,
    validUntil,
    kid,
    signed: new TextEncoder().encode(text.slice(0, 63)),
    signature: s,
  };
}

// importKeys(bundle.keys) → Map kid → CryptoKey (Ed25519, verify only).
// A key that does not import is left out (its tickets read as forged).
export async function importKeys(keys) {
  const out = new Map();
  for (const k of keys || []) {
    if (k.status === 'revoked') continue;
    try {
      const raw = bytesFromB64u(k.publicKey);
      if (raw.length !== 32) continue;
      const key = await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
      out.set(Number(k.kid), key);
    } catch (e) {
      console.warn('scan: public key', k.kid, 'did not import', e);
    }
  }
  return out;
}

// verify(parsed, keys) → true when the signature is good under the kid's
// key. An unknown kid (another tenant's key, or a revoked one, which the
// bundle leaves out) is false.
export async function verify(tk, keys) {
  const key = keys.get(tk.kid);
  if (!key) return false;
  try {
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, tk.signature, tk.signed);
  } catch {
    return false;
  }
}
