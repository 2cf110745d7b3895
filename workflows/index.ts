export { boardWorkflow } from './board-workflow.js';
export type { BoardWorkflowInput } from './board-workflow.js';
