import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { CHECK_INTERVAL_FLAGS, CONFIG_FLAGS } from "../../src/cli/flag-table.js";
import { configFlagOptions, spellingsOf } from "../../src/cli/flags.js";
import { parseRunConfig } from "../../src/cli/parse-run-config.js";
import { isSettingPath } from "../../src/config/paths.js";

const ALL_FLAGS = [...CONFIG_FLAGS, ...CHECK_INTERVAL_FLAGS];
const VPC_ROUTER_SPELLINGS = ALL_FLAGS.flatMap((flag) => flag.vpcRouterSpellings ?? []);

describe("configuration flag table", () => {
  it("every flag sets a setting", () => {
    for (const flag of CONFIG_FLAGS) assert.ok(isSettingPath(flag.path), `${flag.flags}: ${flag.path}`);
  });

  it("lists vpc-router's underscore spellings as aliases", () => {
    assert.deepEqual(VPC_ROUTER_SPELLINGS, [
      "--fixed_cidr",
      "--fixed_hosts",
      "--tcp_check_port",
      "--multi_plugins",
      "--route_recheck_interval",
      "--ignore_routes",
      "--logfile",
      "--icmp_check_interval",
      "--tcp_check_interval",
    ]);
  });

  it("a vpc-router spelling takes the value of the flag it spells, hidden", () => {
    const logFile = CONFIG_FLAGS.find((flag) => flag.path === "log.file");
    assert.ok(logFile !== undefined);
    assert.deepEqual(spellingsOf(logFile), [
      {
        flags: "-l, --log-file <path>",
        description: "append logs to this file (- standard error; default standard output)",
        hidden: false,
      },
      { flags: "--logfile <path>", description: "vpc-router spelling", hidden: true },
    ]);
  });

  it("gives every spelling its own long name and option attribute", () => {
    const options = configFlagOptions();
    const longs = options.map((option) => option.long);
    const attributes = options.map((option) => option.attributeName());
    assert.equal(new Set(longs).size, longs.length, `a long name twice: ${longs.join(" ")}`);
    assert.equal(new Set(attributes).size, attributes.length, `an attribute twice: ${attributes.join(" ")}`);
    assert.equal(options.length, ALL_FLAGS.length + VPC_ROUTER_SPELLINGS.length);
    const hidden = options.filter((option) => option.hidden).map((option) => option.long);
    assert.deepEqual(hidden, VPC_ROUTER_SPELLINGS);
  });

  it("a value flag (--verbose, --allow-empty-spec) takes no argument", () => {
    for (const flag of CONFIG_FLAGS) {
      if (flag.value === undefined) assert.match(flag.flags, / <[^>]+>$/, flag.flags);
      else assert.doesNotMatch(flag.flags, /[<[]/, flag.flags);
    }
  });
});

describe("configuration flags in --help and config/README.md", () => {
  it("--help lists our spellings, and names vpc-router's only in the footer", async () => {
    const { code, out } = await parseRunConfig(["--help"]);
    assert.equal(code, 0);
    const [options = "", footer = ""] = out.split("\nCommands:");
    for (const flag of ALL_FLAGS) {
      const long = / (--[^ ]+)/.exec(` ${flag.flags}`)?.[1] ?? flag.flags;
      assert.ok(options.includes(long), `--help lacks ${long}`);
    }
    for (const spelling of VPC_ROUTER_SPELLINGS) {
      assert.ok(!options.includes(spelling), `--help lists the hidden ${spelling}`);
      assert.ok(footer.includes(spelling), `the --help footer does not name ${spelling}`);
    }
  });

  it("each subcommand's --help lists only the flags it uses", async () => {
    const helpOf = async (args: string[]) => {
      const { code, out } = await parseRunConfig(args);
      assert.equal(code, 0, args.join(" "));
      return out;
    };
    const put = await helpOf(["spec", "put", "--help"]);
    for (const flag of [
      "--config",
      "--etcd-endpoints",
      "--prefix",
      "--etcd-cacert",
      "--etcd-password-file",
    ]) {
      assert.ok(put.includes(flag), `spec put --help lacks ${flag}`);
    }
    for (const flag of ["--fall", "--port", "--mode", "--log-level"]) {
      assert.ok(!put.includes(flag), `spec put --help lists ${flag}`);
    }
    const status = await helpOf(["status", "--help"]);
    assert.ok(status.includes("--port") && status.includes("--address") && status.includes("--json"), status);
    assert.ok(status.includes("--api-client-cert") && status.includes("--api-ca"), status);
    assert.ok(!status.includes("--etcd-endpoints") && !status.includes("--fall"), status);
    const validate = await helpOf(["spec", "validate", "--help"]);
    assert.ok(validate.includes("--config") && !validate.includes("--etcd-endpoints"), validate);
    const run = await helpOf(["run", "--help"]);
    assert.ok(run.includes("--fall") && run.includes("--etcd-endpoints"), run);
  });

  it("config/README.md names every spelling", async () => {
    const readme = await readFile(new URL("../../config/README.md", import.meta.url), "utf8");
    for (const option of configFlagOptions()) {
      for (const name of [option.long, option.short]) {
        if (name !== undefined)
          assert.ok(readme.includes(`\`${name}\``), `${name} missing from config/README.md`);
      }
    }
  });
});
