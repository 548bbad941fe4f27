// Line alignment: where a column of the transpiled code is in the same line of the user's source
// (sucrase keeps lines but not columns).

/**
 * A line of the code against the same line of the source: null when they are the same text, else
 * the words (identifiers, keywords, numbers) both have in common, in order (a longest common
 * subsequence), as [code column, source column, length] triples. Sucrase's own source map is not
 * used: after a template literal that starts with `${` its columns are wrong for the rest of the file.
 */
export type LineMap = Int32Array | null;

const WORD = /[\w$\u0080-\uffff]+/g;

export function alignLine(code: string, source: string): LineMap {
  if (code === source) return null;
  // the same text at both ends (most of a line sucrase changed), words in common in between
  const [prefix, suffix] = commonEnds(code, source);
  const a = words(code, prefix, code.length - suffix), b = words(source, prefix, source.length - suffix);
  const n = a.length, m = b.length;
  const pairs: number[] = [];
  if (n * m <= 1 << 16) {
    // lengths of the longest common subsequences of a[i…] and b[j…]
    const w = m + 1;
    const L = new Uint16Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        L[i * w + j] = a[i].text === b[j].text ? L[(i + 1) * w + j + 1] + 1 : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
      }
    }
    for (let i = 0, j = 0; i < n && j < m;) {
      if (a[i].text === b[j].text) { pairs.push(i++, j++); continue; }
      if (L[(i + 1) * w + j] >= L[i * w + j + 1]) i++;
      else j++;
    }
  } else {
    // a very long line: each word of the code to the next same word of the source
    for (let i = 0, j = 0; i < n && j < m; i++) {
      let k = j;
      while (k < m && b[k].text !== a[i].text) k++;
      if (k < m) { pairs.push(i, k); j = k + 1; }
    }
  }
  const map: number[] = [];
  if (prefix) map.push(0, 0, prefix);
  for (let p = 0; p < pairs.length; p += 2) {
    const i = pairs[p], x = a[i], y = b[pairs[p + 1]];
    map.push(x.at, y.at, x.text.length);
    // a word sucrase added after this one and a dot (`cmp(…)` → `_x.cmp.call(void 0, …)`, where a
    // stack frame points): the user's word, through to the next common word (negative length)
    const added = a[i + 1];
    if (added && (p + 2 >= pairs.length || pairs[p + 2] !== i + 1) && added.at === x.at + x.text.length + 1 && code.charCodeAt(added.at - 1) === 46) {
      map.push(added.at, y.at, -added.text.length);
    }
  }
  if (suffix) map.push(code.length - suffix, source.length - suffix, suffix);
  return Int32Array.from(map);
}

/** The words of line[from, to), with their columns in the line. */
function words(line: string, from: number, to: number): { at: number; text: string }[] {
  const out: { at: number; text: string }[] = [];
  if (from >= to) return out;
  const part = line.slice(from, to);
  WORD.lastIndex = 0;
  for (let m = WORD.exec(part); m; m = WORD.exec(part)) out.push({ at: m.index + from, text: m[0] });
  return out;
}

/**
 * The source column of a 0-based code column: inside a common word, the same place in it; between
 * words, as far past the previous word as in the code, but not into the next word; before the first
 * common word (text sucrase inserted), that word's start; in a call sucrase rewrote, the callee.
 */
export function sourceColumn(map: LineMap, column: number, sourceLength: number): number {
  if (map === null) return column;
  let k = -1;
  for (let q = 0; q < map.length && map[q] <= column; q += 3) k = q;
  if (k < 0) return map.length ? map[1] : Math.min(column, sourceLength);
  if (map[k + 2] < 0) return map[k + 1];
  const from = map[k + 1] + (column - map[k]);
  if (column - map[k] < map[k + 2]) return from;
  let next = sourceLength;
  for (let q = k + 3; q < map.length; q += 3) if (map[q + 2] > 0) { next = map[q + 1]; break; }
  return Math.min(from, Math.max(next, map[k + 1] + map[k + 2]));
}

/** How many characters a and b share at their start, and then at their end (not overlapping). */
export function commonEnds(a: string, b: string): [prefix: number, suffix: number] {
  const shorter = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < shorter && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && a.charCodeAt(a.length - 1 - suffix) === b.charCodeAt(b.length - 1 - suffix)) suffix++;
  return [prefix, suffix];
}
