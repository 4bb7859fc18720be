import { createHash } from "node:crypto";
import { definePlugin, safeEqual, Type, type Authenticator, type Principal } from "@agentd/core";

/** A principal's id is derived from its token, so ownership survives restarts without storing tokens. */
export const principalIdFor = (token: string): string => `tok_${createHash("sha256").update(token).digest("hex").slice(0, 16)}`;

class BearerAuthenticator implements Authenticator {
  readonly name = "auth-bearer";
  constructor(
    private readonly tokens: readonly string[],
    private readonly adminTokens: readonly string[],
  ) {}

  required(): boolean {
    return this.tokens.length + this.adminTokens.length > 0;
  }

  authenticate(token: string): Principal | null {
    // Compare against every configured token in constant time; do not stop at the first match.
    let found: Principal | null = null;
    for (const t of this.adminTokens) if (safeEqual(token, t)) found ??= { id: principalIdFor(t), admin: true };
    for (const t of this.tokens) if (safeEqual(token, t)) found ??= { id: principalIdFor(t), admin: false };
    return found;
  }
}

/**
 * Bearer tokens. Each `--auth-token` is one principal that owns the sessions it creates;
 * `--admin-token` principals see everything. With no token configured the daemon is open
 * (local single-user mode) and says so in `daemon status`.
 */
export default definePlugin({
  name: "auth-bearer",
  version: "0.1.0",
  description: "Authorization: Bearer tokens; one principal per token, admin tokens see all",
  configSchema: Type.Object(
    {
      tokens: Type.Array(Type.String({ minLength: 8 }), { default: [] }),
      adminTokens: Type.Array(Type.String({ minLength: 8 }), { default: [] }),
    },
    { additionalProperties: false },
  ),
  options: [
    { flag: "--auth-token", env: ["AGENTD_AUTH_TOKEN", "AGENTD_AUTH_TOKENS"], key: "tokens", type: "string[]", description: "a bearer token clients must send; repeatable (env: one, or a comma-separated list)" },
    { flag: "--admin-token", env: ["AGENTD_ADMIN_TOKEN", "AGENTD_ADMIN_TOKENS"], key: "adminTokens", type: "string[]", description: "a bearer token that sees and acts on every session; repeatable" },
  ],
  apply(gateway, config) {
    gateway.useAuth(new BearerAuthenticator(config.tokens, config.adminTokens));
  },
});
