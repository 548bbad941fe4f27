// The engine half of Python's live mode (src/python/site/_bpn_live.py): snapshots of the tensors a
// script's globals reach, taken between top-level statements, and their restoration in place.
// A restored tensor is the same JS object with its fields (storage, layout, version, autograd
// links, grad) and values as they were, so every Python wrapper and graph edge to it stays valid.
// Values are copied once per storage and shared by later snapshots while nothing wrote to it.
import { GradFn, isGradEnabled, nodeIds, setGradEnabled } from "../engine/autograd";
import type { Storage } from "../engine/dtype";
import { inspector, type Subscription } from "../engine/inspect";
import type { Generator } from "../engine/random/generator";
import { Tensor, tensorBookkeeping } from "../engine/tensor";
import { handles } from "./bridge";

interface StorageCopy { data: Storage; bytes: number; refs: number }

/** A tensor's fields at a statement boundary (private ones read through this view). */
interface Fields {
  _storage: Storage; _shape: number[]; _strides: number[]; _offset: number; _version: { value: number };
  _base: Tensor | null; _requiresGrad: boolean; _gradFn: GradFn | null; _acc: GradFn | null; _retainsGrad: boolean; grad: Tensor | null;
}
interface TensorRecord {
  t: Tensor; storage: Storage; shape: number[]; strides: number[]; offset: number; version: { value: number }; versionValue: number;
  base: Tensor | null; requiresGrad: boolean; gradFn: GradFn | null; gradFnOutput: Tensor | null; acc: GradFn | null;
  retainsGrad: boolean; grad: Tensor | null;
}
interface GeneratorFields { engine: { mt: Uint32Array; index: number }; seedValue: bigint; cachedNormal: number | null }
interface GeneratorRecord { g: Generator; mt: Uint32Array; index: number; seedValue: bigint; cachedNormal: number | null }

export interface LiveSnapshot {
  readonly records: TensorRecord[];
  readonly copies: Map<Storage, StorageCopy>;
  readonly generators: GeneratorRecord[];
  readonly nextTensorId: number;
  readonly nextNodeId: number;
  readonly gradEnabled: boolean;
  dropped: boolean;
}

const fields = (t: Tensor) => t as unknown as Fields;

/** Snapshots of one live session; `bytes` counts the value copies still held by some snapshot. */
export class LiveStore {
  bytes = 0;
  private last = new Map<Tensor, TensorRecord>();
  private lastCopies = new Map<Storage, StorageCopy>();
  private lastAliases = -1;
  private guard: Subscription | undefined;
  private unsafeReason: string | null = null;
  /** backward() calls since the store was made (see watchRun) */
  backwards = 0;

  /** The state of the tensors behind `handles` (and their grads and view bases) and of `generators`. */
  take(tensorHandles: ArrayLike<number>, generators: Generator[]): LiveSnapshot {
    const seen = new Set<Tensor>();
    const queue: Tensor[] = [];
    for (let i = 0; i < tensorHandles.length; i++) queue.push(handles.get(tensorHandles[i]));
    const records: TensorRecord[] = [];
    const aliased = tensorBookkeeping.dataAliases !== this.lastAliases;
    const dirty = new Set<Storage>();
    while (queue.length) {
      const t = queue.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      const f = fields(t);
      const r: TensorRecord = {
        t, storage: f._storage, shape: f._shape.slice(), strides: f._strides.slice(), offset: f._offset, version: f._version,
        versionValue: f._version.value, base: f._base, requiresGrad: f._requiresGrad, gradFn: f._gradFn,
        gradFnOutput: f._gradFn ? f._gradFn.output : null, acc: f._acc, retainsGrad: f._retainsGrad, grad: f.grad,
      };
      records.push(r);
      const before = this.last.get(t);
      // a write through the tensor or a view of it bumps the shared version; `.data` aliases do not
      if (aliased || !before || before.storage !== r.storage || before.version !== r.version || before.versionValue !== r.versionValue) {
        dirty.add(r.storage);
      }
      if (f.grad) queue.push(f.grad);
      if (f._base) queue.push(f._base);
    }
    const copies = new Map<Storage, StorageCopy>();
    for (const r of records) {
      if (copies.has(r.storage)) continue;
      const old = this.lastCopies.get(r.storage);
      let c: StorageCopy;
      if (old && !dirty.has(r.storage)) c = old;
      else {
        c = { data: r.storage.slice() as Storage, bytes: r.storage.byteLength, refs: 0 };
        this.bytes += c.bytes;
      }
      c.refs++;
      copies.set(r.storage, c);
    }
    const gens = generators.map((g): GeneratorRecord => {
      const gf = g as unknown as GeneratorFields;
      return { g, mt: gf.engine.mt.slice(), index: gf.engine.index, seedValue: gf.seedValue, cachedNormal: gf.cachedNormal };
    });
    this.remember(records, copies);
    return {
      records, copies, generators: gens, nextTensorId: tensorBookkeeping.nextId(), nextNodeId: nodeIds.next(),
      gradEnabled: isGradEnabled(), dropped: false,
    };
  }

