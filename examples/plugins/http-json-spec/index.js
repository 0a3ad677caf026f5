/**
 * vpcrouter-plugin-http-json: a spec-source plugin for vpcrouter that polls a route spec (a JSON
 * document: CIDR → router IPs) over HTTP(S) and hands each new one to vpcrouter.
 *
 * Plain ES module JavaScript, no build step and no dependencies. The types in the JSDoc comments
 * come from `vpcrouter/plugin` (vpcrouter's plugin API, version 1); nothing is imported from
 * vpcrouter at run time.
 *
 * What it does on each poll (one at a time: the next poll is scheduled `pollIntervalMs` after the
 * previous one finished):
 * - `GET url`, with `If-None-Match: <last ETag>`, the `headers` option's headers and, when
 *   `bearerTokenFile` is set, `Authorization: Bearer <the file's contents>` (read on every poll, so
 *   a rotated Kubernetes Secret is picked up);
 * - 304: no change; 200: the body must be JSON, which is emitted as a whole spec when it differs
 *   from the last one emitted (vpcrouter validates it; this plugin only checks that it is JSON);
 * - anything else (another status, a redirect, a body that is not JSON, a network error, a timeout):
 *   `context.fail("GET <url>: <why>")`; vpcrouter keeps the last good spec in force. After a
 *   failure, the next good answer emits the spec again even if it did not change, so vpcrouter
 *   knows the source is back.
 */
import { readFile } from "node:fs/promises";

/** @typedef {import("vpcrouter/plugin").SpecSourcePlugin} SpecSourcePlugin */
/** @typedef {import("vpcrouter/plugin").SpecSourceContext} SpecSourceContext */
/** @typedef {import("vpcrouter/plugin").PluginOptions} PluginOptions */
/** @typedef {import("vpcrouter/plugin").PluginOptionValues} PluginOptionValues */
/** @typedef {import("vpcrouter/plugin").PluginRun} PluginRun */

/**
 * The options, read from `PluginOptionValues` (each present, validated on its own by vpcrouter).
 * @typedef {object} HttpJsonOptions
 * @property {string} url
 * @property {number} pollIntervalMs
 * @property {number} timeoutMs
 * @property {readonly string[]} headers
 * @property {string} bearerTokenFile
 */

/** The HTTP header field-name syntax (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A bearer token as sent: one run of visible ASCII characters (RFC 6750 allows less; this is lenient). */
const BEARER_TOKEN = /^[\x21-\x7e]+$/;

/** Headers this plugin sets itself, so the `headers` option may not. */
const MANAGED_HEADERS = new Set(["if-none-match"]);

/** @type {PluginOptions} */
const options = {
  url: {
    type: "string",
    doc: "URL of the route spec JSON document, http: or https: (required).",
    default: "",
  },
  pollIntervalMs: {
    type: "integer",
    doc: "Time from the end of one poll to the start of the next, ms.",
    default: 5000,
    min: 100,
    max: 3_600_000,
  },
  timeoutMs: {
    type: "integer",
    doc: "Time allowed for one request, body included, ms; below pollIntervalMs.",
    default: 2000,
    min: 10,
    max: 60_000,
  },
  headers: {
    type: "list",
    doc: "Extra request headers, each `Name: value` (not for secrets: use bearerTokenFile).",
    default: [],
  },
  bearerTokenFile: {
    type: "string",
    doc: "File whose contents are sent as `Authorization: Bearer <contents>`, read at each poll; none when empty.",
    default: "",
  },
};

/**
 * Reads the options from vpcrouter's validated values.
 * @param {PluginOptionValues} values
 * @returns {HttpJsonOptions}
 */
function readOptions(values) {
  return {
    url: String(values.url ?? ""),
    pollIntervalMs: Number(values.pollIntervalMs),
    timeoutMs: Number(values.timeoutMs),
    headers: Array.isArray(values.headers) ? values.headers.map(String) : [],
    bearerTokenFile: String(values.bearerTokenFile ?? ""),
  };
}

/**
 * Splits one `Name: value` entry of the `headers` option.
 * @param {string} entry
 * @returns {[string, string] | undefined} the name and the value, or undefined when malformed
 */
function splitHeader(entry) {
  const colon = entry.indexOf(":");
  if (colon <= 0) return undefined;
  const name = entry.slice(0, colon).trim();
  const value = entry.slice(colon + 1).trim();
  if (!HEADER_NAME.test(name)) return undefined;
  try {
    new Headers([[name, value]]); // the same check fetch makes (no CR, LF or NUL in the value)
  } catch {
    return undefined;
  }
  return [name, value];
}

