/**
 * The HTTP API through fastify's `inject` (no sockets): vpc-router's state endpoints with content
 * negotiation (ported from romana/vpc-router `vpcrouter/tests/test_http_server.py`, adapted: 406
 * instead of 407 and JSON error bodies), the spec-mode rules of `POST /route_spec`, and the
 * existing endpoints.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import type { RoleView } from "../../src/api/role-checks.js";
import { type ApiBackend, createApiServer } from "../../src/api/server.js";
import type { VpcRouterState } from "../../src/api/vpc-router-state.js";
import { loadConfig, REDACTED, redactedConfig } from "../../src/config/load.js";
import type { VpcrouterConfig } from "../../src/config/schema.js";

const BROWSER_ACCEPT =
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

function baseConfig(change: (config: VpcrouterConfig) => void = () => undefined): VpcrouterConfig {
  const config = loadConfig({ overrides: { "replica.id": "replica-a", "aws.vpcId": "vpc-0123abcd" } });
  change(config);
  return config;
}

const STATE: VpcRouterState = {
  spec: {
    spec: { "10.55.16.0/24": ["10.33.20.142", "10.33.20.93"], "10.66.17.0/24": ["10.33.30.22"] },
    revision: "7",
  },
  failed: new Set(["10.33.20.142"]),
  questionable: new Set(["10.33.30.22"]),
  vpc: {
    source: "this replica (leader)",
    readAt: "2026-11-02T10:00:00.000Z",
    routeTables: [
      {
        routeTableId: "rtb-1",
        vpcId: "vpc-0123abcd",
        main: true,
        subnetIds: [],
        routes: [
          { destinationCidrBlock: "10.0.0.0/16", target: { kind: "local" }, state: "active" },
          {
            destinationCidrBlock: "10.55.16.0/24",
            target: { kind: "eni", networkInterfaceId: "eni-93", instanceId: "i-93" },
            state: "active",
          },
        ],
      },
    ],
    routers: [
      { ip: "10.33.20.142", networkInterfaceId: "eni-142", instanceId: "i-142" },
      { ip: "10.33.20.93", networkInterfaceId: "eni-93", instanceId: "i-93" },
    ],
  },
  probes: new Map(),
};

interface Harness {
  readonly app: ReturnType<typeof createApiServer>;
  readonly puts: string[];
}

function harness(
  options: {
    config?: VpcrouterConfig;
    state?: VpcRouterState | undefined;
    putSpec?: ApiBackend["putSpec"];
    role?: RoleView;
  } = {},
): Harness {
  const puts: string[] = [];
  const config = redactedConfig(options.config ?? baseConfig());
  const state = "state" in options ? options.state : STATE;
  const backend: ApiBackend = {
    status: () => ({ role: "follower" }),
    specInForce: () => STATE.spec,
    putSpec:
      options.putSpec ??
      (async (json) => {
        puts.push(json);
        return "42";
      }),
    ready: () => true,
    roleView: () => options.role ?? { role: "follower", ready: true, leader: { id: "r2", term: "9" } },
    maxRoutes: () => config.spec.maxRoutes,
    metrics: (_request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("# metrics\n");
    },
    config: () => config,
    startedAt: "2026-11-02T09:00:00.000Z",
    vpcRouterState: () => state,
  };
  return { app: createApiServer(backend, pino({ level: "silent" })), puts };
}

function jsonOf(payload: string): Record<string, unknown> {
  const value: unknown = JSON.parse(payload);
  assert.ok(value !== null && typeof value === "object" && !Array.isArray(value), "a JSON object");
  return value as Record<string, unknown>;
}

describe("GET / (vpc-router test_http_server)", () => {
  it("links the sub-states with _href and shows SERVER and params", async () => {
    const { app } = harness();
    const response = await app.inject({ method: "GET", url: "/", headers: { accept: "application/json" } });
    assert.equal(response.statusCode, 200);
    const body = jsonOf(response.payload);
    assert.deepEqual(body.plugins, { _href: "/plugins" });
    assert.deepEqual(body.route_info, { _href: "/route_info" });
    assert.deepEqual(body.ips, { _href: "/ips" });
    assert.deepEqual(body.vpc, { _href: "/vpc" });
    const server = body.SERVER as Record<string, unknown>;
    assert.deepEqual(Object.keys(server).sort(), ["current_time", "start_time", "version"]);
    assert.equal(server.start_time, "2026-11-02T09:00:00.000Z");
    assert.match(
      String(server.version),
      /^vpcrouter \(.+\): mode: etcd \(built-in\), health-check: icmpecho \(built-in\)$/,
    );
    assert.ok(Date.parse(String(server.current_time)) >= Date.parse("2026-11-02T09:00:00.000Z"));
    const params = body.params as VpcrouterConfig;
    assert.equal(params.aws.vpcId, "vpc-0123abcd");
    await app.close();
  });

  it("never shows the etcd password", async () => {
    const { app } = harness({ config: baseConfig((c) => (c.etcd.password = "hunter2-secret")) });
    const response = await app.inject({ method: "GET", url: "/" });
    assert.equal(response.statusCode, 200);
    assert.ok(!response.payload.includes("hunter2-secret"));
    assert.ok(response.payload.includes(REDACTED));
    await app.close();
  });
});

describe("content negotiation", () => {
  it("sends indented JSON as text/plain without an Accept header (curl, wget)", async () => {
    const { app } = harness();
    const response = await app.inject({ method: "GET", url: "/ips" });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers["content-type"]), /^text\/plain/);
    assert.ok(response.payload.includes('\n    "failed_ips"'), "indented by four spaces");
    assert.deepEqual(jsonOf(response.payload).failed_ips, ["10.33.20.142"]);
    await app.close();
  });

  it("sends indented JSON for */* and text/*", async () => {
    const { app } = harness();
    for (const accept of ["*/*", "text/*", "text/plain"]) {
      const response = await app.inject({ method: "GET", url: "/route_info", headers: { accept } });
      assert.equal(response.statusCode, 200, accept);
      assert.match(String(response.headers["content-type"]), /^text\/plain/, accept);
      assert.ok(response.payload.includes("\n    "), accept);
      assert.ok(String(response.headers.vary).includes("Accept"));
    }
    await app.close();
  });

  it("sends compact JSON for application/json", async () => {
    const { app } = harness();
    const response = await app.inject({
      method: "GET",
      url: "/vpc",
      headers: { accept: "application/json" },
    });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers["content-type"]), /^application\/json/);
    assert.ok(!response.payload.includes("\n"));
    assert.equal(jsonOf(response.payload).time, "2026-11-02T10:00:00.000Z");
    await app.close();
  });

  it("honours quality values (vpc-router only looked for substrings)", async () => {
    const { app } = harness();
    const html = await app.inject({
      method: "GET",
      url: "/ips",
      headers: { accept: "application/json;q=0.5, text/html" },
    });
    assert.match(String(html.headers["content-type"]), /^text\/html/);
    const notHtml = await app.inject({
      method: "GET",
      url: "/ips",
      headers: { accept: "text/html;q=0, */*" },
    });
    assert.match(String(notHtml.headers["content-type"]), /^text\/plain/);
    await app.close();
  });

  it("sends an HTML page with _href links to browsers", async () => {
    const { app } = harness();
    const response = await app.inject({ method: "GET", url: "/", headers: { accept: BROWSER_ACCEPT } });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers["content-type"]), /^text\/html/);
    assert.equal(response.headers["content-security-policy"], "default-src 'none'");
    for (const name of ["ips", "plugins", "route_info", "vpc"]) {
      assert.ok(response.payload.includes(`<a href="/${name}">/${name}</a>`), name);
    }
    assert.ok(response.payload.startsWith("<!DOCTYPE html>"));
    await app.close();
  });

  it("escapes data in the HTML page", async () => {
    const { app } = harness({ config: baseConfig((c) => (c.replica.zone = '<script>alert("x")</script>')) });
    const response = await app.inject({ method: "GET", url: "/", headers: { accept: "text/html" } });
    assert.equal(response.statusCode, 200);
    assert.ok(!response.payload.includes("<script>"));
    assert.ok(response.payload.includes("&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt;"));
    await app.close();
  });

  it("answers 406 with a JSON error when nothing acceptable is offered (vpc-router: 407)", async () => {
    const { app } = harness();
    for (const url of ["/", "/ips", "/plugins", "/route_info", "/vpc"]) {
      const response = await app.inject({ method: "GET", url, headers: { accept: "image/png" } });
      assert.equal(response.statusCode, 406, url);
      assert.match(String(response.headers["content-type"]), /^application\/json/);
      assert.match(String(jsonOf(response.payload).error), /acceptable content type/);
    }
    await app.close();
  });

  it("answers 404 with a JSON error for an unknown state component", async () => {
    const { app } = harness();
    const response = await app.inject({
      method: "GET",
      url: "/no_such_state",
      headers: { accept: "text/html" },
    });
    assert.equal(response.statusCode, 404);
    assert.match(String(jsonOf(response.payload).error), /no such endpoint: GET \/no_such_state/);
    await app.close();
  });
});

