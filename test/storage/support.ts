// Helpers for the storage tests: a real small filesystem (tmpfs) so "disk full" is the kernel's
// ENOSPC, not a simulation (the technique of test/reliability/disk-faults.test.ts).
import assert from "node:assert/strict";
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { mountTmpfs } from "../support/disk.ts";

export { mountTmpfs };

/** Without root there is no tmpfs: fail in CI (it runs as root), skip with the reason elsewhere. */
export function requireTmpfs(mounted: boolean, t: { skip(msg: string): void }): boolean {
  if (mounted) return true;
  if (process.env.CI) assert.fail("CI must be able to mount a tmpfs (runs as root)");
  t.skip("cannot mount a tmpfs here (needs root)");
  return false;
}

/** Fill the filesystem holding `dir` until not one more byte fits; returns a function that frees the space. */
export function fillDisk(dir: string): () => void {
  const filler = join(dir, "filler.bin");
  const fd = openSync(filler, "w");
  try {
    for (const size of [64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
  return () => rmSync(filler, { force: true });
}
