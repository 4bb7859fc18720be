/**
 * An unknown command: one message on stderr with the closest command, exit 127, the same on a
 * terminal and in scripts (@oclif/plugin-not-found printed three lines, one of them a prompt).
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

/** The one line agentctl prints for an unknown command. */
export function notFoundMessage(bin: string, typed: string, suggestion: string | null): string {
  const hint = suggestion ? ` Did you mean \`${bin} ${suggestion.replaceAll(":", " ")}\`?` : "";
  return `error: "${typed}" is not an ${bin} command.${hint} Run \`${bin} --help\` for every command.\n`;
}

const hook: Hook.CommandNotFound = async function (opts) {
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const suggestion = closestCommand(opts.id, opts.argv ?? [], ids);
  process.stderr.write(notFoundMessage(opts.config.bin, opts.id.replaceAll(":", " "), suggestion));
  this.exit(127);
};

export default hook;
