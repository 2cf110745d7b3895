/**
 * Which environment variable names hold secrets, as far as a name can tell: their values belong
 * in the worker's environment, referred to from the board by name, never in the board itself.
 */
const SECRET_NAME = /(?:_KEY|_TOKEN)$|^(?:KEY|TOKEN)$|SECRET|PASSWORD|PASSWD|CREDENTIAL/i;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The load-time refusal of a literal value under a secret's name, showing the safe form. */
export function secretNameProblem(name: string): string | undefined {
  if (!looksSecret(name)) return undefined;
  return (
    `looks like a secret: its value would be stored in Temporal's history and shown in the Web UI. ` +
    `Set it in the worker's environment and refer to it by name: \`${name}: { fromEnv: ${name} }\``
  );
}
