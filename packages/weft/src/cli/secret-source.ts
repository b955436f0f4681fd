import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, type CliContext } from './context.ts';

/**
 * A secret given to the CLI as `name=env:VAR` or `name=file:PATH`: never as the value itself,
 * which would end up in shell history and in `ps` for every user of the machine.
 */
export interface SecretAssignment {
  name: string;
  source: string;
  read(context: CliContext): string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function parseSecretAssignment(text: string): SecretAssignment {
  const equals = text.indexOf('=');
  const name = equals === -1 ? text : text.slice(0, equals);
  const source = equals === -1 ? '' : text.slice(equals + 1);
  if (!NAME.test(name)) throw new CliError(`'${name}' is not a secret name (letters, digits, _ . -)`);
  const [kind, ...rest] = source.split(':');
  const where = rest.join(':');
  if ((kind !== 'env' && kind !== 'file') || where === '') {
    throw new CliError(`give secret '${name}' as ${name}=env:VARIABLE or ${name}=file:PATH, never the value itself`);
  }
  return {
    name,
    source,
    read(context) {
      const value = kind === 'env' ? context.env[where] : readSecretFile(context, where, name);
      if (value === undefined || value === '') throw new CliError(`secret '${name}': ${kind === 'env' ? `environment variable ${where} is not set` : `${where} is empty`}`);
      return value;
    },
  };
}

function readSecretFile(context: CliContext, path: string, name: string): string {
  try {
    return readFileSync(resolve(context.cwd, path), 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new CliError(`secret '${name}': cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

export function collectSecret(text: string, previous: SecretAssignment[] = []): SecretAssignment[] {
  return [...previous, parseSecretAssignment(text)];
}