  /** Put every recorded tensor and generator back as it was when `s` was taken. */
  restore(s: LiveSnapshot): void {
    if (s.dropped) throw new Error("internal error: restoring a dropped live snapshot");
    for (const r of s.records) {
      const f = fields(r.t);
      f._storage = r.storage;
      f._shape = r.shape.slice();
      f._strides = r.strides.slice();
      f._offset = r.offset;
      f._version = r.version;
      r.version.value = r.versionValue;
      f._base = r.base;
      f._requiresGrad = r.requiresGrad;
      f._gradFn = r.gradFn;
      if (r.gradFn) r.gradFn.output = r.gradFnOutput;
      f._acc = r.acc;
      f._retainsGrad = r.retainsGrad;
      f.grad = r.grad;
    }
    for (const [storage, c] of s.copies) storage.set(c.data as never);
    for (const g of s.generators) {
      const gf = g.g as unknown as GeneratorFields;
      gf.engine.mt.set(g.mt);
      gf.engine.index = g.index;
      gf.seedValue = g.seedValue;
      gf.cachedNormal = g.cachedNormal;
    }
    tensorBookkeeping.setNextId(s.nextTensorId);
    nodeIds.setNext(s.nextNodeId);
    setGradEnabled(s.gradEnabled);
    this.remember(s.records, s.copies);
  }

  /** Release a snapshot's copies (those no other snapshot shares). */
  drop(s: LiveSnapshot): void {
    if (s.dropped) return;
    s.dropped = true;
    for (const c of s.copies.values()) {
      if (--c.refs === 0) this.bytes -= c.bytes;
    }
  }

  /**
   * While a live run goes on: counts its backward() calls (a state right after one is worth keeping).
   * In a resumed run (`nodesBefore` >= 0), a backward() that reaches an autograd node made before the
   * resume point would read a graph the previous run may have freed or changed (its saved tensors,
   * its retained grads), which no snapshot restores; `unsafe()` then says why, and the run is redone in full.
   */
  watchRun(nodesBefore: number): void {
    this.unguard();
    this.unsafeReason = null;
    this.guard = inspector.on("backward", (root) => {
      this.backwards++;
      if (this.unsafeReason || nodesBefore < 0) return;
      const old = oldNode(root, nodesBefore);
      if (old) this.unsafeReason = `backward() goes through ${old.name()}, made before the statements that were re-run`;
    });
  }

  unsafe(): string | null {
    return this.unsafeReason;
  }

  unguard(): void {
    this.guard?.dispose();
    this.guard = undefined;
  }

  private remember(records: TensorRecord[], copies: Map<Storage, StorageCopy>): void {
    this.last = new Map(records.map((r) => [r.t, r]));
    this.lastCopies = copies;
    this.lastAliases = tensorBookkeeping.dataAliases;
  }
}

/** The first node other than a leaf's AccumulateGrad, reachable from `root`, made before id `nodesBefore`. */
function oldNode(root: Tensor, nodesBefore: number): GradFn | undefined {
  const start = root.grad_fn;
  if (!start) return undefined;
  const seen = new Set<GradFn>([start]);
  const stack = [start];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.id < nodesBefore && n.name() !== "AccumulateGrad") return n;
    for (const [next] of n.next_functions) {
      if (next && !seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return undefined;
}

/** What Python imports as `_bpn_snapshots`: one store per worker thread. */
export function liveModule(): Record<string, unknown> {
  const store = new LiveStore();
  return {
    take: (hs: ArrayLike<number>, gens: Generator[]) => store.take(hs, gens),
    restore: (s: LiveSnapshot) => store.restore(s),
    drop: (s: LiveSnapshot) => store.drop(s),
    bytes: () => store.bytes,
    nextNodeId: (s: LiveSnapshot) => s.nextNodeId,
    watchRun: (nodesBefore: number) => store.watchRun(nodesBefore),
    backwards: () => store.backwards,
    unsafe: () => store.unsafe(),
    unguard: () => store.unguard(),
  };
}
