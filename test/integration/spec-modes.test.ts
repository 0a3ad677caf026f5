/**
 * vpc-router's spec sources (`-m http|configfile|fixedconf`) against the real test world, after
 * vpc-router's test_watcher.py: a spec posted over HTTP or written to a watched file reaches every
 * replica and the route tables; a malformed file is ignored and the last good spec stays. Beyond
 * vpc-router: rename-and-replace and ConfigMap symlink swaps are picked up, a vanished file is
 * waited for, and only the leader writes (etcd and EC2) while all replicas probe the same routers.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ReplicaProcess } from "../support/replica-process.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

type Spec = Record<string, string[]>;

const A = "10.55.16.0/24";
const C = "10.66.17.0/24";
const D = "10.77.0.0/16";
const E = "10.88.0.0/16";
const F = "10.99.1.0/24";

interface SpecStatus {
  revision: string | null;
  routes: Spec | null;
  error: { revision: string; message: string } | null;
}

async function specStatus(replica: ReplicaProcess): Promise<SpecStatus | undefined> {
  return (await replica.status())?.spec as SpecStatus | undefined;
}

/** A Kubernetes-style projected ConfigMap: `spec.json` → `..data/spec.json`, `..data` → `..<version>`. */
class ConfigMapDir {
  private version = 0;
  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, "spec.json");
  }

  static async create(dir: string, text: string): Promise<ConfigMapDir> {
    await mkdir(dir, { recursive: true });
    const configMap = new ConfigMapDir(dir);
    await configMap.swap(text);
    await symlink(join("..data", "spec.json"), configMap.path);
    return configMap;
  }

  /** What the kubelet does on an update: new directory, then an atomic rename of the `..data` link. */
  async swap(text: string): Promise<void> {
    this.version++;
    const versionDir = `..v${this.version}`;
    await mkdir(join(this.dir, versionDir));
    await writeFile(join(this.dir, versionDir, "spec.json"), text);
    await symlink(versionDir, join(this.dir, "..data_tmp"));
    await rename(join(this.dir, "..data_tmp"), join(this.dir, "..data"));
    if (this.version > 1) await rm(join(this.dir, `..v${this.version - 1}`), { recursive: true });
  }
}

