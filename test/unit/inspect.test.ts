// The inspector's subscriptions: the derived onX fields the engine reads, disposal, retainGrads and muting.
import assert from "node:assert/strict";
import { Inspector } from "../../src/engine/inspect";

/** A field read through a call, so an assertion on it does not narrow later reads of the same field. */
const read = <K extends keyof Inspector>(ins: Inspector, k: K): Inspector[K] => ins[k];

describe("inspector subscriptions", () => {
  it("derives each onX field from its listeners: undefined, the listener itself, then one dispatcher for all", () => {
    const ins = new Inspector();
    const heard: string[] = [];
    assert.equal(read(ins, "onLog"), undefined);
    const first = (name: string) => void heard.push(`first ${name}`);
    const a = ins.on("log", first);
    assert.equal(read(ins, "onLog"), first, "a single listener is called directly");
    const b = ins.on("log", (name) => void heard.push(`second ${name}`));
    read(ins, "onLog")!("loss", 1, undefined);
    assert.deepEqual(heard, ["first loss", "second loss"], "in subscription order");
    a.dispose();
    a.dispose(); // a second dispose changes nothing
    read(ins, "onLog")!("acc", 1, undefined);
    assert.deepEqual(heard.slice(2), ["second acc"]);
    b.dispose();
    assert.equal(read(ins, "onLog"), undefined);
    assert.equal(read(ins, "onBackward"), undefined, "other events untouched");
  });

  it("removes one subscription of a function subscribed twice, not both", () => {
    const ins = new Inspector();
    let calls = 0;
    const fn = () => void calls++;
    const a = ins.on("create", fn);
    ins.on("create", fn);
    a.dispose();
    read(ins, "onCreate")!(undefined as never);
    assert.equal(calls, 1);
  });

  it("keeps every non-leaf grad while a retainGrads subscription lives", () => {
    const ins = new Inspector();
    const a = ins.subscribe({ backward: () => {} }, { retainGrads: true });
    const b = ins.on("comparison", () => {}, { retainGrads: true });
    a.dispose();
    assert.equal(read(ins, "retainAllGrads"), true, "b still asks for them");
    b.dispose();
    assert.equal(read(ins, "retainAllGrads"), false);
  });

  it("silences every event inside muted(), and a listener disposed meanwhile stays gone", () => {
    const ins = new Inspector();
    const sub = ins.subscribe({ nonFinite: () => {}, create: () => {} });
    const value = ins.muted(() => {
      assert.equal(read(ins, "onNonFinite"), undefined);
      assert.equal(read(ins, "onCreate"), undefined);
      sub.dispose();
      return 7;
    });
    assert.equal(value, 7);
    assert.equal(read(ins, "onNonFinite"), undefined);
    assert.equal(read(ins, "onCreate"), undefined);
  });
});
