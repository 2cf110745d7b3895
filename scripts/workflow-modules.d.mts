/** The entry of the workflow bundle, relative to the project root. */
export declare const WORKFLOWS_ENTRY: string;
/** The project files the workflow bundle reaches (relative to `root`, forward slashes, sorted). */
export declare function workflowModules(root: string): string[];