describe("spec modes", () => {
  let world: TestWorld;
  let r1: string;
  let r2: string;
  let r3: string;
  let files: string;

  before(async () => {
    world = await TestWorld.create({ tag: "cfg", subnet: 216, etcdMembers: 1, routers: 3, routeTables: 2 });
    [r1, r2, r3] = world.routers.routerIps as [string, string, string];
    files = await mkdtemp(join(tmpdir(), "vpcrouter-cfg-"));
  });

  after(async () => {
    await world?.destroy();
    if (files) await rm(files, { recursive: true, force: true });
  });

  async function etcdSpec(): Promise<Spec | undefined> {
    const raw = await world.etcdGet(`${world.prefix}/spec`);
    return raw === undefined ? undefined : (JSON.parse(raw) as Spec);
  }

  /** Waits until the spec key, every given replica's spec in force and the route tables show `spec`. */
  async function converged(spec: Spec, replicas: readonly ReplicaProcess[], what: string): Promise<void> {
    await waitFor(async () => JSON.stringify(await etcdSpec()) === JSON.stringify(spec), {
      timeoutMs: 15_000,
      message: () => `${what}: spec key is not ${JSON.stringify(spec)}\n${world.tails()}`,
    });
    for (const replica of replicas) {
      await waitFor(
        async () => JSON.stringify((await specStatus(replica))?.routes) === JSON.stringify(spec),
        {
          timeoutMs: 10_000,
          message: () => `${what}: ${replica.id} does not have the spec in force\n${replica.tail()}`,
        },
      );
    }
    await waitFor(
      () => Object.entries(spec).every(([cidr, hosts]) => hosts.some((ip) => world.allTablesRoute(cidr, ip))),
      { timeoutMs: 20_000, message: () => `${what}: routes do not follow the spec\n${world.tails()}` },
    );
  }

  async function leaderOf(replicas: readonly ReplicaProcess[]): Promise<ReplicaProcess> {
    let leader: ReplicaProcess | undefined;
    await waitFor(
      async () => {
        leader = await world.leader();
        return leader !== undefined && replicas.includes(leader);
      },
      { timeoutMs: 15_000, message: () => `no agreed leader\n${world.tails()}` },
    );
    return leader as ReplicaProcess;
  }

  async function stopAll(): Promise<void> {
    await Promise.all(world.replicas.map((replica) => replica.kill("SIGTERM")));
  }

  /** Probed router IPs of a replica's `GET /status`. */
  async function probed(replica: ReplicaProcess): Promise<string[]> {
    return Object.keys(((await replica.status())?.probes ?? {}) as object).sort();
  }

  function onlyLeaderWroteEc2(leader: ReplicaProcess, since: number): void {
    const writers = new Set(world.mutatingCalls(since).map((call) => call.accessKeyId));
    assert.deepEqual([...writers], [leader.id], "only the leader writes to EC2");
  }

  describe("http: POST /route_spec on any replica", () => {
    let replicas: ReplicaProcess[];

    before(async () => {
      const env = { VPCROUTER_SPEC_MODE: "http" };
      replicas = [
        await world.startReplica("http-a", "az-a", [], { env }),
        await world.startReplica("http-b", "az-b", [], { env }),
      ];
    });

    after(stopAll);

    it("answers GET /route_spec with 404 before any spec exists", async () => {
      for (const replica of replicas) {
        const response = await fetch(`${replica.apiUrl}/route_spec`);
        assert.equal(response.status, 404);
      }
    });

    it("a spec posted to a follower reaches the other replica, the leader and the route tables", async () => {
      const leader = await leaderOf(replicas);
      const follower = replicas.find((r) => r !== leader) as ReplicaProcess;
      const cursor = world.ec2.logCursor();
      const spec = { [A]: [r1, r2], [C]: [r3] };
      const response = await fetch(`${follower.apiUrl}/route_spec`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(spec),
      });
      assert.equal(response.status, 200);
      await converged(spec, replicas, "posted spec");
      assert.ok(world.allTablesRoute(A, r1));
      assert.ok(world.allTablesRoute(C, r3));
      for (const replica of replicas) {
        assert.deepEqual(await (await fetch(`${replica.apiUrl}/route_spec`)).json(), spec);
        await waitFor(async () => (await probed(replica)).join() === [r1, r2, r3].sort().join(), {
          timeoutMs: 10_000,
          message: `${replica.id} does not probe the spec's routers`,
        });
      }
      onlyLeaderWroteEc2(leader, cursor);
    });

    it("a second post with other routers moves the probes and the routes (vpc-router's second spec)", async () => {
      const spec = { [A]: [r2, r1] };
      const response = await fetch(`${replicas[0]?.apiUrl}/route_spec`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(spec),
      });
      assert.equal(response.status, 200);
      await converged(spec, replicas, "second post");
      for (const replica of replicas) {
        await waitFor(async () => (await probed(replica)).join() === [r1, r2].sort().join(), {
          timeoutMs: 10_000,
          message: `${replica.id} still probes a router no longer in the spec`,
        });
      }
      // No failback: r1 is healthy, so A stays on it although r2 is now preferred.
      assert.ok(world.allTablesRoute(A, r1));
      await waitFor(() => [...world.targets(C).values()].every((target) => target === undefined), {
        timeoutMs: 15_000,
        message: "the route removed from the spec is not deleted",
      });
    });
  });

  describe("configfile: each replica watches its own file; the leader publishes it", () => {
    const S1: () => Spec = () => ({ [A]: [r1, r2] });
    let replicas: ReplicaProcess[];
    let configMaps: Map<ReplicaProcess, ConfigMapDir>;
    let leader: ReplicaProcess;
    let follower: ReplicaProcess;

    before(async () => {
      const first = await ConfigMapDir.create(join(files, "a"), JSON.stringify(S1()));
      const second = await ConfigMapDir.create(join(files, "b"), JSON.stringify(S1()));
      const envOf = (configMap: ConfigMapDir) => ({
        VPCROUTER_SPEC_MODE: "configfile",
        VPCROUTER_SPEC_FILE: configMap.path,
      });
      const a = await world.startReplica("cfg-a", "az-a", [], { env: envOf(first) });
      const b = await world.startReplica("cfg-b", "az-b", [], { env: envOf(second) });
      replicas = [a, b];
      configMaps = new Map([
        [a, first],
        [b, second],
      ]);
    });

    after(stopAll);

    function pathOf(replica: ReplicaProcess): string {
      return (configMaps.get(replica) as ConfigMapDir).path;
    }

    it("the leader publishes its file's spec; every replica has it in force; the routes follow", async () => {
      await converged(S1(), replicas, "initial file");
      leader = await leaderOf(replicas);
      follower = replicas.find((r) => r !== leader) as ReplicaProcess;
      assert.ok(world.allTablesRoute(A, r1));
    });

    it("picks up a ConfigMap update (symlink swap); a follower whose file differs warns and never writes", async () => {
      const spec = { [A]: [r1, r2], [C]: [r2] };
      await configMaps.get(leader)?.swap(JSON.stringify(spec));
      await converged(spec, replicas, "ConfigMap swap");
      assert.ok(world.allTablesRoute(C, r2));
      await waitFor(() => follower.logged("differs from the spec in force").length > 0, {
        timeoutMs: 10_000,
        message: () => `the follower does not warn about its differing file\n${follower.tail()}`,
      });
      assert.deepEqual(await etcdSpec(), spec, "the follower did not write its file's spec");
      assert.equal(follower.logged("published the route spec").length, 0);
    });

    it("picks up an in-place write (the symlink's target rewritten, outside the watched directory)", async () => {
      const spec = { [A]: [r1, r2], [C]: [r2], [D]: [r1] };
      await writeFile(pathOf(leader), JSON.stringify(spec, null, 2));
      await converged(spec, replicas, "in-place write");
      assert.ok(world.allTablesRoute(D, r1));
    });

    it("picks up an editor's rename-and-replace", async () => {
      const spec = { [A]: [r1, r2], [C]: [r1] };
      const temporary = `${pathOf(leader)}.tmp`;
      await writeFile(temporary, JSON.stringify(spec));
      await rename(temporary, pathOf(leader));
      await converged(spec, replicas, "rename-and-replace");
      // r2 left C's list, so C moves to r1.
      assert.ok(world.allTablesRoute(C, r1));
    });

    it("logs and ignores a malformed file: the last good spec stays, nothing is written", async () => {
      const good = await etcdSpec();
      const revision = (await specStatus(leader))?.revision;
      const cursor = world.ec2.logCursor();
      await writeFile(pathOf(leader), "MALFORMED");
      await waitFor(
        () => leader.logged("ignored, the last good spec stays: route spec is not valid JSON").length > 0,
        {
          timeoutMs: 10_000,
          message: () => `malformed file not reported\n${leader.tail()}`,
        },
      );
      await writeFile(pathOf(leader), JSON.stringify({ "10.55.16.1/24": [r1] }));
      await waitFor(() => leader.logged("10.55.16.1/24 has host bits set").length > 0, {
        timeoutMs: 10_000,
        message: () => `invalid spec not reported with its problem\n${leader.tail()}`,
      });
      assert.deepEqual(await etcdSpec(), good);
      for (const replica of replicas) {
        const status = await specStatus(replica);
        assert.equal(status?.revision, revision, `${replica.id} keeps the last good spec`);
        assert.equal(status?.error, null, "the spec key itself stays valid");
      }
      assert.equal(world.mutatingCalls(cursor).length, 0, "no EC2 write");
    });

    it("keeps the last good spec while the file is gone, and picks it up when it comes back", async () => {
      const good = await etcdSpec();
      await rm(pathOf(leader));
      await waitFor(() => leader.logged("cannot read the file: ENOENT").length > 0, {
        timeoutMs: 10_000,
        message: () => `vanished file not reported\n${leader.tail()}`,
      });
      assert.deepEqual(await etcdSpec(), good);
      const spec = { [A]: [r1, r2], [E]: [r2] };
      await writeFile(pathOf(leader), JSON.stringify(spec));
      await converged(spec, replicas, "file back");
      assert.ok(world.allTablesRoute(E, r2));
    });

    it("a new leader whose file differs publishes it", async () => {
      await leader.kill("SIGTERM");
      await leaderOf([follower]);
      await converged(S1(), [follower], "new leader's file");
      await waitFor(() => [...world.targets(E).values()].every((target) => target === undefined), {
        timeoutMs: 15_000,
        message: () => `the route only the old file had is not deleted\n${follower.tail()}`,
      });
      assert.ok(follower.logged("published the route spec").length > 0);
    });
  });

  describe("fixedconf: --fixed_cidr and --fixed_hosts make a one-route spec", () => {
    let replicas: ReplicaProcess[];
    let cursor: number;

    before(async () => {
      cursor = world.ec2.logCursor();
      const env = {
        VPCROUTER_SPEC_MODE: "fixedconf",
        VPCROUTER_SPEC_FIXED_CIDR: F,
        VPCROUTER_SPEC_FIXED_HOSTS: `${r3}:${r2}`,
      };
      replicas = [
        await world.startReplica("fix-a", "az-a", [], { env }),
        await world.startReplica("fix-b", "az-b", [], { env }),
      ];
    });

    after(stopAll);

    it("every replica has the fixed spec in force and probes its routers; only the leader writes", async () => {
      const spec = { [F]: [r3, r2] };
      await converged(spec, replicas, "fixed spec");
      assert.ok(world.allTablesRoute(F, r3));
      for (const replica of replicas) {
        await waitFor(async () => (await probed(replica)).join() === [r2, r3].sort().join(), {
          timeoutMs: 10_000,
          message: `${replica.id} does not probe the fixed spec's routers`,
        });
      }
      onlyLeaderWroteEc2(await leaderOf(replicas), cursor);
    });
  });
});
