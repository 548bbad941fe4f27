// The host↔panel protocol's runtime checks: every message of either side passes, malformed ones do not.
import assert from "node:assert/strict";
import { parseHostMessage, parseWebviewMessage, type HostMessage, type WebviewMessage } from "../../src/protocol/messages";
import { compactTrace, detailOf, isPanelTrace } from "../../src/protocol/trace";
import { loadFixture } from "./fixtures";

const SAMPLE = { rows: 1, cols: 2, values: [0.5, "NaN" as const], truncated: false };

describe("panel protocol (src/protocol/messages.ts)", () => {
  it("accepts every host notification", () => {
    const good: HostMessage[] = [
      { type: "snapshot", uri: "file:///a.ts", version: 2, stale: false, trace: { version: 1 } },
      { type: "snapshot", stale: false, uri: undefined, version: undefined, trace: undefined },
      { type: "running", running: { uri: "file:///a.ts", startedAt: 1, progress: { step: 5, totalSteps: 10, fraction: 0.5, message: "x" } } },
      { type: "running", running: null },
      { type: "partial", trace: { series: [] } },
      { type: "cursor", uri: "file:///a.ts", line: 0 },
      { type: "stale", stale: true },
      { type: "selectComparison", index: 3 },
      { type: "exportSvg", requestId: 1 },
      { type: "debug", reportTimings: true },
      { type: "detail", requestId: 4, detail: { tensor: { id: 7, value: SAMPLE, grad: SAMPLE }, comparison: { index: 2, manual: SAMPLE, grad: SAMPLE, diff: SAMPLE } } },
      { type: "detail", requestId: 4, detail: { tensor: { id: 7, value: SAMPLE } } },
      { type: "detail", requestId: 5, error: "a newer run replaced the one shown" },
      { type: "finiteDifference", uri: "file:///a.py", report: { name: "x", error: "cancelled" } },
      { type: "finiteDifference", uri: "file:///a.ts", report: {
        name: "W1", step: 1e-4, tolerance: { relative: 1e-3, absolute: 1e-6 }, maxRelError: 0.2, agrees: true, manualName: "dW1",
        samples: [
          { index: [0, 1], numeric: 0.5, autograd: 0.5, relError: 0, agrees: true, manual: 0.6, manualAgrees: false },
          { index: [3, 2], numeric: -1, autograd: -1, relError: 0, agrees: true },
        ],
      } },
    ];
    for (const m of good) assert.deepEqual(parseHostMessage(JSON.parse(JSON.stringify(m))), JSON.parse(JSON.stringify(m)), m.type);
  });

  it("reads a finite-difference report whose NaN crossed postMessage's JSON as null", () => {
    const sent = { type: "finiteDifference", uri: "u", report: { name: "x", samples: [{ index: [0], numeric: NaN, autograd: 1, relError: NaN, agrees: false }] } };
    const read = parseHostMessage(JSON.parse(JSON.stringify(sent)));
    assert.ok(read?.type === "finiteDifference");
    assert.ok(Number.isNaN(read.report.samples![0].numeric) && read.report.samples![0].autograd === 1);
  });

  it("rejects malformed host messages", () => {
    const bad: unknown[] = [
      null, 3, "snapshot", [], {}, { type: "nope" },
      { type: "snapshot" }, { type: "snapshot", stale: "no" }, { type: "snapshot", stale: false, trace: 5 },
      { type: "running", running: { uri: 1, startedAt: 1, progress: {} } }, { type: "running" },
      { type: "running", running: { uri: "u", startedAt: 1, progress: { fraction: "half" } } },
      { type: "cursor", uri: "u", line: -1 }, { type: "cursor", uri: "u", line: 1.5 }, { type: "cursor", line: 1 },
      { type: "stale" }, { type: "debug" }, { type: "debug", reportTimings: 1 }, { type: "selectComparison", index: "1" }, { type: "exportSvg" }, { type: "partial", trace: "x" },
      { type: "detail" }, { type: "detail", requestId: 1, detail: { tensor: { id: -1 } } },
      { type: "detail", requestId: 1, detail: { tensor: { id: 1, value: { rows: 2, cols: 2, values: [1], truncated: false } } } },
      { type: "detail", requestId: 1, detail: { comparison: { index: 0, diff: [1, 2] } } }, { type: "detail", requestId: 1, detail: 3 },
      { type: "finiteDifference", report: { name: "x" } }, { type: "finiteDifference", uri: "u", report: { error: "no name" } },
      { type: "finiteDifference", uri: "u", report: { name: "x", samples: [{ index: [0], numeric: 1, autograd: 1, relError: 0 }] } },
      { type: "finiteDifference", uri: "u", report: { name: "x", samples: [{ index: [-1], numeric: 1, autograd: 1, relError: 0, agrees: true }] } },
      { type: "finiteDifference", uri: "u", report: { name: "x", samples: { index: [0] } } },
    ];
    for (const m of bad) assert.equal(parseHostMessage(m), undefined, JSON.stringify(m));
  });

  it("accepts every webview command and rejects malformed ones", () => {
    const good: WebviewMessage[] = [
      { type: "ready" }, { type: "stop" }, { type: "run" }, { type: "run", uri: "file:///a.ts" },
      { type: "reveal", uri: "file:///a.ts", line: 4 }, { type: "reveal", uri: "file:///a.ts", line: 4, column: 2 },
      { type: "svg", requestId: 2, svg: "<svg/>" }, { type: "svg", requestId: 2, error: "no graph" },
      { type: "requestDetail", requestId: 3, uri: "file:///a.ts", version: 2, tensorId: 14, cmpIndex: 0 },
      { type: "requestDetail", requestId: 3, tensorId: 14 }, { type: "requestDetail", requestId: 3, cmpIndex: 5 },
      { type: "rendered", uri: "file:///a.ts", version: 9 }, { type: "rendered" },
      { type: "renderTimings", uri: "file:///a.ts", version: 9, at: 1732000000000, receivedAt: 1731999999990, queuedMs: 0.5 },
      { type: "renderTimings", at: 1732000000000 },
    ];
    for (const m of good) assert.deepEqual(parseWebviewMessage(m), m, JSON.stringify(m));
    const bad: unknown[] = [
      { type: "reveal", uri: "u" }, { type: "reveal", uri: "u", line: -2 }, { type: "reveal", uri: 1, line: 1 },
      { type: "run", uri: 3 }, { type: "svg", requestId: 1 }, { type: "svg", requestId: 1, svg: "a", error: "b" },
      { type: "svg", svg: "a" }, { type: "revealLine", uri: "u", line: 1 }, undefined,
      { type: "requestDetail", requestId: 1 }, { type: "requestDetail", requestId: 1, tensorId: -3 },
      { type: "requestDetail", requestId: 1, cmpIndex: 0.5 }, { type: "requestDetail", tensorId: 1 },
      { type: "rendered", version: "2" }, { type: "renderTimings", at: "now" }, { type: "renderTimings", version: 2 },
    ];
    for (const m of bad) assert.equal(parseWebviewMessage(m), undefined, JSON.stringify(m));
  });

  it("the compact trace keeps everything but the samples, and detailOf gives those back", () => {
    const full = loadFixture("exercise1-one-wrong");
    const compact = compactTrace(full);
    assert.ok(isPanelTrace(compact));
    const fullSize = JSON.stringify(full).length, compactSize = JSON.stringify(compact).length;
    assert.ok(compactSize * 5 < fullSize, `compact ${compactSize} B vs full ${fullSize} B`);
    assert.equal(compact.tensors.length, full.tensors.length);
    for (const [i, t] of compact.tensors.entries()) {
      assert.ok(!("sample" in t.value) && !(t.grad && "sample" in t.grad), t.name);
      assert.deepEqual(t.value.stats, full.tensors[i].value.stats);
    }
    for (const [i, c] of compact.comparisons.entries()) {
      assert.ok(!("manual" in c) && !("grad" in c) && !("diff" in c), c.name);
      const { manual: _m, grad: _g, diff: _d, ...rest } = full.comparisons[i];
      assert.deepEqual(c, rest);
    }
    assert.deepEqual(compact.graph, full.graph);
    const row = full.comparisons.find((c) => c.status === "wrong")!;
    const tensor = full.tensors.find((t) => t.id === row.tensorId)!;
    const d = detailOf(full, tensor.id, row.index);
    assert.deepEqual(d.tensor, { id: tensor.id, value: tensor.value.sample, grad: tensor.grad?.sample });
    assert.deepEqual(d.comparison, { index: row.index, manual: row.manual, grad: row.grad, diff: row.diff });
    assert.ok(d.comparison?.diff && d.comparison.diff.values.length > 0);
    // the answer crosses the protocol intact
    const answer = { type: "detail", requestId: 1, detail: d };
    assert.deepEqual(parseHostMessage(JSON.parse(JSON.stringify(answer))), JSON.parse(JSON.stringify(answer)));
    assert.deepEqual(detailOf(full, -5, 999), {});
  });
});
