/** agentctl exit codes (documented in docs/cli.md; scripts rely on them). */
export const EXIT = {
  ok: 0,
  /** Anything else: a missing --field, a failed local check, an unexpected error. */
  error: 1,
  /** Bad usage: unknown flag, missing required flag, invalid flag value. */
  usage: 2,
  /** No HTTP answer from the daemon (not running, wrong --url, firewall). */
  unreachable: 3,
  /** The daemon answered with an error (4xx/5xx); its error code and message are printed. */
  http: 4,
  /** `run wait` / `tool session-wait` gave up before the run finished. */
  waitTimeout: 5,
} as const;

/** A wait that ended before the run reached a terminal status. */
export class WaitTimeoutError extends Error {
  override name = "WaitTimeoutError";
}

/** A local failure with a message that already says what to do. */
export class CommandFailedError extends Error {
  override name = "CommandFailedError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
  }
}
