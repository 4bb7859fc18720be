import { validation } from "../errors.ts";

/** Containers (objects, arrays) a request body may nest. Real bodies use 3 or 4. */
export const MAX_JSON_DEPTH = 64;

interface Pending {
  value: unknown;
  depth: number;
  parent: Pending | null;
  key: string;
}

const wellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** JSON pointer of a value, built only when an error names it. */
function pointer(item: Pending): string {
  const parts: string[] = [];
  for (let p: Pending | null = item; p?.parent; p = p.parent) parts.push(p.key.replace(/~/g, "~0").replace(/\//g, "~1"));
  return parts.length ? `/${parts.reverse().join("/")}` : "/";
}

/**
 * Refuses a parsed body that nests deeper than MAX_JSON_DEPTH (deep values made schema checks
 * recurse until the stack overflowed: a 500) or holds a string or key that is not well-formed
 * UTF-16 (a lone surrogate such as "\ud800": stored, it would come back as U+FFFD). Iterative, so
 * the check itself cannot overflow.
 */
export function checkJsonShape(root: unknown): void {
  const stack: Pending[] = [{ value: root, depth: 0, parent: null, key: "" }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const value = item.value;
    if (typeof value === "string") {
      if (!wellFormed(value)) throw malformedText(pointer(item));
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (item.depth >= MAX_JSON_DEPTH) {
      const path = pointer(item);
      throw validation(`invalid request body: nested deeper than ${MAX_JSON_DEPTH} levels at ${path}; flatten the structure`, [
        { path, keyword: "maxDepth", message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` },
      ]);
    }
    const depth = item.depth + 1;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], depth, parent: item, key: String(i) });
    } else {
      for (const key of Object.keys(value)) {
        if (!wellFormed(key)) throw malformedText(`${pointer(item)} (a key)`);
        stack.push({ value: (value as Record<string, unknown>)[key], depth, parent: item, key });
      }
    }
  }
}

function malformedText(path: string) {
  return validation(`invalid request body: ${path} is not well-formed Unicode (a lone UTF-16 surrogate such as \\ud800); send valid text`, [
    { path, keyword: "wellFormed", message: "must be well-formed Unicode text (no lone surrogates)" },
  ]);
}
