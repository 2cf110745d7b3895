/**
 * `todone schema`: the board file's JSON Schema on stdout, for editors (`$schema`) and for
 * services that check a board before sending it. Made from the loader's own zod schema.
 */
import { boardJsonSchema } from '../../board/json-schema.js';

export function schemaCommand(write: (text: string) => void): number {
  write(`${JSON.stringify(boardJsonSchema(), null, 2)}\n`);
  return 0;
}
