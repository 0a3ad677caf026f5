/**
 * The leader-side publisher of the configfile and fixedconf modes: the leader writes its source's
 * valid spec into <prefix>/spec (fenced by its term) only when it differs from the spec in force;
 * followers never write and warn when their source disagrees; an invalid reading writes nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import type { Candidate } from "../../src/cluster/snapshot.js";
import { loadConfig } from "../../src/config/load.js";
import type { SpecDecision } from "../../src/decide/spec-in-force.js";
import type { LeaderDuty } from "../../src/leader/leader-duty.js";
import { builtInPlugins } from "../../src/plugin/built-ins.js";
import { loadPlugin } from "../../src/plugin/load-plugin.js";
import { PluginFaults } from "../../src/plugin/plugin-faults.js";
import type { Role } from "../../src/replica/replica-state.js";
import { parseSpec } from "../../src/route-spec/parse.js";
import {
  type PublisherReplica,
  type PublisherState,
  type PublisherStore,
  SpecPublisher,
} from "../../src/spec-source/spec-publisher.js";
import type { SpecReading, SpecSource } from "../../src/spec-source/spec-source.js";
import { startSpecSource } from "../../src/spec-source/start-spec-source.js";
import { waitFor } from "../support/wait.js";

const S1 = { "10.1.0.0/16": ["1.1.1.1", "2.2.2.2"], "10.2.0.0/16": ["3.3.3.3"] };
const S2 = { "10.1.0.0/16": ["4.4.4.4", "2.2.2.2"] };
const TERM: Candidate = { key: "/t/election/1", replicaId: "a", createRevision: "7", lease: "1" };

function reading(text: string): SpecReading {
  return { origin: "route spec file /tmp/r.spec", result: parseSpec(text, { maxRoutes: 10 }) };
}

/** A source whose readings the test sets. */
class FakeSource implements SpecSource {
  private readonly listeners = new Set<(reading: SpecReading) => void>();
  constructor(public latest: SpecReading) {}
  set(next: SpecReading): void {
    this.latest = next;
    for (const listener of this.listeners) listener(next);
  }
  onChange(listener: (reading: SpecReading) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async close(): Promise<void> {}
}

/** A replica whose role and spec in force the test sets; it runs its leader duties as Replica does. */
class FakeReplica implements PublisherReplica {
  role: Role = "follower";
  spec: SpecDecision = {};
  private readonly listeners = new Set<(state: PublisherState) => void>();
  private readonly duties: LeaderDuty[] = [];
  get state(): PublisherState {
    return { role: this.role, spec: this.spec };
  }
  onState(listener: (state: PublisherState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  addLeaderDuty(duty: LeaderDuty): void {
    this.duties.push(duty);
  }
  /** Changes the state, starts or ends the term on a role change, and emits the state, as a refresh does. */
  update(change: { role?: Role; spec?: SpecDecision }): void {
    if (change.role && change.role !== this.role) {
      const term = { candidate: TERM, term: TERM.createRevision, isEnded: false };
      if (change.role === "leader") for (const duty of this.duties) duty.startTerm(term);
      else if (this.role === "leader") for (const duty of this.duties) duty.endTerm();
      this.role = change.role;
    }
    if (change.spec) this.spec = change.spec;
    for (const listener of this.listeners) listener(this.state);
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
}

/** An etcd spec key behind the fenced put. */
class FakeStore implements PublisherStore {
  puts: { candidate: Candidate; raw: string }[] = [];
  revision = 100;
  termHeld = true;
  failNext = false;
  async putSpecIfLeader(candidate: Candidate, raw: string): Promise<string | undefined> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("etcd unavailable");
    }
    if (!this.termHeld) return undefined;
    this.puts.push({ candidate, raw });
    this.revision++;
    return String(this.revision);
  }
}

function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines, at: (level: number) => lines.filter((l) => l.level === level).map((l) => l.msg) };
}

function setup(text = JSON.stringify(S1)) {
  const source = new FakeSource(reading(text));
  const replica = new FakeReplica();
  const store = new FakeStore();
  const log = capturingLogger();
  const publisher = new SpecPublisher(source, store, log.logger);
  replica.addLeaderDuty(publisher);
  publisher.start(replica);
  return { source, replica, store, log, publisher };
}

