import { open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";

/** Write a file so that a crash leaves either the old or the new content: temp, fsync, rename, dir fsync. */
export async function writeFileAtomic(path: string, data: Uint8Array, beforeRename?: () => Promise<void> | void): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, "w");
  try {
    await fh.write(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await removeIfExists(tmp); // do not leave a partial snapshot eating the space that ran out
    throw err;
  }
  await fh.close();
  await beforeRename?.();
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

export async function fsyncDir(dir: string): Promise<void> {
  const dh = await open(dir, "r");
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

export async function removeIfExists(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
  });
}
