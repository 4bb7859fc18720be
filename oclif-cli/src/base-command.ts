/**
 * The base of every agentctl command, plugin commands included (import it from `@agentd/cli/base`).
 * It gives the global flags (--url, --auth-token, --format, --field), a client for the daemon,
 * one output path (pretty / json / field) and one error path with documented exit codes.
 */
import { Command, Flags, type Interfaces } from "@oclif/core";
import { AgentdApiError, AgentdClient, DEFAULT_URL, DaemonUnreachableError, StreamError } from "@agentd/core/client";
import { CommandFailedError, EXIT, WaitTimeoutError } from "./exit-codes.ts";
import { FieldNotFoundError, formatFieldValue, getField } from "./output/field.ts";
import { paint } from "./output/style.ts";

export { Args, Flags } from "@oclif/core";
export { EXIT, CommandFailedError, WaitTimeoutError } from "./exit-codes.ts";
export * as style from "./output/style.ts";

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)["baseFlags"] & T["flags"]>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T["args"]>;

/** AGENTCTL_URL, then AGENTD_URL (set inside runs), then the default local daemon. */
export function defaultUrl(): string {
  return process.env.AGENTCTL_URL || process.env.AGENTD_URL || DEFAULT_URL;
}

/** Scripts get JSON (`SPAWN=$(agentctl tool session-spawn ...)`), people at a terminal the pretty view. */
export function defaultFormat(): "pretty" | "json" {
  return process.stdout.isTTY ? "pretty" : "json";
}

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    url: Flags.string({
      summary: `Daemon URL (env AGENTCTL_URL, then AGENTD_URL; default ${DEFAULT_URL}).`,
      helpGroup: "GLOBAL",
      default: async () => defaultUrl(),
      noCacheDefault: true,
    }),
    "auth-token": Flags.string({ summary: "Bearer token for the daemon.", env: "AGENTCTL_AUTH_TOKEN", helpGroup: "GLOBAL" }),
    format: Flags.option({
      options: ["pretty", "json"] as const,
      summary: "Output format: pretty on a terminal, else json (one compact JSON document on stdout).",
      default: async () => defaultFormat(),
      noCacheDefault: true,
      helpGroup: "GLOBAL",
    })(),
    field: Flags.string({ summary: "Print only this field of the JSON response (dotted path, e.g. run.status or events.0.seq).", helpGroup: "GLOBAL" }),
  };

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;
  private clientInstance: AgentdClient | null = null;

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
    if (!isHttpUrl(this.flags.url)) this.fail(`--url "${this.flags.url}" is not an http(s) URL, e.g. ${DEFAULT_URL} (from --url, AGENTCTL_URL or AGENTD_URL)`, EXIT.usage);
  }

  /** The REST client for --url / --auth-token (the same SDK web clients use). */
  protected get client(): AgentdClient {
    this.clientInstance ??= new AgentdClient({ baseUrl: this.flags.url, token: this.flags["auth-token"] });
    return this.clientInstance;
  }

  /** Print a response: `--field` value, compact JSON, or the command's pretty view. */
  protected output(data: unknown, pretty: (data: never) => string): void {
    process.stdout.write(`${this.render(data, pretty)}\n`);
  }

  protected render(data: unknown, pretty: (data: never) => string): string {
    if (this.flags.field) return formatFieldValue(getField(data, this.flags.field));
    if (this.flags.format === "json") return JSON.stringify(data);
    return pretty(data as never);
  }

  /** Fail with a message and an exit code from EXIT. */
  protected fail(message: string, exitCode: number = EXIT.error): never {
    throw new CommandFailedError(message, exitCode);
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    const mapped = describeError(err, this.flags?.url ?? defaultUrl());
    if (!mapped) {
      // Every flag/argument parse error (oclif's CLIParseError carries `parse`) is a usage error.
      const parseError = err as Error & { parse?: unknown; oclif?: { exit?: number } };
      if (parseError.parse !== undefined) parseError.oclif = { ...parseError.oclif, exit: EXIT.usage };
      return super.catch(err);
    }
    process.stderr.write(`${paint("error", "red", Boolean(process.stderr.isTTY))}: ${mapped.message}\n`);
    return this.exit(mapped.exitCode);
  }
}

/** Known errors → message and exit code; null for oclif's own errors (usage) and bugs. */
export function describeError(err: unknown, url: string): { message: string; exitCode: number } | null {
  if (err instanceof DaemonUnreachableError) {
    return {
      exitCode: EXIT.unreachable,
      message:
        `${err.message}.\n` +
        `Is the daemon running? Start it with \`npm start\` in the agentd repo (or \`bin/agentd --port ${portOf(url)}\`), ` +
        `or point agentctl at the right daemon with --url or AGENTCTL_URL.`,
    };
  }
  if (err instanceof AgentdApiError) {
    const hint = err.status === 401 ? "\nPass a token with --auth-token or AGENTCTL_AUTH_TOKEN (one of the daemon's --auth-token values)." : "";
    const details = err.details === undefined ? "" : `\ndetails: ${JSON.stringify(err.details)}`;
    return { exitCode: EXIT.http, message: `${err.code} (HTTP ${err.status}): ${err.message}${details}${hint}` };
  }
  if (err instanceof StreamError) {
    return { exitCode: err.status === null ? EXIT.unreachable : EXIT.http, message: `${err.code ? `${err.code} ` : ""}${err.status ? `(HTTP ${err.status}) ` : ""}${err.message}` };
  }
  if (err instanceof FieldNotFoundError) return { exitCode: EXIT.error, message: err.message };
  if (err instanceof WaitTimeoutError) return { exitCode: EXIT.waitTimeout, message: err.message };
  if (err instanceof CommandFailedError) return { exitCode: err.exitCode, message: err.message };
  return null;
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

function portOf(url: string): string {
  try {
    return new URL(url).port || "8765";
  } catch {
    return "8765";
  }
}