/** Lets queued evaluations finish: the fakes settle in microtasks, all drained before setImmediate. */
async function settled(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe("SpecPublisher", () => {
  it("the leader publishes its source's spec, fenced by its term, as normalised JSON", async () => {
    const { replica, store, publisher } = setup(
      ' { "10.1.0.0/16" : ["1.1.1.1","2.2.2.2","2.2.2.2"], "10.2.0.0/16": ["3.3.3.3"] } ',
    );
    replica.update({ role: "leader", spec: { inForce: { spec: S2, revision: "50" } } });
    await waitFor(() => store.puts.length === 1, { timeoutMs: 2000, message: "no put" });
    assert.deepEqual(store.puts[0]?.candidate, TERM);
    assert.equal(store.puts[0]?.raw, JSON.stringify(S1));
    await publisher.close();
  });

  it("writes nothing when the spec in force already is the source's (CIDR order aside)", async () => {
    const { replica, store, publisher } = setup();
    const reordered = { "10.2.0.0/16": ["3.3.3.3"], "10.1.0.0/16": ["1.1.1.1", "2.2.2.2"] };
    replica.update({ role: "leader", spec: { inForce: { spec: reordered, revision: "50" } } });
    replica.update({});
    await settled();
    assert.equal(store.puts.length, 0);
    await publisher.close();
  });

  it("writes once per change: waits until the replica has read its own write back", async () => {
    const { replica, store, publisher } = setup();
    replica.update({ role: "leader", spec: { inForce: { spec: S2, revision: "50" } } });
    await waitFor(() => store.puts.length === 1, { timeoutMs: 2000, message: "no put" });
    // Resyncs before the new spec is read back must not write again.
    replica.update({});
    replica.update({});
    await settled();
    assert.equal(store.puts.length, 1);
    // Read back: in force now; nothing more to do.
    replica.update({ spec: { inForce: { spec: S1, revision: String(store.revision) } } });
    await settled();
    assert.equal(store.puts.length, 1);
    // Someone overwrites the key later (etcdctl): the leader puts its source's spec back.
    replica.update({ spec: { inForce: { spec: S2, revision: String(store.revision + 5) } } });
    await waitFor(() => store.puts.length === 2, { timeoutMs: 2000, message: "overwrite not repaired" });
    await publisher.close();
  });

  it("publishes a changed source while leading", async () => {
    const { source, replica, store, publisher } = setup();
    replica.update({ role: "leader", spec: { inForce: { spec: S1, revision: "50" } } });
    await settled();
    assert.equal(store.puts.length, 0);
    source.set(reading(JSON.stringify(S2)));
    await waitFor(() => store.puts.length === 1, { timeoutMs: 2000, message: "no put" });
    assert.equal(store.puts[0]?.raw, JSON.stringify(S2));
    await publisher.close();
  });

  it("replaces a stored spec that is invalid even when the last good one equals the source", async () => {
    const { replica, store, publisher } = setup();
    replica.update({
      role: "leader",
      spec: { inForce: { spec: S1, revision: "50" }, error: { revision: "60", message: "bad JSON" } },
    });
    await waitFor(() => store.puts.length === 1, { timeoutMs: 2000, message: "no put" });
    await publisher.close();
  });

  it("an invalid reading writes nothing and logs an error naming the problems", async () => {
    const { source, replica, store, log, publisher } = setup();
    replica.update({ role: "leader", spec: { inForce: { spec: S1, revision: "50" } } });
    source.set(reading(JSON.stringify({ "10.1.0.1/16": ["1.1.1.1"], "10.2.0.0/16": [] })));
    await settled();
    replica.update({});
    await settled();
    assert.equal(store.puts.length, 0);
    const errors = log.at(50);
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? "", /ignored, the last good spec stays/);
    assert.match(errors[0] ?? "", /10\.1\.0\.1\/16 has host bits set/);
    assert.match(errors[0] ?? "", /router list is empty/);
    await publisher.close();
  });

  it("a follower never writes; it warns once while its source differs from the spec in force", async () => {
    const { source, replica, store, log, publisher } = setup();
    replica.update({ role: "follower", spec: { inForce: { spec: S2, revision: "50" } } });
    replica.update({});
    await settled();
    assert.equal(store.puts.length, 0);
    const warnings = () => log.at(40).filter((m) => m.includes("differs from the spec in force"));
    assert.equal(warnings().length, 1);
    // A new spec in force that still differs: warned again.
    replica.update({ spec: { inForce: { spec: { "10.7.0.0/16": ["7.7.7.7"] }, revision: "51" } } });
    await settled();
    assert.equal(warnings().length, 2);
    // The file catches up: no warning.
    source.set(reading(JSON.stringify({ "10.7.0.0/16": ["7.7.7.7"] })));
    await settled();
    assert.equal(warnings().length, 2);
    assert.equal(store.puts.length, 0);
    await publisher.close();
  });

  it("a replica that becomes leader publishes its differing source", async () => {
    const { replica, store, publisher } = setup();
    replica.update({ role: "follower", spec: { inForce: { spec: S2, revision: "50" } } });
    await settled();
    assert.equal(store.puts.length, 0);
    replica.update({ role: "leader" });
    await waitFor(() => store.puts.length === 1, { timeoutMs: 2000, message: "new leader did not publish" });
    assert.equal(store.puts[0]?.raw, JSON.stringify(S1));
    await publisher.close();
  });

  it("a new leader decides on the state of the refresh that elected it, not the one before", async () => {
    const { replica, store, publisher } = setup();
    replica.update({ role: "follower", spec: { inForce: { spec: S2, revision: "50" } } });
    await settled();
    // The refresh that elects this replica is also the first to see the spec the old leader
    // published (the source's): nothing to write, and no new revision to invalidate every vote.
    replica.update({ role: "leader", spec: { inForce: { spec: S1, revision: "60" } } });
    await settled();
    assert.equal(store.puts.length, 0);
    await publisher.close();
  });

  it("writes nothing when the term is gone, and retries after an etcd error", async () => {
    const { replica, store, log, publisher } = setup();
    store.termHeld = false;
    replica.update({ role: "leader", spec: { inForce: { spec: S2, revision: "50" } } });
    await settled();
    assert.equal(store.puts.length, 0);
    assert.ok(log.at(40).some((m) => m.includes("term ended")));
    store.termHeld = true;
    store.failNext = true;
    replica.update({});
    await settled();
    assert.equal(store.puts.length, 0);
    replica.update({});
    await waitFor(() => store.puts.length === 1, { timeoutMs: 2000, message: "no retry" });
    await publisher.close();
  });

  it("stops reacting once closed", async () => {
    const { source, replica, store, publisher } = setup();
    await publisher.close();
    assert.equal(replica.listenerCount, 0);
    replica.update({ role: "leader", spec: { inForce: { spec: S2, revision: "50" } } });
    source.set(reading(JSON.stringify(S2)));
    await settled();
    assert.equal(store.puts.length, 0);
  });
});

