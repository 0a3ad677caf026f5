/**
 * Command line for the router test world, for bash demos:
 *
 *   node --import tsx test/support/router-namespaces-cli.ts create <name> <subnet> <count>
 *       prints the router IPs as a JSON array and exits, leaving the world in place
 *   ... down <name> <ip>      takes a router's link down
 *   ... up <name> <ip>        brings it back up
 *   ... remove <name> <ip>    deletes a router's namespace
 *   ... destroy <name>        removes the whole world (works from any process)
 *   ... cleanup <tagPrefix>   removes worlds left behind by dead processes
 *
 * Exit status: 0 on success, 1 on failure (message on stderr), 2 on bad usage.
 */
import { cleanupStaleRouterWorlds, destroyRouterWorld, RouterWorld } from "./router-namespaces.js";

const USAGE = `usage:
  create <name> <subnet> <count>
  down <name> <ip> | up <name> <ip> | remove <name> <ip>
  destroy <name>
  cleanup <tagPrefix>`;

class UsageError extends Error {}

function integer(text: string | undefined, what: string): number {
  if (text === undefined || !/^\d+$/.test(text))
    throw new UsageError(`${what} must be a non-negative integer`);
  return Number(text);
}

function required(text: string | undefined, what: string): string {
  if (text === undefined || text === "") throw new UsageError(`missing ${what}`);
  return text;
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case "create": {
      const [name, subnet, count] = args;
      const world = await RouterWorld.create(
        { name: required(name, "name"), subnet: integer(subnet, "subnet") },
        integer(count, "count"),
      );
      process.stdout.write(`${JSON.stringify(world.routerIps)}\n`);
      return;
    }
    case "down":
    case "up":
    case "remove": {
      const [name, ip] = args;
      const world = await RouterWorld.attach(required(name, "name"));
      const routerIp = required(ip, "ip");
      if (command === "down") await world.linkDown(routerIp);
      else if (command === "up") await world.linkUp(routerIp);
      else await world.removeRouter(routerIp);
      return;
    }
    case "destroy":
      await destroyRouterWorld(required(args[0], "name"));
      return;
    case "cleanup":
      await cleanupStaleRouterWorlds(required(args[0], "tagPrefix"));
      return;
    default:
      throw new UsageError(command === undefined ? "missing command" : `unknown command ${command}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const usage = error instanceof UsageError;
  process.stderr.write(
    `${error instanceof Error ? error.message : String(error)}${usage ? `\n${USAGE}` : ""}\n`,
  );
  process.exitCode = usage ? 2 : 1;
});
