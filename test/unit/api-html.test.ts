/**
 * The HTML page of the state endpoints (escaping, `_href` links) and the choice of representation
 * from the `Accept` header.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import fastifyAccepts from "@fastify/accepts";
import Fastify from "fastify";
import { escapeHtml, renderStateHtml } from "../../src/api/html.js";
import { chooseRepresentation } from "../../src/api/negotiate.js";
import { renderStatusPage } from "../../src/api/status-page.js";

/** A bare app that answers with the representation chosen for the request's Accept header. */
const app = Fastify();
app.register(fastifyAccepts);
app.get("/", async (request) => ({ chosen: chooseRepresentation(request.accepts()) ?? "none" }));
after(() => app.close());

async function choose(accept: string | undefined): Promise<string> {
  const response = await app.inject({
    method: "GET",
    url: "/",
    headers: accept === undefined ? {} : { accept },
  });
  return (JSON.parse(response.payload) as { chosen: string }).chosen;
}

describe("escapeHtml", () => {
  it("escapes the five HTML-significant characters", () => {
    assert.equal(
      escapeHtml(`<a href="x" onclick='y'>&</a>`),
      "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });
});

describe("renderStateHtml", () => {
  it("renders indented JSON with local _href values as anchors", () => {
    const page = renderStateHtml({ ips: { _href: "/ips" }, n: [1, true, null], e: {}, a: [] }, "t");
    assert.ok(page.includes("<title>t</title>"));
    assert.ok(
      page.includes('    &quot;ips&quot;: {\n        &quot;_href&quot;: "<a href="/ips">/ips</a>"\n    }'),
    );
    assert.ok(page.includes("&quot;n&quot;: [\n        1,\n        true,\n        null\n    ]"));
    assert.ok(page.includes("&quot;e&quot;: {}"));
    assert.ok(page.includes("&quot;a&quot;: []"));
  });

  it("escapes every string and links nothing but same-origin paths", () => {
    const page = renderStateHtml({
      zone: "</pre><script>alert(1)</script>",
      "<key>": 1,
      x: { _href: "javascript:alert(1)" },
      y: { _href: "//evil.example/" },
      z: { _href: '/a"><script>' },
    });
    assert.ok(!page.includes("<script>"));
    assert.ok(!page.includes("<key>"));
    assert.ok(!page.includes('href="javascript'));
    assert.ok(!page.includes('href="//evil'));
    assert.equal((page.match(/<a /g) ?? []).length, 0);
    assert.ok(page.includes("&lt;/pre&gt;&lt;script&gt;"));
  });

  it("escapes the title", () => {
    assert.ok(renderStateHtml({}, "<b>").includes("<title>&lt;b&gt;</title>"));
  });
});

describe("chooseRepresentation", () => {
  it("follows vpc-router: html for browsers, json for application/json, indented text otherwise", async () => {
    assert.equal(await choose(undefined), "text");
    assert.equal(await choose("*/*"), "text");
    assert.equal(await choose("text/*"), "text");
    assert.equal(await choose("text/plain"), "text");
    assert.equal(await choose("application/json"), "json");
    assert.equal(await choose("application/*"), "json");
    assert.equal(await choose("text/html"), "html");
    assert.equal(await choose("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), "html");
  });

  it("honours quality values and refuses what it cannot offer", async () => {
    assert.equal(await choose("application/json;q=0.5, text/html"), "html");
    assert.equal(await choose("text/html;q=0, application/json;q=0.1"), "json");
    assert.equal(await choose("image/png"), "none");
    assert.equal(await choose("application/xml"), "none");
  });
});

describe("renderStatusPage", () => {
  const status = {
    replica: { id: "r1", zone: '<script>alert("z")</script>' },
    role: "leader",
    leader: { id: "r1", term: "41" },
    quorum: 2,
    members: [
      { id: "r1", zone: "az-a" },
      { id: "r2", zone: "az-b" },
    ],
    votes: { r1: { failed: ["10.0.0.1"] }, r2: { failed: ["10.0.0.1"] } },
    failedRouters: ["10.0.0.1"],
    questionableRouters: [],
    spec: { routes: { "10.55.16.0/24": ["10.0.0.1", "10.0.0.2"] } },
    routeTables: [
      {
        routeTableId: "rtb-1",
        routes: [
          {
            destinationCidrBlock: "10.55.16.0/24",
            target: { kind: "eni", networkInterfaceId: "eni-2" },
            state: "active",
          },
        ],
      },
    ],
    lastApply: {
      at: "2026-12-02T01:00:00.000Z",
      changes: [
        {
          ok: true,
          action: {
            routeTableId: "rtb-1",
            destinationCidrBlock: "10.55.16.0/24",
            routerIp: "10.0.0.2",
            failover: true,
            failedRouterIp: "10.0.0.1",
          },
        },
      ],
    },
  };

  it("shows the health matrix, the routes and the failover, everything escaped, no script or style", () => {
    const html = renderStatusPage(status, { ips: { _href: "/ips" } });
    assert.ok(
      html.includes("<tr><td>10.0.0.1</td><td>FAILED</td><td>FAILED</td><td>FAILED (quorum)</td></tr>"),
      html,
    );
    assert.ok(html.includes("<tr><td>10.0.0.2</td><td>ok</td><td>ok</td><td>healthy</td></tr>"));
    assert.ok(html.includes("<td>rtb-1</td><td>10.55.16.0/24</td><td>eni-2</td><td>active</td>"));
    assert.ok(html.includes("<td>10.0.0.1 → 10.0.0.2</td><td>done</td>"));
    assert.ok(html.includes('<a href="/ips">/ips</a>'), "vpc-router's state with its links");
    assert.ok(!html.includes("<script>") && !html.includes("<style"));
    assert.ok(html.includes("&lt;script&gt;alert(&quot;z&quot;)&lt;/script&gt;"));
  });

  it("renders a status of any shape (a replica still starting)", () => {
    const html = renderStatusPage({ role: "starting" }, {});
    assert.ok(html.includes("<td>leader</td><td>none</td>"));
    assert.ok(html.startsWith("<!DOCTYPE html>"));
  });
});