describe("startSpecSource", () => {
  const faults = new PluginFaults(pino({ level: "silent" }));
  const config = loadConfig();
  const deps = (replica: FakeReplica, store = new FakeStore()) => ({
    store,
    replica,
    logger: pino({ level: "silent" }),
    faults,
  });

  it("starts nothing in etcd and http modes (no plugin)", async () => {
    const replica = new FakeReplica();
    const handle = startSpecSource(undefined, config, deps(replica));
    assert.equal(handle.source, undefined);
    assert.equal(replica.listenerCount, 0);
    await handle.close();
  });

  it("publishes the fixed spec when leading in fixedconf mode (the built-in plugin)", async () => {
    const replica = new FakeReplica();
    const store = new FakeStore();
    const plugin = await loadPlugin("fixedconf", "spec-source", "spec.mode", { builtIns: builtInPlugins() });
    const fixed = loadConfig({
      overrides: {
        "spec.mode": "fixedconf",
        "spec.fixedCidr": "10.55.16.0/24",
        "spec.fixedHosts": "10.33.20.93",
      },
    });
    const handle = startSpecSource(plugin, fixed, deps(replica, store));
    replica.update({ role: "leader" });
    await waitFor(() => store.puts.length === 1, { timeoutMs: 2000, message: "fixed spec not published" });
    assert.deepEqual(JSON.parse(store.puts[0]?.raw ?? ""), { "10.55.16.0/24": ["10.33.20.93"] });
    await handle.close();
    assert.equal(replica.listenerCount, 0);
  });
});
