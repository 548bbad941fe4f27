// The header above the tabs' content: which file the results belong to, when it ran, its output.
import type { RunningInfo } from "../../src/protocol/messages";
import type { Snapshot } from "../usePanelMessages";
import { fmtClock, fmtDateTime } from "../model";

const LANGUAGE: Record<string, string> = { typescript: "TypeScript", javascript: "JavaScript", python: "Python", notebook: "Notebook" };

/** The last path segment of a file path or URI. */
const baseName = (p: string) => decodeURIComponent(p.replace(/[?#].*$/, "").split(/[\\/]/).pop() ?? p);

/** Which file the results belong to and when it ran; a run of another file in flight says so. */
export function RunHeader({ snap, running }: { snap: Snapshot; running: RunningInfo | null }) {
  const m = snap.model;
  const path = snap.uri ?? m?.file;
  const name = path ? baseName(path) : undefined;
  const other = running && running.uri !== snap.uri ? baseName(running.uri) : undefined;
  const at = m?.startedAt !== undefined ? new Date(m.startedAt) : undefined;
  const time = at ? fmtClock(at) : undefined;
  const output = m?.output.filter((o) => o.text.length > 0) ?? [];
  return (
    <header class="run-header" data-testid="run-header">
      <div class="run-header-line">
        {name && (
          <span class="run-file" title={path}>
            <span class={`codicon ${m?.language === "notebook" ? "codicon-notebook" : "codicon-file-code"}`} />{" "}
            <span class="mono" data-testid="run-file">{name}</span>
          </span>
        )}
        {m?.language && <span class="dim">{LANGUAGE[m.language] ?? m.language}</span>}
        {m?.engine && <span class="dim" data-testid="run-engine" title="the verdicts are this PyTorch's own numbers">· {m.engine}</span>}
        {time && <span class="dim" data-testid="run-time" title={fmtDateTime(at!)}>{m?.ranCell !== undefined ? `cell ${m.ranCell + 1} ` : ""}ran {time}{m?.durationMs !== undefined ? ` · ${fmtDuration(m.durationMs)}` : ""}</span>}
        {snap.restored && <span class="dim" data-testid="restored">· kept from before the window reload</span>}
        {other && <span class="run-other" data-testid="running-other"><span class="codicon codicon-loading codicon-modifier-spin" /> running {other}…</span>}
      </div>
      {output.length > 0 && (
        <details class="run-output" data-testid="run-output">
          <summary>Output</summary>
          <pre>{output.map((o, i) => <span key={i} class={o.stream === "stderr" ? "stderr" : undefined}>{o.text}</span>)}{m?.outputTruncated ? "\n… (output cut at the runner's limit)" : ""}</pre>
        </details>
      )}
    </header>
  );
}

function fmtDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
