import type { Principal, Run, Session } from "../types.ts";

/** What a tool call can see: the run it belongs to and a principal that acts for that run. */
export interface ToolContext {
  run: Run;
  session: Session;
  principal: Principal;
  signal: AbortSignal;
}

/**
 * A tool the embedded runtime's model may call. Plugins register tools on `gateway.tools`;
 * `parameters` is a JSON Schema object for the arguments.
 */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly parameters: Record<string, unknown>;
  execute(args: Record<string, unknown>, ctx: ToolContext): Promise<unknown>;
}
