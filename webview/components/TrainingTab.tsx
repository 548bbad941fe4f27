// The Training tab: the logged series (live while the run goes on), or how to log one.
import type { RunningInfo } from "../../src/protocol/messages";
import type { PartialRun } from "../usePanelMessages";
import { Empty } from "./Empty";
import { Training } from "./Training";

export function TrainingTab(p: { live: PartialRun | undefined; running: RunningInfo | null; logScale: boolean; onLogScale(on: boolean): void; onStop(): void }) {
  const isRunning = p.running !== null;
  if ((p.live?.series.length ?? 0) === 0 && !isRunning) {
    return <Empty icon="codicon-graph-line" title="No training series" text="Log the loss in the training loop with log('loss', loss.item(), step) and its curve shows here while the run goes on." />;
  }
  return (
    <Training
      series={p.live?.series ?? []}
      logScale={p.logScale}
      running={isRunning}
      stepsPerSecond={p.live?.stepsPerSecond}
      progress={p.running?.progress}
      onLogScale={p.onLogScale}
      onStop={p.onStop}
    />
  );
}
