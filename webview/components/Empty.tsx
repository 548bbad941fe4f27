// The placeholder of a tab or panel with nothing to show yet: an icon, a title, what to do.
export function Empty(p: { icon: string; title: string; text: string; action?: { label: string; onClick(): void } }) {
  return (
    <div class="empty" data-testid="empty">
      <span class={`codicon ${p.icon} empty-icon`} />
      <h2>{p.title}</h2>
      {p.text && <p>{p.text}</p>}
      {p.action && <button class="button" onClick={p.action.onClick}><span class="codicon codicon-play" /> {p.action.label}</button>}
    </div>
  );
}
