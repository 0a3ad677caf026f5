import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "../../src/log/logger.js";

/** A pino destination that keeps the lines it receives. */
function capture(): { lines: () => Record<string, unknown>[]; write(line: string): void } {
  const written: string[] = [];
  return {
    write: (line) => {
      written.push(line);
    },
    lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe("createLogger", () => {
  it("writes one JSON object per line with a level label, ISO time and child fields", () => {
    const out = capture();
    const logger = createLogger({ level: "info" }, out).child({ replica: "r1", zone: "us-east-1a" });
    logger.info({ cidr: "10.0.0.0/8" }, "route replaced");
    const [line] = out.lines();
    assert.equal(line?.level, "info");
    assert.equal(line?.msg, "route replaced");
    assert.equal(line?.replica, "r1");
    assert.equal(line?.zone, "us-east-1a");
    assert.equal(line?.cidr, "10.0.0.0/8");
    assert.match(String(line?.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(line?.pid, undefined);
  });

  it("drops lines below the configured level", () => {
    const out = capture();
    const logger = createLogger({ level: "warn" }, out);
    logger.info("hidden");
    logger.warn("shown");
    assert.deepEqual(
      out.lines().map((line) => line.msg),
      ["shown"],
    );
  });

  it("redacts passwords wherever a config or options object is logged", () => {
    const out = capture();
    const logger = createLogger({ level: "info" }, out);
    logger.info({ config: { etcd: { password: "hunter2", username: "root" } } }, "config");
    logger.info({ auth: { password: "hunter3" } }, "auth");
    const text = JSON.stringify(out.lines());
    assert.doesNotMatch(text, /hunter2|hunter3/);
    assert.match(text, /"username":"root"/);
  });
});
