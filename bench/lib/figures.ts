import { median } from "./stats.ts";

/** One reported figure: a value measured several times, its baseline, and its target if any. */
export interface Figure {
  id: string;
  group: string;
  title: string;
  unit: string;
  /** One value per repetition. */
  samples: number[];
  baseline?: { label: string; samples: number[] };
  /** `met` is computed by the scenario from the medians. */
  target?: { text: string; met: boolean };
  /** What exactly is measured, and anything a reader needs to interpret it. */
  note?: string;
}

export interface FigureSummary extends Figure {
  median: number;
  min: number;
  max: number;
  baselineMedian: number | null;
  /** median / baseline median. */
  ratio: number | null;
}

export function summarizeFigure(f: Figure): FigureSummary {
  const m = median(f.samples);
  const b = f.baseline ? median(f.baseline.samples) : null;
  return {
    ...f,
    median: m,
    min: Math.min(...f.samples),
    max: Math.max(...f.samples),
    baselineMedian: b,
    ratio: b !== null && b !== 0 ? m / b : null,
  };
}

/** Collects figures as scenarios finish, so a failing scenario still leaves the others' results. */
export class Results {
  readonly figures: Figure[] = [];
  readonly failures: Array<{ scenario: string; error: string }> = [];
  readonly timings: Record<string, number> = {};

  add(...figures: Figure[]): void {
    this.figures.push(...figures);
  }
}
