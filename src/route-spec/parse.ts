/**
 * Parsing and validating the route spec (vpc-router's JSON format): accepted or rejected whole,
 * with every problem named. Pure.
 */
import { parseIpv4Cidr } from "./cidr.js";
import { parseIpv4 } from "./ipv4.js";
import { topLevelObjectKeys } from "./json-object-keys.js";
import type { RouteSpec, SpecParseResult, SpecProblem } from "./route-spec.js";

/**
 * Most router IPs one route may list. Each is probed by every replica at every interval and looked
 * up in EC2 by the leader; a list longer than any failover needs is far more likely a mistake (a
 * pasted subnet) than a wish.
 */
export const MAX_ROUTERS_PER_ROUTE = 32;

/** Limits applied while validating a spec. */
export interface SpecOptions {
  /** Most routes (CIDR keys) a spec may hold; more is a problem. */
  readonly maxRoutes: number;
}

/**
 * Parses and validates a route spec given as JSON text (the value of `<prefix>/spec`).
 *
 * Besides everything {@link validateSpec} checks, a member name that appears twice in the text is a
 * problem (`JSON.parse` would silently keep only the last one).
 *
 * @param text - vpc-router's JSON route spec, e.g. `{"10.55.16.0/24": ["10.33.20.142"]}`.
 * @returns the normalised spec, or every problem found. Bad JSON yields one problem carrying the
 *   parser's message. Never throws. Rules: docs/DESIGN.md section 2 "Route spec".
 */
export function parseSpec(text: string, options: SpecOptions): SpecParseResult {
  if (typeof text !== "string") return rejected([{ message: "route spec must be JSON text" }]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return rejected([{ message: `route spec is not valid JSON: ${reason}` }]);
  }
  const repeated = repeatedKeyProblems(topLevelObjectKeys(text));
  const validated = validateSpec(value, options);
  if (repeated.length === 0) return validated;
  return rejected([...repeated, ...(validated.ok ? [] : validated.problems)]);
}

/**
 * Validates an already-parsed route spec (e.g. an HTTP request body).
 *
 * Rules (docs/DESIGN.md section 2 "Route spec"): the top level is an object; each key is an IPv4 CIDR `a.b.c.d/n`
 * with host bits clear and no leading zeros (whitespace around it is trimmed); each value is a
 * non-empty array of IPv4 dotted quads (strings); repeated router IPs are dropped, keeping the first;
 * two keys that normalise to the same CIDR are a problem; more than `options.maxRoutes` keys, or
 * more than {@link MAX_ROUTERS_PER_ROUTE} distinct routers in one list, is a problem. IPv6 is refused.
 *
 * @returns `{ ok: true, spec }` with normalised CIDR keys in input order and router lists in
 *   operator order, or `{ ok: false, problems }` listing every problem found, each naming the CIDR
 *   (as written) it concerns. Never throws.
 */
export function validateSpec(value: unknown, options: SpecOptions): SpecParseResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return rejected([
      {
        message: `route spec must be a JSON object mapping CIDRs to router IP lists, got ${describeJsonType(value)}`,
      },
    ]);
  }
  const problems: SpecProblem[] = [];
  const entries = Object.entries(value);
  if (entries.length > options.maxRoutes) {
    problems.push({
      message: `route spec has ${entries.length} routes, more than the limit of ${options.maxRoutes}`,
    });
  }
  const routes = new Map<string, readonly string[]>();
  const firstKeyOf = new Map<string, string>();
  for (const [key, hostsValue] of entries) {
    const hosts = validateHosts(key, hostsValue, problems);
    const parsed = parseIpv4Cidr(key);
    if (!parsed.ok) {
      problems.push({ cidr: key, message: parsed.message });
      continue;
    }
    const cidr = parsed.cidr.text;
    const firstKey = firstKeyOf.get(cidr);
    if (firstKey !== undefined) {
      problems.push({
        cidr: key,
        message: `${JSON.stringify(key)} and ${JSON.stringify(firstKey)} are the same route ${cidr}`,
      });
      continue;
    }
    firstKeyOf.set(cidr, key);
    if (hosts !== undefined) routes.set(cidr, hosts);
  }
  if (problems.length > 0) return rejected(problems);
  const spec: RouteSpec = Object.freeze(Object.fromEntries(routes));
  return { ok: true, spec };
}

/**
 * Renders problems on one line for logs and the status API, e.g.
 * `10.55.16.1/24 has host bits set (did you mean 10.55.16.0/24?); 10.66.17.0/24: router list is empty`.
 *
 * @returns the messages joined by `"; "`, line breaks replaced by spaces; `""` for no problems.
 */
export function formatSpecProblems(problems: readonly SpecProblem[]): string {
  return problems.map((problem) => problem.message.replace(/\s*[\r\n]+\s*/g, " ")).join("; ");
}

/** Checks one route's router list; records problems and returns the deduplicated list when valid. */
function validateHosts(key: string, value: unknown, problems: SpecProblem[]): readonly string[] | undefined {
  const route = key.trim();
  if (!Array.isArray(value)) {
    problems.push({
      cidr: key,
      message: `${route}: router list must be a non-empty array of IPv4 addresses, got ${describeJsonType(value)}`,
    });
    return undefined;
  }
  if (value.length === 0) {
    problems.push({ cidr: key, message: `${route}: router list is empty` });
    return undefined;
  }
  const hosts: string[] = [];
  let valid = true;
  value.forEach((item: unknown, index) => {
    if (typeof item !== "string") {
      problems.push({
        cidr: key,
        message: `${route}: router #${index + 1} must be a string, got ${describeJsonType(item)}`,
      });
      valid = false;
      return;
    }
    const parsed = parseIpv4(item);
    if (!parsed.ok) {
      problems.push({ cidr: key, message: `${route}: router ${JSON.stringify(item)} ${parsed.reason}` });
      valid = false;
      return;
    }
    if (!hosts.includes(parsed.address)) hosts.push(parsed.address);
  });
  if (valid && hosts.length > MAX_ROUTERS_PER_ROUTE) {
    problems.push({
      cidr: key,
      message: `${route}: lists ${hosts.length} router IPs, more than the ${MAX_ROUTERS_PER_ROUTE} a route may have`,
    });
    return undefined;
  }
  return valid ? Object.freeze(hosts) : undefined;
}

function repeatedKeyProblems(keys: readonly string[]): SpecProblem[] {
  const seen = new Set<string>();
  const reported = new Set<string>();
  const problems: SpecProblem[] = [];
  for (const key of keys) {
    if (seen.has(key) && !reported.has(key)) {
      problems.push({
        cidr: key,
        message: `${JSON.stringify(key)} appears more than once in the route spec`,
      });
      reported.add(key);
    }
    seen.add(key);
  }
  return problems;
}

function describeJsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" || type === "undefined" ? `an ${type}` : `a ${type}`;
}

function rejected(problems: readonly SpecProblem[]): SpecParseResult {
  return { ok: false, problems };
}
