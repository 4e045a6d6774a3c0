import type { Job } from '@linux-patch-api/core';

export function pendingJob(request: Record<string, unknown> = {}): Job {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    type: 'package_install',
    status: 'pending',
    progress: 0,
    progress_message: null,
    created_at: '2026-01-01T00:00:00.000Z',
    started_at: null,
    finished_at: null,
    request,
    client: 'admin',
    changes: [],
    plan: null,
    plan_hash: null,
    log: [],
    error: null,
    rollback_of: null,
    rolled_back_by: null,
  };
}
