/** Layer rules: dependencies point inward (adapters -> application -> domain). */
module.exports = {
  forbidden: [
    {
      name: 'domain-imports-nothing',
      comment: 'The domain is pure: no node:*, no packages, nothing outside src/domain.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/' },
    },
    {
      name: 'application-only-domain',
      comment: 'Use cases and ports know the domain and nothing else but node built-ins for timers.',
      severity: 'error',
      from: { path: '^src/application/' },
      to: { pathNot: '^src/(domain|application)/' },
    },
    {
      name: 'adapters-not-main',
      comment: 'Only src/main wires things together; adapters never reach into it.',
      severity: 'error',
      from: { path: '^src/(adapters|application|domain)/' },
      to: { path: '^src/main/' },
    },
    {
      name: 'only-main-knows-inversify',
      comment: 'Adapters and use cases are plain classes; src/main binds them in the container.',
      severity: 'error',
      from: { pathNot: '^src/main/' },
      to: { path: 'node_modules/inversify' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
