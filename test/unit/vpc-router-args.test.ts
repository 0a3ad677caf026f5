/**
 * vpc-router's command line, parsed by ours. The first table ports every row of vpc-router 1.8's
 * `vpcrouter/tests/test_main.py` (`TestArgs.test_parse_args`, including the "Unknown mode" row of
 * its earlier version); where we deliberately differ, the row says why. The later tables cover the
 * plugins' own argument checks (watcher/plugins/*.py, monitor/plugins/*.py `check_arguments`) and
 * `--ignore_routes` (tests/test_utils.py `test_valid_ip_or_cidr`). Nothing is started.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseRunConfig, type RunConfigParse } from "../../src/cli/parse-run-config.js";
import type { VpcrouterConfig } from "../../src/config/schema.js";
import { vpcRouterExampleArgs } from "../support/vpc-router-example.js";

let dir: string;
let specFile: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "vpcrouter-args-test-"));
  specFile = join(dir, "route-spec.conf");
  await writeFile(specFile, JSON.stringify({ "10.55.16.0/24": ["10.33.20.142"] }));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A table row: arguments, and either the expected exit 2 with messages, or config checks. */
interface Row {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Exit 2 expected; each pattern must match standard error. */
  readonly errors?: readonly RegExp[];
  /** Exit 0 expected; `check` asserts on the configuration. */
  readonly check?: (config: VpcrouterConfig) => void;
  /** Exit 0 expected and standard output must match (help). */
  readonly out?: RegExp;
}

function assertRow(row: Row, result: RunConfigParse): void {
  const shown = `code ${result.code}\nstderr: ${result.err}`;
  if (row.errors !== undefined) {
    assert.equal(result.code, 2, shown);
    assert.equal(result.config, undefined);
    for (const pattern of row.errors) assert.match(result.err, pattern);
    return;
  }
  assert.equal(result.code, 0, shown);
  if (row.out !== undefined) assert.match(result.out, row.out);
  if (row.check !== undefined) {
    assert.ok(result.config !== undefined, shown);
    row.check(result.config);
  }
}

function runTable(rows: readonly Row[]): void {
  for (const row of rows) {
    it(`${row.name}: vpcrouter ${row.args.join(" ")}`, async () => {
      // "FILE" stands for a readable route spec file, made in before().
      const args = row.args.map((arg) => (arg === "FILE" ? specFile : arg));
      assertRow(row, await parseRunConfig(args, row.env));
    });
  }
}

