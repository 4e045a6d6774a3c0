import { z } from 'zod';
import type { StreamDescription } from '../openapi.js';
import { jobSchema } from './job.js';

export const JOB_STREAM_PATH = '/ws/jobs';

/** The largest seq a client may name (the agent would need millennia of updates to reach it). */
const MAX_SEQ = 999_999_999_999_999;

/** The query parameters of /ws/jobs, applied as strictly as any endpoint's (see query.ts). */
export const jobStreamQuery = z
  .object({
    job_id: z.uuid().optional().describe('Only updates of this job'),
    since: z
      .number()
      .int()
      .min(0)
      .max(MAX_SEQ)
      .optional()
      .describe('Replay the retained updates after this seq (the `seq` of the last message the client saw)'),
    epoch: z
      .uuid()
      .optional()
      .describe(
        'The `epoch` of the message whose seq is `since`. When it is not the agent’s current epoch, the first message is a `resync`',
      ),
  })
  .strict();

/** A job as the stream carries it: the log tail only when it changed since that job's previous update. */
export const streamedJobSchema = jobSchema
  .omit({ log: true })
  .extend({
    log: z
      .array(z.string())
      .optional()
      .describe("Tail of the package manager's output; present only when it changed since this job's previous update"),
  })
  .meta({ id: 'StreamedJob' });

const epoch = z.uuid().describe('Identifies this run of the agent; a restart starts a new epoch and seq starts again at 1');

export const jobUpdateMessage = z
  .object({
    type: z.literal('job_update'),
    epoch,
    seq: z.number().int().min(1).describe('Increases by one with every update of this epoch'),
    job: streamedJobSchema,
  })
  .meta({ id: 'JobUpdateMessage' });

export const RESYNC_REASONS = ['epoch_changed', 'updates_dropped'] as const;

export const resyncMessage = z
  .object({
    type: z.literal('resync'),
    epoch,
    seq: z.number().int().min(0).describe('The latest seq of this epoch when the client connected'),
    reason: z
      .enum(RESYNC_REASONS)
      .describe(
        '`epoch_changed`: `since` belongs to another run of the agent. `updates_dropped`: some updates after `since` are no longer retained',
      ),
  })
  .meta({ id: 'ResyncMessage' });

export const jobStreamMessage = z.discriminatedUnion('type', [jobUpdateMessage, resyncMessage]).meta({ id: 'JobStreamMessage' });

export type JobStreamMessage = z.infer<typeof jobStreamMessage>;

export const JOB_STREAM_DESCRIPTION: StreamDescription = {
  path: JOB_STREAM_PATH,
  operationId: 'streamJobUpdates',
  summary: 'WebSocket stream of job updates',
  description: [
    'Upgrade to a WebSocket (same mutual TLS and allow-list as every endpoint). Every job update is a `job_update` message with the agent’s `epoch` and a `seq` that increases by one per update within the epoch.',
    'To resume, reconnect with `?since=<seq>&epoch=<epoch>` of the last message seen: the retained updates after it are replayed first (the last 1000, at most 8 MiB).',
    'If the agent restarted since (another epoch) or some of those updates are no longer retained, the first message is a `resync`: re-read `GET /jobs`, then apply the messages that follow (the retained updates of the current epoch are replayed after it).',
    'A job’s `log` is sent only when it changed since that job’s previous update; `GET /jobs/{id}` has the full record.',
  ].join('\n\n'),
  tags: ['jobs'],
  query: jobStreamQuery,
  message: jobStreamMessage,
};
