/** `{ board }` as the tools that act on a board take it: its id, or its board file's path, as the CLI does. */
import { z } from 'zod';

export const boardRefShape = {
  board: z.string().min(1).describe("The board's id, or the path of its board file (relative to the server's folder)."),
};
