import { definePlugin, isLoopbackHost, safeEqual, Type, type Authenticator, type Gateway, type PluginOption, type Principal } from "@agentd/core";
import { whereExposed } from "./exposure.ts";
import { loadPrincipalKey, migrateLegacyIds, principalIdFor } from "./principal-ids.ts";
import { readTokenFile } from "./token-files.ts";
import { STRONG_TOKEN_HINT, weakness } from "./token-strength.ts";

export { legacyPrincipalIdFor, principalIdFor } from "./principal-ids.ts";

class BearerAuthenticator implements Authenticator {
  readonly name = "auth-bearer";
  private ids = new Map<string, string>();
  constructor(
    private readonly tokens: readonly string[],
    private readonly adminTokens: readonly string[],
  ) {}

  /** Ids need the install key, which is in storage: set before the daemon serves requests. */
  useKey(key: Buffer): void {
    this.ids = new Map([...this.tokens, ...this.adminTokens].map((t) => [t, principalIdFor(key, t)]));
  }

  required(): boolean {
    return this.tokens.length + this.adminTokens.length > 0;
  }

  authenticate(token: string): Principal | null {
    // Compare against every configured token in constant time; do not stop at the first match.
    let found: Principal | null = null;
    for (const t of this.adminTokens) if (safeEqual(token, t)) found ??= { id: this.idOf(t), admin: true };
    for (const t of this.tokens) if (safeEqual(token, t)) found ??= { id: this.idOf(t), admin: false };
    return found;
  }

  private idOf(token: string): string {
    const id = this.ids.get(token);
    if (!id) throw new Error("auth-bearer: a request arrived before storage was ready (no principal key yet)");
    return id;
  }
}

/**
 * Refuse a token any agent could read back (in this process's /proc command line or exec-time
 * environment), and a weak token on a daemon reachable beyond this machine; warn on loopback.
 */
function checkTokens(gateway: Gateway, tokens: readonly string[], option: PluginOption): void {
  const flag = option.flag;
  const where = tokens.map((t) => whereExposed(t, option.env ?? [])).find(Boolean);
  if (where) {
    throw new Error(
      `a token (${flag}) is readable by every process of this user, the agents this daemon runs included, in ${where}: ` +
        `start agentd with bin/agentd, which hands flags and environment to the daemon privately, or put the tokens in a file (${flag}-file, chmod 600)`,
    );
  }
  const weak = tokens.map(weakness).find(Boolean);
  if (!weak) return;
  const host = gateway.config.host;
  if (!isLoopbackHost(host)) {
    throw new Error(`a token (${flag}) is weak (${weak}) and the daemon listens on ${host}, beyond this machine, where it can be guessed: use a token of at least 16 random characters: ${STRONG_TOKEN_HINT}`);
  }
  gateway.log.warn("a bearer token is weak; acceptable on loopback only: any local process or a leaked principal id makes it easy to guess, and agentd refuses it on a non-loopback --host", {
    flag,
    weakness: weak,
    fix: STRONG_TOKEN_HINT.replace(/`/g, ""),
  });
}

const OPTIONS = [
  { flag: "--auth-token", env: ["AGENTD_AUTH_TOKEN", "AGENTD_AUTH_TOKENS"], key: "tokens", type: "string[]", secret: true, description: "a bearer token clients must send; repeatable (env: one, or a comma-separated list)" },
  { flag: "--admin-token", env: ["AGENTD_ADMIN_TOKEN", "AGENTD_ADMIN_TOKENS"], key: "adminTokens", type: "string[]", secret: true, description: "a bearer token that sees and acts on every session; repeatable" },
  { flag: "--auth-token-file", env: ["AGENTD_AUTH_TOKEN_FILE"], key: "tokenFiles", type: "string[]", description: "a file of user tokens, one per line (# comments), mode 600; repeatable" },
  { flag: "--admin-token-file", env: ["AGENTD_ADMIN_TOKEN_FILE"], key: "adminTokenFiles", type: "string[]", description: "a file of admin tokens, one per line (# comments), mode 600; repeatable" },
] as const satisfies readonly PluginOption[];
const [TOKENS, ADMIN_TOKENS] = OPTIONS;

/**
 * Bearer tokens. Each user token is one principal that owns the sessions it creates; admin
 * tokens see everything. Tokens come from flags, env, token files or the config file. With no
 * token configured the daemon is open (local single-user mode) and says so in `daemon status`.
 */
export default definePlugin({
  name: "auth-bearer",
  version: "0.2.0",
  description: "Authorization: Bearer tokens; one principal per token, admin tokens see all",
  configSchema: Type.Object(
    {
      tokens: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
      adminTokens: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
      tokenFiles: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
      adminTokenFiles: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    },
    { additionalProperties: false },
  ),
  options: OPTIONS,
  apply(gateway, config) {
    const tokens = [...config.tokens, ...config.tokenFiles.flatMap((f) => readTokenFile(f, "--auth-token-file"))];
    const adminTokens = [...config.adminTokens, ...config.adminTokenFiles.flatMap((f) => readTokenFile(f, "--admin-token-file"))];
    checkTokens(gateway, tokens, TOKENS);
    checkTokens(gateway, adminTokens, ADMIN_TOKENS);
    const authenticator = new BearerAuthenticator(tokens, adminTokens);
    gateway.useAuth(authenticator);
    gateway.hooks.storageReady.tapPromise("auth-bearer", async () => {
      const key = await loadPrincipalKey(gateway.storage);
      authenticator.useKey(key);
      const migrated = await migrateLegacyIds(gateway.storage, key, [...tokens, ...adminTokens]);
      if (migrated) gateway.log.info("rewrote stored principal ids to the keyed scheme", { rows: migrated });
    });
  },
});
