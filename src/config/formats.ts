/**
 * convict formats for vpcrouter settings. Each format validates one value and, where the value can
 * arrive as text (environment variables, CLI flags), coerces that text strictly: `"12abc"` stays a
 * string and fails validation instead of silently becoming 12 (convict's built-in `int` uses
 * `parseInt`). convict prefixes every message with the setting's path.
 */
import convict from "convict";
import ipaddr from "ipaddr.js";
import { parseRouteTableSelection } from "../domain/route-table-selection.js";
import { normaliseIgnoredCidr } from "../route-spec/ignore-routes.js";
import { parseIpv4 } from "../route-spec/ipv4.js";

/** Whole decimal number, optional sign, surrounding spaces allowed. */
const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;

/**
 * An etcd endpoint: `host:port` or `http(s)://host:port` (optional trailing `/`), where host is a DNS
 * name, an IPv4 address or a bracketed IPv6 address. etcd3 strips the scheme and uses TLS when the
 * scheme is https or TLS files are configured (etcd3 src/connection-pool.ts).
 */
const ENDPOINT =
  /^(?:(https?):\/\/)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})\/?$/;

/** A replica id is one etcd key segment (`<prefix>/members/<replicaId>`): no `/`, no spaces. */
const REPLICA_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** EC2 VPC ids: `vpc-` and 8 or 17 hex digits (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ids.html). */
const VPC_ID = /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** AWS region names such as `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`. */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

function integerFromText(value: unknown): unknown {
  return typeof value === "string" && INTEGER_TEXT.test(value) ? Number(value) : value;
}

/** Splits `"a, b,c"` into `["a", "b", "c"]`; an empty or blank string is the empty list. */
export function listFromText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

export function fail(message: string): never {
  throw new Error(message);
}

const registered = new Set<string>();

/** Registers a convict format once (formats are global to convict) and returns its name. */
export function register(
  name: string,
  validate: (value: unknown) => void,
  coerce?: (value: unknown) => unknown,
): string {
  if (!registered.has(name)) {
    convict.addFormat({ name, validate, ...(coerce === undefined ? {} : { coerce }) });
    registered.add(name);
  }
  return name;
}

/**
 * Format of an integer setting in `[min, max]` (inclusive); text is coerced strictly.
 * @returns the convict format name to put in the schema.
 */
export function integerFormat(min: number, max: number): string {
  return register(
    `vpcrouter-integer-${min}-${max}`,
    (value) => {
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        fail(`must be an integer from ${min} to ${max}`);
      }
    },
    integerFromText,
  );
}

/**
 * Format of an interval in seconds where 0 disables the activity: `0` or an integer in `[min, max]`.
 * @returns the convict format name.
 */
export function zeroOrIntegerFormat(min: number, max: number): string {
  return register(
    `vpcrouter-zero-or-integer-${min}-${max}`,
    (value) => {
      if (
        typeof value !== "number" ||
        !Number.isInteger(value) ||
        (value !== 0 && (value < min || value > max))
      ) {
        fail(`must be 0 (disabled) or an integer from ${min} to ${max}`);
      }
    },
    integerFromText,
  );
}

/**
 * `true` or `false`; text (env, flags) only as `"true"`/`"false"` (convict's `Boolean` makes any
 * other text true, so `VPCROUTER_RECONCILE_DRY_RUN=no` would turn dry run on).
 */
export const BOOLEAN = register(
  "vpcrouter-boolean",
  (value) => {
    if (typeof value !== "boolean") fail("must be true or false");
  },
  (value) => {
    const text = typeof value === "string" ? value.trim().toLowerCase() : value;
    return text === "true" ? true : text === "false" ? false : value;
  },
);

/** Any string (possibly empty) without control characters. */
export const TEXT = register("vpcrouter-text", (value) => {
  if (typeof value !== "string") fail("must be a string");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) fail("must not contain control characters");
});

/** A non-empty string without control characters. */
export const NON_EMPTY_TEXT = register("vpcrouter-non-empty-text", (value) => {
  if (typeof value !== "string" || value.trim() === "") fail("must be a non-empty string");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) fail("must not contain control characters");
});

/** Non-empty list of etcd endpoints (`host:port` or `http(s)://host:port`); text is a comma list. */
export const ETCD_ENDPOINTS = register(
  "vpcrouter-etcd-endpoints",
  (value) => {
    if (!Array.isArray(value) || value.length === 0)
      fail("must be a non-empty list of host:port or http(s)://host:port");
    for (const item of value) {
      if (typeof item !== "string") fail(`${JSON.stringify(item)} is not a string`);
      const match = ENDPOINT.exec(item);
      if (match === null) fail(`${JSON.stringify(item)} is not host:port or http(s)://host:port`);
      const host = match[2] ?? "";
      const port = Number(match[3]);
      if (port < 1 || port > 65535) fail(`${JSON.stringify(item)} has a port outside 1..65535`);
      if (host.startsWith("[") && !ipaddr.IPv6.isValid(host.slice(1, -1))) {
        fail(`${JSON.stringify(item)} has an invalid IPv6 address`);
      }
    }
    const schemes = new Set(value.map((item: string) => (item.startsWith("https://") ? "https" : "http")));
    if (schemes.size > 1) fail("mixes https:// and plain endpoints; use one scheme for all");
  },
  listFromText,
);

