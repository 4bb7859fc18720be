/**
 * Seeded randomness for tests whose choices (delays, sizes, kill moments) are random: print the
 * seed, replay a failure with it. mulberry32: small, fast, good enough for test choices.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from `envName` (to replay a run) or a fresh one; `describe` says how to replay it. */
export function testSeed(envName: string): { seed: number; describe: string } {
  const given = process.env[envName];
  if (given !== undefined && !/^\d+$/.test(given)) throw new Error(`${envName} must be a non-negative integer, got "${given}"`);
  const seed = given !== undefined ? Number(given) : (Date.now() ^ (process.pid << 16)) >>> 0;
  return { seed, describe: `seed ${seed} (replay with ${envName}=${seed})` };
}

/** Independent generators per consumer: concurrent consumers do not shift each other's sequence. */
export function streams(seed: number, count: number): Array<() => number> {
  return Array.from({ length: count }, (_, i) => mulberry32((seed + Math.imul(i + 1, 0x9e3779b1)) >>> 0));
}