/**
 * Checks the options together (vpcrouter validated each one on its own already).
 * @param {PluginOptionValues} values
 * @returns {string[]} one sentence per problem, naming the option; empty when none
 */
function checkOptions(values) {
  const o = readOptions(values);
  const problems = [];
  if (o.url === "") {
    problems.push("url must be set to the route spec document's http: or https: URL");
  } else {
    let parsed;
    try {
      parsed = new URL(o.url);
    } catch {
      problems.push(`url is not a valid URL: ${o.url}`);
    }
    if (parsed !== undefined) {
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        problems.push(`url must be http: or https:, not ${parsed.protocol}`);
      }
      if (parsed.username !== "" || parsed.password !== "") {
        // fetch refuses such URLs, and the URL is shown in logs and /status.
        problems.push("url must not hold a user name or password; use bearerTokenFile for credentials");
      }
    }
  }
  if (!(o.timeoutMs < o.pollIntervalMs)) {
    problems.push(
      `timeoutMs (${o.timeoutMs}) must be below pollIntervalMs (${o.pollIntervalMs}), so a poll ends before the next is due`,
    );
  }
  o.headers.forEach((entry, index) => {
    // The entry itself is not quoted: its value may be a secret someone put there anyway.
    const header = splitHeader(entry);
    if (header === undefined) {
      problems.push(`headers entry ${index + 1} must be "Name: value" with a valid name and value`);
      return;
    }
    const name = header[0].toLowerCase();
    if (MANAGED_HEADERS.has(name)) {
      problems.push(`headers entry ${index + 1} sets ${header[0]}, which the plugin sets itself`);
    } else if (name === "authorization" && o.bearerTokenFile !== "") {
      problems.push(`headers entry ${index + 1} sets Authorization, which bearerTokenFile sets too`);
    }
  });
  return problems;
}

/**
 * Why a request failed, in a few words, for `context.fail` and the logs.
 * @param {unknown} error what fetch (or reading the body) threw; for the timeout, the abort reason
 */
function describeError(error) {
  if (error instanceof Error) {
    // undici's "fetch failed" carries the useful part (e.g. "connect ECONNREFUSED 10.0.0.1:80") as its cause.
    const cause = /** @type {{ cause?: unknown }} */ (error).cause;
    if (cause instanceof Error && cause.message !== "") return `${error.message}: ${cause.message}`;
    return error.message;
  }
  return String(error);
}

/** A failure found before the request was sent, with its own message. */
class PollProblem extends Error {
  name = "PollProblem";
}

/**
 * Starts polling. Returns at once; the first poll starts at once too.
 * @param {SpecSourceContext} context
 * @returns {PluginRun}
 */
