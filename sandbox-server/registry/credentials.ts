import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { engineRegistryHost } from './address.ts';
import { readEnvironment } from '../config/environment.ts';

/**
 * The class registry answers only to a login that only the sandbox server holds. The engine is
 * handed it with each push and pull the server makes on a learner's behalf; a URL the engine
 * fetches for any other reason (an `ADD <url>` a future review bug let through) gets 401.
 *
 * The login lives in the registry's folder, which is shared by every Layerlab server on the
 * machine because the registry's port is: a second checkout or a test run uses the same registry.
 */

export interface RegistryLogin {
  username: string;
  password: string;
}

const USERNAME = 'layerlab';

/** Where the registry keeps its layers, its config and its login. */
export function registryDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const configured = readEnvironment(env).LAYERLAB_REGISTRY_DIR;
  if (configured) return path.resolve(configured);
  return process.getuid?.() === 0 ? '/var/lib/layerlab/registry' : path.join(os.homedir(), '.local', 'share', 'layerlab', 'registry');
}

let cached: { directory: string; login: RegistryLogin } | undefined;

/** The login, made (with its htpasswd file) the first time a server on this machine needs it. */
export function registryLogin(): RegistryLogin {
  const directory = registryDirectory();
  if (cached?.directory === directory) return cached.login;
  const file = path.join(directory, 'login.json');
  let login: RegistryLogin;
  try {
    login = JSON.parse(readFileSync(file, 'utf8')) as RegistryLogin;
  } catch {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    login = { username: USERNAME, password: randomBytes(24).toString('base64url') };
    writeFileSync(file, JSON.stringify(login), { mode: 0o600 });
  }
  if (!existsSync(htpasswdFile())) {
    writeFileSync(htpasswdFile(), `${login.username}:${bcrypt.hashSync(login.password, 10)}\n`, { mode: 0o600 });
  }
  cached = { directory, login };
  return login;
}

export function htpasswdFile(): string {
  return path.join(registryDirectory(), 'htpasswd');
}

/** What dockerode sends as X-Registry-Auth for a push or pull. */
export function engineAuthConfig(): { username: string; password: string; serveraddress: string } {
  const { username, password } = registryLogin();
  return { username, password, serveraddress: engineRegistryHost() };
}

/** The Authorization header for the server's own calls to the registry API. */
export function basicAuthorization(): string {
  const { username, password } = registryLogin();
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
