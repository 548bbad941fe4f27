// The host end of the panel protocol on a real run, inside the extension host: the snapshot carries
// the compact trace (no samples) and a `requestDetail` is answered with the samples of the run shown.
// The webview end is a stand-in that records posts and delivers messages, as the Chromium tests'
// fake host does for the other side.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import type { BackpropNinjaApi } from "../../../src/extension/extension";
import { hostBridge } from "../../../src/extension/panelProtocol";
import type { RunRecord } from "../../../src/extension/runs";
import type { DetailMessage, HostMessage, SnapshotMessage } from "../../../src/protocol/messages";
import { isTrace, type Trace } from "../../../src/protocol/trace";

function fakeWebview() {
  const posted: HostMessage[] = [];
  const receive = new vscode.EventEmitter<unknown>();
  const webview = {
    postMessage: async (m: unknown) => { posted.push(JSON.parse(JSON.stringify(m)) as HostMessage); return true; },
    onDidReceiveMessage: receive.event,
  } as unknown as vscode.Webview;
  return { webview, posted, send: (m: unknown) => receive.fire(m) };
}

describe("panel protocol, host end (real run)", function () {
  let rec: RunRecord;

  before(async function () {
    const ext = vscode.extensions.getExtension<BackpropNinjaApi>("backprop-ninja.backprop-ninja")!;
    const api = ext.isActive ? ext.exports : await ext.activate();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, "backprop_ninja.ts"));
    rec = (await api.runs.run(doc, "command"))!;
    assert.ok(rec && isTrace(rec.trace), "the run produced a trace");
  });

  it("sends the compact trace and answers requestDetail with the samples of the run shown", function () {
    const trace = rec.trace as Trace;
    const { webview, posted, send } = fakeWebview();
    const bridge = hostBridge(webview, {
      ready() {}, reveal() {}, stop() {}, run() {}, exportSvg() {}, rendered() {},
      detailSource: () => rec,
    });
    try {
      bridge.snapshot(rec, false);
      const snap = posted.find((m): m is SnapshotMessage => m.type === "snapshot")!;
      const sent = snap.trace as Trace;
      assert.equal((sent as { samplesOmitted?: boolean }).samplesOmitted, true);
      assert.equal(sent.comparisons.length, trace.comparisons.length);
      assert.ok(sent.comparisons.every((c) => c.manual === undefined && c.grad === undefined && c.diff === undefined));
      assert.ok(sent.tensors.every((t) => t.value.sample === undefined && t.grad?.sample === undefined));
      const full = JSON.stringify(trace).length, compact = JSON.stringify(snap).length;
      assert.ok(compact * 10 < full, `snapshot ${compact} B vs full trace ${full} B`);

      const row = trace.comparisons.find((c) => c.name === "logits")!;
      send({ type: "requestDetail", requestId: 11, uri: rec.uri.toString(), version: rec.version, tensorId: row.tensorId, cmpIndex: row.index });
      const answer = posted.find((m): m is DetailMessage => m.type === "detail" && m.requestId === 11)!;
      assert.ok(answer && !answer.error, answer?.error);
      const tensor = trace.tensors.find((t) => t.id === row.tensorId)!;
      assert.deepEqual(answer.detail?.tensor, JSON.parse(JSON.stringify({ id: tensor.id, value: tensor.value.sample, grad: tensor.grad?.sample })));
      assert.deepEqual(answer.detail?.comparison, JSON.parse(JSON.stringify({ index: row.index, manual: row.manual, grad: row.grad, diff: row.diff })));
      assert.ok((answer.detail?.comparison?.grad?.values.length ?? 0) > 0, "the row's samples are there");

      // a request for another version of the file is refused, not answered with the wrong run
      send({ type: "requestDetail", requestId: 12, uri: rec.uri.toString(), version: rec.version + 1, cmpIndex: 0 });
      const refused = posted.find((m): m is DetailMessage => m.type === "detail" && m.requestId === 12)!;
      assert.equal(refused.detail, undefined);
      assert.match(refused.error ?? "", /newer run/);
    } finally {
      bridge.dispose();
    }
  });
});
