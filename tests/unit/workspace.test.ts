import { describe, expect, it } from 'vitest';
import { policyFromEnv } from '../../sandbox-server/config/policy.ts';
import { checkWorkspace, filesFromObject, checkWorkspacePath } from '../../sandbox-server/sessions/workspace.ts';

describe('workspace validation', () => {
  const policy = policyFromEnv({ LAYERLAB_CONTEXT_MAX_FILES: '3', LAYERLAB_FILE_MAX_BYTES: '10', LAYERLAB_CONTEXT_MAX_BYTES: '15' });

  it('accepts plain relative paths', () => {
    expect(() => checkWorkspacePath('Dockerfile')).not.toThrow();
    expect(() => checkWorkspacePath('src/app.js')).not.toThrow();
    expect(() => checkWorkspacePath('.dockerignore')).not.toThrow();
  });

  it('refuses paths that could leave the context', () => {
    for (const path of ['../etc/passwd', '/etc/passwd', 'a/../../b', 'a//b', 'a/./b', 'a b', '']) {
      expect(() => checkWorkspacePath(path), path).toThrow(/is not a workspace file name/);
    }
  });

  it('caps files, sizes and the total', () => {
    expect(() => checkWorkspace(filesFromObject({ a: '', b: '', c: '', d: '' }), policy)).toThrow('the workspace has 4 files; at most 3 are allowed');
    expect(() => checkWorkspace(filesFromObject({ a: '12345678901' }), policy)).toThrow('a is 11 bytes; one file may hold at most 10');
    expect(() => checkWorkspace(filesFromObject({ a: '1234567890', b: '1234567890' }), policy)).toThrow(/holds 20 bytes; at most 15/);
    expect(() => checkWorkspace(filesFromObject({ a: 'x', 'a/b': 'y' }), policy)).toThrow('"a" is both a file and a folder');
  });
});
