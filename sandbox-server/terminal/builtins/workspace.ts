import type { CommandDefinition } from '../command.ts';

/** `ls` and `cat` read the workspace files, the same ones the editor shows and a build sends. */

function childrenOf(files: string[], folder: string): { name: string; isFolder: boolean }[] {
  const prefix = folder ? `${folder}/` : '';
  const entries = new Map<string, boolean>();
  for (const file of files) {
    if (!file.startsWith(prefix)) continue;
    const [name, ...rest] = file.slice(prefix.length).split('/');
    entries.set(name!, (entries.get(name!) ?? false) || rest.length > 0);
  }
  return [...entries].map(([name, isFolder]) => ({ name, isFolder })).sort((a, b) => a.name.localeCompare(b.name));
}

export const lsCommand: CommandDefinition = {
  name: 'ls',
  summary: 'List the workspace files',
  async run(args, { session, io }) {
    const showHidden = args.some((arg) => /^-[a-zA-Z]*a/.test(arg));
    const long = args.some((arg) => /^-[a-zA-Z]*l/.test(arg));
    const targets = args.filter((arg) => !arg.startsWith('-'));
    const files = [...session.files.keys()];
    let status = 0;
    for (const target of targets.length > 0 ? targets : ['.']) {
      const folder = target.replace(/^\.\/?/, '').replace(/\/$/, '');
      if (folder && session.files.has(folder)) {
        io.out(`${target}\n`);
        continue;
      }
      const entries = childrenOf(files, folder).filter((entry) => showHidden || !entry.name.startsWith('.'));
      if (folder && entries.length === 0) {
        io.err(`ls: cannot access '${target}': No such file or directory\n`);
        status = 2;
        continue;
      }
      if (targets.length > 1) io.out(`${target}:\n`);
      if (long) {
        for (const entry of entries) {
          const path = folder ? `${folder}/${entry.name}` : entry.name;
          const size = entry.isFolder ? 4096 : Buffer.byteLength(session.files.get(path) ?? '');
          io.out(`${entry.isFolder ? 'drwxr-xr-x' : '-rw-r--r--'} 1 learner learner ${String(size).padStart(6)} ${entry.name}${entry.isFolder ? '/' : ''}\n`);
        }
      } else if (entries.length > 0) {
        io.out(`${entries.map((entry) => `${entry.name}${entry.isFolder ? '/' : ''}`).join('  ')}\n`);
      }
    }
    return status;
  },
};

export const catCommand: CommandDefinition = {
  name: 'cat',
  summary: 'Print a workspace file: cat Dockerfile',
  async run(args, { session, io }) {
    if (args.length === 0) {
      io.err('cat: name a workspace file, like cat Dockerfile\n');
      return 1;
    }
    let status = 0;
    for (const arg of args) {
      const path = arg.replace(/^\.\//, '');
      const content = session.files.get(path);
      if (content === undefined) {
        const isFolder = [...session.files.keys()].some((file) => file.startsWith(`${path}/`));
        io.err(`cat: ${arg}: ${isFolder ? 'Is a directory' : 'No such file or directory'}\n`);
        status = 1;
        continue;
      }
      io.out(content);
    }
    return status;
  },
};