describe("state endpoints", () => {
  it("GET /ips", async () => {
    const { app } = harness();
    const body = jsonOf((await app.inject({ method: "GET", url: "/ips" })).payload);
    assert.deepEqual(body, {
      failed_ips: ["10.33.20.142"],
      questionable_ips: ["10.33.30.22"],
      working_set: ["10.33.20.93", "10.33.20.142", "10.33.30.22"], // numeric order
    });
    await app.close();
  });

  it("GET /route_info", async () => {
    const { app } = harness({ config: baseConfig((c) => (c.reconcile.ignoreRoutes = ["10.9.0.0/16"])) });
    const body = jsonOf((await app.inject({ method: "GET", url: "/route_info" })).payload);
    assert.deepEqual(body, {
      route_spec: STATE.spec?.spec,
      routes: { "10.55.16.0/24": ["10.33.20.93", "i-93", "eni-93"] },
      ignore_routes: ["10.9.0.0/16"],
    });
    await app.close();
  });

  it("GET /plugins names the spec mode and health check", async () => {
    const { app } = harness();
    const body = jsonOf((await app.inject({ method: "GET", url: "/plugins" })).payload);
    assert.deepEqual(Object.keys(body).sort(), ["etcd", "icmpecho"]);
    assert.equal((body.icmpecho as { version: string }).version, "built-in");
    await app.close();
  });

  it("GET /vpc", async () => {
    const { app } = harness();
    const body = jsonOf((await app.inject({ method: "GET", url: "/vpc" })).payload);
    const tables = body.route_tables as Record<string, Record<string, string>>;
    assert.deepEqual(Object.keys(tables), ["rtb-1"]);
    assert.match(tables["rtb-1"]?.["10.0.0.0/16"] ?? "", /msg: Ignored: Not a route to an instance$/);
    assert.match(tables["rtb-1"]?.["10.55.16.0/24"] ?? "", /^inst: i-93, eni: eni-93, r_ip: 10\.33\.20\.93 /);
    await app.close();
  });

  it("answers with empty shapes while the replica is starting", async () => {
    const { app } = harness({ state: undefined });
    const ips = jsonOf((await app.inject({ method: "GET", url: "/ips" })).payload);
    assert.deepEqual(ips, { failed_ips: [], questionable_ips: [], working_set: [] });
    const info = jsonOf((await app.inject({ method: "GET", url: "/route_info" })).payload);
    assert.deepEqual(info, { route_spec: {}, routes: {}, ignore_routes: [] });
    const vpc = jsonOf((await app.inject({ method: "GET", url: "/vpc" })).payload);
    assert.deepEqual(vpc, {});
    const plugins = await app.inject({ method: "GET", url: "/plugins" });
    assert.equal(plugins.statusCode, 200);
    await app.close();
  });
});

