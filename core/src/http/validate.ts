import type { Static, TSchema } from "@sinclair/typebox";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { validation } from "../errors.ts";

// ajv-formats is CommonJS; under NodeNext its default export sits on `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

// verbose: errors carry their schema, so a pattern error can say what the pattern means (its description).
const bodyAjv = addFormats(new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true }));
// Query strings are text: coerce "10" to 10 for number fields.
const queryAjv = addFormats(new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false, verbose: true }));

// Compile once per schema object (ajv caches by identity; compiling per request leaks).
const bodyCompiled = new WeakMap<object, ValidateFunction>();
const queryCompiled = new WeakMap<object, ValidateFunction>();

export interface ValidationIssue {
  path: string;
  keyword: string;
  message: string;
  additionalProperty?: string;
  allowed?: unknown;
}

export function toIssues(errors: readonly ErrorObject[] | null | undefined): ValidationIssue[] {
  return (errors ?? []).map((e) => {
    const issue: ValidationIssue = { path: e.instancePath || "/", keyword: e.keyword, message: e.message ?? "is invalid" };
    const params = e.params as Record<string, unknown>;
    if (e.keyword === "additionalProperties") {
      issue.additionalProperty = String(params.additionalProperty);
      issue.message = `unknown field "${issue.additionalProperty}"`;
    }
    if (e.keyword === "enum") issue.allowed = params.allowedValues;
    const description = (e.parentSchema as { description?: unknown } | undefined)?.description;
    if (e.keyword === "pattern" && typeof description === "string") issue.message = `must be ${description}`;
    if (e.keyword === "required") issue.message = `missing required field "${String(params.missingProperty)}"`;
    return issue;
  });
}

function check<S extends TSchema>(ajv: Ajv, compiled: WeakMap<object, ValidateFunction>, schema: S, value: unknown, what: string): Static<S> {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  if (!fn(value)) {
    const issues = toIssues(fn.errors);
    const first = issues[0];
    throw validation(`invalid ${what}: ${first ? `${first.path === "/" ? "" : `${first.path} `}${first.message}` : "does not match the schema"}`, issues);
  }
  return value as Static<S>;
}

export const validateBody = <S extends TSchema>(schema: S, value: unknown): Static<S> => check(bodyAjv, bodyCompiled, schema, value, "request body");
export const validateQuery = <S extends TSchema>(schema: S, value: unknown): Static<S> =>
  check(queryAjv, queryCompiled, schema, { ...(value as object) }, "query");
