export * from './health.ts';
export * from './meta.ts';
export * from './problem.ts';
