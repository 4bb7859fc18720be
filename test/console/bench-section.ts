// The "Web console" section of docs/benchmarks.md, written by the console's performance test
// (`npm run console:bench`); `npm run bench` keeps it (bench/run.ts keepWebConsoleSection).
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { ROOT } from "../support/daemon.ts";

export const SECTION = "## Web console";
const FILE = join(ROOT, "docs", "benchmarks.md");

const ROWS: [key: string, label: string, unit: string, target: string][] = [
  ["first_load_ms", "First load (navigation to the sessions page rendered, signed in, worst of 3)", "ms", "< 1000 ms"],
  ["js_gzip_bytes", "Shipped JS, gzipped (Preact, the app, the client SDK: one file)", "bytes", "< 150 KiB"],
  ["js_bytes", "Shipped JS, minified, uncompressed", "bytes", ""],
  ["css_gzip_bytes", "Stylesheet, gzipped", "bytes", ""],
  ["assets_ms", "Daemon: first request to the assets (read dist/ or build)", "ms", ""],
  ["replay_10k_ms", "Open a session of 10,001 events until all are in the timeline", "ms", ""],
  ["scroll_step_max_ms", "Scroll the 10k timeline end to end in 60 jumps: slowest jump to paint (2 frames)", "ms", ""],
  ["scroll_max_frame_gap_ms", "Longest frame gap while scrolling", "ms", "< 250 ms"],
  ["live_2k_ms", "2,000 live events appended (100 transactions) until all shown", "ms", ""],
  ["live_max_frame_gap_ms", "Longest frame gap while they arrive", "ms", "< 250 ms"],
  ["page_1000_sessions_ms", "Session list: scroll through 1,000+ sessions (pages of 200) until all are loaded", "ms", ""],
];

export function renderSection(figures: Record<string, number>, commit: string): string {
  const lines = [
    SECTION,
    "",
    "Written by `npm run console:bench` (test/console/performance.test.ts in Debian's chromium,",
    "headless, 1280x800, daemon on loopback), not by `npm run bench`, which keeps this section.",
    `Date: ${new Date().toISOString()}; commit ${commit}; ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}.`,
    "",
    "| figure | value | target |",
    "| --- | --- | --- |",
    ...ROWS.filter(([k]) => figures[k] !== undefined).map(([k, label, unit, target]) => `| ${label} | ${figures[k].toLocaleString("en-US")} ${unit} | ${target} |`),
    "",
    "The timeline is a windowed list (only the rows in view are in the DOM, under 100 of 10,001) and",
    "events are handed to it once per animation frame, so a replay of 10,000 events renders a few",
    "times, not 10,000 times. See docs/console.md.",
    "",
  ];
  return lines.join("\n");
}

/** Replace (or append) the section; it is always the file's last one. */
export function writeSection(section: string): void {
  const old = readFileSync(FILE, "utf8");
  const at = old.indexOf(`\n${SECTION}\n`);
  const head = at === -1 ? old.replace(/\n*$/, "\n") : old.slice(0, at + 1);
  writeFileSync(FILE, `${head}\n${section}`);
}
