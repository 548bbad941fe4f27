// matplotlib colormaps by name (samples in colormaps.data.ts); "<name>_r" is the map reversed.
import { COLORMAPS } from "./colormaps.data";

export type Rgb = [number, number, number];

const parsed = new Map<string, Rgb[]>();

function samples(name: string): Rgb[] {
  let s = parsed.get(name);
  if (!s) {
    const reversed = name.endsWith("_r") && !(name in COLORMAPS);
    const hex = COLORMAPS[reversed ? name.slice(0, -2) : name] ?? COLORMAPS.viridis;
    s = [];
    for (let i = 0; i < hex.length; i += 6) s.push([0, 2, 4].map((k) => parseInt(hex.slice(i + k, i + k + 2), 16)) as Rgb);
    if (reversed) s.reverse();
    parsed.set(name, s);
  }
  return s;
}

/** The colour at t in [0, 1] (clamped) of the named map. */
export function colormapRgb(name: string, t: number): Rgb {
  const s = samples(name);
  const x = Math.min(1, Math.max(0, t)) * (s.length - 1);
  const i = Math.min(s.length - 2, Math.floor(x)), f = x - i;
  return [0, 1, 2].map((k) => Math.round(s[i][k] + (s[i + 1][k] - s[i][k]) * f)) as Rgb;
}

export const rgbCss = ([r, g, b]: Rgb) => `rgb(${r},${g},${b})`;