describe("POST /route_spec and the spec mode", () => {
  const spec = JSON.stringify({ "10.55.16.0/24": ["10.33.20.142"] });

  it("stores the spec in modes etcd and http", async () => {
    for (const mode of ["etcd", "http"] as const) {
      const { app, puts } = harness({ config: baseConfig((c) => (c.spec.mode = mode)) });
      const response = await app.inject({
        method: "POST",
        url: "/route_spec",
        headers: { "content-type": "application/json" },
        payload: spec,
      });
      assert.equal(response.statusCode, 200, mode);
      assert.deepEqual(jsonOf(response.payload), { ok: true, revision: "42", routes: 1 });
      assert.deepEqual(puts, [spec]);
      await app.close();
    }
  });

  it("refuses with 409 in configfile mode, naming the file", async () => {
    const config = baseConfig((c) => {
      c.spec.mode = "configfile";
      c.spec.file = "/etc/vpcrouter/route-spec.json";
    });
    const { app, puts } = harness({ config });
    const response = await app.inject({
      method: "POST",
      url: "/route_spec",
      headers: { "content-type": "application/json" },
      payload: spec,
    });
    assert.equal(response.statusCode, 409);
    assert.match(String(response.headers["content-type"]), /^application\/json/);
    const body = jsonOf(response.payload);
    assert.match(String(body.error), /comes from the file \/etc\/vpcrouter\/route-spec\.json/);
    assert.equal(body.mode, "configfile");
    assert.deepEqual(puts, []);
    await app.close();
  });

  it("refuses with 409 in fixedconf mode, before looking at the body", async () => {
    const config = baseConfig((c) => {
      c.spec.mode = "fixedconf";
      c.spec.fixedCidr = "10.55.16.0/24";
      c.spec.fixedHosts = ["10.33.20.142"];
    });
    const { app, puts } = harness({ config });
    // The refusal comes before the body is parsed.
    const response = await app.inject({
      method: "POST",
      url: "/route_spec",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    assert.equal(response.statusCode, 409);
    assert.match(String(jsonOf(response.payload).error), /fixed by the configuration/);
    assert.deepEqual(puts, []);
    await app.close();
  });

  it("still reports spec problems as 400 in etcd mode", async () => {
    const { app, puts } = harness();
    const response = await app.inject({
      method: "POST",
      url: "/route_spec",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ "10.55.16.1/24": ["10.33.20.142"] }),
    });
    assert.equal(response.statusCode, 400);
    assert.match(String(jsonOf(response.payload).error), /host bits set/);
    assert.deepEqual(puts, []);
    await app.close();
  });

  it("answers 503 when etcd refuses the write", async () => {
    const { app } = harness({
      putSpec: async () => {
        throw new Error("etcd down");
      },
    });
    const response = await app.inject({
      method: "POST",
      url: "/route_spec",
      headers: { "content-type": "application/json" },
      payload: spec,
    });
    assert.equal(response.statusCode, 503);
    assert.match(String(jsonOf(response.payload).error), /etcd down/);
    await app.close();
  });
});

