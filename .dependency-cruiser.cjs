/**
 * The structure check (`npm run check:structure`, and test/structure.test.ts in the suite): every import points
 * down, and no modules import each other in a ring (STYLE.md, "Imports point down").
 *
 *   top        main.ts, server.ts, workers.ts, app.ts (assembly)
 *   runtime.ts opening the database and keys, for the server and the CLI alike
 *   surfaces   cli/, management/, interaction/, account/, console/   (src/console/ is the console's server side)
 *   oidc/      everything that configures or extends oidc-provider
 *   http/      plumbing only: route declaration, problem JSON, bearer auth, headers, client IP, issuer origin
 *   domain     apps/, grants/, users/, resources/, … : services, then *.repository.ts
 *   db/        Kysely, connection, migrations
 *
 * TypeScript is parsed by swc (dependency-cruiser does not run on TypeScript 7), and type-only imports count.
 */
const top = '^src/(main|server|workers|app)\\.ts$';
const runtime = '^src/runtime\\.ts$';
const surfaces = '^src/(cli|management|interaction|account|console)/';
const oidc = '^src/oidc/';
const http = '^src/http/';
const db = '^src/db/';
const services = '^src/[^/]+/[^/]+\\.service\\.ts$';
const repositories = '^src/[^/]+/[^/]+\\.repository\\.ts$';
const domain = `^src/(?!(main|server|workers|app|runtime)\\.ts$|(cli|management|interaction|account|console|oidc|http|db)/)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other cannot be understood, tested or moved one at a time.',
      from: { path: '^(src|console/src)/' },
      to: { circular: true },
    },
    {
      name: 'top-is-top',
      severity: 'error',
      comment: 'Assembly and runtime sit at the top: nothing below imports them.',
      from: { path: '^src/', pathNot: top },
      to: { path: top },
    },
    {
      name: 'runtime-below-surfaces',
      severity: 'error',
      comment: 'The runtime (database, keys) is what the server and the CLI both open; it knows neither.',
      from: { path: runtime },
      to: { path: [surfaces, oidc, http] },
    },
    {
      name: 'http-is-plumbing',
      severity: 'error',
      comment: 'http/ is plumbing the surfaces use; the app is assembled in src/app.ts.',
      from: { path: http },
      to: { path: [surfaces] },
    },
    {
      name: 'oidc-below-surfaces',
      severity: 'error',
      comment: 'oidc/ configures the engine; the surfaces use it, never the other way round.',
      from: { path: oidc },
      to: { path: [surfaces] },
    },
    {
      name: 'domain-below-oidc-and-surfaces',
      severity: 'error',
      comment: 'Domain services and repositories know nothing of the engine, the HTTP plumbing or the surfaces.',
      from: { path: domain },
      to: { path: [surfaces, oidc, http] },
    },
    {
      name: 'repositories-below-services',
      severity: 'error',
      comment: 'A repository holds SQL only; services call repositories, not the other way round.',
      from: { path: repositories },
      to: { path: services },
    },
    {
      name: 'db-at-the-bottom',
      severity: 'error',
      comment: 'db/ (connection, migrations) imports no domain code that could change under a frozen migration.',
      from: { path: db },
      to: { path: [surfaces, oidc, http, services, repositories] },
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
