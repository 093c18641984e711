import { CommitChangeError, reviewedChanges } from '../policy/commit-changes.ts';
import { BoundaryError } from './api.ts';

/** The `changes` of a commit or an import (one per line, as the query holds them), reviewed; 403 with the review's sentence. */
export function ruledChanges(changes: string | undefined): string[] | undefined {
  if (!changes) return undefined;
  try {
    return reviewedChanges(changes.split('\n'));
  } catch (error) {
    if (error instanceof CommitChangeError) throw new BoundaryError(403, error.message);
    throw error;
  }
}
