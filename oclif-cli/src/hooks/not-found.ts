/**
 * "Did you mean ...?" for scripts and agents. @oclif/plugin-not-found only offers its suggestion
 * as an interactive prompt (stdin a terminal); this hook prints it when there is no terminal.
 */
import type { Hook } from "@oclif/core";

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** The known command closest to what was typed, trying the id with each following word joined on. */
export function closestCommand(id: string, argv: readonly string[], commandIds: readonly string[]): string | null {
  const words = [...id.split(":"), ...argv.filter((a) => !a.startsWith("-"))];
  let best: { id: string; d: number } | null = null;
  for (let n = 1; n <= Math.min(words.length, 3); n++) {
    const typed = words.slice(0, n).join(":");
    for (const candidate of commandIds) {
      const d = distance(typed, candidate);
      if (!best || d < best.d) best = { id: candidate, d };
    }
  }
  return best && best.d <= Math.max(3, Math.floor(best.id.length / 3)) ? best.id : null;
}

const hook: Hook.CommandNotFound = async function (opts) {
  if (process.stdin.isTTY) return; // plugin-not-found asks interactively
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const suggestion = closestCommand(opts.id, opts.argv ?? [], ids);
  if (suggestion) process.stderr.write(`Did you mean \`${opts.config.bin} ${suggestion.replaceAll(":", " ")}\`? Run \`${opts.config.bin} --help\` for every command.\n`);
};

export default hook;