/**
 * List of ignore routes: IPv4 CIDRs (host bits clear) or bare IPv4 addresses (vpc-router's
 * `--ignore_routes`: an address means `/32`, `0.0.0.0` means `0.0.0.0/0`); text is a comma list.
 * `loadConfig` turns every entry into its canonical CIDR after validation.
 */
export const IPV4_CIDR_LIST = register(
  "vpcrouter-ipv4-cidr-list",
  (value) => {
    if (!Array.isArray(value)) fail("must be a list of IPv4 CIDRs or addresses");
    for (const item of value) {
      if (typeof item !== "string") fail(`${JSON.stringify(item)} is not a string`);
      const parsed = normaliseIgnoredCidr(item);
      if (!parsed.ok) fail(parsed.message);
    }
  },
  listFromText,
);

/** etcd key prefix: starts with `/`, no trailing `/`, no empty segment, no spaces. */
export const ETCD_PREFIX = register("vpcrouter-etcd-prefix", (value) => {
  if (typeof value !== "string" || !value.startsWith("/")) fail('must start with "/" (e.g. "/vpcrouter")');
  if (value.length < 2) fail('must name a key below the root (e.g. "/vpcrouter"), not "/" alone');
  if (value.endsWith("/")) fail('must not end with "/"');
  if (value.includes("//")) fail('must not contain an empty segment ("//")');
  if (/\s/.test(value)) fail("must not contain whitespace");
});

/** A replica id (etcd key segment), or `""` for "use the host name". */
export const REPLICA_ID_FORMAT = register("vpcrouter-replica-id", (value) => {
  if (typeof value !== "string") fail("must be a string");
  if (value !== "" && !REPLICA_ID.test(value)) {
    fail("must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
});

/** A VPC id `vpc-…`, or `""` when not set. */
export const VPC_ID_FORMAT = register("vpcrouter-vpc-id", (value) => {
  if (typeof value !== "string") fail("must be a string");
  if (value !== "" && !VPC_ID.test(value))
    fail('must look like "vpc-0123456789abcdef0" (vpc- and 8 or 17 hex digits)');
});

/** An AWS region name, or `""`: then `AWS_REGION`, the profile, `AWS_DEFAULT_REGION`, then IMDS. */
export const REGION_FORMAT = register("vpcrouter-region", (value) => {
  if (typeof value !== "string") fail("must be a string");
  if (value !== "" && !REGION.test(value)) fail('must be an AWS region name such as "us-east-1"');
});

/** An IPv4 or IPv6 literal, or `localhost`, to bind the HTTP API to. */
export const LISTEN_ADDRESS = register("vpcrouter-listen-address", (value) => {
  if (typeof value !== "string") fail("must be a string");
  if (value !== "localhost" && !ipaddr.IPv4.isValidFourPartDecimal(value) && !ipaddr.IPv6.isValid(value)) {
    fail(
      'Not a valid IP address: must be an IPv4 or IPv6 address (e.g. "127.0.0.1", "0.0.0.0", "::1") or "localhost"',
    );
  }
});

/**
 * Browser origins allowed to write (`api.allowedOrigins`): `http(s)://host[:port]`, no path, as a
 * browser sends them in `Origin` (RFC 6454 section 6.1); text is a comma list.
 */
export const ORIGIN_LIST = register(
  "vpcrouter-origin-list",
  (value) => {
    if (!Array.isArray(value)) fail("must be a list of origins such as https://ops.example.com");
    for (const item of value) {
      if (
        typeof item !== "string" ||
        !/^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(item)
      ) {
        fail(
          `${JSON.stringify(item)} is not an origin: scheme://host[:port] without a path, e.g. https://ops.example.com`,
        );
      }
    }
  },
  listFromText,
);

/** DNS names (or IP addresses) a `Host` header may carry (`api.allowedHosts`); text is a comma list. */
export const HOST_NAME_LIST = register(
  "vpcrouter-host-name-list",
  (value) => {
    if (!Array.isArray(value)) fail("must be a list of host names such as vpcrouter.example.internal");
    for (const item of value) {
      if (
        typeof item !== "string" ||
        !(/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(item) || ipaddr.isValid(item))
      ) {
        fail(`${JSON.stringify(item)} is not a host name or IP address (no port, no scheme)`);
      }
    }
  },
  listFromText,
);

/** Splits `"a:b, c"` on `:` and `,` (vpc-router separates hosts and plugins with `:`). */
export function listFromColonText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  return value
    .split(/[,:]/)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** List of IPv4 addresses; text is separated by `:` or `,`. */
export const IPV4_LIST = register(
  "vpcrouter-ipv4-list",
  (value) => {
    if (!Array.isArray(value)) fail("must be a list of IPv4 addresses");
    for (const item of value) {
      if (typeof item !== "string" || !parseIpv4(item).ok)
        fail(`Not a valid IP address (${JSON.stringify(item)})`);
    }
  },
  listFromColonText,
);

/** A route table selection: `all`, `subnets`, `tag:<key>=<value>` or a comma list of `rtb-…` ids. */
export const ROUTE_TABLE_SELECTION = register("vpcrouter-route-table-selection", (value) => {
  if (typeof value !== "string") fail("must be a string");
  const parsed = parseRouteTableSelection(value);
  if (!parsed.ok) fail(parsed.message);
});
