// When a tensor's storage may go back to the pool (./pool.ts). A tensor *owns* its storage when it
// was the first tensor built on a storage just allocated and no other tensor has been built on it
// since (views, detach, .data revoke it); ownership also ends for good when a tensor escapes to code
// that may keep it (a Python JsProxy, the inspector, a live snapshot). An owner is dead when no
// Python handle, no .grad field and no autograd graph can reach it:
// - handles and .grad fields are counted on the tensor (_handles, _gradOf);
// - a backward closure may capture any tensor that existed when its node was recorded (inputs,
//   index tensors, masks, intermediates), so while any recorded node is unreleased, a tensor born
//   before the newest node is not freed at once but deferred until every node is released.
import { giveStorage } from "./pool";
import type { Storage } from "./dtype";
import type { Tensor } from "./tensor";

export const lifetime = {
  /** the storage allocated last and not yet built on: the next tensor on it owns it */
  fresh: null as Storage | null,
  /** births so far (Tensor._born); not the tensor id, which live mode's restore winds back */
  clock: 0,
  /** recorded nodes whose backward closure may still run (or is kept by a captured graph) */
  liveNodes: 0,
  /** clock at the newest node's recording: tensors born before it may be captured */
  watermark: 0,
};

const MAX_DEFERRED = 1 << 16;
const deferred: Tensor[] = [];

/** Owners of storages, so that a second tensor built on one revokes the first's ownership. */
const owners = new WeakMap<Storage, Tensor>();

/** Called by the Tensor constructor: is `t` (just built on `s`) its storage's owner? */
export function claim(t: Tensor, s: Storage, inspected: boolean): boolean {
  if (s === lifetime.fresh) {
    lifetime.fresh = null;
    if (inspected) return false;
    owners.set(s, t);
    return true;
  }
  const o = owners.get(s);
  if (o !== undefined) revoke(o);
  return false;
}

/** `t` is shared or has escaped: its storage is never pooled through it. */
export function revoke(t: Tensor): void {
  if (!t._own) return;
  t._own = false;
  owners.delete(t._storage);
}

/** Pool t's storage when t is provably dead, or defer while a live graph may hold it. */
export function maybeFree(t: Tensor): void {
  if (!t._own || t._handles > 0 || t._gradOf > 0) return;
  if (lifetime.liveNodes > 0 && t._born < lifetime.watermark) {
    if (deferred.length < MAX_DEFERRED) deferred.push(t);
    return;
  }
  const s = t._storage;
  // only a tensor covering its whole storage: no subarray of it can exist (Tensor._read)
  if (t._offset !== 0 || s.length !== t.numel()) return;
  revoke(t);
  giveStorage(s);
}

/** A node was recorded: its closure may capture every tensor born so far. */
export function nodeRecorded(): void {
  lifetime.liveNodes++;
  lifetime.watermark = lifetime.clock + 1;
  lifetime.fresh = null;
}

/** A recorded node's closure is gone (released, and no captured graph keeps it). */
export function nodeReleased(): void {
  if (--lifetime.liveNodes > 0) return;
  lifetime.liveNodes = 0;
  const list = deferred.splice(0);
  for (const t of list) maybeFree(t);
}
