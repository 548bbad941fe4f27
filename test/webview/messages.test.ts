// The host↔panel protocol's runtime checks: every message of either side passes, malformed ones do not.
import assert from "node:assert/strict";
import { parseHostMessage, parseWebviewMessage, type HostMessage, type WebviewMessage } from "../../src/protocol/messages";

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
    ];
    for (const m of good) assert.deepEqual(parseHostMessage(JSON.parse(JSON.stringify(m))), JSON.parse(JSON.stringify(m)), m.type);
  });

  it("rejects malformed host messages", () => {
    const bad: unknown[] = [
      null, 3, "snapshot", [], {}, { type: "nope" },
      { type: "snapshot" }, { type: "snapshot", stale: "no" }, { type: "snapshot", stale: false, trace: 5 },
      { type: "running", running: { uri: 1, startedAt: 1, progress: {} } }, { type: "running" },
      { type: "running", running: { uri: "u", startedAt: 1, progress: { fraction: "half" } } },
      { type: "cursor", uri: "u", line: -1 }, { type: "cursor", uri: "u", line: 1.5 }, { type: "cursor", line: 1 },
      { type: "stale" }, { type: "selectComparison", index: "1" }, { type: "exportSvg" }, { type: "partial", trace: "x" },
    ];
    for (const m of bad) assert.equal(parseHostMessage(m), undefined, JSON.stringify(m));
  });

  it("accepts every webview command and rejects malformed ones", () => {
    const good: WebviewMessage[] = [
      { type: "ready" }, { type: "stop" }, { type: "run" }, { type: "run", uri: "file:///a.ts" },
      { type: "reveal", uri: "file:///a.ts", line: 4 }, { type: "reveal", uri: "file:///a.ts", line: 4, column: 2 },
      { type: "svg", requestId: 2, svg: "<svg/>" }, { type: "svg", requestId: 2, error: "no graph" },
    ];
    for (const m of good) assert.deepEqual(parseWebviewMessage(m), m, JSON.stringify(m));
    const bad: unknown[] = [
      { type: "reveal", uri: "u" }, { type: "reveal", uri: "u", line: -2 }, { type: "reveal", uri: 1, line: 1 },
      { type: "run", uri: 3 }, { type: "svg", requestId: 1 }, { type: "svg", requestId: 1, svg: "a", error: "b" },
      { type: "svg", svg: "a" }, { type: "revealLine", uri: "u", line: 1 }, undefined,
    ];
    for (const m of bad) assert.equal(parseWebviewMessage(m), undefined, JSON.stringify(m));
  });
});
