// A real small filesystem (tmpfs) so "disk full" is the kernel's ENOSPC, not a simulation.
import { execFileSync } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Mount a tmpfs of `size` on `dir`; false without the rights to (not root). */
export function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Write a filler file in 16 KiB chunks until ENOSPC; returns its path (remove it to free the space). */
export function fillDisk(dir: string): string {
  const filler = join(dir, "filler.bin");
  const fd = openSync(filler, "w");
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
  return filler;
}
