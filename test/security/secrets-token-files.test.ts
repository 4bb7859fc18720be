// #13.1: tokens from files (--auth-token-file / --admin-token-file, or the config file's
// pluginConfig["auth-bearer"].tokenFiles / adminTokenFiles) instead of argv or env.
import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { api, cleanup, startDaemon, startFailure, tempDir } from "../support/daemon.ts";
import { uniqueToken } from "./secrets-probe.ts";

describe("secrets: token files", { timeout: 120_000 }, () => {
  const dir = tempDir("agentd-token-files-");
  after(() => cleanup(dir));

  it("a token file readable by group or others is refused, naming chmod 600", async () => {
    const file = join(dir, "open-tokens");
    writeFileSync(file, `${uniqueToken("t")}\n`);
    chmodSync(file, 0o644);
    const { code, stderr } = await startFailure(["--auth-token-file", file]);
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`token file ${file} \\(--auth-token-file\\) is accessible by group or others \\(mode 644\\): run chmod 600 ${file}`));
  });

  it("a token file with no token, or missing, is refused (it would leave the daemon open)", async () => {
    const empty = join(dir, "empty");
    writeFileSync(empty, "# nothing yet\n\n", { mode: 0o600 });
    assert.match((await startFailure(["--admin-token-file", empty])).stderr, /token file .*empty \(--admin-token-file\) holds no token/);
    assert.match((await startFailure(["--auth-token-file", join(dir, "missing")])).stderr, /cannot read token file .*missing \(--auth-token-file\): ENOENT/);
  });

  it("tokens from the config file's token files work; comments and blank lines are skipped; repeated flags add files", async () => {
    const [a, b, admin] = [uniqueToken("a"), uniqueToken("b"), uniqueToken("admin")];
    writeFileSync(join(dir, "users-1"), `# team A\n${a}\n\n`, { mode: 0o600 });
    writeFileSync(join(dir, "users-2"), `  ${b}  \n`, { mode: 0o600 });
    writeFileSync(join(dir, "admins"), `${admin}\n# rotated 2026-12\n`, { mode: 0o600 });
    const config = join(dir, "agentd.json");
    writeFileSync(config, JSON.stringify({ pluginConfig: { "auth-bearer": { adminTokenFiles: [join(dir, "admins")] } } }));
    const d = await startDaemon({ args: ["--config", config, "--auth-token-file", join(dir, "users-1"), "--auth-token-file", join(dir, "users-2")] });
    try {
      const created = await api(d.url, a).post("/sessions", {});
      assert.equal(created.status, 201);
      assert.equal((await api(d.url, b).get(`/sessions/${created.body.session.id}`)).status, 404, "b is another principal");
      assert.equal((await api(d.url, admin).get(`/sessions/${created.body.session.id}`)).status, 200, "the admin sees every session");
      assert.equal((await api(d.url, "# team A").get("/sessions")).status, 401, "a comment is not a token");
    } finally {
      await d.stop();
      cleanup(d.dataDir);
    }
  });
});
