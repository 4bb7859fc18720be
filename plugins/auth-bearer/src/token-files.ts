import { readFileSync, statSync } from "node:fs";

/**
 * Tokens from a file: one per line; blank lines and `#` comments are ignored. The file must be
 * private to its owner (chmod 600): a token readable by other users is as good as published.
 */
export function readTokenFile(path: string, flag: string): string[] {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read token file ${path} (${flag}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (mode & 0o077) {
    throw new Error(`token file ${path} (${flag}) is accessible by group or others (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${path}`);
  }
  const tokens = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (tokens.length === 0) throw new Error(`token file ${path} (${flag}) holds no token: put one token per line (openssl rand -base64 32)`);
  return tokens;
}
