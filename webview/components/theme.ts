// Colors for canvases, read from the theme's --vscode-* variables so heatmaps and curves follow it.

export type RGB = [number, number, number];

const probe = typeof document !== "undefined" ? document.createElement("canvas").getContext("2d") : null;

/** The value of a CSS variable on <body> as RGB (falls back when the theme does not define it). */
export function themeColor(variable: string, fallback: string): RGB {
  const raw = getComputedStyle(document.body).getPropertyValue(variable).trim() || fallback;
  return parseColor(raw) ?? parseColor(fallback) ?? [128, 128, 128];
}

export function themeCss(variable: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(variable).trim() || fallback;
}

function parseColor(css: string): RGB | undefined {
  if (!probe) return undefined;
  probe.fillStyle = "#000000";
  probe.fillStyle = css;
  const v = String(probe.fillStyle);
  if (v.startsWith("#") && v.length === 7) return [parseInt(v.slice(1, 3), 16), parseInt(v.slice(3, 5), 16), parseInt(v.slice(5, 7), 16)];
  const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function mix(a: RGB, b: RGB, t: number): RGB {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}
