/**
 * Standalone EC2 emulator for the bash demo and manual runs.
 *
 *   node --import tsx test/support/ec2-emulator/main.ts --world world.json [--port N]
 *   node --import tsx test/support/ec2-emulator/main.ts --demo-world --vpc-id vpc-1 --route-tables 3 \
 *        --router 198.18.0.11 --router 198.18.0.12=i-0abc:eni-0abc [--throttle] [--port N]
 *
 * Prints one JSON line `{"url": "http://127.0.0.1:PORT", "port": PORT}` once listening; stops on SIGTERM/SIGINT.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type DemoRouter, demoWorld } from "./demo-world.js";
import { startEc2Emulator } from "./server.js";
import type { WorldSpec } from "./world-spec.js";

function usage(message: string): never {
  process.stderr.write(`ec2-emulator: ${message}\n`);
  process.exit(2);
}

/** `IP` or `IP=instanceId:eniId` (either id may be empty). */
function parseRouter(text: string): DemoRouter {
  const [ip = "", ids] = text.split("=", 2);
  const [instanceId, eniId] = (ids ?? "").split(":", 2);
  return { ip, ...(instanceId ? { instanceId } : {}), ...(eniId ? { eniId } : {}) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      world: { type: "string" },
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      "demo-world": { type: "boolean", default: false },
      "vpc-id": { type: "string" },
      "vpc-cidr": { type: "string" },
      "route-tables": { type: "string", default: "1" },
      router: { type: "string", multiple: true, default: [] },
      throttle: { type: "boolean", default: false },
      "consistency-delay-ms": { type: "string", default: "0" },
      "no-auth": { type: "boolean", default: false },
    },
    strict: true,
  });
  let world: WorldSpec;
  if (values.world !== undefined) {
    world = JSON.parse(readFileSync(values.world, "utf8")) as WorldSpec;
  } else if (values["demo-world"]) {
    world = demoWorld({
      ...(values["vpc-id"] !== undefined ? { vpcId: values["vpc-id"] } : {}),
      ...(values["vpc-cidr"] !== undefined ? { vpcCidr: values["vpc-cidr"] } : {}),
      routeTableCount: Number(values["route-tables"]),
      routers: values.router.map(parseRouter),
    });
  } else {
    usage("give --world FILE or --demo-world");
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`bad --port ${values.port}`);

  const emulator = await startEc2Emulator({
    world,
    port,
    host: values.host,
    throttle: values.throttle,
    consistencyDelayMs: Number(values["consistency-delay-ms"]),
    requireAuth: !values["no-auth"],
  });
  process.stdout.write(`${JSON.stringify({ url: emulator.url, port: emulator.port })}\n`);

  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`ec2-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
