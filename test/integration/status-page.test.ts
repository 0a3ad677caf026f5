/**
 * The status page in a real browser: Debian's Chromium, headless, driven by playwright-core, loads
 * `GET /` of a replica of the test world during a failover (Playwright's own temporary profile) and must show the leader, the members,
 * the failed router in the health matrix, the route moved in every table and the failover made.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium } from "playwright-core";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const CIDR = "10.55.16.0/24";

describe("the status page in headless Chromium", () => {
  let world: TestWorld;
  let browser: Browser;
  let r1: string;
  let r2: string;

  before(async () => {
    world = await TestWorld.create({ tag: "page", subnet: 245, etcdMembers: 1, routers: 2, routeTables: 2 });
    [r1, r2] = world.routers.routerIps as [string, string];
    for (const [id, zone] of [
      ["pg-a", "az-a"],
      ["pg-b", "az-b"],
      ["pg-c", "az-c"],
    ] as const) {
      await world.startReplica(id, zone, ["--expected-replicas", "3"]);
    }
    await world.putSpecAndWait({ [CIDR]: [r1, r2] });
    // The flags keep Chromium off the network: only the page's own loopback address is reached.
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await world?.destroy();
  });

  it("shows the leader, the health matrix, the moved routes and the failover", async () => {
    const leader = await world.agreedLeader();
    await world.routers.linkDown(r1);
    await waitFor(() => world.allTablesRoute(CIDR, r2), {
      timeoutMs: 20_000,
      message: () => `no failover\n${world.tails()}`,
    });
    const page = await browser.newPage();
    const cellsOf = (id: string) =>
      page.$$eval(`#${id} tr`, (rows) =>
        // Runs in the page (no DOM types in this project's compiler settings).
        rows.map((row) =>
          Array.from(
            (
              row as unknown as { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> }
            ).querySelectorAll("td,th"),
            (cell) => cell.textContent ?? "",
          ),
        ),
      );
    let health: string[][] = [];
    let failovers: string[][] = [];
    // The page reloads itself; the leader records the failover a moment after the routes moved.
    await waitFor(
      async () => {
        await page.goto(leader.apiUrl, { waitUntil: "load" });
        health = await cellsOf("health");
        failovers = await cellsOf("failovers");
        return failovers.length >= 3;
      },
      { timeoutMs: 15_000, intervalMs: 300, message: () => `failovers: ${JSON.stringify(failovers)}` },
    );
    assert.equal(await page.title(), `vpcrouter ${leader.id}`);
    const summary = await page.textContent("#summary");
    assert.match(summary ?? "", new RegExp(`leader${leader.id} \\(term \\d+\\)`));
    const members = (await cellsOf("members")).slice(1).map((row) => row[0]);
    assert.deepEqual(members.sort(), ["pg-a", "pg-b", "pg-c"]);
    const failedRow = health.find((row) => row[0] === r1);
    assert.equal(failedRow?.at(-1), "FAILED (quorum)", JSON.stringify(health));
    assert.equal(health.find((row) => row[0] === r2)?.at(-1), "healthy");
    const routes = (await cellsOf("routes")).slice(1).filter((row) => row[1] === CIDR);
    assert.equal(routes.length, 2);
    for (const row of routes) assert.equal(row[2], world.eniOf(r2));
    for (const row of failovers.slice(1)) {
      assert.equal(row[3], `${r1} → ${r2}`);
      assert.equal(row[4], "done");
    }
    // vpc-router's state is still on the page, with its links.
    assert.ok(await page.$('a[href="/route_info"]'), "no link to /route_info");
    await page.close();
  });
});
