// The workflow bundle's entry: every function exported here is registered as a workflow type.
// Clients import the contract from ./api.js instead.
export { boardWorkflow } from './board-workflow.js';
