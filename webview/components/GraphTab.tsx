// The Graph tab: the (folded) autograd or micrograd graph with its legend, and the tensor drawer of
// the node selected. Placeholders while a root's graph is fetched or laid out.
import type { ComponentChildren } from "preact";
import { GraphView, type View } from "../graph/GraphView";
import type { GraphLayout } from "../graph/useGraphLayout";
import { fmtCount, type Graph, type PanelModel, type ValueRoot } from "../model";
import { Empty } from "./Empty";

export interface GraphTabProps extends GraphLayout {
  model: PanelModel;
  /** the graph drawn; undefined while a micrograd root's graph is fetched */
  graph: Graph | undefined;
  graphError: string | undefined;
  /** the micrograd root drawn, if any */
  root: ValueRoot | undefined;
  /** the root's whole graph was fetched already */
  fetched: boolean;
  viewKey: string;
  view: View | undefined;
  /** display-graph ids (a folded chain stands for its members) */
  selected: string | undefined;
  cursor: string | undefined;
  firstWrong: string | undefined;
  fitRequest: number;
  /** the tensor drawer of the node selected, when open */
  drawer: ComponentChildren;
  onView(view: View): void;
  onSelect(id: string): void;
  onReveal(line: number | undefined, column?: number): void;
  onUnfold(member: string): void;
  onMore(rootId: string): void;
}

export function GraphTab(p: GraphTabProps) {
  const { model, graph, display, layout, root } = p;
  if (!graph) {
    return p.graphError ? <Empty icon="codicon-error" title={`No graph for ${root?.name ?? "this Value"}`} text={p.graphError} />
      : <Empty icon="codicon-loading codicon-modifier-spin" title={`Fetching the graph of ${root?.name ?? "the Value"}…`} text="" />;
  }
  if (!display || display.nodes.length === 0) {
    return <Empty icon="codicon-type-hierarchy" title="No graph" text="The graph appears once the script calls backward() on a result (loss.backward())." />;
  }
  return (
    <div class="graph-pane">
      <div class="graph-main">
      {layout ? (
        <GraphView
          key={p.viewKey}
          layout={layout}
          values={model.values}
          selected={p.selected}
          cursor={p.cursor}
          firstWrong={p.firstWrong}
          view={p.view}
          fitRequest={p.fitRequest}
          onView={p.onView}
          onSelect={p.onSelect}
          onActivate={(id) => {
            const n = layout.byId.get(id)?.node;
            p.onReveal(n?.line, n?.column);
          }}
          onToggleChain={(id) => {
            const members = layout.byId.get(id)?.node.members;
            if (members) p.onUnfold(members[0]);
          }}
        />
      ) : p.layoutError ? (
        <Empty icon="codicon-error" title="The graph could not be laid out" text={p.layoutError} />
      ) : (
        <Empty icon="codicon-loading codicon-modifier-spin" title={`Laying out ${fmtCount(display.nodes.length)} nodes…`} text="" />
      )}
      {layout && (
        <GraphLegend values={model.values} nodes={graph.nodes.length} shown={display.nodes.length} ms={layout.ms}
          truncated={root ? root.nodes > graph.nodes.length : model.graphTruncated} of={root?.nodes}
          onMore={root && root.id === model.valueRoot && !p.fetched && model.graphTruncated ? () => p.onMore(root.id) : undefined} />
      )}
      </div>
      {p.drawer && <div class="graph-drawer">{p.drawer}</div>}
    </div>
  );
}

function GraphLegend(p: { values: boolean; nodes: number; shown: number; ms: number; truncated?: boolean; of?: number; onMore?(): void }) {
  return (
    <div class="legend graph-legend" data-testid="graph-legend">
      {!p.values && (
        <>
          <span class="legend-item verdict-exact"><i /> exact</span>
          <span class="legend-item verdict-approximate"><i /> approximate</span>
          <span class="legend-item verdict-wrong"><i /> wrong</span>
          <span class="legend-item verdict-no-grad"><i /> not checked</span>
        </>
      )}
      <span class="dim">
        {p.truncated ? "the " : ""}{fmtCount(p.nodes)} nodes{p.truncated ? ` nearest the root${p.of !== undefined ? ` of ${fmtCount(p.of)}` : ""}` : ""}
        {p.shown !== p.nodes ? ` (${fmtCount(p.shown)} after folding)` : ""} · layout {Math.round(p.ms)} ms
      </span>
      {p.onMore && <button class="link-button" data-testid="graph-more" onClick={p.onMore}>Draw more (slow)</button>}
    </div>
  );
}
