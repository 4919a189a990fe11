// The layering DESIGN.md describes, checked on every `npm test`: a layer that imports upward, the emulator
// reaching into vmbackup, or the SDK used outside provider/azure fails the build.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'emulator-shares-no-code-with-the-client',
      comment: 'The emulator and vmbackup must not share a bug: emulator/ imports nothing from provider/.',
      severity: 'error',
      from: { path: '^emulator/' },
      to: { path: '^provider/' },
    },
    {
      name: 'client-does-not-import-the-emulator',
      comment: 'vmbackup reaches the emulator over HTTPS only; provider/azure starts the embedded one and the CLI serves it and drives its clock.',
      severity: 'error',
      from: { path: '^provider/', pathNot: '^provider/(azure|cli)/' },
      to: { path: '^emulator/' },
    },
    {
      name: 'core-imports-nothing',
      comment: 'provider/core holds types and pure helpers; it imports no other layer.',
      severity: 'error',
      from: { path: '^provider/core/' },
      to: { path: '^(provider/(?!core/)|emulator/)' },
    },
    {
      name: 'spec-plan-render-import-only-core',
      comment: 'The spec pipeline, the planner and the views are pure: they see only core (and themselves).',
      severity: 'error',
      from: { path: '^provider/(spec|plan|render)/' },
      to: { path: '^provider/(azure|discovery|apply|cli|pulumi)/' },
    },
    {
      name: 'spec-render-do-not-import-plan',
      severity: 'error',
      from: { path: '^provider/(spec|render)/' },
      to: { path: '^provider/(plan|drift)/' },
    },
    {
      name: 'plan-does-not-import-spec-or-drift',
      severity: 'error',
      from: { path: '^provider/plan/' },
      to: { path: '^provider/(spec|drift|render)/' },
    },
    {
      name: 'drift-is-pure',
      comment: 'Drift compares a spec with an observation; it reads nothing itself.',
      severity: 'error',
      from: { path: '^provider/drift/' },
      to: { path: '^provider/(azure|discovery|apply|cli|pulumi|spec|render)/' },
    },
    {
      name: 'only-azure-touches-the-sdk',
      comment: 'provider/azure is the one port to Azure: nothing else imports the Azure SDK.',
      severity: 'error',
      from: { path: '^provider/', pathNot: '^provider/azure/' },
      to: { path: '@azure/(arm-|core-|identity)', dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'cli-and-pulumi-do-not-import-each-other',
      severity: 'error',
      from: { path: '^provider/cli/' },
      to: { path: '^provider/pulumi/' },
    },
    {
      name: 'pulumi-and-cli-do-not-import-each-other',
      severity: 'error',
      from: { path: '^provider/pulumi/' },
      to: { path: '^provider/cli/' },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: { path: '^(provider|emulator)/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|test|bench)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.json'] },
  },
};
