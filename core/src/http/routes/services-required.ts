import type { PackageManagerBackend } from '../../contracts/backend.js';
import { LpaError } from '../../errors.js';
import type { JobManager } from '../../jobs/job-manager.js';
import type { AgentServices } from '../../services.js';

/** The selected backend, or NO_BACKEND (a 500: the agent cannot manage packages here). */
export function backendOf(services: AgentServices): PackageManagerBackend {
  if (services.backend === null) throw new LpaError('LPA_ERR_NO_BACKEND', 'no package-manager backend is selected');
  return services.backend;
}

export function jobsOf(services: AgentServices): JobManager {
  if (services.jobs === null || services.jobs === undefined)
    throw new LpaError('LPA_ERR_INTERNAL', 'the job manager is not running');
  return services.jobs;
}

/** Read errors from the package manager that are not coded yet are BACKEND_ERRORs (502). */
export async function fromBackend<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof LpaError) throw error;
    throw new LpaError('LPA_ERR_BACKEND', error instanceof Error ? error.message : 'the package manager failed', {
      cause: error,
    });
  }
}