function start(context) {
  const o = readOptions(context.options);
  const { logger } = context;
  const fixedHeaders = /** @type {[string, string][]} */ (
    o.headers.map(splitHeader).filter((header) => header !== undefined)
  );

  /** Aborted by `stop()` or by vpcrouter's signal: no poll, emit or fail after that. */
  const stopping = new AbortController();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {Promise<void> | undefined} */
  let inFlight;

  /** The ETag of the last document emitted, sent back as `If-None-Match`. */
  /** @type {string | undefined} */
  let etag;
  /** The last spec emitted, and its JSON text as a comparable key. */
  /** @type {unknown} */
  let lastSpec;
  /** @type {string | undefined} */
  let lastKey;
  /** The last failure reported, so that a lasting failure is logged once; undefined when healthy. */
  /** @type {string | undefined} */
  let failing;

  /** @param {string} why */
  function reportFailure(why) {
    if (stopping.signal.aborted) return;
    const problem = `GET ${o.url}: ${why}`;
    context.fail(problem);
    if (problem !== failing) logger.warn("cannot get the route spec", { url: o.url, problem });
    failing = problem;
  }

  /**
   * @param {unknown} spec
   * @param {string} key
   */
  function deliver(spec, key) {
    if (stopping.signal.aborted) return;
    const first = lastKey === undefined;
    const changed = key !== lastKey;
    const recovered = failing !== undefined;
    if (!changed && !recovered) return;
    context.emit(spec);
    lastSpec = spec;
    lastKey = key;
    failing = undefined;
    const fields = {
      url: o.url,
      etag: etag ?? null,
      cidrs: spec !== null && typeof spec === "object" ? Object.keys(spec).length : null,
    };
    if (first) logger.info("route spec received", fields);
    else if (changed) logger.info("route spec changed", fields);
    else logger.info("route spec source is back; the spec did not change", fields);
  }

  /** The request headers for one poll; throws a message for `reportFailure` when the token cannot be read. */
  async function requestHeaders() {
    const headers = new Headers(fixedHeaders);
    if (etag !== undefined) headers.set("If-None-Match", etag);
    if (o.bearerTokenFile !== "") {
      let token;
      try {
        token = (await readFile(o.bearerTokenFile, "utf8")).trim();
      } catch (error) {
        const code = /** @type {{ code?: unknown }} */ (error).code;
        throw new PollProblem(
          `cannot read bearerTokenFile ${o.bearerTokenFile}: ${code ?? describeError(error)}`,
        );
      }
      // Checked here rather than by Headers, whose error would quote the token.
      if (!BEARER_TOKEN.test(token)) {
        throw new PollProblem(
          `bearerTokenFile ${o.bearerTokenFile} does not hold a token (one line of visible ASCII characters)`,
        );
      }
      headers.set("Authorization", `Bearer ${token}`);
    }
    return headers;
  }

  /** One poll; never throws (every failure goes to `reportFailure`). */
  async function poll() {
    const request = new AbortController();
    const onStop = () => request.abort(stopping.signal.reason);
    stopping.signal.addEventListener("abort", onStop, { once: true });
    // A timer and a listener that are removed afterwards, rather than AbortSignal.any([...]) with
    // the long-lived stop signal: on Node 20 (measured on 20.20) every AbortSignal.any() call leaves
    // an entry on the long-lived signal that is never freed, which adds up over months of polls.
    const timeout = setTimeout(
      () => request.abort(new DOMException(`timed out after ${o.timeoutMs} ms`, "TimeoutError")),
      o.timeoutMs,
    );
    try {
      const headers = await requestHeaders();
      // Redirects are not followed: the plugin talks to its URL only (and a redirect could carry
      // the bearer token elsewhere); a 3xx is reported as a failure that names the new location.
      const response = await fetch(o.url, { headers, signal: request.signal, redirect: "manual" });
      if (response.status === 304) {
        await response.body?.cancel();
        if (lastKey === undefined) {
          reportFailure("304 Not Modified, but no document was received before");
        } else {
          deliver(lastSpec, lastKey); // emits only when recovering from a failure
        }
        return;
      }
      if (response.status < 200 || response.status > 299) {
        await response.body?.cancel();
        const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
        const location = response.headers.get("location");
        reportFailure(
          location === null ? status : `${status}, redirects to ${location} (redirects are not followed)`,
        );
        return;
      }
      const text = await response.text();
      let spec;
      try {
        spec = JSON.parse(text.startsWith("\uFEFF") ? text.slice(1) : text);
      } catch (error) {
        reportFailure(`the body is not JSON (${describeError(error)})`);
        return;
      }
      etag = response.headers.get("etag") ?? undefined;
      deliver(spec, JSON.stringify(spec));
    } catch (error) {
      if (stopping.signal.aborted) {
        logger.debug("route spec poll cancelled: the plugin is stopping", { url: o.url });
        return; // not a failure of the source
      }
      reportFailure(error instanceof PollProblem ? error.message : describeError(error));
    } finally {
      clearTimeout(timeout);
      stopping.signal.removeEventListener("abort", onStop);
    }
  }

  function runPoll() {
    timer = undefined;
    if (stopping.signal.aborted) return;
    inFlight = poll()
      .catch((error) => {
        // A bug in this plugin, not a problem of the source: log it and keep polling.
        logger.error("route spec poll failed unexpectedly", { url: o.url, error: String(error) });
      })
      .finally(() => {
        inFlight = undefined;
        if (stopping.signal.aborted) return;
        timer = setTimeout(runPoll, o.pollIntervalMs);
        timer.unref?.(); // vpcrouter decides when the process ends, not this timer
      });
  }

  function onContextAbort() {
    stopping.abort(context.signal.reason);
  }
  stopping.signal.addEventListener(
    "abort",
    () => {
      clearTimeout(timer);
      timer = undefined;
      context.signal.removeEventListener("abort", onContextAbort);
    },
    { once: true },
  );
  if (context.signal.aborted) stopping.abort(context.signal.reason);
  else context.signal.addEventListener("abort", onContextAbort, { once: true });

  logger.debug("polling the route spec", { url: o.url, pollIntervalMs: o.pollIntervalMs });
  runPoll();

  return {
    /** Stops polling, aborts the request in flight and waits for its poll to end. */
    async stop() {
      stopping.abort(new Error("stopped"));
      await inFlight;
    },
  };
}

/** @type {SpecSourcePlugin} */
const plugin = {
  apiVersion: 1,
  kind: "spec-source",
  name: "http-json",
  description: "Polls a JSON route spec over HTTP(S), with ETag revalidation",
  options,
  checkOptions,
  start,
};

export default plugin;
