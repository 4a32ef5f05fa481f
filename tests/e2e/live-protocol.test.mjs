// web/js/live.js's protocol without a browser: batches taken apart,
// messages out of order put back in order while the gap wait runs, and a
// snapshot reload only when the missing ones do not come (docs/live.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe } from '../../web/js/live.js';

function harness(snapV, gapWaitMs = 150) {
  let es = null;
  class FakeEventSource {
    constructor() { es = this; queueMicrotask(() => this.onopen && this.onopen()); }
    close() {}
  }
  const applied = [];
  let snapshots = 0;
  const sub = subscribe('/live/events/x', {
    snapshot: async () => { snapshots += 1; return { v: snapV() }; },
    apply: (m) => applied.push(m.v),
    EventSourceImpl: FakeEventSource,
    gapWaitMs,
  });
  return {
    sub,
    applied,
    snapshots: () => snapshots,
    send: (o) => es.onmessage({ data: JSON.stringify(o) }),
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a batch is applied as its messages, and a late one fills the gap without a reload', async () => {
  const h = harness(() => 10);
  await h.sub.ready;
  h.send({ type: 'batch', v: 13, msgs: [{ v: 11, type: 'seats.held' }, { v: 13, type: 'seats.held' }] });
  assert.deepEqual(h.applied, [11]);            // 13 waits for 12
  h.send({ v: 12, type: 'seats.released' });    // another worker's, late
  assert.deepEqual(h.applied, [11, 12, 13]);
  h.send({ v: 12, type: 'seats.released' });    // a duplicate is dropped
  await sleep(250);
  assert.deepEqual(h.applied, [11, 12, 13]);
  assert.equal(h.snapshots(), 1);               // only the first load
  assert.equal(h.sub.version, 13);
  h.sub.close();
});

test('a gap that stays open reloads the snapshot once, after the wait', async () => {
  let v = 10;
  const h = harness(() => v);
  await h.sub.ready;
  h.send({ v: 11, type: 'seats.held' });
  v = 14;                                       // the server moved on
  h.send({ type: 'batch', v: 14, msgs: [{ v: 13 }, { v: 14 }] });
  await sleep(50);
  assert.equal(h.snapshots(), 1);               // still waiting for 12
  await sleep(250);
  assert.equal(h.snapshots(), 2);               // 12 never came: reload
  assert.deepEqual(h.applied, [11]);            // 13, 14 are in the snapshot
  h.send({ v: 15 });
  assert.deepEqual(h.applied, [11, 15]);
  h.sub.close();
});