describe("existing endpoints keep their behaviour", () => {
  it("GET /status is JSON whatever the Accept header", async () => {
    const { app } = harness();
    const response = await app.inject({ method: "GET", url: "/status", headers: { accept: BROWSER_ACCEPT } });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers["content-type"]), /^application\/json/);
    assert.deepEqual(jsonOf(response.payload), { role: "follower" });
    await app.close();
  });

  it("GET /route_spec, /healthz, /readyz, /metrics", async () => {
    const { app } = harness();
    const spec = await app.inject({ method: "GET", url: "/route_spec" });
    assert.equal(spec.statusCode, 200);
    assert.equal(spec.headers["x-spec-revision"], "7");
    assert.deepEqual(jsonOf(spec.payload), STATE.spec?.spec);
    assert.deepEqual(jsonOf((await app.inject({ method: "GET", url: "/healthz" })).payload), { ok: true });
    assert.deepEqual(jsonOf((await app.inject({ method: "GET", url: "/readyz" })).payload), { ready: true });
    const metrics = await app.inject({ method: "GET", url: "/metrics" });
    assert.equal(metrics.payload, "# metrics\n");
    await app.close();
  });
});

describe("GET /leader and GET /replica (load balancer checks)", () => {
  const cases: { role: RoleView; leader: number; replica: number }[] = [
    { role: { role: "leader", ready: true, leader: { id: "r1", term: "9" } }, leader: 200, replica: 503 },
    { role: { role: "follower", ready: true, leader: { id: "r1", term: "9" } }, leader: 503, replica: 200 },
    { role: { role: "follower", ready: false, leader: null }, leader: 503, replica: 503 },
    { role: { role: "connecting", ready: false, leader: null }, leader: 503, replica: 503 },
    { role: { role: "starting", ready: false, leader: null }, leader: 503, replica: 503 },
  ];
  for (const testCase of cases) {
    it(`${testCase.role.role}${testCase.role.ready ? ", ready" : ""} → /leader ${testCase.leader}, /replica ${testCase.replica}`, async () => {
      const { app } = harness({ role: testCase.role });
      for (const [url, expected] of [
        ["/leader", testCase.leader],
        ["/replica", testCase.replica],
      ] as const) {
        const response = await app.inject({ method: "GET", url });
        assert.equal(response.statusCode, expected, url);
        assert.deepEqual(jsonOf(response.payload), { ...testCase.role });
      }
      await app.close();
    });
  }
});
