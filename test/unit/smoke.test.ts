import assert from "node:assert/strict";
import { Generator } from "../../src/engine/random/generator";

describe("project skeleton", () => {
  it("seeding a generator twice gives the same stream", () => {
    const a = new Generator().manual_seed(42).uniformFloat32(8);
    const b = new Generator().manual_seed(42).uniformFloat32(8);
    assert.deepEqual(Array.from(a), Array.from(b));
  });
});
