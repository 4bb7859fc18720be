/** Small statistics helpers: medians and spreads of repetitions, percentiles of latency samples. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export function summarize(samples: readonly number[]): { p50: number; p99: number; max: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? Number.NaN, n: s.length };
}

/**
 * A latency histogram for millions of samples: 1 µs buckets below 10 ms, then 0.1 ms buckets
 * up to 10 s. Mergeable across clients (plain arrays, so it crosses process boundaries as JSON).
 */
export class Histogram {
  static readonly FINE = 10_000; // 0..10 ms in 1 µs
  static readonly COARSE = 100_000; // 10 ms..10 s in 0.1 ms
  readonly counts: number[];
  count = 0;
  max = 0;

  constructor(counts?: number[]) {
    this.counts = counts ?? new Array<number>(Histogram.FINE + Histogram.COARSE).fill(0);
    if (counts) this.count = counts.reduce((a, b) => a + b, 0);
  }

  record(ms: number): void {
    const v = Math.max(0, ms);
    const i = v < 10 ? Math.floor(v * 1000) : Math.min(Histogram.FINE + Math.floor((v - 10) * 10), this.counts.length - 1);
    this.counts[i]++;
    this.count++;
    if (v > this.max) this.max = v;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < other.counts.length; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
  }

  /** Upper edge of the bucket holding the p-th percentile (conservative). */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const target = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= target) return i < Histogram.FINE ? (i + 1) / 1000 : 10 + (i - Histogram.FINE + 1) / 10;
    }
    return this.max;
  }

  /** Sparse form for JSON: [index, count] pairs. */
  toSparse(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    this.counts.forEach((c, i) => c && out.push([i, c]));
    return out;
  }

  static fromSparse(pairs: Array<[number, number]>, max: number): Histogram {
    const h = new Histogram();
    for (const [i, c] of pairs) h.counts[i] += c;
    h.count = pairs.reduce((a, [, c]) => a + c, 0);
    h.max = max;
    return h;
  }
}
