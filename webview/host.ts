// The webview's only link to the extension host. `acquireVsCodeApi()` may be called once per page,
// so it happens here and nowhere else; the UI talks to a Host, which a test page can fake.
import { parseHostMessage, type HostMessage, type WebviewMessage } from "../src/protocol/messages";

export interface Host {
  post(message: WebviewMessage): void;
  /**
   * Subscribes to checked host messages; returns the unsubscribe function. `queuedMs`: how long the
   * message event waited in this page's task queue before the listener ran.
   */
  onMessage(listener: (message: HostMessage, queuedMs: number) => void): () => void;
  getState(): unknown;
  setState(state: unknown): void;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  // Injected by VS Code into webviews (and by the test page's fake host).
  function acquireVsCodeApi(): VsCodeApi;
}

let api: VsCodeApi | undefined;

/** The Host of this page: VS Code's API when present, otherwise an in-memory stand-in. */
export function pageHost(): Host {
  api ??= typeof acquireVsCodeApi === "function" ? acquireVsCodeApi() : memoryApi();
  const vscode = api;
  return {
    post: (message) => vscode.postMessage(message),
    onMessage(listener) {
      const handler = (e: MessageEvent) => {
        const message = parseHostMessage(e.data);
        if (message) listener(message, performance.now() - e.timeStamp);
        else console.warn("Backprop Ninja panel: ignored a malformed message", e.data);
      };
      window.addEventListener("message", handler);
      return () => window.removeEventListener("message", handler);
    },
    getState: () => vscode.getState(),
    setState: (state) => vscode.setState(state),
  };
}

/** Outside VS Code (a plain browser page): posts go to the console, state lives in memory. */
function memoryApi(): VsCodeApi {
  let state: unknown;
  return {
    postMessage: (m) => console.info("Backprop Ninja panel →", m),
    getState: () => state,
    setState: (s) => void (state = s),
  };
}
