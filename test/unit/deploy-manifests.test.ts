/**
 * The deployment files as a cluster would read them: every Kubernetes manifest parses, the
 * kustomization names files that exist, and the pieces agree with each other and with the daemon
 * (the ConfigMap is a valid configuration, ports and labels match, Secrets are mounted where the
 * configuration looks, the zone spread needs three zones). And the systemd unit's log directory.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { ConfigError, loadConfig } from "../../src/config/load.js";

const KUBE = fileURLToPath(new URL("../../deploy/kubernetes/", import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML of any shape; each assertion names the path it reads
type Doc = Record<string, any>;

async function manifests(dir = KUBE): Promise<Map<string, Doc[]>> {
  const found = new Map<string, Doc[]>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const [name, docs] of await manifests(path)) found.set(name, docs);
    else if (entry.name.endsWith(".yaml")) {
      const docs = parseAllDocuments(await readFile(path, "utf8"));
      for (const doc of docs) assert.deepEqual(doc.errors, [], `${entry.name}: ${doc.errors.join("; ")}`);
      found.set(
        path.slice(KUBE.length),
        docs.map((doc) => doc.toJS() as Doc),
      );
    }
  }
  return found;
}

function only(all: Map<string, Doc[]>, kind: string): Doc {
  const docs = [...all.values()].flat().filter((doc) => doc.kind === kind);
  assert.equal(docs.length, 1, `one ${kind}`);
  return docs[0] as Doc;
}

describe("deploy/kubernetes", () => {
  it("every manifest parses, and the kustomization lists existing files", async () => {
    const all = await manifests();
    const kustomization = only(all, "Kustomization");
    for (const resource of kustomization.resources as string[])
      assert.ok(all.has(resource), `${resource} missing`);
    for (const [name, docs] of all) {
      for (const doc of docs) assert.ok(doc.apiVersion && doc.kind, `${name}: apiVersion and kind`);
    }
  });

  it("the Deployment: 3 replicas over at least 3 zones, non-root with fsGroup, a priority class that exists", async () => {
    const all = await manifests();
    const deployment = only(all, "Deployment");
    const pod = deployment.spec.template.spec;
    assert.equal(deployment.spec.replicas, 3);
    const zoneSpread = pod.topologySpreadConstraints.find(
      (c: Doc) => c.topologyKey === "topology.kubernetes.io/zone",
    );
    assert.deepEqual([zoneSpread.whenUnsatisfiable, zoneSpread.minDomains], ["DoNotSchedule", 3]);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.fsGroup, pod.securityContext.runAsGroup);
    assert.equal(pod.priorityClassName, only(all, "PriorityClass").metadata.name);
  });

  it("the ConfigMap is a valid configuration whose secret files are the mounted Secrets", async () => {
    const all = await manifests();
    const configJson = only(all, "ConfigMap").data["config.json"] as string;
    const config = JSON.parse(configJson);
    // Loading fails only because the mounted files do not exist here.
    const dir = await mkdtemp(join(tmpdir(), "vpcrouter-cm-"));
    let problems: readonly string[] = [];
    try {
      const file = join(dir, "config.json");
      await writeFile(file, configJson);
      loadConfig({ file });
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      problems = error.problems;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.ok(problems.length > 0);
    for (const problem of problems) assert.match(problem, /cannot read \/etc\/vpcrouter\//, problem);
    const container = only(all, "Deployment").spec.template.spec.containers[0];
    const mounts = (container.volumeMounts as Doc[]).map((m) => m.mountPath as string);
    for (const path of [
      config.etcd.caFile,
      config.etcd.certFile,
      config.etcd.keyFile,
      config.etcd.passwordFile,
      config.api.tokenFile,
    ]) {
      assert.ok(
        mounts.some((mount) => path.startsWith(`${mount}/`)),
        `${path} is not on a mounted volume`,
      );
    }
    assert.equal(config.api.address, "0.0.0.0");
    assert.equal(config.quorum.expectedReplicas, 3);
  });

  it("the API port is the container's port, the NetworkPolicy's and the PodMonitor's", async () => {
    const all = await manifests();
    const container = only(all, "Deployment").spec.template.spec.containers[0];
    const http = (container.ports as Doc[]).find((p) => p.name === "http");
    const config = JSON.parse(only(all, "ConfigMap").data["config.json"] as string);
    assert.equal(http?.containerPort, config.api.port);
    const policy = only(all, "NetworkPolicy");
    assert.deepEqual(policy.spec.podSelector.matchLabels, only(all, "Deployment").spec.selector.matchLabels);
    assert.equal(policy.spec.ingress[0].ports[0].port, config.api.port);
    const monitor = only(all, "PodMonitor");
    assert.equal(monitor.spec.podMetricsEndpoints[0].port, "http");
    assert.deepEqual(monitor.spec.selector.matchLabels, only(all, "Deployment").spec.selector.matchLabels);
  });
});

describe("deploy/systemd", () => {
  it("gives the dynamic user a log directory", async () => {
    const unit = await readFile(new URL("../../deploy/systemd/vpcrouter.service", import.meta.url), "utf8");
    assert.match(unit, /^DynamicUser=yes$/m);
    assert.match(unit, /^LogsDirectory=vpcrouter$/m);
  });
});
