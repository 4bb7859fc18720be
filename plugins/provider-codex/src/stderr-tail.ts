/**
 * The end of codex's stderr, for run errors. Rust backtrace frames and codex's routine notices are
 * dropped so the error shows the line that explains the failure.
 */
const NOISE = [/^\s*\d+: <unknown>\s*$/, /^Stack backtrace:\s*$/, /^Reading additional input from stdin/, /could not create PATH aliases/];

export class StderrTail {
  private text = "";

  constructor(private readonly keepBytes = 16 * 1024) {}

  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.keepBytes * 2) this.text = this.text.slice(-this.keepBytes);
  }

  /** The last meaningful lines, at most `maxChars` long; "" when codex said nothing useful. */
  summary(maxLines = 8, maxChars = 1500): string {
    const lines = this.text
      .split("\n")
      .map((l) => l.trimEnd())
      .filter((l) => l && !NOISE.some((re) => re.test(l)));
    const out = lines.slice(-maxLines).join(" | ");
    return out.length > maxChars ? `...${out.slice(-maxChars)}` : out;
  }
}
