/**
 * The vpcrouter demo: a 3-member etcd, the EC2 emulator with a demo VPC of 3 route tables, 3
 * routers in network namespaces and 3 replicas (one per zone) with the default probe settings.
 * It puts a spec with etcdctl, takes the active router down, and shows the failover and its time.
 * `--keep` leaves everything running until Ctrl-C, to explore `GET /status`.
 */
import { TestWorld } from "../test/support/test-world.js";
import { waitFor } from "../test/support/wait.js";

const keep = process.argv.includes("--keep");
const CIDR_A = "10.55.16.0/24";
const CIDR_B = "10.66.17.0/24";

function printTables(world: TestWorld, routerOf: Map<string, string>): void {
  for (const table of world.ec2.routeTables()) {
    console.log(`  ${table.routeTableId}${table.main ? " (main)" : ""}`);
    for (const route of table.routes) {
      const eni = route.networkInterfaceId;
      const target = eni ? `${eni} (router ${routerOf.get(eni) ?? "?"})` : (route.gatewayId ?? "?");
      console.log(`    ${route.destinationCidrBlock.padEnd(18)} → ${target}`);
    }
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("the demo needs root (network namespaces, raw ICMP sockets)");
  console.log("Starting the demo world: 3-member etcd, EC2 emulator, 3 routers, 3 replicas ...");
  const world = await TestWorld.create({
    tag: "demo",
    subnet: 220,
    etcdMembers: 3,
    routers: 3,
    routeTables: 3,
    prefix: "/vpcrouter",
  });
  const stop = async (): Promise<void> => {
    console.log("Stopping everything ...");
    await Promise.all(world.replicas.map((r) => r.kill("SIGTERM")));
    await world.destroy();
  };
  try {
    const [r1, r2, r3] = world.routers.routerIps as [string, string, string];
    const routerOf = new Map(world.routers.routerIps.map((ip) => [world.eniOf(ip), ip]));
    for (const [index, zone] of ["az-a", "az-b", "az-c"].entries()) {
      await world.startReplica(`demo-${"abc"[index]}`, zone, [], { defaults: true, electionTtlSeconds: 5 });
    }
    console.log(`  etcd        ${world.etcd.endpoints.join(", ")}`);
    console.log(`  EC2         ${world.ec2.url} (VPC ${world.vpcId}, 3 route tables)`);
    console.log(`  routers     ${world.routers.routerIps.join(", ")} (network namespaces)`);
    for (const replica of world.replicas)
      console.log(`  replica     ${replica.id}  ${replica.apiUrl}/status`);

    const spec = JSON.stringify({ [CIDR_A]: [r1, r2, r3], [CIDR_B]: [r1, r3] });
    console.log(`\n$ etcdctl put ${world.prefix}/spec '${spec}'`);
    await world.putSpecWithEtcdctl(spec);
    await waitFor(() => world.allTablesRoute(CIDR_A, r1) && world.allTablesRoute(CIDR_B, r1), {
      timeoutMs: 30_000,
      message: "routes were not created",
    });
    const leader = await world.leader();
    console.log(`\nRoute tables (leader: ${leader?.id ?? "?"}):`);
    printTables(world, routerOf);

    console.log(`\nTaking the active router ${r1} down (ip link set … down in its namespace) ...`);
    const downAt = Date.now();
    await world.routers.linkDown(r1);
    await waitFor(
      () =>
        !world.allTablesRoute(CIDR_A, r1) &&
        world.allTablesRoute(CIDR_A, r2) &&
        world.allTablesRoute(CIDR_B, r3),
      {
        timeoutMs: 30_000,
        intervalMs: 5,
        message: "failover did not happen",
      },
    );
    const seconds = ((Date.now() - downAt) / 1000).toFixed(2);
    console.log(`\nFailover: every route via ${r1} moved in all 3 route tables in ${seconds} s`);
    console.log("  (probe every 500 ms, failed after 3 misses, confirmed by a quorum of 2 of 3 replicas)");
    printTables(world, routerOf);

    if (keep) {
      console.log("\nStill running. Try:");
      for (const replica of world.replicas) console.log(`  curl -s ${replica.apiUrl}/status`);
      console.log(`  ETCDCTL_API=3 etcdctl --endpoints ${world.etcd.endpoints[0]} get --prefix /vpcrouter`);
      console.log(`  curl -s ${world.ec2.url}/_control/route-tables`);
      console.log("Press Ctrl-C to stop.");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
    }
  } catch (error) {
    console.error(`demo failed: ${(error as Error).message}\n${world.tails()}`);
    process.exitCode = 1;
  } finally {
    await stop();
  }
}

await main();
