/** `--field a.b.0.c` (or `a.b[0].c`): pick one value out of a JSON response. */
export class FieldNotFoundError extends Error {
  override name = "FieldNotFoundError";
  constructor(
    readonly path: string,
    readonly missingAt: string,
    readonly available: string[],
  ) {
    super(
      `field "${path}" is not in the response (nothing at "${missingAt}")` +
        (available.length ? `; fields there: ${available.slice(0, 20).join(", ")}` : "") +
        ". Run the command with --format json to see the whole response.",
    );
  }
}

export function parseFieldPath(path: string): string[] {
  const parts = path.replace(/\[(\d+)\]/g, ".$1").split(".").filter((p) => p !== "");
  if (parts.length === 0) throw new FieldNotFoundError(path, path, []);
  return parts;
}

/** The value at `path`, or a FieldNotFoundError naming the first missing step. */
export function getField(data: unknown, path: string): unknown {
  let current: unknown = data;
  const parts = parseFieldPath(path);
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i];
    const here = parts.slice(0, i + 1).join(".");
    if (Array.isArray(current)) {
      const index = Number(key);
      if (!/^\d+$/.test(key) || index >= current.length) throw new FieldNotFoundError(path, here, current.length ? [`0..${current.length - 1}`] : []);
      current = current[index];
    } else if (current !== null && typeof current === "object" && Object.hasOwn(current, key)) {
      current = (current as Record<string, unknown>)[key];
    } else {
      const available = current !== null && typeof current === "object" ? Object.keys(current) : [];
      throw new FieldNotFoundError(path, here, available);
    }
  }
  return current;
}

/** Raw text for strings and numbers (and booleans, null), compact JSON for objects and arrays. */
export function formatFieldValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  return JSON.stringify(value);
}