describe("vpc-router's test_main.py argument table", () => {
  runTable([
    { name: "-h prints help and exits 0", args: ["-h"], out: /^Usage: vpcrouter/m },
    {
      name: "-l without a value exits 2",
      args: ["-l"],
      errors: [/option '-l, --log-file <path>' argument missing/],
    },
    {
      // Differs: vpc-router requires -m (exit 2); our -m defaults to etcd, so this runs.
      name: "-l foo runs in etcd mode (vpc-router: -m missing)",
      args: ["-l", "foo"],
      check: (config) => {
        assert.equal(config.log.file, "foo");
        assert.equal(config.spec.mode, "etcd");
      },
    },
    {
      // Exit 2 in both, for different reasons: vpc-router for the missing -m, we because "123" is
      // not a VPC id (we check its form: vpc- and 8 or 17 hex digits).
      name: "-l foo -v 123 exits 2",
      args: ["-l", "foo", "-v", "123"],
      errors: [/aws\.vpcId: must look like "vpc-/],
    },
    {
      // Differs: vpc-router accepts any text as VPC id and region; we check their form, so its
      // placeholder values "123" and "foo" are refused. The next row is the same line with real ones.
      name: "the http mode row with placeholder VPC and region exits 2",
      args: ["-l", "foo", "-v", "123", "-r", "foo", "-m", "http"],
      errors: [/aws\.vpcId: /, /aws\.region: /],
    },
    {
      name: "the http mode row with a real VPC id and region",
      args: ["-l", "foo", "-v", "vpc-350d6a51", "-r", "us-east-1", "-m", "http"],
      check: (config) => {
        assert.equal(config.log.level, "info", "verbose: False");
        assert.equal(config.log.file, "foo");
        assert.equal(config.spec.mode, "http");
        assert.equal(config.aws.vpcId, "vpc-350d6a51");
        assert.equal(config.aws.region, "us-east-1");
        assert.equal(config.probe.health, "icmpecho");
        assert.equal(config.api.port, 33289);
        assert.equal(config.reconcile.routeRecheckIntervalSeconds, 30);
        // Differs: vpc-router's default address is "localhost", ours 127.0.0.1 (both loopback);
        // its default icmp_check_interval is 2 s, we keep our 300 ms probe period unless an
        // interval is given (see the interval table below).
        assert.equal(config.api.address, "127.0.0.1");
        assert.equal(config.probe.intervalMs, 300);
      },
    },
    {
      name: "-m foo: unknown mode (earlier test_main.py row)",
      args: ["-l", "foo", "-v", "123", "-r", "foo", "-m", "foo"],
      errors: [/spec\.mode: Unknown mode/],
    },
    // The next three rows use a real VPC id and region instead of vpc-router's placeholders "123"
    // and "foo" (refused above): settings that need other settings (here spec.file for configfile
    // mode) are checked once every value is valid on its own, so the placeholders would hide them.
    {
      name: "configfile mode without -f exits 2",
      args: ["-l", "foo", "-v", "vpc-350d6a51", "-r", "us-east-1", "-m", "configfile"],
      errors: [/spec\.file: A config file needs to be specified \(-f\/--file\)/],
    },
    {
      name: "configfile mode with a file that does not exist",
      args: [
        "-l",
        "foo",
        "-v",
        "vpc-350d6a51",
        "-r",
        "us-east-1",
        "-m",
        "configfile",
        "-f",
        "/_does_not_exists",
      ],
      errors: [/spec\.file: Cannot open config file '\/_does_not_exists': ENOENT/],
    },
    {
      // Exit 2 in both: vpc-router stops at the missing -f, we at the port (the missing -f is
      // reported once the port is valid, as the previous row shows).
      name: "configfile mode without -f and with port 99999 exits 2",
      args: ["-l", "foo", "-v", "vpc-350d6a51", "-r", "us-east-1", "-m", "configfile", "-p", "99999"],
      errors: [/api\.port: Invalid listen port/],
    },
    {
      name: "http mode with port 99999: Invalid listen port",
      args: ["-l", "foo", "-v", "123", "-r", "foo", "-m", "http", "-p", "99999"],
      errors: [/^vpcrouter: invalid configuration: .*api\.port: Invalid listen port/m],
    },
    {
      name: "http mode with address 999.9: Not a valid IP address",
      args: ["-l", "foo", "-v", "123", "-r", "foo", "-m", "http", "-a", "999.9"],
      errors: [/api\.address: Not a valid IP address/],
    },
  ]);
});

describe("the issue's example command line", () => {
  it("vpcrouter -m configfile -f route-spec.conf -r us-east-1 -v vpc-350d6a51 --health tcp --tcp_check_port 22", async () => {
    const result = await parseRunConfig(vpcRouterExampleArgs(specFile));
    assert.equal(result.code, 0, result.err);
    const config = result.config;
    assert.ok(config !== undefined);
    assert.equal(config.spec.mode, "configfile");
    assert.equal(config.spec.file, specFile);
    assert.equal(config.aws.region, "us-east-1");
    assert.equal(config.aws.vpcId, "vpc-350d6a51");
    assert.equal(config.probe.health, "tcp");
    assert.equal(config.probe.tcpCheckPort, 22);
  });

  it("the same line with the explicit run command and our spellings gives the same configuration", async () => {
    const vpcRouter = await parseRunConfig(vpcRouterExampleArgs(specFile, "2222"));
    const ours = await parseRunConfig([
      "run",
      "--mode=configfile",
      `--file=${specFile}`,
      "--region",
      "us-east-1",
      "--vpc",
      "vpc-350d6a51",
      "-H",
      "tcp",
      "--tcp-check-port",
      "2222",
    ]);
    assert.equal(vpcRouter.code, 0, vpcRouter.err);
    assert.equal(ours.code, 0, ours.err);
    assert.deepEqual(vpcRouter.config, ours.config);
    assert.equal(ours.config?.probe.tcpCheckPort, 2222);
  });
});

describe("the daemon is the default command", () => {
  runTable([
    {
      name: "no arguments: the daemon with the defaults",
      args: [],
      check: (config) => {
        assert.equal(config.spec.mode, "etcd");
        assert.equal(config.api.port, 33289);
      },
    },
    {
      name: "an operand that names no command",
      args: ["frobnicate"],
      errors: [/^vpcrouter: unknown command 'frobnicate'/m],
    },
    { name: "an unknown option", args: ["--bogus"], errors: [/^vpcrouter: unknown option '--bogus'/m] },
    { name: "help <command> exits 0", args: ["help", "status"], out: /^Usage: vpcrouter status/m },
    {
      name: "another command is not parsed as the daemon's",
      args: ["status"],
      errors: [/'status' is not the daemon's/],
    },
  ]);
});

describe("watcher plugins' arguments (configfile, fixedconf, http)", () => {
  runTable([
    {
      name: "fixedconf with a CIDR and hosts separated by ':'",
      args: ["-m", "fixedconf", "--fixed_cidr", "10.55.16.0/24", "--fixed_hosts", "10.33.20.142:10.33.20.93"],
      check: (config) => {
        assert.equal(config.spec.mode, "fixedconf");
        assert.equal(config.spec.fixedCidr, "10.55.16.0/24");
        assert.deepEqual(config.spec.fixedHosts, ["10.33.20.142", "10.33.20.93"]);
      },
    },
    {
      name: "fixedconf with our spellings",
      args: ["-m", "fixedconf", "--fixed-cidr", "10.55.16.0/24", "--fixed-hosts", "10.33.20.142"],
      check: (config) => assert.deepEqual(config.spec.fixedHosts, ["10.33.20.142"]),
    },
    {
      name: "fixedconf without --fixed_cidr and --fixed_hosts",
      args: ["-m", "fixedconf"],
      errors: [
        /spec\.fixedCidr: A CIDR needs to be specified/,
        /spec\.fixedHosts: A hosts list needs to be specified/,
      ],
    },
    {
      name: "fixedconf with a bad host",
      args: ["-m", "fixedconf", "--fixed_cidr", "10.55.16.0/24", "--fixed_hosts", "10.33.20.142:999.9"],
      errors: [/spec\.fixedHosts: Not a valid IP address \("999\.9"\)/],
    },
    {
      // vpc-router's ip_check(netmask_expected) refuses a CIDR without "/"; so do we.
      name: "fixedconf with a CIDR without prefix length",
      args: ["-m", "fixedconf", "--fixed_cidr", "10.55.16.0", "--fixed_hosts", "10.33.20.142"],
      errors: [/spec\.fixedCidr: Not a valid CIDR/],
    },
    {
      name: "configfile with a readable file",
      args: ["-m", "configfile", "-f", "FILE"],
      check: (config) => assert.equal(config.spec.mode, "configfile"),
    },
    {
      name: "http mode listening on localhost",
      args: ["-m", "http", "-a", "localhost", "-p", "40000"],
      check: (config) => {
        assert.equal(config.api.address, "localhost");
        assert.equal(config.api.port, 40000);
      },
    },
    { name: "port 0", args: ["-p", "0"], errors: [/api\.port: Invalid listen port/] },
    { name: "port not a number", args: ["--port", "http"], errors: [/api\.port: Invalid listen port/] },
  ]);
});

describe("health-monitor plugins' arguments and the interval mapping", () => {
  runTable([
    {
      name: "icmpecho interval 5 s",
      args: ["--icmp_check_interval", "5"],
      check: (config) => assert.equal(config.probe.intervalMs, 5000),
    },
    {
      name: "icmpecho interval 1.5 s (vpc-router reads a float)",
      args: ["-H", "icmpecho", "--icmp-check-interval", "1.5"],
      check: (config) => assert.equal(config.probe.intervalMs, 1500),
    },
    {
      name: "icmpecho interval 0",
      args: ["--icmp_check_interval", "0"],
      errors: [
        /probe\.intervalMs: --icmp_check_interval: Specified ICMPecho interval must be between 1 and 3600 seconds/,
      ],
    },
    {
      name: "icmpecho interval 3601",
      args: ["--icmp_check_interval", "3601"],
      errors: [/Specified ICMPecho interval must be between 1 and 3600 seconds \(got 3601\)/],
    },
    {
      name: "icmpecho interval not a number",
      args: ["--icmp_check_interval", "fast"],
      errors: [/Specified ICMPecho interval 'fast' must be a number/],
    },
    {
      name: "tcp interval 3 s with tcp health",
      args: ["--health", "tcp", "--tcp_check_interval", "3"],
      check: (config) => assert.equal(config.probe.intervalMs, 3000),
    },
    {
      name: "tcp interval out of range",
      args: ["--health", "tcp", "--tcp_check_interval", "0.5"],
      errors: [/Specified TCP health-test interval must be between 1 and 3600 seconds/],
    },
    {
      // vpc-router would refuse the argument (the tcp plugin is not loaded); we ignore it.
      name: "a tcp interval with icmpecho health has no effect",
      args: ["--tcp_check_interval", "3"],
      check: (config) => assert.equal(config.probe.intervalMs, 300),
    },
    {
      name: "multi takes the smaller interval of its sub-checks",
      args: [
        "-H",
        "multi",
        "--multi_plugins",
        "icmpecho:tcp",
        "--icmp_check_interval",
        "4",
        "--tcp_check_interval",
        "3",
      ],
      check: (config) => {
        assert.equal(config.probe.health, "multi");
        assert.deepEqual(config.probe.multiPlugins, ["icmpecho", "tcp"]);
        assert.equal(config.probe.intervalMs, 3000);
      },
    },
    {
      name: "multi counts only the intervals of its sub-checks",
      args: [
        "-H",
        "multi",
        "--multi_plugins",
        "icmpecho",
        "--icmp_check_interval",
        "5",
        "--tcp_check_interval",
        "2",
      ],
      check: (config) => assert.equal(config.probe.intervalMs, 5000),
    },
    {
      // Differs: vpc-router requires --multi_plugins with -H multi; ours defaults to icmpecho:tcp.
      name: "multi without --multi_plugins uses both checks",
      args: ["-H", "multi"],
      check: (config) => assert.deepEqual(config.probe.multiPlugins, ["icmpecho", "tcp"]),
    },
    {
      name: "an explicit --probe-interval wins over the check interval",
      args: ["--probe-interval", "700", "--icmp_check_interval", "5"],
      check: (config) => assert.equal(config.probe.intervalMs, 700),
    },
    {
      name: "the health check from the environment chooses the interval",
      args: ["--tcp_check_interval", "3", "--icmp_check_interval", "9"],
      env: { VPCROUTER_PROBE_HEALTH: "tcp" },
      check: (config) => assert.equal(config.probe.intervalMs, 3000),
    },
    {
      name: "unknown health plugin",
      args: ["-H", "foo"],
      errors: [/probe\.health: Unknown health-check plugin/],
    },
    {
      name: "unknown multi sub-plugin",
      args: ["-H", "multi", "--multi_plugins", "icmpecho:http"],
      errors: [/probe\.multiPlugins: plugin "http" is not a health-check plugin: it is a spec mode/],
    },
    {
      name: "tcp check port 0",
      args: ["-H", "tcp", "--tcp_check_port", "0"],
      errors: [/probe\.tcpCheckPort: Invalid port for the TCP health-test/],
    },
    {
      name: "tcp check port 65536",
      args: ["-H", "tcp", "--tcp_check_port", "65536"],
      errors: [/probe\.tcpCheckPort: Invalid port for the TCP health-test/],
    },
  ]);
});

describe("--ignore_routes (vpc-router's check_valid_ip_or_cidr)", () => {
  runTable([
    {
      name: "a bare IP is /32, 0.0.0.0 is the default route, CIDRs as written",
      args: ["--ignore_routes", "10.1.2.3, 0.0.0.0,0.0.0.0/10,10.2.0.0/16"],
      check: (config) =>
        assert.deepEqual(config.reconcile.ignoreRoutes, [
          "10.1.2.3/32",
          "0.0.0.0/0",
          "0.0.0.0/10",
          "10.2.0.0/16",
        ]),
    },
    {
      name: "our spelling",
      args: ["--ignore-routes", "192.168.1.1"],
      check: (config) => assert.deepEqual(config.reconcile.ignoreRoutes, ["192.168.1.1/32"]),
    },
    {
      name: "not an address",
      args: ["--ignore_routes", "101.2.3"],
      errors: [/reconcile\.ignoreRoutes: "101\.2\.3" is not an IPv4 dotted quad/],
    },
    {
      name: "octet above 255",
      args: ["--ignore_routes", "301.2.3.0"],
      errors: [/reconcile\.ignoreRoutes: /],
    },
    { name: "bad CIDR", args: ["--ignore_routes", "101.2.3/64"], errors: [/reconcile\.ignoreRoutes: /] },
    { name: "two slashes", args: ["--ignore_routes", "101.2.3/32/2"], errors: [/reconcile\.ignoreRoutes: /] },
    {
      // Differs: vpc-router keeps a CIDR with host bits set as written; we refuse it.
      name: "host bits set",
      args: ["--ignore_routes", "10.0.0.1/8"],
      errors: [/reconcile\.ignoreRoutes: 10\.0\.0\.1\/8 has host bits set/],
    },
  ]);
});

describe("general arguments", () => {
  runTable([
    {
      name: "route recheck interval 0 disables the recheck",
      args: ["--route_recheck_interval", "0"],
      check: (config) => assert.equal(config.reconcile.routeRecheckIntervalSeconds, 0),
    },
    {
      name: "route recheck interval 5",
      args: ["--route-recheck-interval", "5"],
      check: (config) => assert.equal(config.reconcile.routeRecheckIntervalSeconds, 5),
    },
    {
      name: "route recheck interval 3",
      args: ["--route_recheck_interval", "3"],
      errors: [/reconcile\.routeRecheckIntervalSeconds: must be 0 \(disabled\) or an integer from 5/],
    },
    {
      name: "--verbose is debug",
      args: ["--verbose"],
      check: (config) => assert.equal(config.log.level, "debug"),
    },
    {
      name: "--verbose with --log-level debug agrees",
      args: ["--verbose", "--log-level", "debug"],
      check: (config) => assert.equal(config.log.level, "debug"),
    },
    {
      name: "--verbose with --log-level info contradicts",
      args: ["--verbose", "--log-level", "info"],
      errors: [/log\.level: given twice with different values: --log-level info, --verbose/],
    },
    {
      name: "-l - is standard error",
      args: ["-l", "-"],
      check: (config) => assert.equal(config.log.file, "-"),
    },
    {
      name: "--logfile is -l",
      args: ["--logfile", "/var/log/vpcrouter.log"],
      check: (config) => assert.equal(config.log.file, "/var/log/vpcrouter.log"),
    },
    {
      name: "two spellings with the same value",
      args: ["--tcp_check_port", "22", "--tcp-check-port", "22"],
      check: (config) => assert.equal(config.probe.tcpCheckPort, 22),
    },
    {
      name: "two spellings with different values",
      args: ["--tcp_check_port", "22", "--tcp-check-port", "23"],
      errors: [
        /probe\.tcpCheckPort: given twice with different values: --tcp-check-port 23, --tcp_check_port 22/,
      ],
    },
    {
      name: "two spellings of an interval with different values",
      args: ["--icmp_check_interval", "2", "--icmp-check-interval", "3"],
      errors: [/probe\.intervalMs: given twice with different values/],
    },
    {
      name: "--region=… and --vpc=… forms",
      args: ["--region=eu-west-1", "--vpc=vpc-0123456789abcdef0"],
      check: (config) => {
        assert.equal(config.aws.region, "eu-west-1");
        assert.equal(config.aws.vpcId, "vpc-0123456789abcdef0");
      },
    },
    {
      name: "our new switches and route table selection",
      args: ["--fix-source-dest-check", "--allow-empty-spec", "--route-tables", "tag:vpcrouter=managed"],
      check: (config) => {
        assert.equal(config.aws.fixSourceDestCheck, true);
        assert.equal(config.reconcile.allowEmptySpec, true);
        assert.equal(config.aws.routeTables, "tag:vpcrouter=managed");
      },
    },
  ]);
});
