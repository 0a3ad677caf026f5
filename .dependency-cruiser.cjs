/**
 * The layering of src/, checked by the test command (scripts/test.sh): which folders may import
 * which (docs/DESIGN.md "Layout of src/"), and the size limit on source files.
 * dependency-cruiser reads `forbidden` and `options`; scripts/check-file-sizes.mjs reads `fileSizes`.
 */

/** Node modules that do I/O (or reach the clock/processes): none of them in the pure core. */
const IO_MODULES = [
  "fs",
  "fs/promises",
  "net",
  "dgram",
  "dns",
  "http",
  "https",
  "http2",
  "tls",
  "child_process",
  "cluster",
  "worker_threads",
  "os",
  "process",
  "readline",
  "timers",
  "timers/promises",
  "perf_hooks",
];

/** The pure core: decisions and the model, tested with table tests and properties. */
const PURE = "^src/(domain|decide|route-spec)/";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycles, between files or (through them) between folders.",
      from: {},
      to: { circular: true },
    },
    {
      name: "pure-core-does-no-io",
      severity: "error",
      comment:
        "domain/, decide/ and route-spec/ are pure: no node I/O module, no etcd, AWS SDK, fastify, pino, raw sockets or telemetry.",
      from: { path: PURE },
      to: {
        dependencyTypes: ["core"],
        path: `^(node:)?(${IO_MODULES.join("|")})$`,
      },
    },
    {
      name: "pure-core-uses-no-io-package",
      severity: "error",
      comment: "The pure core may use only small pure packages (ipaddr.js).",
      from: { path: PURE },
      to: {
        dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer"],
        pathNot: "node_modules/ipaddr\\.js/",
      },
    },
    {
      name: "pure-core-stays-on-the-ground-floor",
      severity: "error",
      comment:
        "The pure core imports only itself: route-spec/ nothing of ours, domain/ route-spec/, decide/ both.",
      from: { path: PURE },
      to: { path: "^src/", pathNot: "^src/(domain|decide|route-spec)/" },
    },
    {
      name: "route-spec-is-the-ground",
      severity: "error",
      comment: "route-spec/ (the operator's spec format) imports nothing else of ours.",
      from: { path: "^src/route-spec/" },
      to: { path: "^src/", pathNot: "^src/route-spec/" },
    },
    {
      name: "domain-imports-no-decision",
      severity: "error",
      comment: "domain/ holds the model, ports and wire records; decisions build on it, not the reverse.",
      from: { path: "^src/domain/" },
      to: { path: "^src/decide/" },
    },
    {
      name: "adapters-never-import-upwards",
      severity: "error",
      comment:
        "vpc/ and cluster/ are adapters: they never import replica/, leader/, api/, telemetry/ or config/.",
      from: { path: "^src/(vpc|cluster)/" },
      to: { path: "^src/(replica|leader|api|telemetry|config|cli|spec-source)/|^src/daemon\\.ts$" },
    },
    {
      name: "adapters-stay-apart",
      severity: "error",
      comment: "The EC2 adapter and the etcd adapter know nothing of each other.",
      from: { path: "^src/vpc/" },
      to: { path: "^src/cluster/" },
    },
    {
      name: "etcd-adapter-knows-no-ec2",
      severity: "error",
      comment: "The etcd adapter knows nothing of the EC2 adapter.",
      from: { path: "^src/cluster/" },
      to: { path: "^src/vpc/" },
    },
    {
      name: "leader-never-imports-the-replica",
      severity: "error",
      comment: "leader/ runs one term; the replica starts and stops it, never the reverse.",
      from: { path: "^src/leader/" },
      to: { path: "^src/(replica|api|spec-source|cli)/|^src/daemon\\.ts$" },
    },
    {
      name: "plugin-api-stands-alone",
      severity: "error",
      comment:
        "src/plugin/api.ts is what plugins import (vpcrouter/plugin): types and one constant, nothing of the daemon.",
      from: { path: "^src/plugin/api\\.ts$" },
      to: { path: "^src/|^node_modules/", pathNot: "^src/plugin/api\\.ts$" },
    },
    {
      name: "nothing-imports-tests",
      severity: "error",
      comment: "Production code never imports test code.",
      from: { path: "^src/" },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};

// The size limit, read by scripts/check-file-sizes.mjs. Not enumerable: dependency-cruiser refuses
// keys of its configuration that it does not know.
Object.defineProperty(module.exports, "fileSizes", {
  enumerable: false,
  value: {
    root: "src",
    maxLines: 300,
    comment: "One concept per file: a source file over 300 lines is doing more than one thing.",
    // Declarative tables (the settings schema, the flag table) may be longer, each exception named
    // here with its reason, as `"src/path.ts": "why"`. None is needed today.
    exceptions: {},
  },
});
