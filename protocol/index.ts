export * from './limits';
export * from './events';
export * from './decide';
export { formatIssues } from './issues';
export * from "./admin";
export * from "./audience";
