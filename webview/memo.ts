// Skipping the render of parts whose content did not change: a re-run's snapshot brings new objects
// for the same rows and nodes, so identity says nothing and the parts compare by content.
import { Component, type FunctionComponent } from "preact";

/** Equal keys whose values are identical, or arrays of identical items (shapes, members). */
export function sameShallow(a: object | undefined, b: object | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const k of keys) {
    const u = x[k], v = y[k];
    if (u === v || (Number.isNaN(u) && Number.isNaN(v))) continue;
    if (!Array.isArray(u) || !Array.isArray(v) || u.length !== v.length || u.some((e, i) => e !== v[i])) return false;
  }
  return true;
}

/** `render` as a component that renders again only when `same(previous props, next props)` is false. */
export function memoBy<P extends object>(render: FunctionComponent<P>, same: (a: P, b: P) => boolean): FunctionComponent<P> {
  class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      return !same(this.props, next);
    }
    override render(p: P) {
      return render(p);
    }
  }
  return Memo as unknown as FunctionComponent<P>;
}
