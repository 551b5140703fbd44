export * from './audit.ts';
export * from './health.ts';
export * from './meta.ts';
export * from './organization.ts';
export * from './permissions.ts';
export * from './problem.ts';
export * from './roles.ts';
export * from './api-keys.ts';
